"""The instrument's own error: a measurement that cannot be made as asked."""


class AnalysisError(Exception):
    """A user-facing failure of the instrument: bad input or a statement it cannot measure."""
