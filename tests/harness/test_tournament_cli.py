"""``locogym tournament``, ``locogym report`` and ``locogym score`` through the command line."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from locogym.cli import app
from locogym.core.errors import ConfigError
from locogym.harness.rundir import RunDir
from tests.fixture_family import FIXTURE_ID, register

register()
FLAGS = ["--import", "tests.fixture_family", "--envs", FIXTURE_ID, "--agents", "oracle,noop", "--lengths", "1k,2k",
         "--seeds", "2", "--sandbox", "fake", "--workers", "2"]


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "120"})


def test_dry_run_prints_the_schedule_and_runs_nothing(tmp_path: Path) -> None:
    result = invoke("tournament", *FLAGS, "--agents", "openai/gpt-4o", "--out", str(tmp_path / "run"), "--dry-run")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    text = result.output  # type: ignore[attr-defined]
    assert "tournament schedule" in text and "openai/gpt-4o" in text and "4/4" in text
    assert "12 of 12 episodes to run" in text  # oracle, noop and the model: 4 each
    assert "$" in text and not (tmp_path / "run").exists()


@pytest.mark.slow
def test_run_report_and_score(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = invoke("tournament", *FLAGS, "--out", str(out))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "8 episodes run, 0 already done, 0 errored" in result.output  # type: ignore[attr-defined]
    assert "locogym leaderboard" in result.output and (out / "report.html").exists()  # type: ignore[attr-defined]
    again = invoke("tournament", *FLAGS, "--out", str(out))
    assert "0 episodes run, 8 already done" in again.output  # type: ignore[attr-defined]
    (out / "report.html").unlink()
    report = invoke("report", str(out), "--title", "nightly")
    assert report.exit_code == 0 and "<title>nightly</title>" in (out / "report.html").read_text()  # type: ignore[attr-defined]
    scored = invoke("score", str(out))
    assert scored.exit_code == 0, scored.output  # type: ignore[attr-defined]
    assert "all 8 re-graded episodes match the recorded numbers" in scored.output  # type: ignore[attr-defined]


@pytest.mark.slow
def test_score_reports_a_recorded_number_that_does_not_match(tmp_path: Path) -> None:
    out = tmp_path / "run"
    invoke("tournament", *FLAGS, "--out", str(out), "--no-report")
    lines = RunDir(out).episodes_path.read_bytes().splitlines()
    first = orjson.loads(lines[0])
    first["score"]["metrics"]["stop.timely"] = 0.5  # a tampered record
    RunDir(out).episodes_path.write_bytes(b"\n".join([orjson.dumps(first), *lines[1:]]) + b"\n")
    scored = invoke("score", str(out))
    assert scored.exit_code == 1  # type: ignore[attr-defined]
    # the table may wrap "row stop.timely" at a narrow width (rich reads the width when the console is made)
    assert "stop.timely" in scored.output and "0.5" in scored.output  # type: ignore[attr-defined]
    assert "1 episode(s) do not re-grade" in scored.output  # type: ignore[attr-defined]


@pytest.mark.slow
def test_errored_episodes_make_the_exit_code_nonzero(tmp_path: Path) -> None:
    # A family whose generator fails on odd seeds: those episodes are errored, and the run says so in its exit code.
    result = invoke("tournament", "--import", "tests.harness.test_tournament_run", "--envs", "LoCo-BrokenFixture-v0",
                    "--agents", "oracle", "--lengths", "1k", "--seeds", "2", "--sandbox", "fake", "--workers", "1",
                    "--no-report", "--out", str(tmp_path / "run"))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "errored" in result.output  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_config_file_with_flag_overrides(tmp_path: Path) -> None:
    config = tmp_path / "t.toml"
    config.write_text(f'agents = ["oracle"]\nenvs = ["{FIXTURE_ID}"]\nlengths = ["1k"]\nseeds = 1\n'
                      'sandbox = "fake"\nimports = ["tests.fixture_family"]\n')
    result = invoke("tournament", "--config", str(config), "--seeds", "3", "--out", str(tmp_path / "run"),
                    "--no-report")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "3 episodes run" in result.output  # type: ignore[attr-defined]


@pytest.mark.parametrize(("args", "words"), [
    (["--concurrency", "openai"], "is not PROVIDER=N"),
    (["--env-arg", "corpus=synthetic"], "does not name its env"),
])
def test_bad_flags_are_config_errors(tmp_path: Path, args: list[str], words: str) -> None:
    result = invoke("tournament", *FLAGS, *args, "--out", str(tmp_path / "run"))
    assert isinstance(result.exception, ConfigError)  # type: ignore[attr-defined]
    assert words in str(result.exception)  # type: ignore[attr-defined]


def test_an_episode_that_errors_on_its_configuration_names_the_cause(tmp_path: Path) -> None:
    result = invoke("tournament", "--envs", "LoCo-WikiHop-v0", "--task", "qa", "--agents", "noop", "--lengths", "8k",
                    "--seeds", "1", "--workers", "1", "--no-report", "--out", str(tmp_path / "run"))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    text = " ".join(result.output.split())  # type: ignore[attr-defined]
    assert ("error: task='qa': LoCo-WikiHop-v0 has a single task kind. Fix: Leave task unset; choose questions "
            "with qtype=, hops= or variant=.") in text
    assert "fix the configuration as said above, then run the same command with --retry-errored" in text
