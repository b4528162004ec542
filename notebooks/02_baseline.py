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
# Every scenario measured as the marketplace stands: the plan's indexes reverted (Django's
# own foreign-key and unique indexes stay), eager loading and caching off. Each scenario
# is one real request through Django's test client, as a real user picked from the data.
# Every variant is measured here, interleaved in rounds (each round enters every variant,
# the order rotated), `repeat` timed calls per scenario and variant at most, within
# `time_box` seconds: drift on a busy machine spreads over all of them instead of landing
# on whichever runs last. The result is stored in `results_dir/02_baseline/`; the later
# notebooks show their variants from it.

# %% tags=["parameters"]
scale: str = "tiny"  # a preset (tiny, small, medium, large) or a number of users
seed: int = 42  # random seed of the generated data
repeat: int = 20  # timed calls per scenario and variant, interleaved in rounds
time_box: float = 0.5  # timed seconds per scenario and variant at most (0: no limit)
scenarios: list[str] = ["all"]  # scenarios to measure, or ["all"]
page_size: int = 20  # page size of the list endpoints
reseed: bool = False  # seed `scale` with `seed` first when the data is not that
results_dir: str = ""  # the run folder the notebooks share; set by `workbench report`
allow_external: bool = False  # write to a database not created by the workbench

# %%
from workbench.report.notebook import bootstrap

params = bootstrap()

# %%
from workbench.report import figures as report_figures
from workbench.report import tables as report_tables
from workbench.study import steps as report_steps

stage = report_steps.measure_stage(
    results_dir,
    "02_baseline",
    ["baseline"],
    scenarios=scenarios,
    scale=scale,
    seed=seed,
    repeat=repeat,
    time_box=time_box or None,
    page_size=page_size,
    allow_external=allow_external,
)
baseline = stage.view  # stage.own holds every variant, measured with the baseline

# %% [markdown]
# ## Per scenario
#
# `queries` counts every statement; `data queries` leaves out the paginator's `COUNT(*)`
# and the caller's lookup (`auth`). p50 and p95 are wall times of the whole request;
# `db ms` is the driver-side time of its queries and `db cpu ms` the database backend's
# CPU time (medians over the timed calls).

# %%
report_tables.figures_frame(baseline)

# %% [markdown]
# ## N+1 patterns
#
# The same statement shape issued again and again from one line of code, each with the
# relation it follows and the fix.

# %%
report_tables.n_plus_one_frame(baseline)

# %% [markdown]
# ## The slowest statements and what their plans show
#
# Each distinct statement was run once more under `EXPLAIN (ANALYZE, BUFFERS)`.

# %%
report_tables.plan_findings_frame(baseline, top=5)

# %%
figure = report_figures.slowest_plan(baseline)
if figure is not None:
    figure.show()

# %% [markdown]
# ## Latency

# %%
report_figures.latency_distribution(baseline).show()
