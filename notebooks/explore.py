# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore
#
# For interactive work: pick a scenario and a variant, or write a queryset, and see
# every query it issues, the N+1 patterns with the line that caused them, and the plan
# of the slowest query. Not run by `workbench report`; open it with `workbench lab`.

# %% tags=["parameters"]
scenario: str = "job_list"  # a scenario (see workbench/study/scenarios.py)
variant: str = "baseline"  # baseline, indexes, eager, cache or all
page_size: int = 20  # page size of the list endpoints
results_dir: str = ""  # where to keep anything you save

# %%
from workbench.report.notebook import bootstrap

params = bootstrap()

# %% [markdown]
# ## A scenario under a variant
#
# One request, the first under the variant (so a cached variant shows its miss).

# %%
from analysis.explain import explain
from analysis.nplusone import detect_n_plus_one
from workbench.report import figures as report_figures
from workbench.study import steps as report_steps

run = report_steps.explore_scenario(scenario, variant, page_size=page_size)
print(f"{len(run)} queries, {run.total_ms:.2f} ms in the database")
run.to_dataframe()

# %%
findings = detect_n_plus_one(run)
findings

# %% [markdown]
# ## Apply a fix
#
# `try_fix` runs your loop on your queryset as given and with a finding's fix applied,
# and counts the queries of both (`analysis.fixcheck`). Here: the job board's
# `Job.client` lookups, on a queryset of open jobs read the way the serializer reads them.

# %%
from analysis.fixcheck import try_fix
from marketplace.jobs.models import Job

client = next((f for f in findings if f.relation.name == "Job.client"), None)
if client is None:
    print(f"no Job.client N+1 in {scenario!r} under {variant!r}: try_fix another finding")
else:
    jobs = Job.objects.filter(status="open").order_by("-date")[:page_size]
    check = try_fix(client, jobs, lambda qs: [job.client.username for job in qs])
    display(check.frame())  # noqa: F821 - IPython's

# %% [markdown]
# The plan of the slowest read, taken while the variant was in place (under `baseline`,
# without the plan's indexes): each box a plan node, its width the node's time with its
# children, its colour its own time.

# %%
if run.slowest_plan is None:
    print(f"{scenario!r} ran no read under {variant!r}: no plan to chart")
else:
    report_figures.plan_chart(
        run.slowest_plan, title=f"Slowest read of {scenario} under {variant}"
    ).show()

# %% [markdown]
# ## Your own queryset
#
# Anything inside `capture` is recorded. This one has an N+1 on purpose: one query for
# the jobs, then one per job for its client.

# %%
from analysis.capture import capture

with capture(label="explore") as mine:
    jobs = list(Job.objects.filter(status="open").order_by("-date")[:page_size])
    clients = [job.client.username for job in jobs]
detect_n_plus_one(mine)

# %%
explain(Job.objects.filter(status="open").order_by("-date")[:page_size])
