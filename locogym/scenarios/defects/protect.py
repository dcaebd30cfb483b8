"""Which of an agent's file changes the grader applies: the project's own source, never what decides the verdict.

A patch is graded on the pristine task commit with only the agent's changes to the project's source files
applied. Everything that configures or *is* the judge stays as the task shipped it, and each change to it is
recorded with the reason it was held back:

* ``test_file`` — a test module or anything under a ``tests``/``test``/``testing`` folder;
* ``conftest`` — any ``conftest.py`` (pytest loads it before the tests);
* ``runner_config`` — ``pytest.ini``, ``tox.ini``, ``setup.cfg``/``pyproject.toml`` when their test-runner
  sections (``[tool:pytest]``, ``[tool.pytest.*]``, ``[tox]``...) changed, and any ``.coveragerc``/``noxfile.py``;
* ``interpreter_hook`` — ``sitecustomize.py``, ``usercustomize.py`` and ``.pth`` files (run at interpreter start);
* ``outside_project`` — a path that leaves the workspace or sits in a hidden folder (``.git/``...).

A ``setup.cfg`` or ``pyproject.toml`` change outside the test sections (a version bump) is applied.
"""

from __future__ import annotations

import configparser
import tomllib
from typing import Literal

from pydantic import BaseModel, Field

from locogym.scenarios.defects.mutations import is_test_path

HoldReason = Literal["test_file", "conftest", "runner_config", "interpreter_hook", "outside_project"]
_RUNNER_FILES = {"pytest.ini", "tox.ini", ".coveragerc", "noxfile.py"}
_HOOK_FILES = {"sitecustomize.py", "usercustomize.py"}
_CFG_TEST_SECTIONS = ("tool:pytest", "pytest", "tox", "coverage:")
_TOML_TEST_KEYS = ("pytest", "tox", "coverage")


class HeldChange(BaseModel):
    """A changed file the grader did not apply, and why."""

    path: str
    reason: HoldReason
    deleted: bool = False


class ChangeSplit(BaseModel):
    """The agent's changes split into what the grader applies and what it holds back."""

    applied: dict[str, str | None] = Field(default_factory=dict)  # path -> new text (None: deleted)
    held: list[HeldChange] = Field(default_factory=list)


def hold_reason(path: str, before: str | None, after: str | None) -> HoldReason | None:
    """Why a change to ``path`` (``before`` -> ``after``; None = absent) is not applied, or None to apply it."""
    parts = path.split("/")
    name = parts[-1]
    if path.startswith("/") or ".." in parts or any(p.startswith(".") for p in parts[:-1]):
        return "outside_project"
    if name == "conftest.py":
        return "conftest"
    if name in _HOOK_FILES or name.endswith(".pth"):
        return "interpreter_hook"
    if name in _RUNNER_FILES:
        return "runner_config"
    if name == "setup.cfg" and _cfg_sections(before) != _cfg_sections(after):
        return "runner_config"
    if name == "pyproject.toml" and _toml_sections(before) != _toml_sections(after):
        return "runner_config"
    if is_test_path(path):
        return "test_file"
    return None


def split_changes(changed: dict[str, str | None], before: dict[str, str]) -> ChangeSplit:
    """Split ``changed`` (path -> new text, None = deleted) against the files the agent started from."""
    split = ChangeSplit()
    for path, text in sorted(changed.items()):
        reason = hold_reason(path, before.get(path), text)
        if reason is None:
            split.applied[path] = text
        else:
            split.held.append(HeldChange(path=path, reason=reason, deleted=text is None))
    return split


def _cfg_sections(text: str | None) -> dict[str, dict[str, str]] | str:
    """The test-runner sections of a setup.cfg (the raw text when it does not parse: any change then counts)."""
    if text is None:
        return {}
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return text
    return {s: dict(parser.items(s)) for s in parser.sections() if s.startswith(_CFG_TEST_SECTIONS)}


def _toml_sections(text: str | None) -> dict[str, object] | str:
    """The ``[tool.pytest*]``/``[tool.tox]``/``[tool.coverage]`` tables of a pyproject.toml (raw text if invalid)."""
    if text is None:
        return {}
    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return text
    return {k: v for k, v in tool.items() if isinstance(k, str) and k.startswith(_TOML_TEST_KEYS)}
