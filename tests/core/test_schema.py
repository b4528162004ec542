"""Schema facts from the inspector and the catalogs, on the migrated marketplace tables."""

from __future__ import annotations

from analysis import schema


def test_indexes_of_one_table(db):
    frame = schema.indexes("jobs_job")
    assert list(frame.columns) == schema.INDEX_COLUMNS
    assert set(frame["table"]) == {"jobs_job"}
    pkey = frame.set_index("index").loc["jobs_job_pkey"]
    assert pkey["columns"] == ["id"]
    assert bool(pkey["unique"]) and bool(pkey["primary"]) and bool(pkey["valid"])
    assert pkey["method"] == "btree"
    assert pkey["size_bytes"] >= 8192
    assert pkey["idx_scan"] >= 0
    by_columns = {tuple(c): name for name, c in zip(frame["index"], frame["columns"], strict=True)}
    assert ("client_id",) in by_columns  # Django's foreign-key index
    fk = frame.set_index("index").loc[by_columns[("client_id",)]]
    assert not fk["unique"] and not fk["primary"]
    assert fk["definition"].startswith("CREATE INDEX")


def test_unique_constraints_and_multi_column_indexes(db):
    frame = schema.indexes("jobs_savedjob").set_index("index")
    unique = frame.loc["savedjob_unique_user_job"]
    assert unique["columns"] == ["user_id", "job_id"]
    assert bool(unique["unique"]) and not bool(unique["primary"])


def test_all_indexes_and_tables(db):
    every = schema.indexes()
    assert {"jobs_job", "accounts_user", "jobs_application"} <= set(every["table"])
    tables = schema.tables()
    row = tables.set_index("table").loc["jobs_job"]
    assert row["total_bytes"] >= row["table_bytes"] + row["index_bytes"] - 8192
    assert row["index_bytes"] > 0
    for column in ("rows_estimate", "n_live_tup", "seq_scan", "idx_scan", "last_analyze"):
        assert column in tables.columns
    assert "django_migrations" in set(tables["table"])


def test_unknown_table_gives_an_empty_frame(db):
    frame = schema.indexes("core_no_such_table")
    assert frame.empty
    assert list(frame.columns) == schema.INDEX_COLUMNS
