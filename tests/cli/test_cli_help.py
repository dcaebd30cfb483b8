"""``--help`` names values the way a person would (PATH, N, a choice list), never by Python type tags."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from locogym.cli import app

runner = CliRunner()
TYPE_TAG = re.compile(r"<(bool|str|int|float|path|list\[[^\]]*\]|[a-z]+ range)>")


@pytest.mark.parametrize("argv", [["--help"], ["tournament", "--help"], ["run", "--help"], ["envs", "--help"],
                                  ["report", "--help"], ["sandbox", "--help"], ["sandbox", "build", "--help"],
                                  ["arena", "--help"], ["retrieval", "--help"]])
def test_help_has_no_type_tags(argv: list[str]) -> None:
    result = runner.invoke(app, argv, env={"COLUMNS": "140"})
    assert result.exit_code == 0, result.output
    assert not TYPE_TAG.search(result.output), TYPE_TAG.search(result.output)


def test_values_are_named_and_flags_take_none() -> None:
    text = runner.invoke(app, ["tournament", "--help"], env={"COLUMNS": "140"}).output
    lines = {line.split()[1]: line for line in text.splitlines() if line.startswith("│ --")}
    assert re.search(r"--out\s+PATH\s", lines["--out"])
    assert re.search(r"--trials\s+N\s", lines["--trials"])
    assert re.search(r"--max-cost\s+NUMBER\s", lines["--max-cost"])
    assert re.search(r"--dry-run\s+Print", lines["--dry-run"])
    assert re.search(r"--help\s+Show", lines["--help"])
