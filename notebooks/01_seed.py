# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Seed the marketplace
#
# Applies the marketplace's migrations, then fills its database with synthetic data at
# `scale`, the same rows for the same `seed`, so every later notebook measures the same
# data. The workbench only does this in a database it created (see the README).

# %% tags=["parameters"]
scale: str = "tiny"  # a preset (tiny, small, medium, large) or a number of users
seed: int = 42  # random seed of the generated data
results_dir: str = ""  # the run folder the notebooks share; set by `workbench report`
allow_external: bool = False  # write to a database not created by the workbench

# %%
from workbench.report.notebook import bootstrap

params = bootstrap(check_data=False)  # it seeds: the data need not match yet

# %%
from workbench.report import tables as report_tables
from workbench.study import steps as report_steps

seeded = report_steps.seed(scale, seed, results_dir, allow_external=allow_external)

# %% [markdown]
# Rows per table, and where the time went (generation overlaps the load):

# %%
report_tables.seed_rows_frame(seeded.as_dict())

# %%
report_tables.seed_timings_frame(seeded.as_dict())
