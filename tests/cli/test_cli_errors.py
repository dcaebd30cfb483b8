"""What a user sees when `locogym run` is given a wrong env id or a model agent with no key: one clear line, no
traceback, and a non-zero exit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from locogym.cli import main
from tests.fixture_family import FIXTURE_ID, register

register()


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["locogym", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), " ".join(out.split()), " ".join(err.split())


def test_unknown_env_id_lists_the_registered_ones(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _out, err = _main(monkeypatch, capsys, "run", "LoCo-Nope-v0", "--agent", "noop", "--out", str(tmp_path))
    assert code == 2
    assert err.startswith("error: Unknown environment 'LoCo-Nope-v0'. Fix: Use one of LoCo-Repo-v0,")
    assert "locogym envs" in err and "Traceback" not in err


def test_model_agent_without_a_key_fails_at_once_naming_the_variable(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    code, out, err = _main(monkeypatch, capsys, "run", FIXTURE_ID, "--agent", "openai/gpt-4o", "--out", str(tmp_path))
    assert code == 2
    assert "success" not in out and not (tmp_path / "trajectories").exists()  # no episode started
    assert "openai/gpt-4o has no API key (set OPENAI_API_KEY)" in " ".join(err.split())


def test_a_negative_seed_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    code, _out, err = _main(monkeypatch, capsys, "run", FIXTURE_ID, "--seed", "-1", "--out", str(tmp_path))
    assert code == 2 and "Invalid value for '--seed': Input should be greater than or equal to 0" in err
    assert "Traceback" not in err


def test_difficulty_reaches_the_reset_options(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    code, _out, err = _main(monkeypatch, capsys, "run", FIXTURE_ID, "--difficulty", "extreme", "--out", str(tmp_path))
    assert code == 2 and "error: difficulty='extreme' is not known. Fix: Use easy, medium or hard." in err
    code, _out, _err = _main(monkeypatch, capsys, "run", FIXTURE_ID, "--difficulty", "hard", "--out", str(tmp_path))
    assert code == 0
    (written,) = (tmp_path / "trajectories").glob("*.jsonl")
    assert '"difficulty":"hard"' in written.read_text().splitlines()[0]
