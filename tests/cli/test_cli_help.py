"""``--help`` names values the way a person would (PATH, N, a choice list), never by Python type tags."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import pytest
from typer.testing import CliRunner

from locogym.cli import app
from locogym.cli.family_args import family_arguments
from tests.fixture_family import FIXTURE_ID, register

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


def test_envs_with_an_id_lists_the_family_arguments_with_defaults_and_choices() -> None:
    text = runner.invoke(app, ["envs", "LoCo-WikiHop-v0"], env={"COLUMNS": "160"}).output
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.startswith("│")}
    assert "'static'" in rows["mode"] and "static, agentic, rounds" in rows["mode"]
    assert "'bm25'" in rows["retriever"] and "ppr-bm25" in rows["retriever"]
    assert "'synthetic'" in rows["corpus"]
    funccall = runner.invoke(app, ["envs", "LoCo-FuncCall-v0"], env={"COLUMNS": "160"}).output
    assert "response_size" in funccall and "'auto'" in funccall
    patch = runner.invoke(app, ["envs", "LoCo-RepoPatch-v0"], env={"COLUMNS": "160"}).output
    assert "show_failing_tests" in patch and "test_command" in patch  # its own and its source arguments


def test_envs_with_an_unknown_id_says_so() -> None:
    result = runner.invoke(app, ["envs", "LoCo-Nope-v0"])
    assert result.exit_code != 0
    assert "LoCo-Nope-v0" in str(result.exception) + result.output


class _Family:
    def configure(self, style: Literal["a", "b"] = "a", depth: int | None = None, **kwargs: Any) -> None:
        """A made-up family whose choices are a Literal annotation."""


def test_literal_annotations_become_choices() -> None:
    found = {a.name: a for a in family_arguments(_Family)}
    assert found["style"].choices == ("a", "b") and found["style"].default == "a"
    assert found["depth"].choices == () and found["depth"].default is None


def test_run_with_trials_plays_each_attempt_and_reports_pass_hat_k_and_never_overwrites(tmp_path: Path) -> None:
    register()
    result = runner.invoke(app, ["run", FIXTURE_ID, "--agent", "oracle", "--trials", "2", "--out", str(tmp_path)],
                           env={"COLUMNS": "140"})
    assert result.exit_code == 0, result.output
    assert "2 of 2 trials passed; pass^2 = 1" in result.output
    names = sorted(p.name for p in (tmp_path / "trajectories").glob("*.jsonl"))
    assert len(names) == 2 and names[1].endswith("__trial1.jsonl")
    first = {name: (tmp_path / "trajectories" / name).read_bytes() for name in names}
    again = runner.invoke(app, ["run", FIXTURE_ID, "--agent", "oracle", "--trials", "2", "--out", str(tmp_path)])
    assert again.exit_code == 0, again.output
    after = sorted(p.name for p in (tmp_path / "trajectories").glob("*.jsonl"))
    assert len(after) == 4 and all((tmp_path / "trajectories" / n).read_bytes() == b for n, b in first.items())
    assert sorted(set(after) - set(names)) == sorted(n.removesuffix(".jsonl") + "__run2.jsonl" for n in names)
    replaced = runner.invoke(app, ["run", FIXTURE_ID, "--agent", "oracle", "--overwrite", "--out", str(tmp_path)])
    assert replaced.exit_code == 0 and len(list((tmp_path / "trajectories").glob("*.jsonl"))) == 4
