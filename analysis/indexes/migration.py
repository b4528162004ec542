"""A recommended index set written as Django migrations, one per app, ready to review.

Indexes to add become ``AddIndex`` (``AddIndexConcurrently`` from
``django.contrib.postgres.operations`` with ``concurrently``, in a non-atomic migration)
on the model whose table they index, with the model's field names; indexes to drop that
a model declares in ``Meta.indexes`` become ``RemoveIndex`` (``RemoveIndexConcurrently``);
an index no model declares is dropped with ``RunSQL`` and recreated on the way back
from its definition, so every migration reverts. Each migration depends on its app's
latest migration (the leaf of the migration graph).

After applying, the models' ``Meta.indexes`` should say the same (the module's header
lists the changes), or ``makemigrations`` would propose undoing them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

NAME = "workbench_index_set"


@dataclass(frozen=True)
class Change:
    """One index to add (``columns`` given) or drop (``definition``: its CREATE INDEX)."""

    kind: str  # "add" | "drop"
    name: str
    table: str
    columns: tuple[str, ...] = ()
    definition: str = ""


def _model_for(table: str):
    from django.apps import apps

    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table == table:
            return model
    raise LookupError(f"no model has the table {table!r}")


def app_label(table: str) -> str:
    """The Django app whose model owns ``table``."""
    return _model_for(table)._meta.app_label


def _field_name(model, column: str) -> str:
    for f in model._meta.concrete_fields:
        if f.column == column:
            return f.name
    raise LookupError(f"{model._meta.label} has no field on column {column!r}")


def _declared(model, name: str) -> bool:
    return any(i.name == name for i in model._meta.indexes)


def _leaf(app_label: str) -> tuple[str, str]:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    leaves = [n for n in loader.graph.leaf_nodes() if n[0] == app_label]
    if len(leaves) != 1:
        raise LookupError(f"{app_label} has {len(leaves)} leaf migrations, expected one")
    return leaves[0]


def _operation(change: Change, concurrently: bool) -> tuple[str, str]:
    """(app_label, operation source) for one change."""
    model = _model_for(change.table)
    app, model_name = model._meta.app_label, model._meta.model_name
    suffix = "Concurrently" if concurrently else ""
    if change.kind == "add":
        fields = [_field_name(model, c) for c in change.columns]
        op = "AddIndex" + suffix
        module = "pg." if concurrently else "migrations."
        return app, (
            f"        {module}{op}(\n"
            f"            model_name={model_name!r},\n"
            f"            index=models.Index(fields={fields!r}, name={change.name!r}),\n"
            "        ),"
        )
    if _declared(model, change.name):
        module = "pg." if concurrently else "migrations."
        return app, (
            f"        {module}RemoveIndex{suffix}(model_name={model_name!r}, name={change.name!r}),"
        )
    drop = f'DROP INDEX {"CONCURRENTLY " if concurrently else ""}IF EXISTS "{change.name}"'
    create = change.definition
    if concurrently:
        create = re.sub(r"^CREATE (UNIQUE )?INDEX ", r"CREATE \1INDEX CONCURRENTLY ", create)
    return app, (f"        migrations.RunSQL(sql={drop!r}, reverse_sql={create!r}),")


def render(changes: Sequence[Change], *, concurrently: bool = False) -> dict[str, str]:
    """Per app label, the source of one migration making ``changes`` (empty: nothing)."""
    by_app: dict[str, list[str]] = {}
    notes: dict[str, list[str]] = {}
    for change in changes:
        app, op = _operation(change, concurrently)
        by_app.setdefault(app, []).append(op)
        verb = (
            f"add {change.name} on ({', '.join(change.columns)})"
            if change.kind == "add"
            else (f"remove {change.name}")
        )
        notes.setdefault(app, []).append(verb)
    sources = {}
    for app, ops in by_app.items():
        dependency = _leaf(app)
        changes_text = "\n".join(f"- {n}" for n in notes[app])
        imports = "from django.db import migrations, models\n"
        if concurrently:
            imports += "from django.contrib.postgres import operations as pg\n"
        sources[app] = (
            '"""The index set `workbench advise` recommends for this app.\n\n'
            f"{changes_text}\n\n"
            "Generated from measurements on this database: review it, and make the models'\n"
            'Meta.indexes say the same, or makemigrations will propose undoing it.\n"""\n\n'
            f"{imports}\n\n"
            "class Migration(migrations.Migration):\n"
            + ("    atomic = False\n\n" if concurrently else "")
            + f"    dependencies = [{dependency!r}]\n\n"
            "    operations = [\n" + "\n".join(ops) + "\n    ]\n"
        )
    return sources


def file_name(app_label: str) -> str:
    """``NNNN_workbench_index_set.py``, numbered after the app's latest migration."""
    _, leaf = _leaf(app_label)
    number = int(leaf.split("_", 1)[0]) + 1 if leaf[:4].isdigit() else 1
    return f"{number:04d}_{NAME}.py"


def write(
    folder: str | Path, changes: Sequence[Change], *, concurrently: bool = False
) -> list[Path]:
    """Write each app's migration to ``folder/<app>/NNNN_workbench_index_set.py``."""
    written = []
    for app, source in render(changes, concurrently=concurrently).items():
        target = Path(folder) / app / file_name(app)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source)
        written.append(target)
    return written
