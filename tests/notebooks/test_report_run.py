"""The real notebooks through `workbench report --scale tiny`: every figure comes from the run."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from analysis.indexes.audit import VERDICTS
from tests.notebooks.conftest import MIXED_REQUESTS, PROJECT_ROOT, REPEAT
from workbench.report import summary
from workbench.study import plan_indexes as perf_indexes
from workbench.study import scenarios
from workbench.study.variants import NAMES as VARIANT_NAMES

pytestmark = pytest.mark.slow

PIPELINE = ["01_seed", "02_baseline", "03_indexes", "04_eager_loading", "05_caching", "06_report"]
STAGE_OF = {
    "baseline": "02_baseline",
    "indexes": "03_indexes",
    "eager": "04_eager_loading",
    "cache": "05_caching",
    "all": "05_caching",
}


def results(out, stage: str) -> dict:
    return json.loads((out / stage / "results.json").read_text())


def variant(data: dict, scenario: str, name: str) -> dict:
    (found,) = [s for s in data["scenarios"] if s["name"] == scenario]
    return found["variants"][name]


def test_the_run_succeeds_and_renders_every_notebook(tiny_report):
    proc, out = tiny_report
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in PIPELINE:
        assert (out / f"{name}.ipynb").exists() and (out / f"{name}.html").exists(), name
        assert re.search(rf"{name}\s+ok\s+(\d+)/\1\s", proc.stdout), name
    index = (out / "index.html").read_text()
    for name in PIPELINE:
        assert f'href="{name}.html"' in index
    assert "success criteria" in index and "accounts_user_email_idx" in index
    spent = json.loads((out / "timings.json").read_text())
    assert [n["name"] for n in spent["notebooks"]] == PIPELINE
    for notebook in spent["notebooks"]:
        assert notebook["status"] == "ok" and notebook["cells"], notebook["name"]
        in_cells = sum(c["seconds"] for c in notebook["cells"])
        assert in_cells <= notebook["seconds"] <= spent["total_seconds"], notebook["name"]


def test_summary_holds_every_scenario_and_variant_measured_by_its_notebook(tiny_report):
    _, out = tiny_report
    data = summary.load(out)
    assert [s["name"] for s in data["scenarios"]] == list(scenarios.SCENARIOS)
    assert data["parameters"]["scale"] == "tiny"
    assert data["parameters"]["repeat"] == REPEAT
    for scenario in data["scenarios"]:
        assert list(scenario["variants"]) == ["baseline", "indexes", "eager", "cache", "all"]
        for name, figures in scenario["variants"].items():
            stored = variant(results(out, STAGE_OF[name]), scenario["name"], name)
            for key in ("queries", "n_plus_one", "p50_ms", "p95_ms", "db_ms", "db_cpu_ms"):
                assert figures[key] == stored[key], (scenario["name"], name, key)


def test_eager_loading_and_all_remove_job_lists_queries_and_n_plus_ones(tiny_report):
    _, out = tiny_report
    by_name = {s["name"]: s["variants"] for s in summary.load(out)["scenarios"]}
    job_list = by_name["job_list"]
    assert job_list["baseline"]["n_plus_one"] >= 3  # client, industry, subcategory, count
    assert job_list["eager"]["queries"] < job_list["baseline"]["queries"]
    assert job_list["eager"]["vs_baseline"]["queries"] < 0.1
    assert job_list["all"]["n_plus_one"] == 0
    assert job_list["indexes"]["queries"] == job_list["baseline"]["queries"]
    criteria = {c["name"]: c for c in summary.load(out)["criteria"]}
    assert criteria["N+1 queries eliminated"]["measured"] == sum(
        v["all"]["n_plus_one"] for v in by_name.values()
    )


def test_later_notebooks_show_their_variants_from_the_interleaved_run(tiny_report):
    _, out = tiny_report
    measured = results(out, "02_baseline")  # every variant, interleaved in rounds
    assert list(measured["scenarios"][0]["variants"]) == list(VARIANT_NAMES)
    assert measured["parameters"]["rounds"] >= 1
    for stage, name in (("03_indexes", "indexes"), ("04_eager_loading", "eager")):
        data = results(out, stage)
        assert list(data["scenarios"][0]["variants"]) == [name]  # only its own variant
        assert variant(data, "job_list", name) == variant(measured, "job_list", name)
    eager = variant(measured, "job_list", "eager")
    gone = {d["call_site"].split(" in ")[-1] for d in eager["disappeared"]}
    assert "application_count" in gone  # the serializer method field's per-row count
    assert eager["speedup"]["verdict"] in ("faster", "slower", "no change")
    indexes = variant(measured, "job_list", "indexes")
    diffed = {d["fingerprint"] for d in indexes["plan_diffs"]}
    baseline = variant(measured, "job_list", "baseline")
    assert diffed and diffed <= {p["fingerprint"] for p in baseline["plans"]}


def test_the_index_advisor_judges_the_plans_24_indexes_and_its_candidates(tiny_report):
    _, out = tiny_report
    data = summary.load(out)
    audit = data["index_audit"]
    plan = [r for r in audit if r.get("origin", "proposed") == "proposed"]
    assert sorted(r["index"] for r in plan) == sorted(perf_indexes.NAMES)
    assert {r["verdict"] for r in audit} <= set(VERDICTS)
    by_index = {r["index"]: r for r in audit}
    email = by_index["accounts_user_email_idx"]
    assert email["verdict"] == "redundant"
    assert email["duplicates"] == "accounts_user_email_key"
    for r in audit:  # redundant only against an index that stays
        if r["verdict"] == "redundant" and r["duplicates"] in by_index:
            assert by_index[r["duplicates"]]["verdict"] == "useful", r
    used = {name for r in audit for name in r["used_by"]}
    assert used and used <= set(scenarios.SCENARIOS)  # the workload was the scenarios
    assert json.loads((out / "index_audit.json").read_text())[0]["index"] == audit[0]["index"]
    # the set, its migrations and the ranked recommendations reach summary.json
    index_set = data["index_set"]
    assert sorted(index_set["keep"] + index_set["drop"]) == sorted(
        r["index"] for r in audit if r["action"] in ("keep", "drop")
    )
    advice = json.loads((out / "advice.json").read_text())
    for path in set(advice["migration"].values()):
        assert (out / path).is_file() and path.startswith("migrations/")
    recs = data["recommendations"]
    assert [r["rank"] for r in recs] == list(range(1, len(recs) + 1))
    kinds = {r["kind"] for r in recs}
    assert {"fix_n_plus_one", "drop_index"} <= kinds
    fix = next(r for r in recs if r["kind"] == "fix_n_plus_one")
    assert "select_related" in fix["action"] or "annotate" in fix["action"]


def test_the_cache_hit_rate_is_the_mixed_workloads(tiny_report):
    _, out = tiny_report
    data = summary.load(out)
    mixed = results(out, "05_caching")["mixed"]
    assert set(mixed) == {"baseline", "indexes", "eager", "cache", "all"}
    assert mixed["all"]["requests_planned"] == MIXED_REQUESTS
    assert data["cache"]["hit_rate"] == mixed["all"]["hit_rate"]
    assert 0 < data["cache"]["hit_rate"] <= 1
    (criterion,) = [c for c in data["criteria"] if c["name"] == "Cache hit rate over 80%"]
    assert criterion["measured"] == round(100 * mixed["all"]["hit_rate_per_request"], 1)
    assert criterion["measured_on"] == "mixed" and criterion["samples"] > 0


def test_page_sizes_show_the_baseline_growing_and_eager_constant(tiny_report):
    _, out = tiny_report
    counts = json.loads((out / "page_sizes.json").read_text())
    table = {(c["scenario"], c["variant"], c["page_size"]): c["queries"] for c in counts}
    assert table[("job_list", "baseline", 50)] > table[("job_list", "baseline", 10)]
    for name in ("job_list", "user_list", "applications", "payments"):
        assert table[(name, "eager", 50)] == table[(name, "eager", 10)], name


def test_the_run_leaves_the_plans_indexes_in_place(tiny_report, report_database):
    import psycopg2

    conn = psycopg2.connect(report_database)
    try:
        with conn.cursor() as cur:
            names = list(perf_indexes.NAMES)
            cur.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [names])
            assert len(cur.fetchall()) == len(names)
    finally:
        conn.close()


def test_the_report_pages_draw_every_chart_offline(tiny_report):
    _, out = tiny_report
    page = (out / "06_report.html").read_text()
    assert "Success criteria" in page and "job_list" in page
    assert "no longer run" in page  # the queries that disappeared
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "check_html.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    verdict = json.loads(result.stdout)
    if "skipped" in verdict:
        pytest.skip(verdict["skipped"])
    assert verdict["per_page"]["06_report.html"][1] >= 3  # bars, latencies, a plan
    assert verdict["drawn"] == verdict["charts"]
    assert verdict["external_requests"] == []
    assert verdict["errors"] == []


def test_a_second_report_on_the_same_database_refuses_in_one_line(tiny_report, second_report):
    first, _ = tiny_report
    second, out = second_report
    assert first.returncode == 0, first.stderr
    assert second.returncode == 1
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and "another workbench run is using database" in lines[0], lines
    assert "(report, server pid" in lines[0]
    assert not (out / "01_seed.ipynb").exists()  # it ran nothing


# --------------------------------------------------------------------------- the run folder


SCIENTIFIC = re.compile(r"\d[eE][+-]\d")  # 2.64e+01, 6.20e-02


def _cells(page: str) -> list[str]:
    """The text of every table cell of a page."""
    from html.parser import HTMLParser

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open: list[str] = []
            self.found: list[str] = []

        def handle_starttag(self, tag, attrs) -> None:
            if tag in ("td", "th"):
                self.open.append("")

        def handle_endtag(self, tag) -> None:
            if tag in ("td", "th") and self.open:
                self.found.append(self.open.pop())

        def handle_data(self, data) -> None:
            if self.open:
                self.open[-1] += data

    parser = Cells()
    parser.feed(page)
    return parser.found


def test_no_page_or_notebook_names_a_path_of_the_machine(tiny_report):
    _, out = tiny_report
    shared = [*out.glob("*.html"), *out.glob("*.ipynb"), out / "summary.json", out / "run.json"]
    for path in shared:
        text = path.read_text()
        for folder in (PROJECT_ROOT.resolve(), out.resolve()):
            assert str(folder) not in text, (path.name, str(folder))
        assert ".workbench/pg" not in text and "redis.sock" not in text, path.name  # sockets
    summary_env = summary.load(out)["environment"]
    # Names the server it ran on (embedded 16 or the machine's 15 in CI), never a socket folder.
    assert re.match(r"(embedded )?PostgreSQL \d+", summary_env["database"]), summary_env["database"]


def test_no_table_cell_is_in_scientific_notation_or_a_python_repr(tiny_report):
    _, out = tiny_report
    pages = sorted(out.glob("*.html"))
    assert len(pages) == 7  # six notebooks and the front page
    for page in pages:
        cells = _cells(page.read_text())
        assert cells, page.name
        assert [c for c in cells if SCIENTIFIC.search(c)] == [], page.name
        assert [c for c in cells if c.strip() in ("nan", "NaN", "None")] == [], page.name
    eager = (out / "04_eager_loading.html").read_text()
    assert "{&#x27;baseline&#x27;" not in eager and "{'baseline'" not in eager
    assert "N+1 patterns over every scenario: baseline" in eager


def test_plotly_js_is_written_once_per_run_folder_and_the_folder_is_light(tiny_report):
    _, out = tiny_report
    assert (out / "plotly.min.js").exists()
    for path in [*out.glob("*.html"), *out.glob("*.ipynb")]:
        text = path.read_text()
        assert "plotly.js v" not in text, path.name  # referenced, never embedded
        assert "require.min.js" not in text and "MathJax.js" not in text, path.name
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert size < 10_000_000, size  # a tiny run; docs/reports.md has medium's size


def test_the_front_page_shows_the_verdict_and_draws_its_charts_in_chromium(tiny_report):
    from tests.report.chromium import page_facts

    _, out = tiny_report
    facts = page_facts(out / "index.html")
    if facts is None:
        pytest.skip("chromium not found (Debian: apt-get install chromium)")
    criteria = summary.load(out)["criteria"]
    passed = sum(c["passed"] for c in criteria)
    expected = "All" if passed == len(criteria) else f"{len(criteria) - passed} of"
    assert re.match(rf"(PASS|FAIL): {expected} .*success criteria", facts["verdict"]), facts
    assert facts["charts"] >= 2 and facts["drawn"] == facts["charts"], facts
    assert facts["start"] == ["06_report.html"]


def test_the_folder_of_runs_gets_an_index_with_a_trend_per_scenario(tiny_report):
    _, out = tiny_report
    page = (out.parent / "index.html").read_text()
    assert f'href="{out.name}/index.html"' in page
    assert page.count('class="plotly-graph-div"') == len(scenarios.SCENARIOS)
