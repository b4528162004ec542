"""Table maintenance the workbench runs between measurements."""

from __future__ import annotations

from collections.abc import Iterable

from psycopg2 import sql


def vacuum(tables: Iterable[str], analyze: bool = False) -> None:
    """``VACUUM`` (with ``ANALYZE`` if asked) each table once, on Django's connection.

    Plain VACUUM removes the dead rows that rolled-back write rounds leave without
    sampling new statistics, so later plans still compare like with like.
    """
    from django.db import connection

    statement = sql.SQL("VACUUM (ANALYZE) {}" if analyze else "VACUUM {}")
    with connection.cursor() as cur:
        for table in sorted(set(tables)):
            cur.execute(statement.format(sql.Identifier(table)).as_string(connection.connection))
