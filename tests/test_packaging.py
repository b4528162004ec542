"""The pins stay in one state: pyproject's packages are all pinned, environment.yml agrees."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[_norm(name)] = version.strip()
    return pins


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(req: str) -> str:
    return _norm(re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0])


def test_every_declared_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    pins = _pins()
    missing = [r for r in declared if _requirement_name(r) not in pins]
    assert missing == []


def test_environment_yml_matches_constraints():
    pins = _pins()
    env_pins = re.findall(
        r"^\s+- ([A-Za-z0-9_.-]+)==(\S+)$", (ROOT / "environment.yml").read_text(), re.M
    )
    assert env_pins, "environment.yml pins nothing"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        _requirement_name(r)
        for r in project["dependencies"] + project["optional-dependencies"]["dev"]
    }
    assert {_norm(n) for n, _ in env_pins} == declared
    for name, version in env_pins:
        assert pins[_norm(name)] == version, name


def test_generated_folders_are_ignored():
    ignored = (ROOT / ".gitignore").read_text().split()
    for folder in (".venv/", ".workbench/", "reports/", "results/"):
        assert folder in ignored
