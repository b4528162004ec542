"""Plotly figures as HTML with plotly.js embedded once, so exported pages draw offline.

Plotly's default renderer in a headless run emits only its JSON mimetype, which
nbconvert drops (plotly/plotly.py#5365); the ``notebook`` renderer writes ``text/html``
and inlines plotly.js once per notebook, but also adds, before every chart, a
``<script src>`` loading MathJax from cdnjs (hard-coded in plotly 7), so a page opened
offline or behind a firewall would still reach out. :func:`use_offline_plotly`
replaces the renderer registered under that name with one that drops external
scripts, so code that asks for ``"notebook"`` later gets the offline one too.
"""

from __future__ import annotations

import functools
import re

_EXTERNAL_SCRIPT = re.compile(r'<script[^>]*\ssrc="https?://[^"]*"[^>]*>\s*</script>', re.I)


def use_offline_plotly() -> None:
    """Make the offline ``notebook`` renderer plotly's default (idempotent)."""
    import plotly.io as pio

    offline = _offline_renderer_class()
    if not isinstance(pio.renderers["notebook"], offline):
        pio.renderers["notebook"] = offline(connected=False)
    pio.renderers.default = "notebook"


@functools.cache
def _offline_renderer_class() -> type:
    from plotly.io._base_renderers import NotebookRenderer

    class OfflineNotebookRenderer(NotebookRenderer):
        def to_mimebundle(self, fig_dict):
            bundle = super().to_mimebundle(fig_dict)
            bundle["text/html"] = _EXTERNAL_SCRIPT.sub("", bundle["text/html"])
            return bundle

    return OfflineNotebookRenderer
