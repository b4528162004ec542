"""Run named scenarios under named variants and record what each one costs.

Generic: it knows nothing of the application. A *scenario* is any object with a
``name`` that can be called (or a ``(name, callable)`` pair); it may offer
``describe()`` for the results. A *variant* is a name and a factory returning a context
manager that puts the system in that state (indexes built, a switch on, a cache
cleared). ``around`` is one more context manager the whole run happens in, e.g. one
that restores the database's index state afterwards. The *baseline* is the variant the
others are diffed against: ``baseline=`` names it, else it is the first variant given.

    result = measure(scenarios, {"before": before, "after": after}, repeat=200, warmup=1)
    result.frame()          # one row per scenario x variant x timed call
    result.figures("a_scenario", "after")["speedup"]  # {"speedup", "ci", "verdict", ...}
    result.summary_frame()  # one row per scenario x variant
    result.write("results/run1")
    load("results/run1")    # the same result, read back

The package's modules, one concept each: ``run`` (the interleaved rounds over variants
and scenarios), ``rounds`` (how many rounds, calls per round, the variants' order in
each), ``runner`` (one scenario's calls and the figures from them), ``latency``
(percentile intervals, hit and miss blocks, speedups with verdicts), ``classify``
(data, count, auth or control queries), ``plancapture`` (EXPLAIN of what ran, diffed
against the baseline), ``result`` (the record and its results folder, whose layout its
docstring gives). Percentiles are ``analysis.stats.percentile``.
"""

from analysis.measure.classify import CATEGORIES, CONTROL_KINDS, Classifier, Rule, classifier
from analysis.measure.errors import MeasureError
from analysis.measure.result import (
    CONTRACT_FIGURES,
    RUN_COLUMNS,
    SCHEMA_VERSION,
    SUMMARY_FIGURES,
    MeasureResult,
    load,
)
from analysis.measure.rounds import ROUNDS, SAMPLES, TIME_BOX, Order, grouped, rotation
from analysis.measure.run import VariantFactory, measure
from analysis.stats import percentile

__all__ = [
    "CATEGORIES",
    "CONTRACT_FIGURES",
    "CONTROL_KINDS",
    "ROUNDS",
    "RUN_COLUMNS",
    "SAMPLES",
    "SCHEMA_VERSION",
    "SUMMARY_FIGURES",
    "TIME_BOX",
    "Classifier",
    "MeasureError",
    "MeasureResult",
    "Order",
    "Rule",
    "VariantFactory",
    "classifier",
    "grouped",
    "load",
    "measure",
    "percentile",
    "rotation",
]
