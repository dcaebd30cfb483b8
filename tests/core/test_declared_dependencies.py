"""Every import the package makes at run time is a declared dependency.

Read from the source, so it needs no second environment: each third-party name imported anywhere in ``locogym``
(module level or inside a function) must belong to a distribution in ``[project.dependencies]``; a distribution of
an extra may be imported only inside a function, so that the module still imports without the extra.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

import locogym

ROOT = Path(locogym.__file__).parent
PROJECT = tomllib.loads((ROOT.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


CORE = {_name(r) for r in PROJECT["dependencies"]}
EXTRAS = {_name(r) for reqs in PROJECT["optional-dependencies"].values() for r in reqs}


def _imports() -> list[tuple[str, str, bool]]:
    """(module file, imported top-level name, imported at module level) for every import in the package."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            for name in names:
                found.append((str(path.relative_to(ROOT.parent)), name.split(".")[0], id(node) in top_level))
    return found


@functools.cache
def _distributions(top: str) -> set[str]:
    """The distributions that provide ``top``; for a package that is not installed (an extra left out of this
    environment), the distribution of the same name, which is how every extra of ours is named."""
    installed = {d.lower().replace("_", "-") for d in _installed().get(top, [])}
    return installed or {top.lower().replace("_", "-")}


@functools.cache
def _installed() -> dict[str, list[str]]:
    return dict(packages_distributions())


def _problems(imports: list[tuple[str, str, bool]]) -> list[str]:
    problems = []
    for where, top, module_level in imports:
        if top in sys.stdlib_module_names or top in ("locogym", "__future__"):
            continue
        dists = _distributions(top)
        if dists & CORE:
            continue
        if dists & EXTRAS and not module_level:
            continue
        why = "an extra's package imported at module level" if dists & EXTRAS else "not a declared dependency"
        problems.append(f"{where}: import {top} ({why}; distributions: {sorted(dists)})")
    return problems


def test_every_third_party_import_is_declared() -> None:
    problems = _problems(_imports())
    assert not problems, "\n".join(problems)


def test_the_check_flags_an_undeclared_package_and_an_extra_at_module_level() -> None:
    """The check can fail: a package nobody declared, installed or not, and an extra imported at module level."""
    assert _problems([("m.py", "not_a_real_dependency", False)]) == [
        "m.py: import not_a_real_dependency (not a declared dependency; distributions: ['not-a-real-dependency'])"]
    assert _problems([("m.py", "ray", True)]) == [
        "m.py: import ray (an extra's package imported at module level; distributions: ['ray'])"]
    assert not _problems([("m.py", "ray", False), ("m.py", "numpy", True)])


@pytest.mark.slow
def test_the_check_sees_function_local_imports() -> None:
    assert ("locogym/scenarios/wiki/retrievers.py", "scipy", False) in _imports()
