"""The measuring run's error."""

from analysis.errors import AnalysisError


class MeasureError(AnalysisError):
    """A scenario failed or the run was set up wrong; the message names which."""
