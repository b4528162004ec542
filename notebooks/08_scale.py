# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Scale curves (optional)
#
# How each scenario's cost grows with the data. Every scale in `scales` is seeded into
# a database of its own beside the workbench's (`<database>_scale_<name>`, kept and
# reused by the next run at the same seed), every scenario is measured there under
# `variants`, and the points (rows, p50, queries) are fitted as flat, log, linear or
# superlinear. The seeded database is not touched. `workbench report` runs this page
# only when asked (`--with scale`, or `--only scale`); `workbench scale` prints the same
# lines. Two small scales by default: `-p scales=tiny,small,medium` for a curve that shows
# what grows (medium seeds about 800,000 rows in a minute or two).

# %% tags=["parameters"]
scales: list[str] = ["tiny", "small"]  # two or more presets or numbers of users, smallest first
variants: list[str] = ["baseline", "all"]  # variants measured at every scale
scenarios: list[str] = ["all"]  # scenarios to measure, or ["all"]
repeat: int = 10  # timed calls per scenario and variant at each scale
time_box: float = 0.5  # timed seconds per scenario and variant at most (0: no limit)
seed: int = 42  # random seed of the generated data
results_dir: str = ""  # the run folder the notebooks share; set by `workbench report`
allow_external: bool = False  # create the scale databases beside a database not ours

# %%
from workbench.report.notebook import bootstrap

params = bootstrap()

# %%
from workbench.report.tables import scale as scale_page

curves = scale_page.run(
    results_dir,
    scales,
    variants,
    scenarios=scenarios,
    seed=seed,
    repeat=repeat,
    time_box=time_box or None,
    allow_external=allow_external,
    progress=print,
)
print(scale_page.describe(curves))

# %% [markdown]
# ## The curves
#
# p50 against the rows of the whole marketplace, both axes logarithmic, one panel per
# scenario. A cached variant is drawn on its misses when its timed calls missed (a hit
# costs the same at any size), else on every call; the table says which.

# %%
scale_page.curves_figure(curves["lines"]).show()

# %% [markdown]
# ## The fitted growth
#
# `growth` (of p50) and `queries growth`: flat when the figure changed by less than 25%
# from the smallest to the largest scale; otherwise, with two scales, the log-log slope
# decides (below 0.5 log, below 1.25 linear, above superlinear); with three or more,
# the best least-squares fit. The plan node is the one whose exclusive time grew most
# between the smallest and the largest scale (`analysis.growth`).

# %%
scale_page.growth_frame(curves["lines"])
