# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Baseline
#
# Every scenario measured as the marketplace stands: queries, N+1 patterns, latency and plans.

# %% tags=["parameters"]
scale: str = "tiny"  # a preset (tiny, small, medium, large) or a number of users
seed: int = 42  # random seed of the generated data
repeat: int = 3  # timed repeats per measurement
scenarios: list[str] = ["all"]  # scenarios to measure, or ["all"]
results_dir: str = ""  # the run folder the notebooks share; set by `workbench report`

# %%
from analysis.notebook import bootstrap

params = bootstrap()

# %% [markdown]
# This notebook is a placeholder: the measurements it will hold come with the
# scenario runner (`workbench measure`). It writes its results into `results_dir`
# for 06_report to collect.
