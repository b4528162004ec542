# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A notebook whose third code cell fails

# %% tags=["parameters"]
results_dir: str = ""  # the run folder, set by the runner

# %%
from workbench.report.notebook import bootstrap

params = bootstrap()

# %%
numbers = [1, 2, 3]
raise ValueError(f"boom after {len(numbers)} numbers")

# %%
print("never reached")
