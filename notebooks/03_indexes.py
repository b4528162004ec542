# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Indexes
#
# The performance plan lists 24 indexes. The audit asks of each one: does an equivalent
# index already exist (Django indexes every foreign key and unique field by itself), what
# does it cost (size, build time, write slowdown), and which scenarios' plans use it when
# it alone is added. Then every scenario is measured with all 24 applied (the `indexes`
# variant) and its plans are compared with the baseline's plans from 02.

# %% tags=["parameters"]
scale: str = "tiny"  # a preset (tiny, small, medium, large) or a number of users
seed: int = 42  # random seed of the generated data
repeat: int = 20  # timed calls per scenario and variant, interleaved in rounds
time_box: float = 0.5  # timed seconds per scenario and variant at most (0: no limit)
scenarios: list[str] = ["all"]  # scenarios to measure, or ["all"]
page_size: int = 20  # page size of the list endpoints
audit_write_rows: int = 500  # rows re-inserted and updated to time each index's write cost
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

# The variant first, right after 02 measured the baseline: the audit's write-cost rounds
# churn the tables (it vacuums them afterwards), which the comparison should not see.
stage = report_steps.measure_stage(
    results_dir,
    "03_indexes",
    ["indexes"],
    scenarios=scenarios,
    scale=scale,
    seed=seed,
    repeat=repeat,
    time_box=time_box or None,
    page_size=page_size,
    allow_external=allow_external,
)
audit = report_steps.audit_indexes(
    scenarios, page_size=page_size, write_rows=audit_write_rows, allow_external=allow_external
)
reporting.write_json(results_dir, reporting.AUDIT_FILE, audit)
print(report_tables.audit_summary(audit))

# %% [markdown]
# ## The audit
#
# `duplicates`: the existing index it repeats (or the wider one covering it); `write x`:
# insert and update time with the index divided by without it; `used by`: the scenarios
# whose plans pick it when it alone is added; `gain ms`: the server time those
# statements save with it.

# %%
for note in report_tables.audit_notes(audit):
    print(note)
report_tables.audit_frame(audit)

# %% [markdown]
# ## All 24 applied, against the baseline

# %%
print(stage.baseline_note)
report_tables.comparison_frame(stage.view, "indexes")

# %% [markdown]
# ## Plans that changed, in words
#
# Each statement's plan with the indexes against its plan in the baseline, each run five
# times: `improved` or `regressed` only when the interval of the speedup excludes 1 and
# the change is at least 10% (a new shape with the same time is a plan flip);
# `unchanged` ones are left out.

# %%
print(report_tables.plan_verdicts(stage.view, "indexes"))
report_tables.plan_diffs_frame(stage.view, "indexes")

# %%
report_figures.before_after(stage.view, ["baseline", "indexes"]).show()
