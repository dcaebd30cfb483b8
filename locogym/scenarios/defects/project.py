"""Which project a defect task is made from, and how its tests run: the settings patch, review and arenas share.

A :class:`ProjectSettings` comes from ``gym.make`` keyword arguments or from a repository's ``locogym.toml``::

    [arena]                      # or top level
    test_command = "python -m pytest tests -q"
    include = ["src/**"]         # where defects may be placed (globs); default: every non-test module
    exclude = ["src/vendored/**"]
    image = "locogym-sandbox:latest"
    sandbox = "docker"
    tasks = 4                    # arena tasks per run (one seed each)
    defects_per_task = 1
    [arena.budget]
    max_steps = 60
    max_wall_time_s = 900
    max_context_tokens = 200000

Sources are loaded with the codebase loaders (:func:`locogym.scenarios.repo.load_source`); non-synthetic trees
are cached per (spec, ref) for the life of the process.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from locogym.core.errors import ConfigError
from locogym.sandboxes.walk import glob_match
from locogym.scenarios.defects.testrun import parse_test_command
from locogym.scenarios.repo import SourceTree, load_source

CONFIG_FILE = "locogym.toml"


class Budget(BaseModel):
    model_config = {"extra": "forbid"}

    max_steps: int | None = None
    max_wall_time_s: float | None = None
    max_context_tokens: int | None = None


class ProjectSettings(BaseModel):
    """How to run a project's tests and where defects may go."""

    model_config = {"extra": "forbid"}

    test_command: str | None = None
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    image: str | None = None
    sandbox: str | None = None
    tasks: int | None = None
    defects_per_task: int | None = None
    budget: Budget = Field(default_factory=Budget)

    @property
    def test_args(self) -> list[str]:
        return parse_test_command(self.test_command)

    def allows(self, path: str) -> bool:
        """True when a defect may be placed in ``path`` (include globs, then exclude globs)."""
        if self.include and not any(glob_match(path, g) for g in self.include):
            return False
        return not any(glob_match(path, g) for g in self.exclude)


def read_settings(repo: Path) -> ProjectSettings:
    """The ``[arena]`` table (or the top level) of ``locogym.toml`` in ``repo``; defaults when absent.

    Raises:
        ConfigError: the file is not valid TOML or has unknown keys.
    """
    path = repo / CONFIG_FILE
    if not path.is_file():
        return ProjectSettings()
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{CONFIG_FILE} is not valid TOML: {exc}.",
                          fix="Fix the syntax (see docs/arena.md).") from exc
    table = data.get("arena", data)
    try:
        settings = ProjectSettings.model_validate(table)
        settings.test_args  # noqa: B018 - validates the command early
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise ConfigError(f"{CONFIG_FILE}: {problems}.", fix="See docs/arena.md for the keys it accepts.") from exc
    return settings


def is_synthetic(spec: str) -> bool:
    """True for the seeded synthetic project generator's specs (``synthetic``, ``synthetic:...``)."""
    return spec == "synthetic" or spec.startswith("synthetic:")


@lru_cache(maxsize=8)
def _load_fixed(spec: str, ref: str | None) -> SourceTree:
    return load_source(spec, ref)


def load_project(spec: str, ref: str | None, seed: int, target_tokens: int,
                 branch_share: float | None = None) -> SourceTree:
    """The source tree of a task: a seeded synthetic project (``branch_share`` of its functions branching, or the
    generator's default), or the (cached) folder, repository or archive."""
    if is_synthetic(spec):
        return load_source(spec, seed=seed, target_tokens=target_tokens, branch_share=branch_share)
    return _load_fixed(spec, ref)
