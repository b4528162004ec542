"""A marketplace-shaped dataset built in SQL with generate_series, big enough for real plans.

A few tens of thousands of rows is where PostgreSQL stops reading a whole table to find
twenty rows: a status filter ordered by date becomes an index scan once an index on
(status, date) exists, which is what the audit's verdicts are tested on. Built inside
the caller's transaction and rolled back with it.
"""

from __future__ import annotations


def build(cursor, users: int = 2000, jobs: int = 20000) -> dict[str, int]:
    """Insert users, profiles, jobs, applications, saved jobs, payments and reviews."""
    cursor.execute(
        """
        INSERT INTO accounts_user (password, is_superuser, email, username, first_name,
                                   last_name, is_active, is_staff, date_joined)
        SELECT '', false, 'idx' || g || '@example.test', 'idx' || g, '', '', true, false,
               timestamptz '2024-01-01' + g * interval '1 minute'
          FROM generate_series(1, %(users)s) g;
        CREATE TEMP TABLE idx_users ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM accounts_user
             WHERE email LIKE 'idx%%@example.test';
        INSERT INTO accounts_profile (role, headline, bio, location, hourly_rate, created_at,
                                      user_id)
        SELECT CASE WHEN n %% 10 < 3 THEN 'client' WHEN n %% 10 < 9 THEN 'freelancer'
                    ELSE 'admin' END, '', '', '', 40, now(), id
          FROM idx_users;
        INSERT INTO jobs_industry (name) SELECT 'idx industry ' || g FROM generate_series(1, 5) g;
        INSERT INTO jobs_subcategory (name, industry_id)
        SELECT 'idx sub ' || i.id, i.id FROM jobs_industry i WHERE i.name LIKE 'idx industry %%';
        INSERT INTO jobs_job (title, description, status, date, budget, created_at, client_id,
                              created_by_id, industry_id, subcategory_id)
        SELECT 'job ' || g, repeat('x', 200),
               (ARRAY['open', 'in_progress', 'completed', 'completed', 'completed',
                      'completed', 'cancelled', 'completed', 'draft', 'completed'])[1 + g %% 10],
               date '2023-01-01' + (g * 7919) %% 700, 100 + g %% 900, now(),
               u.id, u.id, s.industry_id, s.id
          FROM generate_series(1, %(jobs)s) g
          JOIN idx_users u ON u.n = (g * 31) %% %(users)s
          JOIN (SELECT id, industry_id FROM jobs_subcategory WHERE name LIKE 'idx sub %%'
                 ORDER BY id LIMIT 1) s ON true;
        CREATE TEMP TABLE idx_jobs ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, client_id FROM jobs_job
             WHERE title LIKE 'job %%';
        INSERT INTO jobs_application (status, cover_letter, bid_amount, created_at, applicant_id,
                                      employer_id, job_id)
        SELECT (ARRAY['pending', 'shortlisted', 'accepted', 'rejected', 'withdrawn'])[1 + g %% 5],
               '', 50, timestamptz '2024-01-01' + g * interval '1 minute', u.id, j.client_id, j.id
          FROM generate_series(0, 2 * %(jobs)s - 1) g
          JOIN idx_jobs j ON j.n = g %% %(jobs)s
          JOIN idx_users u ON u.n = (g * 13) %% %(users)s;
        INSERT INTO jobs_savedjob (saved_at, job_id, user_id)
        SELECT timestamptz '2024-01-01' + g * interval '1 minute', j.id, u.id
          FROM generate_series(0, %(jobs)s / 2 - 1) g
          JOIN idx_users u ON u.n = g %% %(users)s
          JOIN idx_jobs j ON j.n = g / %(users)s;
        INSERT INTO payment_payment (amount, currency, status, created_at, job_id, payer_id,
                                     recipient_id)
        SELECT 100, 'USD', (ARRAY['pending', 'held', 'released', 'refunded', 'failed'])[1 + g %% 5],
               now(), j.id, j.client_id, u.id
          FROM generate_series(0, %(jobs)s / 2 - 1) g
          JOIN idx_jobs j ON j.n = g
          JOIN idx_users u ON u.n = (g * 17) %% %(users)s;
        INSERT INTO rating_review (rating, comment, created_at, job_id, reviewed_id, reviewer_id)
        SELECT 1 + g %% 5, '', now(), j.id, u.id, j.client_id
          FROM generate_series(0, %(jobs)s / 4 - 1) g
          JOIN idx_jobs j ON j.n = g
          JOIN idx_users u ON u.n = (g * 7 + 1) %% %(users)s;
        """,
        {"users": users, "jobs": jobs},
    )
    counts = {}
    for table in (
        "accounts_user",
        "jobs_job",
        "jobs_application",
        "jobs_savedjob",
        "payment_payment",
        "rating_review",
    ):
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cursor.fetchone()[0]
    return counts
