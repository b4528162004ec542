# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · Summary
#
# The run at a glance: the success criteria, then each scenario before and after.
# This notebook gathers what the others left in the run folder and writes
# `summary.json` (its schema is in the README); `workbench report` validates it.

# %% tags=["parameters"]
scale: str = "tiny"  # a preset (tiny, small, medium, large) or a number of users
seed: int = 42  # random seed of the generated data
repeat: int = 3  # timed repeats per measurement
scenarios: list[str] = ["all"]  # scenarios to measure, or ["all"]
results_dir: str = ""  # the run folder the notebooks share; set by `workbench report`

# %%
from analysis.notebook import bootstrap

params = bootstrap()

# %%
import json
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from IPython.display import display

from analysis import summary

run_dir = Path(results_dir)


def read(name, default):
    """A result another notebook left in the run folder, or `default` when it did not run."""
    path = run_dir / name
    return json.loads(path.read_text()) if path.exists() else default


run_info = read("run.json", {})
result = summary.build(
    parameters={k: v for k, v in params.items() if k != "results_dir"},
    environment=summary.collect_environment(run_info.get("started_at") or summary.now()),
    scenarios=read("scenarios.json", []),
    index_audit=read("index_audit.json", []),
    cache=read("cache.json", {"hit_rate": None}),
)
summary.write(run_dir / "summary.json", result)

# %% [markdown]
# ## Success criteria

# %%
criteria = pd.DataFrame(result["criteria"])
criteria["verdict"] = criteria.pop("passed").map({True: "PASS", False: "FAIL"})
criteria.set_index("name")

# %% [markdown]
# ## Scenarios, before and after

# %%
rows = [
    {"scenario": s["name"], "variant": variant, **{k: f[k] for k in summary.FIGURES}}
    for s in result["scenarios"]
    for variant, f in s["variants"].items()
]
table = pd.DataFrame(rows, columns=["scenario", "variant", *summary.FIGURES])
if rows:
    display(table)
else:
    print("No scenario was measured in this run.")

# %%
if rows:
    fig = go.Figure(
        [
            go.Bar(name=variant, x=group["scenario"], y=group["p95_ms"])
            for variant, group in table.groupby("variant", sort=False)
        ],
        layout={"title": "p95 latency per scenario (ms)", "barmode": "group"},
    )
    fig.show()
