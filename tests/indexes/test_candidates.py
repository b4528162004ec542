"""Candidates read from SQL, case by case (tests/indexes/cases/candidates.json).

Each case is a statement as Django writes it, the columns it asks of each table by
role, and the candidates it yields when no index exists yet; a last group checks that
an index already serving a candidate's columns removes it.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from analysis.indexes import candidates
from analysis.indexes.catalog import IndexInfo

CASES = json.loads((Path(__file__).parent / "cases" / "candidates.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_usage(case):
    assert {t: asdict(u) for t, u in candidates.usage(case["sql"]).items()} == case["usage"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_candidates(case):
    found = candidates.generate([case["sql"]], [])
    assert [[c.table, list(c.columns)] for c in found] == case["candidates"]
    assert all(c.statements == [0] for c in found)


def _btree(name, table, columns, **kw):
    n = len(columns)
    values = {
        "name": name, "table": table, "method": "btree", "columns": tuple(columns),
        "opclasses": ("",) * n, "options": (0,) * n, "collations": (0,) * n,
        "predicate": None, "expressions": None, "unique": False, "primary": False,
        "valid": True, "constraint": None, "size_bytes": 8192, "definition": "",
    }  # fmt: skip
    values.update(kw)
    return IndexInfo(**values)


def test_an_index_whose_leading_columns_match_serves_the_candidate():
    sql = CASES[0]["sql"]
    served = [_btree("app_applicant_created", "jobs_application", ["applicant_id", "created_at"])]
    left = [c.columns for c in candidates.generate([sql], served)]
    assert ("applicant_id",) not in left and ("applicant_id", "created_at") not in left
    assert ("created_at", "id") in left


@pytest.mark.parametrize(
    "index",
    [
        _btree("partial", "jobs_application", ["applicant_id"], predicate="(status = 'x')"),
        _btree("invalid", "jobs_application", ["applicant_id"], valid=False),
        _btree("hash", "jobs_application", ["applicant_id"], method="hash"),
        _btree("other_table", "jobs_job", ["applicant_id"]),
        _btree("second_column", "jobs_application", ["created_at", "applicant_id"]),
    ],
    ids=lambda i: i.name,
)
def test_indexes_that_do_not_serve_it_leave_the_candidate(index):
    found = [c.columns for c in candidates.generate([CASES[0]["sql"]], [index])]
    assert ("applicant_id",) in found


def test_names_fit_djangos_limit_and_are_stable():
    long = candidates.candidate_name("jobs_application", ("applicant_id", "created_at"))
    assert len(long) <= 30 and long.endswith("_wb")
    assert long == candidates.candidate_name("jobs_application", ("applicant_id", "created_at"))
    assert long != candidates.candidate_name("jobs_application", ("applicant_id", "updated_at"))
    assert candidates.candidate_name("jobs_job", ("date", "id")) == "jobs_job_date_id_wb"


def test_the_spec_builds_a_plain_btree_with_quoted_names():
    spec = candidates.Candidate("jobs_job", ("date", "id")).spec()
    assert spec.create_sql == 'CREATE INDEX "jobs_job_date_id_wb" ON "jobs_job" ("date", "id")'
    assert spec.drop_sql() == 'DROP INDEX IF EXISTS "jobs_job_date_id_wb"'
