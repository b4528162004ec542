"""07_load's tables and charts, from a recorded load.json and raw samples (no load run)."""

from __future__ import annotations

import json

import pytest

from tests.report.optional import cases
from workbench.errors import WorkbenchError
from workbench.report.tables import load as load_page


@pytest.fixture
def folder(tmp_path):
    (tmp_path / load_page.LOAD_FILE).write_text(json.dumps(cases.load()))
    cases.write_samples(tmp_path)
    return tmp_path


def test_one_row_per_variant_and_level_with_client_and_server_figures(folder):
    table = load_page.levels_frame(load_page.read(folder))
    assert table.header[:3] == ["variant", "users", "requests"]
    rows = {(r[0], r[1]): dict(zip(table.header, r, strict=True)) for r in table.rows}
    assert list(rows) == [("baseline", "1"), ("baseline", "4"), ("all", "1"), ("all", "4")]
    base, best = rows["baseline", "4"], rows["all", "4"]
    assert (base["requests/s"], base["p95"], base["p99"]) == ("27.83", "268.65 ms", "375.30 ms")
    assert (base["hit rate"], base["p95 vs baseline"]) == ("-", "-")  # cache off
    assert best["queries/request"] == "0.92" and best["hit rate"] == "79.6%"
    assert best["db CPU/request"] == "-"  # not measured (recorded as null)
    assert best["p95 vs baseline"] == "4.07x faster [3.48x, 6.00x]"
    assert rows["baseline", "1"]["db CPU/request"] == "6.32 ms"


def test_no_load_json_means_the_page_did_not_run(tmp_path):
    assert load_page.read(tmp_path) is None
    assert load_page.levels_frame(None).is_empty
    assert "did not run" in repr(load_page.errors_frame(None))


def test_the_concurrency_curve_has_a_line_per_variant_in_each_panel(folder):
    figure = load_page.concurrency_figure(load_page.read(folder))
    traces = [(t.name, t.xaxis, list(t.x), list(t.y)) for t in figure.data]
    assert traces == [
        ("baseline", "x", [1, 4], [27.09, 27.83]),
        ("all", "x", [1, 4], [86.68, 164.12]),
        ("baseline", "x2", [1, 4], [68.82, 268.65]),
        ("all", "x2", [1, 4], [27.32, 65.94]),
    ]
    assert [t.showlegend for t in figure.data] == [True, True, False, False]
    assert figure.layout.yaxis2.type == "log" and figure.layout.xaxis.type == "log"
    assert list(figure.layout.xaxis.tickvals) == [1, 4]


def test_each_levels_samples_are_read_from_every_process(folder):
    found = load_page.level_samples(folder, load_page.read(folder))
    assert [(s.variant, s.users) for s in found] == list(cases.SAMPLES)
    assert found[3].times_ms == [2.0, 4.0, 6.0, 8.0]  # both processes, sorted
    assert all(s.failed == 0 for s in found)


def test_the_distribution_table_reads_the_raw_samples(folder):
    samples = load_page.level_samples(folder, load_page.read(folder))
    table = load_page.distribution_frame(samples)
    row = dict(zip(table.header, table.rows[0], strict=True))  # baseline, 1 user
    assert row["requests"] == "5" and row["fastest"] == "10.00 ms"
    assert row["p50"] == "30.00 ms" and row["p90"] == "46.00 ms" and row["slowest"] == "50.00 ms"


def test_the_latency_figure_has_a_panel_per_level_and_reaches_every_request(folder):
    samples = load_page.level_samples(folder, load_page.read(folder))
    figure = load_page.latency_figure(samples)
    assert [a.text for a in figure.layout.annotations] == ["1 user", "4 users"]
    assert [(t.name, t.xaxis) for t in figure.data] == [
        ("baseline", "x"),
        ("baseline", "x2"),
        ("all", "x"),
        ("all", "x2"),
    ]
    last = figure.data[3]
    assert list(last.x) == [2.0, 4.0, 6.0, 8.0] and list(last.y) == [25.0, 50.0, 75.0, 100.0]
    assert figure.layout.xaxis.type == "log"


def test_a_long_run_is_drawn_in_a_bounded_number_of_points():
    times = [float(ms) for ms in range(1, 10_001)]
    xs, ys = load_page.curve(times, points=200)
    assert len(xs) == 200
    assert (xs[0], xs[-1], ys[-1]) == (1.0, 10_000.0, 100.0)
    assert xs == sorted(xs) and ys == sorted(ys)
    assert load_page.curve([]) == ([], [])


def test_errors_are_listed_per_level_and_message(tmp_path):
    table = load_page.errors_frame(cases.load(with_errors=True))
    assert table.rows == [
        ["baseline", "4", "2", "0", "apply: HTTPError: 409 Client Error: Conflict"]
    ]
    clean = load_page.errors_frame(cases.load())
    assert clean.is_empty and "No request failed at any of the 4 levels" in repr(clean)


def test_the_run_is_described_in_one_sentence():
    text = load_page.describe(cases.load())
    assert text.startswith("2 variant(s) (baseline, all) at 2 level(s) (1, 4 users), 2.00 s")
    assert "200 reads" in text and "5.0% writes" in text


@pytest.mark.parametrize(
    ("variants", "users", "duration", "message"),
    [
        (["baseline", "fast"], [1], 2.0, "-p variants: unknown variant 'fast'"),
        ([], [1], 2.0, "-p variants: unknown variant none"),
        (["all"], [0, 4], 2.0, "-p users: levels must be 1 user or more"),
        (["all"], [1], 0.0, "-p duration must be more than 0"),
    ],
)
def test_bad_parameters_are_refused_before_anything_runs(
    tmp_path, variants, users, duration, message
):
    with pytest.raises(WorkbenchError, match="^" + message):
        load_page.run(
            tmp_path, variants, users, duration=duration, warmup=0, write_share=0.05, seed=42
        )
    assert not any(tmp_path.iterdir())


def test_a_session_connected_to_the_source_is_named_before_the_copy_is_tried():
    """PostgreSQL would refuse ``CREATE DATABASE ... TEMPLATE``; the page says who is in the way."""
    from marketplace import dsn
    from workbench.env import services

    other = dsn.connect(services.database_url(), application_name="someone else's notebook")
    try:
        with pytest.raises(WorkbenchError) as refused:
            load_page._refuse_other_sessions()
    finally:
        other.close()
    assert str(refused.value).startswith("cannot copy database ")
    assert '"someone else\'s notebook" (server pid ' in str(refused.value)
