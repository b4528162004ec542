"""The layers' rules that import-linter cannot see, and the size rule.

`lint-imports` (in `make test`) checks every import statement, inside functions too.
Imports by name at run time (``importlib.import_module("...")``, ``__import__``,
Django's ``import_string``) are invisible to it, so they are checked here, as is the
one settings object and the size of modules.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "analysis": ("marketplace", "fixtures", "workbench"),
    "marketplace": ("analysis", "fixtures", "workbench"),
    "fixtures": ("analysis", "workbench"),
}
DYNAMIC = {"import_module", "__import__", "import_string"}


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _dynamic_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        arg = node.args[0]
        if name in DYNAMIC and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.append((node.lineno, arg.value))
        elif name in DYNAMIC and isinstance(arg, ast.JoinedStr):
            head = arg.values[0] if arg.values else None
            if isinstance(head, ast.Constant):
                found.append((node.lineno, str(head.value)))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_dynamic_import_points_up(package):
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target!r} by name"
        for path in _modules(package)
        for line, target in _dynamic_imports(path)
        if target.split(".")[0] in FORBIDDEN[package]
    ]
    assert wrong == []


def test_the_checker_sees_a_dynamic_import(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text(
        "import importlib\n"
        "def f(name):\n"
        "    importlib.import_module('workbench.study.scenarios')\n"
        "    return importlib.import_module(f'workbench.commands.{name}')\n"
    )
    assert _dynamic_imports(sample) == [
        (3, "workbench.study.scenarios"),
        (4, "workbench.commands."),
    ]


@pytest.mark.parametrize("package", ["workbench", "analysis", "fixtures", "marketplace"])
def test_modules_stay_small(package):
    large = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for path in _modules(package)
        if (n := len(path.read_text().splitlines())) > 400
    ]
    assert large == []


def test_environment_variables_are_read_in_one_place():
    """The marketplace's settings come from one object (marketplace/conf.py)."""
    readers = []
    for package in ("marketplace", "analysis", "fixtures"):
        for path in _modules(package):
            if path.name == "conf.py" and package == "marketplace":
                continue
            if re.search(r"os\.environ(\.get\(|\[)|getenv\(", path.read_text()):
                readers.append(str(path.relative_to(ROOT)))
    assert readers == []
