"""The report's notebooks and what each declares in its ``parameters`` cell.

Every notebook's ``parameters`` cell is read before anything runs (the same way
papermill reads it), so each value can be converted to the type its line declares
(``seed: int = 42``) and an unknown parameter refused (``workbench.report.params``).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.report.params import Parameter, ParameterError

if TYPE_CHECKING:
    import nbformat

# Notebooks for people, never run by the pipeline.
INTERACTIVE = {"explore"}
# Pages the pipeline runs only when asked (`--only load`, `--with load,scale`): each costs
# more than the default report should (a Locust run, seeding further scales).
OPTIONAL = {"07_load", "08_scale"}


@dataclass(frozen=True)
class NotebookSpec:
    name: str
    path: Path
    parameters: dict[str, Parameter] = field(default_factory=dict)


def normalise_type(annotation: str, default: Any) -> str:
    """``int``, ``float``, ``str``, ``bool``, ``list[str]``, ``list[int]`` or ``any``."""
    text = annotation.replace("typing.", "").replace(" ", "").lower()
    if text in ("int", "float", "str", "bool", "list[str]", "list[int]"):
        return text
    if text in ("list", "tuple", "list[any]"):
        return "list[str]"
    # No (or an exotic) annotation: go by the default's type, as papermill's users expect.
    for kind in (bool, int, float, str):
        if isinstance(default, kind):
            return kind.__name__
    if isinstance(default, list | tuple):
        return "list[int]" if default and all(isinstance(x, int) for x in default) else "list[str]"
    return "any"


def read_parameters(nb: nbformat.NotebookNode) -> dict[str, Parameter] | None:
    """The parameters cell's declarations, or None when there is no cell tagged ``parameters``."""
    from papermill.translators import PythonTranslator

    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        return None
    found = {}
    for p in PythonTranslator.inspect(cell):
        try:
            default = ast.literal_eval(p.default)
        except (ValueError, SyntaxError):
            default = p.default
        found[p.name] = Parameter(
            p.name, normalise_type(p.inferred_type_name, default), default, p.help
        )
    return found


def discover(notebooks_dir: Path) -> list[NotebookSpec]:
    """The pipeline's notebooks, in file-name order (``01_seed`` before ``02_baseline``)."""
    import nbformat

    if not notebooks_dir.is_dir():
        raise ParameterError(f"notebooks folder {notebooks_dir} does not exist")
    specs = []
    for path in sorted(notebooks_dir.glob("*.ipynb")):
        if path.stem in INTERACTIVE:
            continue
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:
            raise ParameterError(f"notebook {path.name} cannot be read: {exc}") from None
        params = read_parameters(nb)
        if params is None:
            raise ParameterError(f"notebook {path.name} has no cell tagged 'parameters'")
        specs.append(NotebookSpec(path.stem, path, params))
    if not specs:
        raise ParameterError(f"no notebooks in {notebooks_dir}")
    return specs


def declared(specs: Sequence[NotebookSpec]) -> dict[str, Parameter]:
    """Every parameter the notebooks declare; the first notebook declaring one gives its type."""
    found: dict[str, Parameter] = {}
    for spec in specs:
        for name, param in spec.parameters.items():
            found.setdefault(name, param)
    return found


def _matches(spec: NotebookSpec, wanted: str) -> bool:
    """``02_baseline`` can be asked for as ``02_baseline``, ``02`` or ``baseline``."""
    number, _, rest = spec.name.partition("_")
    return wanted in (spec.name, number, rest)


def _named(specs: Sequence[NotebookSpec], wanted: Sequence[str], flag: str) -> list[NotebookSpec]:
    if not wanted:  # `--only ''` is a mistake, not "everything" (which includes the reseed)
        names = ", ".join(s.name for s in specs)
        raise ParameterError(f"{flag} names no notebook (known: {names})")
    unknown = [w for w in wanted if not any(_matches(s, w) for s in specs)]
    if unknown:
        names = ", ".join(s.name for s in specs)
        raise ParameterError(f"unknown notebook {unknown[0]!r} in {flag} (known: {names})")
    return [s for s in specs if any(_matches(s, w) for w in wanted)]


def select(
    specs: Sequence[NotebookSpec],
    only: Sequence[str] | None,
    also: Sequence[str] | None = None,
) -> list[NotebookSpec]:
    """The notebooks to run, in file order: ``only`` (any notebook, optional ones too), else
    every one but the :data:`OPTIONAL` pages; plus those named in ``also`` (``--with``)."""
    chosen = (
        [s for s in specs if s.name not in OPTIONAL]
        if only is None
        else _named(specs, only, "--only")
    )
    if also is not None:
        extra = _named(specs, also, "--with")
        chosen += [s for s in extra if s not in chosen]
    return [s for s in specs if s in chosen]
