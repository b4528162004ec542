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
# The run at a glance: what to do next, the success criteria, then each scenario before
# and after. This
# notebook gathers what the others left in the run folder and writes `summary.json` (its
# schema is docs/summary.schema.json, described in docs/reports.md); `workbench report`
# validates it. Every figure below comes from this run's files.

# %% tags=["parameters"]
scale: str = "tiny"  # a preset (tiny, small, medium, large) or a number of users
seed: int = 42  # random seed of the generated data
repeat: int = 3  # timed repeats per measurement
scenarios: list[str] = ["all"]  # scenarios to measure, or ["all"]
results_dir: str = ""  # the run folder the notebooks share; set by `workbench report`

# %%
from workbench.report.notebook import bootstrap

params = bootstrap()

# %%
from IPython.display import HTML, display

from workbench.report import environment, summary
from workbench.report import figures as report_figures
from workbench.report import run_folder as reporting
from workbench.report import tables as report_tables
from workbench.study import recommend

run = reporting.collect(results_dir)
advice = run.advice or None
recommendations = recommend.recommendations(advice, run.measured, (advice or {}).get("migration"))
run_info = reporting.read_json(results_dir, "run.json", {})
result = summary.build(
    parameters={
        **run_info.get("parameters", {}),
        **{k: v for k, v in params.items() if k != "results_dir"},
    },
    environment=environment.collect_environment(run_info.get("started_at") or environment.now()),
    scenarios=run.scenarios,
    index_audit=run.index_audit,
    cache=run.cache,
    measured=run.measured,
    recommendations=recommendations,
    index_set=advice["index_set"] if advice else None,
)
print(f"wrote {summary.write(run.folder / 'summary.json', result)}")

# %% [markdown]
# ## What to do next
#
# Every action this run measured, ranked by what it saves: read savings first (per
# request, with the 95% interval; N+1 fixes and caching on the mixed traffic when it
# ran, indexes from the advisor's paired EXPLAIN ANALYZE rounds), then index drops
# (write time saved per 1,000 rows). `evidence` names the page with the measurement.

# %%
report_tables.recommendations_frame(recommendations)

# %% [markdown]
# Measured, but within the noise band (not worth it on this run's evidence):

# %%
report_tables.recommendations_frame(recommendations, worth_it=False)

# %%
for line in report_tables.index_set_lines(advice):
    print(line)

# %% [markdown]
# ## Success criteria
#
# Judged on `all` (the indexes, eager loading and caching together), against `baseline`
# for savings. `measured on` says on what traffic: `mixed` is the mixed workload (skewed
# reads and writes, from a cold cache), `isolated` one scenario at a time, for the
# structural figures. A figure with an interval passes only when its whole interval
# does; a criterion nobody measured fails.

# %%
report_tables.criteria_frame(result)

# %% [markdown]
# The hit path and the miss path of the cached variants, each scenario on its own:

# %%
report_tables.hit_miss_frame(result)

# %%
report_tables.slow_statements_frame(result["mixed"], "all")

# %% [markdown]
# ## Scenarios, before and after

# %%
if run.measured is not None:
    display(report_tables.overview_frame(run.measured))
else:
    print("No scenario was measured in this run.")

# %%
if run.measured is not None:
    report_figures.before_after(run.measured, title="Every variant per scenario").show()

# %%
if run.measured is not None:
    report_figures.latency_distribution(run.measured).show()

# %% [markdown]
# ## The slowest statement, before and after
#
# Each box is a plan node, its width the node's time, its colour its own time.

# %%
if run.measured is not None:
    for variant in ("baseline", "all"):
        figure = report_figures.slowest_plan(run.measured, variant)
        if figure is not None:
            figure.show()

# %% [markdown]
# ## Each scenario
#
# Its figures per variant (queries with data queries in brackets), the baseline
# statements each variant no longer runs, and the plans that changed, in words.

# %%
for section in report_tables.scenario_sections(result, run.measured):
    display(HTML(section))

# %% [markdown]
# ## The mixed workload and the cache

# %%
if result["mixed"]:
    display(report_tables.mixed_frame(result["mixed"]))
else:
    print("The mixed workload did not run in this run.")

# %% [markdown]
# ## Index audit

# %%
if run.index_audit:
    for line in [
        report_tables.audit_summary(run.index_audit),
        *report_tables.audit_notes(run.index_audit),
    ]:
        print(line)
    display(report_tables.audit_frame(run.index_audit))
else:
    print("The index audit did not run in this run.")
