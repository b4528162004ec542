# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Caching
#
# Redis caching with versioned keys: `cache` alone (indexes reverted, eager loading off)
# and `all` (the indexes, eager loading and the cache together), each against the
# baseline from 02. The timed calls of a cached variant are hits; the statements its
# first, missing call ran are explained too. The success criteria are judged on a mixed
# workload: Zipf-skewed reads over every scenario for many users and pages, with a share
# of API writes that invalidate entries, run in a transaction that is rolled back. It
# runs here from a cold cache under every variant of the run that has not run it yet.

# %% tags=["parameters"]
scale: str = "tiny"  # a preset (tiny, small, medium, large) or a number of users
seed: int = 42  # random seed of the generated data
repeat: int = 20  # timed calls per scenario and variant, interleaved in rounds
time_box: float = 0.5  # timed seconds per scenario and variant at most (0: no limit)
scenarios: list[str] = ["all"]  # scenarios to measure, or ["all"]
page_size: int = 20  # page size of the list endpoints
mixed_requests: int = 2000  # counted requests of the mixed workload (after a quarter as warm-up)
write_share: float = 0.05  # share of writes in the mixed workload
reseed: bool = False  # seed `scale` with `seed` first when the data is not that
results_dir: str = ""  # the run folder the notebooks share; set by `workbench report`
allow_external: bool = False  # write to a database not created by the workbench

# %%
from workbench.report.notebook import bootstrap

params = bootstrap()

# %%
from workbench.report import figures as report_figures
from workbench.report import run_folder as reporting
from workbench.report import tables as report_tables
from workbench.study import steps as report_steps
from workbench.study.mixed import mixed_by_variant

stage = report_steps.measure_stage(
    results_dir,
    "05_caching",
    ["cache", "all"],
    scenarios=scenarios,
    scale=scale,
    seed=seed,
    repeat=repeat,
    time_box=time_box or None,
    page_size=page_size,
    mixed_requests=mixed_requests,
    write_share=write_share,
    allow_external=allow_external,
)
earlier = reporting.collect(results_dir).measured
missing = [v for v in reporting.variants_of(earlier) if v not in stage.own.mixed]
stage.own.mixed.update(
    mixed_by_variant(
        missing if mixed_requests else [],
        requests=mixed_requests,
        warmup=max(mixed_requests // 4, 1),
        write_share=write_share,
        seed=seed,
        page_size=page_size,
    )
)
stage.own.write(reporting.run_dir(results_dir) / "05_caching")
cache = reporting.cache_section(stage.own)
reporting.write_json(results_dir, reporting.CACHE_FILE, cache)
print(stage.baseline_note)

# %% [markdown]
# ## The mixed workload under every variant
#
# Latency over every request (reads and writes) with its 95% interval, the hit rate per
# read request (served from the cache) beside the rate per lookup, the cost per request.

# %%
report_tables.mixed_frame(stage.own)

# %%
if cache["hit_rate"] is not None:
    report_figures.hit_rates(stage.own).show()
else:
    print("The mixed workload did not run (mixed_requests is 0): no hit rate to chart.")

# %% [markdown]
# ## Every scenario, before and after

# %%
report_tables.figures_frame(stage.view)

# %%
report_tables.comparison_frame(stage.view, "all")

# %% [markdown]
# ## Queries that disappeared under `all`

# %%
report_tables.disappeared_frame(stage.view, "all")

# %% [markdown]
# ## Plans of `all` against the baseline
#
# A cached variant's timed calls are hits; these are the statements its first call, the
# miss, ran with eager loading and the indexes.

# %%
print(report_tables.plan_verdicts(stage.view, "all"))
report_tables.plan_diffs_frame(stage.view, "all")

# %%
report_figures.before_after(stage.view, ["baseline", "cache", "all"]).show()

# %%
report_figures.latency_distribution(stage.view).show()
