"""Redundancy is read from the real catalogs: Django's own indexes against the plan's."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from analysis.indexes import covers, duplicates, find_equivalent, list_indexes
from workbench.study import plan_indexes as perf_indexes


@pytest.fixture
def catalog(db):
    """The test database's indexes (migrated, so the plan's are there) by name."""
    with connection.cursor() as cur:
        return {i.name: i for i in list_indexes(cur)}


def _existing(catalog):
    return [i for i in catalog.values() if i.name not in perf_indexes.NAMES]


def test_plan_client_index_duplicates_djangos_fk_index(catalog):
    found = find_equivalent(catalog["jobs_job_client_idx"], _existing(catalog))
    assert found is not None and found.kind == "duplicate"
    assert re.fullmatch(r"jobs_job_client_id_[0-9a-f]{8}", found.by)


def test_status_date_composite_is_not_redundant(catalog):
    assert find_equivalent(catalog["jobs_job_status_date_idx"], _existing(catalog)) is None
    assert find_equivalent(catalog["jobs_job_status_date_idx"], catalog.values()) is None


def test_review_triple_duplicates_the_unique_constraints_index(catalog):
    found = find_equivalent(catalog["rating_review_pair_job_idx"], _existing(catalog))
    assert (found.kind, found.by) == ("duplicate", "review_unique_reviewer_reviewed_job")


def test_unique_field_index_counts_but_its_pattern_ops_twin_does_not(catalog):
    email = catalog["accounts_user_email_idx"]
    like = next(
        i for i in catalog.values() if re.fullmatch(r"accounts_user_email_[0-9a-f]{8}_like", i.name)
    )
    assert like.opclasses == ("varchar_pattern_ops",)
    assert not duplicates(email, like)
    found = find_equivalent(email, _existing(catalog))
    assert (found.kind, found.by) == ("duplicate", "accounts_user_email_key")


def test_single_column_is_covered_by_a_composite_it_leads(catalog):
    status = catalog["jobs_job_status_idx"]
    assert find_equivalent(status, _existing(catalog)) is None
    found = find_equivalent(status, [catalog["jobs_job_status_date_idx"]])
    assert (found.kind, found.by) == ("covered", "jobs_job_status_date_idx")
    # the date index is not: date is the composite's second column
    assert find_equivalent(catalog["jobs_job_date_idx"], catalog.values()) is None


def test_an_exact_duplicate_beats_a_covering_index(catalog):
    # saved-job user_id: Django's FK index (exact) and the unique (user_id, job_id) (covering)
    found = find_equivalent(catalog["jobs_savedjob_user_idx"], _existing(catalog))
    assert found.kind == "duplicate" and found.by.startswith("jobs_savedjob_user_id_")
    unique = next(i for i in catalog.values() if i.constraint == "savedjob_unique_user_job")
    assert covers(unique, catalog["jobs_savedjob_user_idx"])


@pytest.fixture
def scratch_table(db):
    with connection.cursor() as cur:
        cur.execute(
            """
            CREATE TABLE idx_eq (a int, b int, c text, d text);
            CREATE INDEX idx_eq_a ON idx_eq (a);
            CREATE INDEX idx_eq_a_again ON idx_eq (a);
            CREATE INDEX idx_eq_ab ON idx_eq (a, b);
            CREATE INDEX idx_eq_a_desc_b ON idx_eq (a DESC, b);
            CREATE INDEX idx_eq_ba ON idx_eq (b, a);
            CREATE INDEX idx_eq_b_partial ON idx_eq (b) WHERE d IS NOT NULL;
            CREATE INDEX idx_eq_b ON idx_eq (b);
            CREATE UNIQUE INDEX idx_eq_c_unique ON idx_eq (c);
            CREATE INDEX idx_eq_c ON idx_eq (c);
            CREATE INDEX idx_eq_c_pattern ON idx_eq (c text_pattern_ops);
            CREATE INDEX idx_eq_lower_c ON idx_eq (lower(c));
            CREATE INDEX idx_eq_a_hash ON idx_eq USING hash (a);
            CREATE INDEX idx_eq_d_include ON idx_eq (d) INCLUDE (a);
            CREATE INDEX idx_eq_d ON idx_eq (d);
            """
        )
        return {i.name: i for i in list_indexes(cur, ["idx_eq"])}


def test_equivalence_rules_on_a_scratch_table(scratch_table):
    t = scratch_table
    assert duplicates(t["idx_eq_a"], t["idx_eq_a_again"])
    assert covers(t["idx_eq_ab"], t["idx_eq_a"])
    assert not covers(t["idx_eq_ba"], t["idx_eq_a"])  # a is not the leading column
    assert not covers(t["idx_eq_a_desc_b"], t["idx_eq_a"])  # different sort option
    assert not duplicates(t["idx_eq_b"], t["idx_eq_b_partial"])  # predicate differs
    assert not duplicates(t["idx_eq_b_partial"], t["idx_eq_b"])
    assert duplicates(t["idx_eq_c"], t["idx_eq_c_unique"])  # unique serves plain reads
    assert not duplicates(t["idx_eq_c_unique"], t["idx_eq_c"])  # but not uniqueness
    assert not duplicates(t["idx_eq_c"], t["idx_eq_c_pattern"])  # opclass differs
    assert not duplicates(t["idx_eq_c"], t["idx_eq_lower_c"])  # expression index
    assert not duplicates(t["idx_eq_a"], t["idx_eq_a_hash"])  # access method differs
    assert duplicates(t["idx_eq_d"], t["idx_eq_d_include"])  # INCLUDE columns are extra
    assert t["idx_eq_d_include"].columns == ("d",)

    best = find_equivalent(t["idx_eq_a"], t.values())
    assert (best.kind, best.by) == ("duplicate", "idx_eq_a_again")
    assert find_equivalent(t["idx_eq_ba"], t.values()) is None
    assert find_equivalent(t["idx_eq_lower_c"], t.values()) is None
