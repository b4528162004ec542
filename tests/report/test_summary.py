"""The summary.json schema: the validator's messages, building, loading, and secrets."""

import copy
import json

import pytest

from tests.report.samples import figures, sample
from workbench.report import environment, summary
from workbench.report.summary import SummaryError, validate


def test_a_complete_summary_is_valid():
    assert validate(sample()) == []


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s.pop("criteria"), "criteria: missing"),
        (lambda s: s.update(schema_version=2), "schema_version: this workbench reads version 1"),
        (lambda s: s["scenarios"][0]["variants"].update(cold=figures()), "unknown variant 'cold'"),
        (
            lambda s: s["scenarios"][0]["variants"]["all"].pop("p95_ms"),
            "scenarios[0].variants.all.p95_ms: missing",
        ),
        (
            lambda s: s["scenarios"][0]["variants"]["all"].update(queries=2.5),
            "scenarios[0].variants.all.queries: expected a whole number, got 2.5",
        ),
        (
            lambda s: s["scenarios"][0]["variants"]["all"].update(db_ms="fast"),
            "scenarios[0].variants.all.db_ms: expected a number >= 0, got 'fast'",
        ),
        (
            lambda s: s["scenarios"][0]["variants"]["all"].update(p50_ms=True),
            "scenarios[0].variants.all.p50_ms: expected a number >= 0, got True",
        ),
        (
            lambda s: s["scenarios"].append(s["scenarios"][0]),
            "scenarios[1].name: 'job_list' appears twice",
        ),
        (
            lambda s: s["index_audit"][0].update(duplicates=None),
            "index_audit[0].duplicates: a redundant index must name the index it duplicates",
        ),
        (
            lambda s: s["index_audit"][1].update(verdict="great"),
            "index_audit[1].verdict: expected one of useful, redundant, unused, no gain, got 'great'",
        ),
        (
            lambda s: s["index_audit"][1].update(columns=[]),
            "index_audit[1].columns: expected a non-empty",
        ),
        (
            lambda s: s["cache"].update(hit_rate=1.5),
            "cache.hit_rate: expected a fraction between 0 and 1",
        ),
        (lambda s: s["cache"].pop("hit_rate"), "cache.hit_rate: missing"),
        (
            lambda s: s["criteria"][0].update(passed="yes"),
            "criteria[0].passed: expected true or false",
        ),
        (lambda s: s["criteria"][0].pop("measured"), "criteria[0].measured: missing"),
        (
            lambda s: s["environment"].update(database="postgresql://u:hunter2@h/db"),
            "environment: contains a password",
        ),
    ],
)
def test_each_departure_from_the_schema_is_named_with_its_path(mutate, message):
    data = sample()
    mutate(data)
    errors = validate(data)
    assert any(message in e for e in errors), errors


def test_not_an_object_at_all():
    assert validate([]) == ["summary: expected a JSON object, got list"]


def mixed(p95=25.0, rate=0.85, db=1.0, cpu=0.5, longest=12.0, samples=400, **extra):
    """One variant's mixed-workload figures, as ``workbench.study.mixed`` returns them."""
    return {
        "samples": samples,
        "reads": samples - 20,
        "writes": 20,
        "p50_ms": p95 / 3,
        "p95_ms": p95,
        "p95_ci": [p95 * 0.9, p95 * 1.1],
        "hit_rate": rate,
        "hit_rate_per_request": rate,
        "hit_rate_per_request_ci": None if rate is None else [rate - 0.02, min(1, rate + 0.02)],
        "db_ms_per_request": db,
        "db_ms_per_request_ci": [db * 0.9, db * 1.1],
        "db_cpu_ms_per_request": cpu,
        "max_statement_ms": longest,
        "slowest_statements": [],
        "queries": 900,
        **extra,
    }


def test_build_adds_ratios_against_baseline_and_judges_the_criteria():
    built = summary.build(
        parameters={"scale": "tiny"},
        environment={"postgresql": "16.2"},
        scenarios=[
            {
                "name": "job_list",
                "variants": {
                    "baseline": figures(
                        queries=20, n_plus_one=1, p95=100.0, db=40.0, db_cpu_ms=30.0
                    ),
                    "all": figures(queries=2, n_plus_one=0, p95=25.0, db=10.0, data_queries=1),
                },
            }
        ],
        cache={"hit_rate": 0.85},
        mixed={
            "baseline": mixed(p95=120.0, rate=None, db=20.0, cpu=0.6, longest=150.0),
            "all": mixed(p95=25.0, rate=0.9, db=5.0, cpu=0.4, by_read={"x": {}}),
        },
    )
    ratios = built["scenarios"][0]["variants"]["all"]["vs_baseline"]
    assert ratios["queries"] == 0.1
    assert ratios["p95_ms"] == 0.25
    assert "vs_baseline" not in built["scenarios"][0]["variants"]["baseline"]
    assert "by_read" not in built["mixed"]["all"]
    verdicts = {c["key"]: (c["measured"], c["passed"], c["measured_on"]) for c in built["criteria"]}
    assert verdicts == {
        "n_plus_one": (0, True, "isolated"),
        "data_queries": (1, True, "isolated"),
        "query_time": (75.0, True, "mixed"),
        "p95": (25.0, True, "mixed"),
        "query_limit": (12.0, True, "mixed"),
        "cache_hit_rate": (90.0, True, "mixed"),
        "db_cpu": (pytest.approx(33.3), False, "mixed"),
    }
    rows = {c["key"]: c for c in built["criteria"]}
    assert rows["p95"]["ci"] == pytest.approx([22.5, 27.5]) and rows["p95"]["samples"] == 400
    assert rows["query_time"]["samples"] == [400, 400]
    # the saving's interval pairs the pessimistic ends: 1 - 5.5/18 and 1 - 4.5/22
    assert rows["query_time"]["ci"] == [pytest.approx(69.4), pytest.approx(79.5)]
    assert rows["n_plus_one"]["ci"] is None and rows["n_plus_one"]["samples"] == 1


def test_a_criterion_nobody_measured_fails():
    built = summary.build({}, {}, scenarios=[])
    assert all(c["measured"] is None and c["passed"] is False for c in built["criteria"])


def test_build_refuses_what_would_not_validate():
    with pytest.raises(SummaryError, match="unknown variant 'cold'"):
        summary.build({}, {}, scenarios=[{"name": "x", "variants": {"cold": figures()}}])


def test_write_then_load_round_trips(tmp_path):
    path = summary.write(tmp_path, sample())
    assert path == tmp_path / "summary.json"
    assert summary.load(tmp_path) == sample()
    assert not list(tmp_path.glob("*.tmp"))


def test_load_explains_what_is_wrong_in_one_line(tmp_path):
    with pytest.raises(SummaryError, match="summary.json: no such file"):
        summary.load(tmp_path)
    (tmp_path / "summary.json").write_text("{not json")
    with pytest.raises(SummaryError, match="not valid JSON"):
        summary.load(tmp_path)
    broken = sample()
    del broken["cache"]
    broken["criteria"] = "all good"
    (tmp_path / "summary.json").write_text(json.dumps(broken))
    with pytest.raises(SummaryError) as info:
        summary.load(tmp_path / "summary.json")
    assert "cache: missing (and 1 more)" in str(info.value)
    assert "\n" not in str(info.value)


def test_the_environment_is_read_from_the_live_servers_without_secrets(db):
    env = environment.collect_environment(environment.now())
    assert env["postgresql"][:2].isdigit()
    assert env["redis"][0].isdigit()
    assert "random_page_cost" in env["planner"]
    assert env["python"].startswith("3.")
    assert summary.validate({**sample(), "environment": env}) == []


def test_the_published_schema_is_draft_2020_12_and_knows_every_variant():
    from jsonschema import Draft202012Validator

    from workbench.study.variants import NAMES

    schema = json.loads(summary.SCHEMA_PATH.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    variants = schema["$defs"]["scenario"]["properties"]["variants"]
    assert tuple(variants["propertyNames"]["enum"]) == NAMES
    assert tuple(schema["required"]) == (
        "parameters",
        "environment",
        "scenarios",
        "index_audit",
        "cache",
        "criteria",
    )


def test_a_figure_must_be_finite():
    data = sample()
    data["scenarios"][0]["variants"]["all"]["db_ms"] = float("nan")
    assert validate(data) == ["scenarios[0].variants.all.db_ms: expected a number >= 0, got nan"]


def test_the_criteria_are_judged_at_their_thresholds():
    from workbench.study import criteria

    def judged(p95: float, rate: float, ci: bool = False) -> dict[str, bool]:
        scenario = {"baseline": figures(p95=p95), "all": figures(n_plus_one=0, p95=p95)}
        run = mixed(p95=p95, rate=rate)
        if not ci:
            run.update(p95_ci=None, hit_rate_per_request_ci=None)
        return {
            v.criterion.key: v.passed
            for v in criteria.evaluate([scenario], mixed={"baseline": mixed(), "all": run})
        }

    assert judged(199.9, 0.81)["p95"] and judged(199.9, 0.81)["cache_hit_rate"]
    assert not judged(200.0, 0.8)["p95"] and not judged(200.0, 0.8)["cache_hit_rate"]
    # With an interval, the whole interval must pass: p95 190 (up to 209) and 81% (from 79%) fail.
    assert not judged(190.0, 0.81, ci=True)["p95"]
    assert not judged(190.0, 0.81, ci=True)["cache_hit_rate"]
    assert judged(150.0, 0.9, ci=True)["p95"] and judged(150.0, 0.9, ci=True)["cache_hit_rate"]
    assert [c.name for c in criteria.CRITERIA] == [
        "N+1 queries eliminated",
        "1 to 2 data queries per endpoint",
        "Query time down 50%+",
        "Response under 200 ms",
        "Every query under 100 ms",
        "Cache hit rate over 80%",
        "Database CPU down 50%+",
    ]


def test_a_slow_statement_fails_its_criterion_and_is_named():
    from workbench.study import criteria

    slow = {
        "fingerprint": "abc",
        "sql": "SELECT * FROM jobs_job ORDER BY date",
        "call_site": "marketplace/api/views/jobs.py:40 in list",
        "max_ms": 140.0,
        "over_limit": 3,
        "calls": 50,
        "plan_finding": "seq_scan: Seq Scan on jobs_job reads 100,000 rows to return 20",
    }
    run = mixed(longest=140.0, slowest_statements=[slow])
    (verdict,) = [
        v
        for v in criteria.evaluate([], mixed={"baseline": mixed(), "all": run})
        if v.criterion is criteria.QUERY_LIMIT
    ]
    assert not verdict.passed and verdict.measured == 140.0
    assert "jobs.py:40" in verdict.detail and "seq_scan: Seq Scan on jobs_job" in verdict.detail


def test_data_queries_judge_the_worst_scenario_and_the_miss_path_when_reported():
    from workbench.study import criteria

    def worst(*scenarios):
        (verdict,) = [
            v for v in criteria.evaluate(scenarios) if v.criterion is criteria.DATA_QUERIES
        ]
        return verdict.measured, verdict.passed

    assert worst({"all": figures(data_queries=2)}, {"all": figures(data_queries=1)}) == (2, True)
    assert worst({"all": figures(data_queries=3)}) == (3, False)
    hit_then_miss = figures(data_queries=0, miss={"samples": 1, "data_queries": 3})
    assert worst({"all": hit_then_miss}) == (3, False)
    assert worst({"all": figures()}) == (None, False)


def test_old_summaries_without_the_new_fields_still_load(tmp_path):
    old = sample()  # criteria rows of name, target, measured, passed; no mixed section
    summary.write(tmp_path, old)
    assert summary.load(tmp_path)["criteria"][0] == old["criteria"][0]


def test_the_contract_fields_are_carried_through_and_validated():
    from analysis.measure import MeasureResult

    measured = MeasureResult({}, {"method": "not measured"})
    block = {"samples": 3, "p50_ms": 1.0, "p50_ci": [0.9, 1.2], "p95_ms": 2.0, "p95_ci": None}
    contract = {
        "measured_on": "isolated",
        "samples": 200,
        "rounds": 10,
        "p50_ci": [38.0, 42.0],
        "p95_ci": [40.0, 50.0],
        "p99_ms": 60.0,
        "p99_ci": [50.0, 70.0],
        "speedup": {
            "q": 50,
            "speedup": 5.0,
            "ci": [4.0, 6.0],
            "verdict": "faster",
            "samples": [200, 200],
        },
        "hit": block,
        "miss": None,
    }
    measured.scenarios["job_list"] = {"variants": {"all": {**figures(), **contract}}}
    built = summary.build(
        {}, {}, [{"name": "job_list", "variants": {"all": figures()}}], measured=measured
    )
    assert {k: built["scenarios"][0]["variants"]["all"][k] for k in contract} == contract
    bad = copy.deepcopy(built)
    bad["scenarios"][0]["variants"]["all"]["p95_ci"] = [1.0]
    assert validate(bad) == [
        "scenarios[0].variants.all.p95_ci: expected [low, high] or null, got list"
    ]
    bad = copy.deepcopy(built)
    bad["criteria"][0]["measured_on"] = "warm cache"
    assert validate(bad) == [
        "criteria[0].measured_on: expected one of mixed, isolated, got 'warm cache'"
    ]


# A password with the characters that broke the pattern-matching check: @, :, %.
PASSWORD = "Le@k:T%AIL"


@pytest.mark.parametrize(
    "shown",
    [
        "connected as role with Le@k:T%AIL",  # the decoded value, outside any URL
        "role / Le%40k%3AT%25AIL",  # percent-encoded, as written in the URL
        "postgresql://role:***@host/db, Le@k:T%AIL",  # beside a correctly redacted URL
    ],
)
def test_the_leak_check_compares_against_the_real_password(monkeypatch, shown):
    monkeypatch.setenv("DATABASE_URL", "postgresql://role:Le%40k%3AT%25AIL@host/db")
    data = sample()
    data["environment"]["database"] = shown
    assert "environment: contains a password (pass URLs through redact())" in validate(data)


@pytest.mark.parametrize(
    "redis_url",
    [
        "redis://localhost:6379/0?password=Le%40k%3AT%25AIL",
        "redis://:Le%40k%3AT%25AIL@localhost:6379/0",
    ],
)
def test_a_redacted_redis_url_passes_and_its_password_does_not(monkeypatch, redis_url):
    monkeypatch.setenv("REDIS_URL", redis_url)
    data = sample()
    data["environment"]["cache_server"] = environment.redact(redis_url)
    assert validate(data) == []  # the redacted URL passes (the ?password= form never did)
    data["environment"]["cache_server"] = f"redis at localhost, auth {PASSWORD}"
    assert any("contains a password" in e for e in validate(data))


def test_a_password_equal_to_a_word_of_the_environment_is_matched_as_a_whole(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://role:postgres@host/db")
    data = sample()
    data["environment"]["postgresql"] = "16.2"
    data["environment"]["database"] = "postgresql://role:***@host/db"
    assert validate(data) == []
    data["environment"]["note"] = "password postgres"
    assert validate(data) != []
