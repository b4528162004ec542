"""Which line of *our* code issued a query.

An N+1 report is only actionable when it names the loop that caused it, and that loop
is never inside Django, the workbench, an installed package or the standard library.
Walking raw frames with ``sys._getframe`` and remembering per file whether it is
"library" keeps this to a few dict lookups per query; ``inspect.stack()`` reads source
files for every frame and is what made other tools' call-site capture expensive.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import django

_PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class CallSite:
    """A frame in project code: absolute file, line and function name."""

    file: str
    line: int
    function: str

    @property
    def short(self) -> str:
        """``path:line in function`` with the path relative to the project when it is inside."""
        return f"{relative_path(self.file)}:{self.line} in {self.function}"

    def __str__(self) -> str:
        return self.short


UNKNOWN = CallSite("<unknown>", 0, "<unknown>")


def relative_path(path: str) -> str:
    """A path relative to the project root (or as given when it lives elsewhere)."""
    try:
        return str(Path(path).relative_to(_PROJECT_ROOT))
    except ValueError:
        return path


def _library_prefixes() -> tuple[str, ...]:
    base = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_exec_prefix})
    here = sysconfig.get_paths()
    roots = {
        str(Path(django.__file__).resolve().parent),
        str(Path(__file__).resolve().parent),  # the workbench's own analysis package
        base["stdlib"],
        base["platstdlib"],
        here["purelib"],
        here["platlib"],
    }
    return tuple(sorted(os.path.join(r, "") for r in roots))


_PREFIXES = _library_prefixes()


def _classify(filename: str) -> bool:
    path = filename if filename.startswith("<") else os.path.realpath(filename)
    return (
        filename.startswith("<frozen")
        or path.startswith(_PREFIXES)
        or f"{os.sep}site-packages{os.sep}" in path
        or f"{os.sep}dist-packages{os.sep}" in path
    )


# filename -> is library code. A plain dict: subscripting one is the fastest lookup CPython
# has, and this runs for every frame of every captured query.
_is_library: dict[str, bool] = {}


def is_library_file(filename: str) -> bool:
    """True for Django, the workbench, installed packages, the stdlib and frozen modules."""
    verdict = _is_library.get(filename)
    if verdict is None:
        verdict = _is_library[filename] = _classify(filename)
    return verdict


Frame = tuple[str, int, str]  # (file, line, function): cheaper than a CallSite on the hot path
_LOOK_ABOVE = 10  # frames searched for callers once the call site is found


def raw_call_stack(limit: int = 3, skip: int = 1) -> tuple[Frame, ...]:
    """Up to ``limit`` project frames as tuples, innermost first, ``skip`` frames up.

    The first is the call site; the next ones say who called it, which matters when the
    query sits in a model method and the loop in a view. The search for callers stops
    ``_LOOK_ABOVE`` frames above the call site, so a deep pytest or Jupyter stack costs
    nothing extra. This runs for every query: keep the loops tight.
    """
    try:
        frame = sys._getframe(skip + 1)
    except ValueError:
        return ()
    library = _is_library
    while True:
        try:
            while frame is not None and library[frame.f_code.co_filename]:
                frame = frame.f_back
            break
        except KeyError as missing:  # a file seen for the first time
            is_library_file(missing.args[0])
    if frame is None:
        return ()
    code = frame.f_code
    found = [(code.co_filename, frame.f_lineno, code.co_name)]
    budget = _LOOK_ABOVE
    frame = frame.f_back
    while frame is not None and len(found) < limit and budget:
        code = frame.f_code
        try:
            library_frame = library[code.co_filename]
        except KeyError:
            library_frame = is_library_file(code.co_filename)
        if not library_frame:
            found.append((code.co_filename, frame.f_lineno, code.co_name))
        frame = frame.f_back
        budget -= 1
    return tuple(found)


def find_call_stack(limit: int = 3, skip: int = 1) -> tuple[CallSite, ...]:
    """:func:`raw_call_stack` as :class:`CallSite` objects."""
    return tuple(CallSite(*f) for f in raw_call_stack(limit, skip + 1))


def find_call_site(skip: int = 1) -> CallSite:
    """The innermost frame outside library code."""
    stack = raw_call_stack(1, skip + 1)
    return CallSite(*stack[0]) if stack else UNKNOWN
