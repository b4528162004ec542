# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
results_dir: str = ""  # the run folder, set by the runner

# %%
from workbench.report.notebook import bootstrap

params = bootstrap()

# %%
print("fine")
