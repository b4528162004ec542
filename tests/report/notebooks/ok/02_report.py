# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Report: the summary built from what 01_produce measured

# %% tags=["parameters"]
scale: str = "tiny"  # data preset or number of users
seed: int = 42  # random seed
results_dir: str = ""  # the run folder, set by the runner

# %%
from workbench.report.notebook import bootstrap

params = bootstrap(check_data=False)  # a pipeline test: no marketplace data needed

# %%
import json
from pathlib import Path

from django.core.cache import cache

from workbench.report import environment, summary

started_at = environment.now()
produced = json.loads(Path(results_dir, "produce.json").read_text())

# A real, if tiny, cache workload: two reads of a stored key and one miss.
cache.set("report-test:key", 1, 60)
reads = [cache.get(key) for key in ("report-test:key", "report-test:key", "report-test:absent")]
cache.delete("report-test:key")
hit_rate = sum(r is not None for r in reads) / len(reads)

result = summary.build(
    parameters=produced["params"],
    environment=environment.collect_environment(started_at),
    scenarios=[{"name": "doubling", "variants": produced["variants"]}],
    index_audit=[],
    cache={"hit_rate": hit_rate},
)
summary.write(results_dir, result)

# %%
import pandas as pd

pd.DataFrame(result["criteria"])
