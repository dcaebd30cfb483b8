"""Which of an agent's changes the grader applies: an allowlist, so nothing the judge reads can come from it.

Grading starts from the pristine task (every test present, withheld ones included) and copies in only the
agent's changes to *importable source files of the package under test*: the Python modules under the top-level
package (or the single module) that holds the defects. Everything else comes from the pristine tree, whatever
its name or place, so no list of dangerous files has to be kept: tests and ``conftest.py`` files, every file a
test runner or the interpreter reads at start (ini, toml and cfg files of any name, ``.pth`` files,
``sitecustomize``, plugins, env files), data files, and every path outside the package.

Each change that is not applied is recorded with the reason (``labels["held_edits"]``); it is reported, never
executed. A change that is held back is not evidence of anything: an honest fix that also adds a test or
cleans a cache folder is graded on its source change alone.

Reasons:

* ``test_file`` — a test module, or anything under a ``tests``/``test``/``testing`` folder;
* ``conftest`` — a ``conftest.py`` (pytest would load it before the tests);
* ``not_source`` — not a Python module (configuration, data, ``.pth``, env files...);
* ``not_importable`` — a Python file whose path is not a module name (``my-helper.py``, a hidden folder);
* ``outside_package`` — any other path: outside the package under test, or outside the workspace.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from locogym.scenarios.defects.mutations import is_test_path

HoldReason = Literal["test_file", "conftest", "not_source", "not_importable", "outside_package"]


class HeldChange(BaseModel):
    """A changed file the grader did not apply, and why."""

    path: str
    reason: HoldReason
    deleted: bool = False


class ChangeSplit(BaseModel):
    """The agent's changes split into what the grader applies and what it holds back."""

    applied: dict[str, str | None] = Field(default_factory=dict)  # path -> new text (None: deleted)
    held: list[HeldChange] = Field(default_factory=list)


def package_roots(source_paths: Iterable[str]) -> list[str]:
    """The package under test, from the paths of the defective modules: ``pkg/`` for ``pkg/a/b.py``,
    ``src/pkg/`` for a src layout, or the module itself (``six.py``) for a single-module project."""
    roots = set()
    for path in source_paths:
        prefix, rest = ("src/", path[4:]) if path.startswith("src/") else ("", path)
        head, slash, _ = rest.partition("/")
        roots.add(f"{prefix}{head}/" if slash else path)
    return sorted(roots)


def hold_reason(path: str, roots: Iterable[str]) -> HoldReason | None:
    """Why a change to ``path`` is not applied, or None when it is an importable module of the package."""
    parts = path.split("/")
    if path.startswith("/") or ".." in parts or "" in parts:
        return "outside_package"
    if parts[-1] == "conftest.py":
        return "conftest"
    if is_test_path(path):
        return "test_file"
    if not any(path == root or (root.endswith("/") and path.startswith(root)) for root in roots):
        return "outside_package"
    if not parts[-1].endswith(".py"):
        return "not_source"
    if not all(p.isidentifier() for p in [*parts[:-1], parts[-1].removesuffix(".py")]):  # "src" is a name too
        return "not_importable"
    return None


def split_changes(changed: dict[str, str | None], roots: Iterable[str]) -> ChangeSplit:
    """Split ``changed`` (path -> new text, None = deleted) into the applied and the held-back changes."""
    roots = list(roots)
    split = ChangeSplit()
    for path, text in sorted(changed.items()):
        reason = hold_reason(path, roots)
        if reason is None:
            split.applied[path] = text
        else:
            split.held.append(HeldChange(path=path, reason=reason, deleted=text is None))
    return split
