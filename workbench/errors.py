"""Errors the command line turns into one clear line and a non-zero exit."""


class WorkbenchError(Exception):
    """A user-facing failure: bad input, a refused operation, a service that is down."""
