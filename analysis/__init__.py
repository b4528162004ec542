"""The generic instrument: query capture, N+1 detection, EXPLAIN and plans, measurement.

It knows no application: it imports neither ``marketplace``, ``fixtures`` nor
``workbench``, and the scenarios, variants, baseline and thresholds are the caller's.
"""

__version__ = "0.1.0"
