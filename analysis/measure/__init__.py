"""Run named scenarios under named variants and record what each one costs.

Generic: it knows nothing of the application. A *scenario* is any object with a
``name`` that can be called (or a ``(name, callable)`` pair); it may offer
``describe()`` for the results. A *variant* is a name and a factory returning a context
manager that puts the system in that state (indexes built, a switch on, a cache
cleared). ``around`` is one more context manager the whole run happens in, e.g. one
that restores the database's index state afterwards. The *baseline* is the variant the
others are diffed against: ``baseline=`` names it, else it is the first variant given.

    result = measure(scenarios, {"before": before, "after": after}, repeat=5, warmup=1)
    result.frame()          # one row per scenario x variant x repeat
    result.summary_frame()  # one row per scenario x variant
    result.write("results/run1")
    load("results/run1")    # the same result, read back

The package's modules, one concept each: ``run`` (the loop over variants and
scenarios), ``runner`` (one scenario's calls and the figures from them), ``classify``
(data, count, auth or control queries), ``plancapture`` (EXPLAIN of what ran, diffed
against the baseline), ``result`` (the record and its results folder, whose layout its
docstring gives). Percentiles are ``analysis.stats.percentile``.
"""

from analysis.measure.classify import CATEGORIES, CONTROL_KINDS, Classifier, Rule, classifier
from analysis.measure.errors import MeasureError
from analysis.measure.result import (
    RUN_COLUMNS,
    SCHEMA_VERSION,
    SUMMARY_FIGURES,
    MeasureResult,
    load,
)
from analysis.measure.run import VariantFactory, measure
from analysis.stats import percentile

__all__ = [
    "CATEGORIES",
    "CONTROL_KINDS",
    "RUN_COLUMNS",
    "SCHEMA_VERSION",
    "SUMMARY_FIGURES",
    "Classifier",
    "MeasureError",
    "MeasureResult",
    "Rule",
    "VariantFactory",
    "classifier",
    "load",
    "measure",
    "percentile",
]
