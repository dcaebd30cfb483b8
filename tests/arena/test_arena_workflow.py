"""The example GitHub Actions workflow stays in step with the arena command it runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from locogym.cli.arena import arena_app

WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "locogym-arena.yml"


def _flags(kind: str) -> set[str]:
    command = next(c for c in arena_app.registered_commands if c.name == kind)
    import typer.main

    click_command = typer.main.get_command_from_info(command, pretty_exceptions_short=True,
                                                      rich_markup_mode=None)
    return {opt for param in click_command.params for opt in param.opts}


def test_workflow_runs_both_arenas_with_real_flags() -> None:
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["arena"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    seen = set()
    for match in re.finditer(r"locogym arena (patch|review)((?:\\\n|[^\n])*)", runs):
        kind, rest = match.group(1), match.group(2).replace("\\\n", " ")
        seen.add(kind)
        used = {word for word in shlex.split(rest) if word.startswith("--")}
        assert used <= _flags(kind), used - _flags(kind)
    assert seen == {"patch", "review"}
    secrets = {step["env"][k] for step in steps for k in step.get("env", {}) if k.endswith("_API_KEY")}
    assert secrets == {"${{ secrets.OPENAI_API_KEY }}", "${{ secrets.ANTHROPIC_API_KEY }}"}
    assert "python3-pytest" in runs and "arena.md" in runs and "junit.xml" in runs
    assert "pull_request" in workflow[True]  # YAML reads the key `on` as True
