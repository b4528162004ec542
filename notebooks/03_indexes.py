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
# The performance plan lists 24 indexes. The advisor judges them together with the
# indexes the scenarios' own SQL asks for (their filters, joins and sorts, screened with
# HypoPG where the server has it, then built and timed for real), and decides one index
# set: keep an index only when some statement is measurably slower without it, so an
# index is "redundant" only against one that stays. Every scenario is measured with all
# 24 applied (the `indexes` variant) and its plans are compared with the baseline's.

# %% tags=["parameters"]
scale: str = "tiny"  # a preset (tiny, small, medium, large) or a number of users
seed: int = 42  # random seed of the generated data
repeat: int = 20  # timed calls per scenario and variant, interleaved in rounds
time_box: float = 0.5  # timed seconds per scenario and variant at most (0: no limit)
scenarios: list[str] = ["all"]  # scenarios to measure, or ["all"]
page_size: int = 20  # page size of the list endpoints
audit_write_rows: int = 500  # rows re-inserted and updated to time each index's write cost
candidates: bool = True  # also judge the indexes the workload's own SQL asks for
results_dir: str = ""  # the run folder the notebooks share; set by `workbench report`
allow_external: bool = False  # write to a database not created by the workbench

# %%
from workbench.report.notebook import bootstrap

params = bootstrap()

# %%
from workbench.report import figures as report_figures
from workbench.report import tables as report_tables
from workbench.study import recommend
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
advice = report_steps.advise_indexes(
    results_dir,
    scenarios,
    page_size=page_size,
    write_rows=audit_write_rows,
    candidates=candidates,
    allow_external=allow_external,
)
audit = advice["records"]
for line in report_tables.index_set_lines(advice):
    print(line)

# %% [markdown]
# ## What to do with the indexes
#
# The recommended set, ranked: `saving` is server time per request of the scenario the
# index helps most, with its 95% interval; `write cost` is insert and update time with
# the index divided by without it. Actions within the noise band follow apart.

# %%
index_actions = recommend.rank(recommend.index_actions(advice, advice.get("migration")))
report_tables.recommendations_frame(index_actions)

# %%
report_tables.recommendations_frame(index_actions, worth_it=False)

# %% [markdown]
# ## The set, index by index
#
# `saving in the set`: the server time one pass of the workload saves with the index
# where it stands in the set (paired rounds with and without it); `verdict`: useful
# (kept), redundant (an index that stays serves it), unused (no plan reads it), no gain
# (plans read it, but no statement is slower beyond the noise band without it).

# %%
report_tables.index_set_frame(audit)

# %% [markdown]
# Statements whose plan differs between all indexes and the recommended set, timed
# against all indexes present (an index goes back when one would be slower):

# %%
report_tables.final_check_frame(advice)

# %% [markdown]
# ## Each index alone
#
# `duplicates`: the index that stays and serves it; `write cost`: insert and update time
# with the index divided by without it; `used by`: the scenarios whose plans pick it
# when it alone is added; `gain`: the server time those statements save with it alone.

# %%
print(report_tables.audit_summary(audit))
for note in report_tables.audit_notes(audit):
    print(note)
report_tables.audit_frame(audit)

# %% [markdown]
# ## Candidates the workload asked for

# %%
report_tables.candidates_frame(advice)

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
