"""What a run-based gold answer depends on besides the source's commit: the interpreter and installed packages.

``return_value`` and ``argument`` are answered by running the project's code, and ``dispatch`` is checked against
the interpreter's own ``__mro__``. A project's code may read the interpreter's version, the platform, or import
its dependencies at module level, so the same commit can give another answer elsewhere. The task's metadata
records what the run used, so that an answer can be traced to it (and a task regenerated elsewhere compared).
"""

from __future__ import annotations

import ast
import functools
import platform
import sys
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from locogym.scenarios.repo.question_base import is_test_path

RUN_KINDS = frozenset({"return_value", "argument", "dispatch"})


@functools.lru_cache(maxsize=1)
def _distributions() -> Mapping[str, list[str]]:
    return metadata.packages_distributions()


def _imported_tops(files: dict[str, str]) -> set[str]:
    """Top-level module names the project's Python files import (outside its tests)."""
    tops: set[str] = set()
    for path, text in files.items():
        if not path.endswith(".py") or is_test_path(path):
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                tops.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops.add(node.module.split(".")[0])
    return tops


def dependencies(files: dict[str, str]) -> dict[str, str]:
    """The installed distributions (name -> version) that provide a module the project imports and does not
    define itself; the standard library is the interpreter's and is left out."""
    own = {p.split("/")[0].removesuffix(".py") for p in files if p.endswith(".py")}
    found: dict[str, str] = {}
    for top in sorted(_imported_tops(files) - own - set(sys.stdlib_module_names)):
        for dist in _distributions().get(top, []):
            try:
                found[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                continue
    return dict(sorted(found.items()))


def run_provenance(files: dict[str, str]) -> dict[str, Any]:
    """The interpreter, platform and dependency versions a run-based answer on ``files`` was obtained with."""
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": f"{sys.platform}-{platform.machine()}",
        "libc": " ".join(platform.libc_ver()).strip(),
        "dependencies": dependencies(files),
    }
