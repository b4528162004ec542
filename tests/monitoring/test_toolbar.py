"""`workbench serve --dev`: the browsable API in headless Chromium shows Debug Toolbar with
the workbench panel, listing job_list's N+1 findings under baseline and none under eager."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

from tests.monitoring.conftest import PROJECT_ROOT, serving_all

PAGE = "/api/jobs/?page_size=5"
# Opens the workbench panel (the toolbar lives in a shadow root) and waits until its
# content, fetched by the toolbar's own script, is in, or 20 s pass.
PROBE = """new Promise(resolve => {
  const started = Date.now();
  let clicked = false;
  (function check() {
    const host = document.getElementById('djDebugRoot');
    const root = host && (host.shadowRoot || host);
    const link = root && root.querySelector('#djDebugPanelList a.WorkbenchPanel');
    if (link && !clicked) { link.click(); clicked = true; }
    const panel = root && root.querySelector('#WorkbenchPanel .djdt-scroll');
    const text = panel ? panel.innerText : '';
    if (text.includes('N+1 queries') || Date.now() - started > 20000) {
      resolve({
        toolbar: !!(root && root.querySelector('#djDebugToolbar')),
        subtitle: link ? link.innerText : null,
        findings: panel ? [...panel.querySelectorAll('tr.djdt-workbench-finding')].map(r => r.innerText) : [],
        none: !!(panel && panel.querySelector('.djdt-workbench-none')),
        text: text.slice(0, 4000),
      });
    } else { setTimeout(check, 100); }
  })();
})"""


def _check_html():
    spec = importlib.util.spec_from_file_location(
        "check_html", PROJECT_ROOT / "bench" / "check_html.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _panels(check_html, browser: str, urls: dict[str, str]) -> dict[str, dict]:
    found = {}
    async with check_html.devtools(browser, block=False) as tools:
        for variant, url in urls.items():
            tools.events.clear()
            await tools.call("Page.navigate", url=url)
            await tools.wait_for("Page.loadEventFired", timeout=60)
            probe = await tools.call(
                "Runtime.evaluate",
                expression=PROBE,
                awaitPromise=True,
                returnByValue=True,
                timeout=40,
            )
            errors = [e for e in tools.events if e.get("method") == "Runtime.exceptionThrown"]
            found[variant] = {**(probe["result"].get("value") or {}), "errors": errors}
    return found


@pytest.mark.slow
def test_toolbar_panel_lists_job_lists_n_plus_one_under_baseline_and_none_under_eager(
    monitored_env,
):
    check_html = _check_html()
    browser = check_html.find_browser()
    if browser is None:
        pytest.skip("chromium not found (Debian: apt-get install chromium; .ci/run installs it)")
    # Side by side to save a server start: `--variant baseline` reverts the plan's indexes
    # and holds the database's run lock, so the second server is the eager variant by its
    # switches alone (indexes reverted, eager loading on, no cache), as `--variant eager`
    # would set them.
    eager_env = {**monitored_env, "WORKBENCH_EAGER": "1", "WORKBENCH_CACHE": "0"}
    with serving_all(
        (monitored_env, ("--dev", "--variant", "baseline")), (eager_env, ("--dev",))
    ) as (baseline_url, eager_url):
        found = asyncio.run(
            _panels(
                check_html,
                browser,
                {"baseline": baseline_url + PAGE, "eager": eager_url + PAGE},
            )
        )

    baseline, eager = found["baseline"], found["eager"]
    assert baseline["toolbar"] and eager["toolbar"], found
    assert baseline["errors"] == [] and eager["errors"] == []
    # The job board's three N+1s on related rows and one per-row count, each with its fix.
    assert baseline["subtitle"].startswith("Workbench") and "N+1: 4" in baseline["subtitle"]
    rows = "\n".join(baseline["findings"])
    assert len(baseline["findings"]) == 4, baseline["text"]
    for field in ("JobSerializer.client", "JobSerializer.industry", "JobSerializer.subcategory"):
        assert field in rows
    assert "select_related('client')" in rows and "JobListView.get_queryset" in rows
    assert "Slowest statement" in baseline["text"] and "Plan:" in baseline["text"]
    assert "N+1: 0" in eager["subtitle"]
    assert eager["findings"] == [] and eager["none"], eager["text"]
