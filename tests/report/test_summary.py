"""The summary.json schema: the validator's messages, building, loading, and secrets."""

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
            "index_audit[1].verdict: expected one of useful, redundant, unused, got 'great'",
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
                    "all": figures(queries=2, n_plus_one=0, p95=25.0, db=10.0, db_cpu_ms=20.0),
                },
            }
        ],
        cache={"hit_rate": 0.85},
    )
    ratios = built["scenarios"][0]["variants"]["all"]["vs_baseline"]
    assert ratios["queries"] == 0.1
    assert ratios["p95_ms"] == 0.25
    assert "vs_baseline" not in built["scenarios"][0]["variants"]["baseline"]
    verdicts = {c["name"]: (c["measured"], c["passed"]) for c in built["criteria"]}
    assert verdicts == {
        "N+1 queries eliminated": (0, True),
        "Query time down 50%+": (75.0, True),
        "Response under 200 ms": (25.0, True),
        "Cache hit rate over 80%": (85.0, True),
        "Database CPU down 50%+": (pytest.approx(33.3), False),
    }


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

    def judged(p95: float, rate: float) -> dict[str, bool]:
        scenario = {"baseline": figures(p95=p95), "all": figures(n_plus_one=0, p95=p95)}
        return {
            v.criterion.key: v.passed for v in criteria.evaluate([scenario], {"hit_rate": rate})
        }

    assert judged(199.9, 0.81)["p95"] and judged(199.9, 0.81)["cache_hit_rate"]
    assert not judged(200.0, 0.8)["p95"] and not judged(200.0, 0.8)["cache_hit_rate"]
    assert [c.name for c in criteria.CRITERIA] == [
        "N+1 queries eliminated",
        "Query time down 50%+",
        "Response under 200 ms",
        "Cache hit rate over 80%",
        "Database CPU down 50%+",
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
