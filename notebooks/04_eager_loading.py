# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Eager loading
#
# With the eager switch on, the endpoints read related rows with `select_related` and
# counts and averages with annotations, instead of one query per row. Measured against
# the baseline from 02 (the plan's indexes reverted in both), then at two page sizes: the
# baseline's query count grows with the page, eager loading's does not.

# %% tags=["parameters"]
scale: str = "tiny"  # a preset (tiny, small, medium, large) or a number of users
seed: int = 42  # random seed of the generated data
repeat: int = 20  # timed calls per scenario and variant, interleaved in rounds
time_box: float = 0.5  # timed seconds per scenario and variant at most (0: no limit)
scenarios: list[str] = ["all"]  # scenarios to measure, or ["all"]
page_size: int = 20  # page size of the list endpoints
page_sizes: list[int] = [10, 50]  # two page sizes to compare query counts at
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

stage = report_steps.measure_stage(
    results_dir,
    "04_eager_loading",
    ["eager"],
    scenarios=scenarios,
    scale=scale,
    seed=seed,
    repeat=repeat,
    time_box=time_box or None,
    page_size=page_size,
    allow_external=allow_external,
)
print(stage.baseline_note)
report_tables.comparison_frame(stage.view, "eager")

# %% [markdown]
# ## N+1 patterns left under eager loading

# %%
print(report_tables.n_plus_one_line(stage.view))
report_tables.n_plus_one_frame(stage.view, "eager")

# %% [markdown]
# ## Queries that disappeared
#
# Baseline statements the eager variant no longer runs, with how many times per request
# the baseline ran each and the line that issued it.

# %%
report_tables.disappeared_frame(stage.view, "eager")

# %% [markdown]
# ## Query counts at two page sizes (measured)

# %%
counts = report_steps.page_size_counts(scenarios, page_sizes, allow_external=allow_external)
reporting.write_json(results_dir, reporting.PAGE_SIZES_FILE, counts)
report_tables.page_size_frame(counts)

# %%
if counts:
    report_figures.page_size_bars(counts).show()
else:
    print("No paginated scenario in this run: no page-size chart.")

# %% [markdown]
# ## Plans that changed, and before and after

# %%
print(report_tables.plan_verdicts(stage.view, "eager"))
report_tables.plan_diffs_frame(stage.view, "eager")

# %%
report_figures.before_after(stage.view, ["baseline", "eager"]).show()
