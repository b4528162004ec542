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

# %%
from analysis.notebook import bootstrap

params = bootstrap()

# %%
import json
from pathlib import Path

import pandas as pd
from django.core.management import call_command

import fixtures
from analysis import ownership

ownership.ensure_owned("migrate")
call_command("migrate", verbosity=0, interactive=False)
seeded = fixtures.seed(scale, seed=seed, reset=True, progress=False)

# %% [markdown]
# Rows per table, and where the time went:

# %%
rows = pd.Series(seeded.rows, name="rows").sort_values(ascending=False).to_frame()
rows.loc["total"] = seeded.total_rows
rows

# %%
timings = {
    "generate (s)": seeded.generate_s,
    "load (s)": seeded.load_s,
    "index (s)": seeded.index_s,
    "analyze (s)": seeded.analyze_s,
    "total (s)": seeded.seconds,
    "rows per second": round(seeded.rows_per_s),
}
Path(results_dir, "seed.json").write_text(
    json.dumps({"scale": seeded.scale, "users": seeded.users, "rows": seeded.rows, **timings})
)
pd.Series(timings).to_frame("value")
