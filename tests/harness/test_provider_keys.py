"""Provider keys are checked before any episode starts; a dry run names the missing ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from locogym.cli import app
from locogym.core.errors import ConfigError
from locogym.harness.keys import missing_keys, require_keys
from locogym.harness.schedule import AgentEntry

runner = CliRunner()
NO_KEYS = {"OPENAI_API_KEY": "", "ANTHROPIC_API_KEY": ""}


def test_missing_keys_name_the_variable_and_baselines_need_none(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in NO_KEYS:
        monkeypatch.delenv(variable, raising=False)
    agents = [AgentEntry(spec="oracle"), AgentEntry(spec="openai/gpt-4o"), AgentEntry(spec="anthropic/claude-x"),
              AgentEntry(spec="openai-compatible/tiny", settings={"base_url": "http://127.0.0.1:9/v1"})]
    assert missing_keys(agents) == ["openai/gpt-4o has no API key (set OPENAI_API_KEY)",
                                    "anthropic/claude-x has no API key (set ANTHROPIC_API_KEY)"]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert missing_keys(agents[:2]) == []
    assert missing_keys([AgentEntry(spec="anthropic/claude-x", settings={"api_key": "given"})]) == []
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY"):
        require_keys(agents)


def test_run_without_a_key_stops_before_the_episode(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "LoCo-FuncCall-v0", "--agent", "openai/gpt-4o", "--out", str(tmp_path)],
                           env=NO_KEYS)
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError) and "OPENAI_API_KEY" in str(result.exception)
    assert not (tmp_path / "trajectories").exists()


def test_a_tournament_without_a_key_runs_nothing_and_its_dry_run_says_so(tmp_path: Path) -> None:
    argv = ["tournament", "--agents", "openai/gpt-4o,oracle", "--envs", "LoCo-FuncCall-v0", "--lengths", "4k",
            "--seeds", "1", "--sandbox", "fake", "--out", str(tmp_path / "run")]
    dry = runner.invoke(app, [*argv, "--dry-run"], env={**NO_KEYS, "COLUMNS": "200"})
    assert dry.exit_code == 0, dry.output
    assert "missing key: openai/gpt-4o has no API key (set OPENAI_API_KEY)" in dry.output
    real = runner.invoke(app, argv, env=NO_KEYS)
    assert isinstance(real.exception, ConfigError) and "Nothing was run" in str(real.exception)
    assert not (tmp_path / "run" / "episodes.jsonl").exists()


@pytest.mark.parametrize("command", [["run", "LoCo-Repo-v0", "--agent", "anthropic/claude-x"],
                                     ["tournament", "--agents", "openai/gpt-4o,anthropic/claude-x",
                                      "--envs", "LoCo-Repo-v0"]])
def test_a_missing_key_is_reported_before_anything_heavy_loads(tmp_path: Path, command: list[str]) -> None:
    """The SDKs take seconds to import on a loaded machine, Gymnasium with numpy a third of a second and each family
    its parsers and corpora; a forgotten key waits for none of them (``bench/startup.py`` measures the CPU time)."""
    import subprocess
    import sys

    heavy = ("openai", "anthropic", "numpy", "gymnasium", *(f"locogym.envs.{name}" for name in
                                                              ("base", "repo", "repo_patch", "repo_review", "wiki",
                                                               "funccall")), "locogym.harness.tournament")
    probe = ("import sys\nfrom locogym.cli.app import main\n"
             f"sys.argv = ['locogym', *{command!r}, '--out', {str(tmp_path / 'run')!r}]\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             f"print('loaded:', sorted(m for m in {heavy!r} if m in sys.modules))\n")
    env = {k: v for k, v in __import__("os").environ.items() if k not in NO_KEYS}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert "ANTHROPIC_API_KEY" in done.stderr, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "loaded: []"
    assert not (tmp_path / "run").exists()
