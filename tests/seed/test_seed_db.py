"""Seeding `tiny` into the test database, inside the test's transaction (rolled back after).

Checks the contract of issue 3: row counts, valid keys, unique constraints, the
realistic shape, reproducibility, sequences, statistics, and the safety refusals.
"""

import pytest
from django.db import connection

import fixtures
from fixtures.errors import FixtureError
from fixtures.load import MARKETPLACE_TABLES
from fixtures.shape import AS_OF
from marketplace.accounts.models import User
from marketplace.jobs.models import Industry, Job, SavedJob

pytestmark = pytest.mark.django_db


def _count(sql, table: str) -> int:
    return sql(f"SELECT count(*) FROM {table}")[0][0]


def test_row_counts_per_table(seeded, sql):
    counts = {t: _count(sql, t) for t in MARKETPLACE_TABLES}
    assert counts == seeded.rows
    assert counts["accounts_user"] == 200
    assert counts["accounts_profile"] == counts["accounts_wallet"] == 200
    assert counts["jobs_job"] == 1000
    assert counts["jobs_industry"] == 10 and counts["jobs_subcategory"] >= 40
    assert counts["jobs_application"] > 2 * counts["jobs_job"]
    assert all(n > 0 for n in counts.values())
    assert seeded.total_rows == sum(counts.values())


def test_every_foreign_key_points_at_a_row(seeded, sql):
    keys = sql(
        """
        SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])
        """,
        [MARKETPLACE_TABLES],
    )
    assert len(keys) >= 18  # every ForeignKey/OneToOneField of the marketplace
    for table, column, target, target_column in keys:
        orphans = sql(
            f"SELECT count(*) FROM {table} t WHERE NOT EXISTS "
            f'(SELECT 1 FROM {target} p WHERE p."{target_column}" = t."{column}")'
        )[0][0]
        assert orphans == 0, f"{table}.{column} -> {target}"


def test_unique_constraints_and_realistic_uniqueness_hold(seeded, sql):
    for query in [
        "SELECT count(*) - count(DISTINCT email) FROM accounts_user",
        "SELECT count(*) - count(DISTINCT username) FROM accounts_user",
        "SELECT count(*) - count(DISTINCT user_id) FROM accounts_profile",
        "SELECT count(*) - count(DISTINCT user_id) FROM accounts_wallet",
        "SELECT count(*) - count(DISTINCT (user_id, job_id)) FROM jobs_savedjob",
        "SELECT count(*) - count(DISTINCT (reviewer_id, reviewed_id, job_id)) FROM rating_review",
        # not a database constraint, but nobody applies twice to one job
        "SELECT count(*) - count(DISTINCT (job_id, applicant_id)) FROM jobs_application",
    ]:
        assert sql(query)[0][0] == 0, query


def test_keys_and_indexes_are_rebuilt_exactly(db, sql):
    def schema():
        indexes = sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1",
            [MARKETPLACE_TABLES],
        )
        constraints = sql(
            "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[]) ORDER BY 1",
            [MARKETPLACE_TABLES, MARKETPLACE_TABLES],
        )
        return indexes, constraints

    before = schema()
    fixtures.seed("tiny", connection=connection, progress=False)
    assert schema() == before
    assert len(before[0]) > 20 and len(before[1]) > 20


def test_roles_are_in_proportion_and_everyone_has_a_profile_and_wallet(seeded, sql):
    roles = dict(sql("SELECT role, count(*) FROM accounts_profile GROUP BY role"))
    assert roles["client"] == 50 and roles["admin"] == 1 and roles["freelancer"] == 149
    assert sql("SELECT count(*) FROM accounts_user WHERE is_staff AND is_superuser")[0][0] == 1
    no_wallet = (
        "SELECT count(*) FROM accounts_user u "
        "WHERE NOT EXISTS (SELECT 1 FROM accounts_wallet w WHERE w.user_id = u.id)"
    )
    assert sql(no_wallet)[0][0] == 0
    assert sql(
        "SELECT count(*) FROM jobs_job j JOIN accounts_profile p ON p.user_id = j.client_id "
        "WHERE p.role <> 'client'"
    ) == [(0,)]


def test_a_few_jobs_get_a_large_share_of_applications(seeded, sql):
    shares = sql(
        """
        WITH per_job AS (SELECT job_id, count(*) AS n FROM jobs_application GROUP BY job_id),
             ranked AS (SELECT n, row_number() OVER (ORDER BY n DESC) AS r FROM per_job)
        SELECT sum(n) FILTER (WHERE r <= (SELECT count(*) FROM jobs_job) / 100)::float
               / sum(n)
        FROM ranked
        """
    )[0][0]
    assert shares > 0.08  # the top 1% of jobs: over 8x their even share


def test_open_jobs_are_a_minority_and_recent_jobs_are_more_often_open(seeded, sql):
    (open_share, completed_share, recent_open, old_open, span_days) = sql(
        """
        SELECT avg((status = 'open')::int), avg((status = 'completed')::int),
               avg((status = 'open')::int) FILTER (WHERE date >= %(as_of)s::date - 90),
               avg((status = 'open')::int) FILTER (WHERE date < %(as_of)s::date - 90),
               max(date) - min(date)
        FROM jobs_job
        """,
        {"as_of": AS_OF},
    )[0]
    assert 0 < open_share < 0.2
    assert completed_share > 0.5
    assert recent_open > 3 * old_open
    assert span_days > 2 * 365


def test_applications_follow_the_job(seeded, sql):
    assert sql(
        "SELECT count(*) FROM jobs_application a JOIN jobs_job j ON j.id = a.job_id "
        "WHERE a.employer_id <> j.client_id"
    ) == [(0,)]
    assert sql(
        "SELECT count(*) FROM jobs_application a JOIN jobs_job j ON j.id = a.job_id "
        "WHERE j.status = 'draft'"
    ) == [(0,)]
    accepted = dict(
        sql(
            """
            SELECT j.status, count(*) FILTER (WHERE n <> 1)
            FROM jobs_job j LEFT JOIN (
                SELECT job_id, count(*) AS n FROM jobs_application
                WHERE status = 'accepted' GROUP BY job_id) a ON a.job_id = j.id
            WHERE j.status IN ('in_progress', 'completed') GROUP BY j.status
            """
        )
    )
    assert accepted == {"in_progress": 0, "completed": 0}  # exactly one hire each
    assert sql(
        "SELECT count(*) FROM jobs_application a JOIN jobs_job j ON j.id = a.job_id "
        "WHERE a.status = 'accepted' AND j.status NOT IN ('in_progress', 'completed')"
    ) == [(0,)]


def test_payments_are_for_completed_jobs_from_client_to_the_hired_freelancer(seeded, sql):
    assert _count(sql, "payment_payment") > 0
    assert sql(
        """
        SELECT count(*) FROM payment_payment p JOIN jobs_job j ON j.id = p.job_id
        WHERE j.status <> 'completed' OR p.payer_id <> j.client_id
           OR NOT EXISTS (SELECT 1 FROM jobs_application a WHERE a.job_id = p.job_id
                          AND a.applicant_id = p.recipient_id AND a.status = 'accepted')
        """
    ) == [(0,)]
    # instalments add up to the accepted bid
    assert sql(
        """
        SELECT count(*) FROM (SELECT job_id, sum(amount) AS paid FROM payment_payment
                              GROUP BY job_id) p
        JOIN jobs_application a ON a.job_id = p.job_id AND a.status = 'accepted'
        WHERE p.paid <> a.bid_amount
        """
    ) == [(0,)]


def test_reviews_are_only_between_people_who_worked_together(seeded, sql):
    assert _count(sql, "rating_review") > 0
    assert sql(
        """
        SELECT count(*) FROM rating_review r JOIN jobs_job j ON j.id = r.job_id
        WHERE r.reviewer_id = r.reviewed_id OR j.status <> 'completed'
           OR NOT EXISTS (
                SELECT 1 FROM jobs_application a
                WHERE a.job_id = r.job_id AND a.status = 'accepted'
                  AND ((r.reviewer_id = j.client_id AND r.reviewed_id = a.applicant_id)
                    OR (r.reviewed_id = j.client_id AND r.reviewer_id = a.applicant_id)))
        """
    ) == [(0,)]
    assert sql("SELECT min(rating), max(rating) FROM rating_review") == [(1, 5)]


def _checksum(sql, table: str) -> str:
    return sql(f"SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM {table} t")[0][0]


def test_same_scale_and_seed_give_the_same_rows(seeded, sql):
    tables = ["accounts_user", "jobs_job", "jobs_application", "rating_review"]
    first = {t: _checksum(sql, t) for t in tables}
    fixtures.seed("tiny", seed=42, reset=True, connection=connection, progress=False)
    assert {t: _checksum(sql, t) for t in tables} == first
    fixtures.seed("tiny", seed=43, reset=True, connection=connection, progress=False)
    other = {t: _checksum(sql, t) for t in tables}
    assert all(other[t] != first[t] for t in tables)


def test_a_populated_database_is_refused_without_reset(seeded, sql):
    with pytest.raises(FixtureError, match="already holds marketplace data.*--reset"):
        fixtures.seed("tiny", connection=connection, progress=False)
    assert _count(sql, "jobs_job") == 1000  # the refusal changed nothing


def test_reset_replaces_the_data(seeded, sql):
    result = fixtures.seed("20", reset=True, connection=connection, progress=False)
    assert _count(sql, "accounts_user") == 20
    assert _count(sql, "jobs_job") == 100 == result.rows["jobs_job"]


def test_sequences_continue_after_the_seeded_ids(seeded):
    industry = Industry.objects.create(name="Brand new industry")
    assert industry.id == seeded.rows["jobs_industry"] + 1
    client = Job.objects.order_by("id").first().client
    job = Job.objects.create(
        client=client,
        created_by=client,
        industry=industry,
        subcategory_id=1,
        title="New",
        budget=10,
    )
    assert job.id == 1001
    saved = SavedJob.objects.create(user=client, job=job)
    assert saved.id == seeded.rows["jobs_savedjob"] + 1


def test_planner_statistics_are_fresh(seeded, sql):
    rows = dict(
        sql(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [MARKETPLACE_TABLES],
        )
    )
    assert rows["jobs_job"] == 1000 and rows["accounts_user"] == 200
    assert rows["jobs_application"] == seeded.rows["jobs_application"]


def test_seeded_users_log_in_with_the_documented_password(seeded):
    user = User.objects.get(pk=1)
    assert user.check_password(fixtures.PASSWORD)
    assert not user.check_password("wrong")
    assert user.username.endswith("1") and user.email.startswith(user.username + "@")


def test_text_is_plausible(seeded, sql):
    title, description, subcategory = sql(
        "SELECT j.title, j.description, s.name FROM jobs_job j "
        "JOIN jobs_subcategory s ON s.id = j.subcategory_id ORDER BY j.id LIMIT 1"
    )[0]
    assert subcategory.lower() in title
    assert description.endswith(".") and len(description) > 40
    assert sql("SELECT count(DISTINCT title) FROM jobs_job")[0][0] > 500


def test_nulls_and_empty_strings_survive_the_copy_format(seeded, sql):
    rate_nulls, empty_bios, null_bios = sql(
        "SELECT count(*) FILTER (WHERE hourly_rate IS NULL), count(*) FILTER (WHERE bio = ''), "
        "count(*) FILTER (WHERE bio IS NULL) FROM accounts_profile"
    )[0]
    assert rate_nulls == 51  # clients and the admin have no hourly rate
    assert empty_bios > 0 and null_bios == 0
    assert sql("SELECT count(*) FROM accounts_user WHERE last_login IS NULL")[0][0] > 0
    assert sql("SELECT count(*) FROM jobs_application WHERE cover_letter = ''")[0][0] > 0
