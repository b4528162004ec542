# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Load (optional)
#
# The marketplace under concurrent users, through a real server. Each variant is served
# by gunicorn on a copy of the database (its writes never reach the seeded data; the
# copy is dropped afterwards) and loaded by Locust with the mixed workload (Zipf-skewed
# reads over every scenario, a share of API writes) at each level of `users`, every user
# sending its next request as soon as the previous one is answered: `users` is the
# number of requests in flight. `workbench report` runs this page only when asked
# (`--with load`, or `--only load` on a database already seeded); docs/load.md explains
# every figure. The defaults (two levels, 20 s counted after 5 s of warm-up each) take
# about two minutes per variant.

# %% tags=["parameters"]
scale: str = "tiny"  # the data the database holds (checked here, not seeded: run 01_seed)
seed: int = 42  # seed of that data, and of the load's random draws
variants: list[str] = ["baseline", "all"]  # variants to serve, each on a copy of the database
users: list[int] = [1, 8]  # concurrency levels: requests in flight
duration: float = 20.0  # counted seconds per level
warmup: float = 5.0  # uncounted seconds before each level (0: none, the cache starts cold)
write_share: float = 0.05  # share of writes in the workload
results_dir: str = ""  # the run folder the notebooks share; set by `workbench report`
allow_external: bool = False  # copy a database not created by the workbench

# %%
from workbench.report.notebook import bootstrap

params = bootstrap()

# %%
from workbench.report.tables import load as load_page

load = load_page.run(
    results_dir,
    variants,
    users,
    duration=duration,
    warmup=warmup,
    write_share=write_share,
    seed=seed,
    allow_external=allow_external,
)
print(load_page.describe(load))

# %% [markdown]
# ## Every variant at every level
#
# Client side (every counted request, reads and writes together): requests, throughput
# over the run's wall time, latency percentiles, errors (answers of 400 or more and
# connection failures). Server side, per request it answered: statements sent to
# PostgreSQL, the database backends' CPU, the share of cache lookups that hit. `p95 vs
# baseline`: the speedup at the same users with its 95% bootstrap interval.

# %%
load_page.levels_frame(load)

# %% [markdown]
# ## The concurrency curve
#
# On this machine the load generator, gunicorn, PostgreSQL and Redis share the cores:
# the curve says what the machine sustains, not the server alone. Compare the variants
# with each other.

# %%
load_page.concurrency_figure(load).show()

# %% [markdown]
# ## Latency per level
#
# The share of requests answered within a time, from the raw samples of every Locust
# process (exact milliseconds; Locust's own histogram rounds to 10 ms above 100 ms).

# %%
samples = load_page.level_samples(results_dir, load)
load_page.latency_figure(samples).show()

# %%
load_page.distribution_frame(samples)

# %% [markdown]
# ## Errors

# %%
load_page.errors_frame(load)
