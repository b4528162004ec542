"""The parameters papermill injected into a running notebook, checked as ``workbench report`` does.

``workbench report`` converts and checks every value before a kernel starts
(``workbench.report.params``). The plain ``papermill`` CLI does not: it only warns about
a parameter the notebook does not declare, passes ``-p scenarios job_list`` as a string
where a list is declared, and ``-p repeat abc`` as text. So the notebooks' bootstrap
checks what was injected, with the same functions, from inside the kernel:

* the declarations are the parameters cell's annotations (``repeat: int = 20``), which
  IPython keeps in the namespace's ``__annotations__``;
* the injected names are those assigned by the cell papermill adds (its source starts
  with ``# Parameters``), read back from IPython's input history (``In``), so a
  variable a person defines in JupyterLab is never taken for a parameter;
* each value is converted to its declared type (``"job_list,wallet"`` to a list, ``"5"``
  to 5), and refused in one line when it cannot be; then the shared checks run
  (scales, scenarios, ranges).
"""

from __future__ import annotations

import ast
from collections.abc import MutableMapping
from typing import Any

from workbench.report.discovery import normalise_type
from workbench.report.params import ParameterError, check_values, coerce

# Names papermill itself may inject (--inject-paths): never a notebook's declaration.
PAPERMILL_NAMES = {"PAPERMILL_INPUT_PATH", "PAPERMILL_OUTPUT_PATH"}
_EXPECTED = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "str": "text",
    "list[str]": "names separated by commas",
    "list[int]": "whole numbers separated by commas",
}


def injected_names(namespace: MutableMapping[str, Any]) -> list[str] | None:
    """The names papermill's ``# Parameters`` cell assigned, or None when there was none."""
    history = namespace.get("In") or namespace.get("_ih") or []
    for source in reversed(list(history)):
        if isinstance(source, str) and source.lstrip().startswith("# Parameters"):
            try:
                tree = ast.parse(source)
            except SyntaxError:
                return None
            return [
                target.id
                for node in tree.body
                if isinstance(node, ast.Assign)
                for target in node.targets
                if isinstance(target, ast.Name)
            ]
    return None


def type_name(annotation: Any, default: Any) -> str:
    if isinstance(annotation, str):
        text = annotation
    elif getattr(annotation, "__origin__", None) is not None:
        text = str(annotation)  # list[str] and other generic aliases
    else:
        text = getattr(annotation, "__name__", str(annotation))
    return normalise_type(text, default)


def conform(name: str, value: Any, kind: str) -> Any:
    """``value`` as the declared ``kind``; ParameterError in one line when it cannot be."""
    if isinstance(value, str):
        return coerce(name, value, kind)

    def bad() -> ParameterError:
        return ParameterError(
            f"parameter {name}: expected {_EXPECTED.get(kind, kind)}, got {value!r}"
        )

    if kind == "any" or value is None:
        return value
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise bad()
    if isinstance(value, bool):
        raise bad()
    if kind == "int":
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise bad()
    if kind == "float":
        if isinstance(value, int | float):
            return float(value)
        raise bad()
    if kind == "str":
        if isinstance(value, int | float):
            return str(value)  # papermill reads `-p scale 2000` as a number
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value)
        raise bad()
    if kind in ("list[str]", "list[int]"):
        items = list(value) if isinstance(value, list | tuple) else [value]
        item_kind = kind[5:-1]
        return [conform(name, item, item_kind) for item in items]
    return value


def check(namespace: MutableMapping[str, Any]) -> dict[str, Any]:
    """Check and convert the declared parameters in place; returns them, converted.

    An injected name the notebook does not declare is refused, as ``workbench report``
    refuses ``-p`` of an unknown name.
    """
    declared = dict(namespace.get("__annotations__") or {})
    injected = injected_names(namespace)
    if injected is not None and declared:
        unknown = [n for n in injected if n not in declared and n not in PAPERMILL_NAMES]
        if unknown:
            raise ParameterError(
                f"unknown parameter {unknown[0]!r}: this notebook declares "
                f"{', '.join(sorted(declared))}"
            )
    values = {
        name: conform(name, namespace[name], type_name(annotation, namespace[name]))
        for name, annotation in declared.items()
        if name in namespace
    }
    values = check_values(values)
    namespace.update(values)
    return values
