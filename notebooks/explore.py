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
# For interactive work: run a queryset (or any code) under capture and see every
# query it issues, the N+1 patterns with the line that caused them, and the plan of
# the slowest query. Not run by `workbench report`.

# %% tags=["parameters"]
page_size: int = 20  # how many jobs the example lists
results_dir: str = ""  # where to keep anything you save

# %%
from analysis.notebook import bootstrap

params = bootstrap()

# %%
from analysis.capture import capture
from marketplace.jobs.models import Job

# An N+1 on purpose: one query for the jobs, then one per job for its client.
with capture(label="explore") as run:
    jobs = list(Job.objects.filter(status="open").order_by("-date")[:page_size])
    clients = [job.client.username for job in jobs]
run.to_dataframe()

# %%
run.n_plus_one()

# %%
from analysis import charts
from analysis.explain import explain

if len(run):
    slowest = max(run, key=lambda q: q.duration_ms)
    charts.plan_icicle(explain(slowest).plan).show()
