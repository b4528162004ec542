"""Headless Chromium for the tests: what a page shows once its charts are drawn.

Drives the browser with ``bench/check_html.py``'s DevTools client (network blocked), and
returns what a script in the page read: the verdict's heading, the charts found and
drawn. ``None`` when no Chromium is installed (the caller skips).
"""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FACTS = """(() => {
  const plots = [...document.querySelectorAll('.plotly-graph-div')];
  const drawn = plots.filter(p => p.querySelector('svg.main-svg .barlayer, svg.main-svg .trace'));
  const verdict = document.querySelector('.verdict h2');
  return {charts: plots.length, drawn: drawn.length,
          verdict: verdict ? verdict.innerText : null,
          start: [...document.querySelectorAll('.start a')].map(a => a.getAttribute('href'))};
})()"""


def _check_html():
    spec = importlib.util.spec_from_file_location("check_html", ROOT / "bench" / "check_html.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _facts(module, browser: str, page: Path) -> dict[str, Any]:
    async with module.devtools(browser) as tools:
        await tools.call("Page.navigate", url=page.resolve().as_uri())
        await tools.wait_for("Page.loadEventFired", timeout=60)
        await tools.call("Runtime.evaluate", expression=module.PROBE, awaitPromise=True, timeout=30)
        found = await tools.call("Runtime.evaluate", expression=FACTS, returnByValue=True)
        return found.get("result", {}).get("value") or {}


def page_facts(page: Path) -> dict[str, Any] | None:
    module = _check_html()
    browser = module.find_browser()
    if browser is None:
        return None
    return asyncio.run(_facts(module, browser, page))
