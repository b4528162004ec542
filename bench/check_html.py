"""Open a rendered report in headless Chromium: are the charts drawn, does anything go online?

    python bench/check_html.py [RUN_DIR_OR_HTML ...]      (default: reports/latest)

Prints one JSON line: pages checked, charts found and drawn, copies of plotly.js per
page (embedded, or loaded from the run folder's plotly.min.js), every request that
tried to leave the machine (blocked, and listed), and the page's JavaScript errors.
Exit 0 when every chart is drawn and nothing went online, 1 otherwise. Without Chromium (Debian: ``apt-get install chromium``) it prints
``{"skipped": ...}`` and exits 0, so a machine without a browser is not a failure.

It drives Chromium through the DevTools protocol (tornado's websocket client, which
Jupyter already installs), so the requests it sees are exactly the page's own, not
the browser's background traffic.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "devtools:")
# Waits in the page until every plotly div holds an SVG, or 10 s pass.
PROBE = """new Promise(resolve => {
  const started = Date.now();
  (function check() {
    const plots = [...document.querySelectorAll('.plotly-graph-div')];
    const drawn = plots.filter(p => p.querySelector('svg.main-svg') && p.querySelector('.trace, .cartesianlayer, .pielayer, .treemaplayer, .iciclelayer, .sunburstlayer, .barlayer'));
    if (drawn.length === plots.length || Date.now() - started > 10000) {
      const copies = [...document.scripts].filter(s => s.text.includes('plotly.js v')
        || (s.getAttribute('src') || '').split('/').pop().startsWith('plotly')).length;
      resolve({charts: plots.length, drawn: drawn.length, plotly_js_copies: copies});
    } else { setTimeout(check, 100); }
  })();
})"""


def find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


class DevTools:
    """A minimal DevTools-protocol client: calls, and the events that arrive meanwhile."""

    def __init__(self, conn) -> None:
        self.conn, self.next_id, self.events = conn, 0, []

    async def _read(self, timeout: float) -> dict:
        raw = await asyncio.wait_for(self.conn.read_message(), timeout)
        if raw is None:
            raise RuntimeError("chromium closed the DevTools connection")
        return json.loads(raw)

    async def call(self, method: str, timeout: float = 30, **params) -> dict:
        self.next_id += 1
        my_id = self.next_id
        await self.conn.write_message(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = await self._read(timeout)
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            self.events.append(msg)

    async def wait_for(self, method: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(await self._read(max(0.1, deadline - time.monotonic())))


def external(url: str) -> bool:
    if url.startswith(LOCAL_SCHEMES):
        return False
    host = url.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
    return host not in ("127.0.0.1", "localhost", "[::1]")


async def _check_page(tools: DevTools, page: Path) -> dict:
    tools.events.clear()
    await tools.call("Page.navigate", url=page.resolve().as_uri())
    await tools.wait_for("Page.loadEventFired", timeout=60)
    probe = await tools.call(
        "Runtime.evaluate", expression=PROBE, awaitPromise=True, returnByValue=True, timeout=30
    )
    value = probe.get("result", {}).get("value") or {}
    requests = sorted(
        {
            e["params"]["request"]["url"][:200]
            for e in tools.events
            if e.get("method") == "Network.requestWillBeSent"
            and external(e["params"]["request"]["url"])
        }
    )
    errors = [
        e["params"]["exceptionDetails"].get("exception", {}).get("description", "")[:300]
        or e["params"]["exceptionDetails"].get("text", "")
        for e in tools.events
        if e.get("method") == "Runtime.exceptionThrown"
    ]
    return {"page": page.name, **value, "external_requests": requests, "errors": errors}


@contextlib.asynccontextmanager
async def devtools(browser: str, *extra_args: str, block: bool = True) -> AsyncIterator[DevTools]:
    """A headless Chromium with a throw-away profile, its page's DevTools, nothing online.

    Every http(s)/ws request of the page is blocked (and still reported as an event), so
    a chart that needs the network shows up as undrawn and listed, never as fetched.
    ``block=False`` lets pages served on localhost load; the caller then checks the
    ``Network.requestWillBeSent`` events for anything that tried to leave the machine.
    """
    from tornado.websocket import websocket_connect

    # Chromium's helper processes can still be writing the profile when it is removed.
    with tempfile.TemporaryDirectory(prefix="wb-chromium-", ignore_cleanup_errors=True) as profile:
        args = [
            browser,
            "--headless=new",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-extensions",
            *extra_args,
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")
        proc = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            # Its singleton socket folder (org.chromium.Chromium.*) goes in TMPDIR and
            # outlives a killed browser: inside the profile, it goes with it.
            env={**os.environ, "TMPDIR": profile},
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + 30
            while not port_file.exists() or not port_file.read_text().strip():
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("chromium did not open its DevTools port")
                await asyncio.sleep(0.1)
            port = port_file.read_text().split()[0]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                target = next(t for t in json.load(r) if t["type"] == "page")
            conn = await websocket_connect(target["webSocketDebuggerUrl"], max_message_size=1 << 27)
            tools = DevTools(conn)
            for method in ("Page.enable", "Network.enable", "Runtime.enable"):
                await tools.call(method)
            if block:
                await tools.call("Network.setBlockedURLs", urls=["http://*", "https://*", "ws://*"])
            try:
                yield tools
            finally:
                conn.close()
        finally:
            _stop(proc)


async def _run(browser: str, pages: list[Path]) -> list[dict]:
    async with devtools(browser) as tools:
        return [await _check_page(tools, page) for page in pages]


def _stop(proc: subprocess.Popen) -> None:
    """End Chromium and every helper process it started (they share its session)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(5)
            return
        except subprocess.TimeoutExpired:
            continue


def check(pages: list[Path]) -> dict:
    """The verdict for these pages, as the JSON line prints it."""
    browser = find_browser()
    if browser is None:
        return {"skipped": "chromium not found (Debian: apt-get install chromium)"}
    started = time.monotonic()
    results = asyncio.run(_run(browser, pages))
    charts = sum(r.get("charts", 0) for r in results)
    drawn = sum(r.get("drawn", 0) for r in results)
    external = sorted({u for r in results for u in r["external_requests"]})
    errors = [f"{r['page']}: {e}" for r in results for e in r["errors"]]
    copies_ok = all(r.get("plotly_js_copies", 0) == (1 if r.get("charts") else 0) for r in results)
    return {
        "pages": len(results),
        "charts": charts,
        "drawn": drawn,
        "plotly_js_once_per_page": copies_ok,
        "external_requests": external,
        "errors": errors,
        "per_page": {r["page"]: [r.get("drawn", 0), r.get("charts", 0)] for r in results},
        "seconds": round(time.monotonic() - started, 2),
        "ok": drawn == charts and not external and not errors and copies_ok,
    }


def _pages(targets: list[str]) -> list[Path]:
    pages: list[Path] = []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            pages.extend(sorted(path.glob("*.html")))
        elif path.suffix == ".html" and path.exists():
            pages.append(path)
        else:
            sys.exit(f"check_html: error: {target} is neither a run folder nor an HTML file")
    if not pages:
        sys.exit("check_html: error: no HTML pages to check")
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", default=[str(ROOT / "reports" / "latest")])
    args = parser.parse_args()
    verdict = check(_pages(args.targets))
    print(json.dumps(verdict))
    return 0 if verdict.get("ok", True) else 1


if __name__ == "__main__":
    sys.exit(main())
