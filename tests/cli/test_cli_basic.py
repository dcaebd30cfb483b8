from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import locogym
from locogym.cli import app, parse_env_args
from locogym.core.errors import ConfigError
from tests.fixture_family import FIXTURE_ID, register

register()
runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"locogym {locogym.__version__}"


@pytest.mark.parametrize("module", ["locogym", "locogym.cli"])
def test_python_dash_m_runs_the_command(module: str) -> None:
    done = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == f"locogym {locogym.__version__}", done.stderr[-500:]


def test_run_then_replay(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", FIXTURE_ID, "--agent", "oracle", "--seed", "4", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "read_file" in result.output and "success 1.000" in result.output
    files = list((tmp_path / "trajectories").glob("*.jsonl"))
    assert len(files) == 1
    replayed = runner.invoke(app, ["replay", str(files[0])])
    assert replayed.exit_code == 0 and "replay ok" in replayed.output


def test_env_args_parse_json_values() -> None:
    assert parse_env_args(["a=1", "b=true", "c=synthetic", "d=[1,2]", "e=x=y"]) == {
        "a": 1, "b": True, "c": "synthetic", "d": [1, 2], "e": "x=y"}
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_env_args(["novalue"])


def test_every_command_documents_every_option() -> None:
    import typer.main

    group = typer.main.get_command(app)
    commands = group.commands  # type: ignore[attr-defined]
    assert {"envs", "run", "replay"} <= set(commands)
    stack = list(commands.values())
    while stack:
        command = stack.pop()
        if hasattr(command, "commands"):
            stack.extend(command.commands.values())
            continue
        for param in command.params:
            if param.param_type_name == "option" and param.name != "help":
                assert getattr(param, "help", None), f"{command.name} --{param.name} has no help text"


def test_envs_table_keeps_every_id_whole_at_80_columns() -> None:
    import io

    from rich.console import Console

    from locogym.cli import envs_table

    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(envs_table())
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    for env_id in locogym.env_ids():
        assert sum(f"│ {env_id} " in line for line in lines) == 1, env_id  # on one line, never folded
    text = " ".join(out.getvalue().split())
    assert "tools: list_dir, read_file, grep," in text and "Search_Flight_Location" in text
    assert "options: defects, depth, difficulty, length, task" in text
