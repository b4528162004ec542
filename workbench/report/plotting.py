"""How the notebooks' charts reach a page: plotly.js once per run folder, the figure for Lab.

A report run's pages open offline from the run folder, and plotly.js (about 4.6 MB)
must not be copied into each of them: ``workbench report`` writes it once as
``plotly.min.js`` in the run folder (:func:`write_plotlyjs`) and tells the kernels to
reference it (``WORKBENCH_PLOTLYJS``, set by ``workbench.report.kernel``). Outside a report
run (JupyterLab, the plain papermill CLI) the notebook embeds it once instead, so an
output converted on its own still draws offline.

Every chart's output also carries plotly's own JSON mimetype, which JupyterLab draws
with its plotly extension: an executed notebook of the run folder shows its charts in
Lab, where the HTML's scripts do not run. Plotly's HTML also asks for MathJax from a
CDN; that script is dropped (the charts use no TeX).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

PLOTLYJS_FILE = "plotly.min.js"
ENV = "WORKBENCH_PLOTLYJS"  # a URL relative to the page: plotly.js is not embedded
RENDERER = "workbench"
_EXTERNAL_SCRIPT = re.compile(r'<script[^>]*\ssrc="https?://[^"]*"[^>]*>\s*</script>', re.I)


def plotlyjs_path() -> Path:
    """The plotly.min.js shipped with the installed plotly package."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / PLOTLYJS_FILE


def write_plotlyjs(folder: Path) -> Path:
    """Copy plotly.min.js into ``folder`` once (kept when it is already the same file)."""
    source, target = plotlyjs_path(), Path(folder) / PLOTLYJS_FILE
    if not (target.exists() and target.stat().st_size == source.stat().st_size):
        shutil.copyfile(source, target)
    return target


def script_tag(src: str = PLOTLYJS_FILE) -> str:
    return f'<script charset="utf-8" src="{src}"></script>'


def use_report_plotly(src: str | None = None) -> None:
    """Make the report's renderer plotly's default: JSON for Lab, HTML for nbconvert.

    ``src`` (default: ``WORKBENCH_PLOTLYJS``) is where pages find plotly.js; without one
    it is embedded once per notebook. Idempotent.
    """
    import plotly.io as pio

    src = src if src is not None else os.environ.get(ENV) or None
    current = pio.renderers[RENDERER] if RENDERER in pio.renderers else None  # noqa: SIM401
    if isinstance(current, _renderer_class()) and current.src == src:
        if pio.renderers.default != RENDERER:
            pio.renderers.default = RENDERER
        return  # already in place: setting it again would embed plotly.js a second time
    pio.renderers[RENDERER] = _renderer_class()(src)
    pio.renderers.default = RENDERER


_CLASS: list[type] = []


def _renderer_class() -> type:
    if _CLASS:
        return _CLASS[0]
    from plotly.io._base_renderers import HtmlRenderer, PlotlyRenderer

    class ReportRenderer(HtmlRenderer):
        """plotly.js once per notebook (a reference or a copy), each figure as HTML and JSON."""

        def __init__(self, src: str | None) -> None:
            super().__init__(connected=False, global_init=True, include_plotlyjs=False)
            self.src = src
            self._json = PlotlyRenderer()

        def activate(self) -> None:
            from IPython.display import display_html
            from plotly.offline import get_plotlyjs

            if self.src:
                display_html(script_tag(self.src), raw=True)
            else:
                display_html(f'<script charset="utf-8">{get_plotlyjs()}</script>', raw=True)

        def to_mimebundle(self, fig_dict):
            bundle = super().to_mimebundle(fig_dict)
            bundle["text/html"] = _EXTERNAL_SCRIPT.sub("", bundle["text/html"])
            bundle.update(self._json.to_mimebundle(fig_dict))
            return bundle

    _CLASS.append(ReportRenderer)
    return ReportRenderer
