"""Does the database hold the data a notebook was asked to measure? Refuse, or reseed.

Only ``01_seed`` seeds. A notebook run on its own (cron, papermill, a ``--only`` run)
would otherwise measure whatever the database holds and label it with its ``scale``
parameter. Seeding records the scale and seed beside the data (``fixtures.record``);
:func:`check` compares them with the notebook's parameters and raises one line naming
both scales on a mismatch, unless ``reseed`` was asked for, which seeds the wanted data
first (in a database the workbench owns, as ``01_seed`` does).
"""

from __future__ import annotations

import os
from typing import Any

from workbench.errors import WorkbenchError


class DataMismatch(WorkbenchError):
    """The data in the database is not what the notebook's parameters say it measures."""


HOW = "run 01_seed first, or pass -p reseed true to seed it here"


def describe(record: dict[str, Any]) -> str:
    return f"{record['scale']} data (seed {record['seed']}, {record['rows']:,} rows)"


def matches(record: dict[str, Any] | None, users: int, seed: int | None) -> bool:
    return (
        record is not None and record["users"] == users and (seed is None or record["seed"] == seed)
    )


def check(
    scale: str | int,
    seed: int | None,
    *,
    reseed: bool = False,
    results_dir: str | os.PathLike | None = None,
    allow_external: bool = False,
) -> str:
    """One line on the data in place; raises DataMismatch when it is not ``scale``/``seed``.

    With ``reseed``, data that does not match is replaced by ``scale`` seeded with ``seed``
    (42 when the notebook declares none), and the line says so.
    """
    import fixtures

    wanted = fixtures.parse_scale(scale)
    record = fixtures.seeded_as()
    if matches(record, wanted.users, seed):
        return f"{describe(record)}, as the parameters ask"
    if reseed:
        from workbench.study import steps

        seeded = steps.seed(
            wanted.name, 42 if seed is None else seed, results_dir or ".", allow_external
        )
        return f"reseeded: {seeded.scale} data (seed {seeded.seed}, {seeded.total_rows:,} rows)"
    asked = f"scale {wanted.name}" + ("" if seed is None else f" (seed {seed})")
    if record is None:
        raise DataMismatch(_unrecorded(asked))
    raise DataMismatch(
        f"the database holds {describe(record)}, but this notebook was asked for {asked}: "
        f"pass -p scale {record['scale']}"
        + ("" if seed is None else f" -p seed {record['seed']}")
        + f" to measure what is there, or {HOW}"
    )


def _unrecorded(asked: str) -> str:
    from django.db import connection

    from fixtures.load import non_empty_tables

    with connection.cursor() as cur:
        populated = bool(non_empty_tables(cur))
    if not populated:
        return f"the database holds no marketplace data, and this notebook was asked for {asked}: {HOW}"
    return (
        f"the database holds data of an unrecorded scale (seeded before the workbench recorded "
        f"it), and this notebook was asked for {asked}: {HOW}"
    )
