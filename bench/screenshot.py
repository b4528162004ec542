"""A PNG of a rendered report page, taken in headless Chromium once its charts are drawn.

    python bench/screenshot.py reports/latest/06_report.html --out docs/report.png
    python bench/screenshot.py reports/latest/06_report.html --from "Each scenario" --height 1400

``--from TEXT`` starts the picture at the first heading holding TEXT; ``--height``
and ``--width`` are in CSS pixels and ``--scale`` shrinks the picture (0.75 by default,
so the README's image stays small). Network requests are blocked, as in
``bench/check_html.py``, whose DevTools client this reuses. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_html import PROBE, devtools, find_browser  # noqa: E402

FIND_HEADING = """(() => {
  const wanted = %s;
  if (!wanted) return 0;
  const found = [...document.querySelectorAll('h1, h2, h3')]
    .find(h => h.textContent.includes(wanted));
  return found ? found.getBoundingClientRect().top + window.scrollY - 8 : -1;
})()"""


async def _shoot(page: Path, start: str | None, width: int, height: int, scale: float) -> bytes:
    browser = find_browser()
    if browser is None:
        raise SystemExit("screenshot: error: chromium not found (apt-get install chromium)")
    async with devtools(browser, "--hide-scrollbars") as tools:
        await tools.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        await tools.call("Page.navigate", url=page.resolve().as_uri())
        await tools.wait_for("Page.loadEventFired", timeout=60)
        await tools.call("Runtime.evaluate", expression=PROBE, awaitPromise=True, timeout=30)
        found = await tools.call(
            "Runtime.evaluate", expression=FIND_HEADING % json.dumps(start), returnByValue=True
        )
        top = found.get("result", {}).get("value", 0)
        if top is None or top < 0:
            raise SystemExit(f"screenshot: error: no heading holds {start!r}")
        shot = await tools.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": top, "width": width, "height": height, "scale": scale},
        )
        return base64.b64decode(shot["data"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path, help="an HTML page of a report")
    parser.add_argument("--out", type=Path, required=True, help="the PNG to write")
    parser.add_argument("--from", dest="start", help="start at the first heading holding this")
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=1500)
    parser.add_argument("--scale", type=float, default=0.75)
    args = parser.parse_args()
    if not args.page.exists():
        sys.exit(f"screenshot: error: {args.page} does not exist")
    png = asyncio.run(_shoot(args.page, args.start, args.width, args.height, args.scale))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    print(json.dumps({"out": str(args.out), "bytes": len(png)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
