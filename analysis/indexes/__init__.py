"""Index tooling: catalog facts, redundancy, write cost, plan usage, and the audit built on them.

Generic over any Django project on PostgreSQL: callers pass ``IndexSpec`` objects and a
workload of ``(name, callable)``; nothing here knows the marketplace.
"""

from analysis.indexes.audit import AuditResult, IndexVerdict, audit
from analysis.indexes.catalog import (
    IndexInfo,
    IndexSpec,
    existing_names,
    list_indexes,
    schema_snapshot,
)
from analysis.indexes.equivalence import Equivalence, covers, duplicates, find_equivalent

__all__ = [
    "AuditResult",
    "Equivalence",
    "IndexInfo",
    "IndexSpec",
    "IndexVerdict",
    "audit",
    "covers",
    "duplicates",
    "existing_names",
    "find_equivalent",
    "list_indexes",
    "schema_snapshot",
]
