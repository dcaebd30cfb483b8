"""``locogym run`` with a model agent: agent settings from the command line, errors instead of scores, and one
trajectory file per (env, task, length, seed, agent settings)."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from locogym.cli import app
from locogym.testing import ScriptedServer
from tests.agents.agents_support import fixture_script
from tests.fixture_family import FIXTURE_ID, register

register()


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["run", FIXTURE_ID, *args], env={"COLUMNS": "200"})


def test_runs_at_two_lengths_keep_two_trajectories_and_agent_args_reach_the_wire(tmp_path: Path) -> None:
    for length in ("1k", "2k"):
        with ScriptedServer(fixture_script()) as server:
            result = _run("--agent", "openai-compatible/m", "--base-url", server.openai_base_url, "--length", length,
                          "--agent-arg", "cache=false", "--agent-arg", "tool_choice=required",
                          "--agent-arg", "max_tokens=300", "--out", str(tmp_path))
            assert result.exit_code == 0, result.output
            assert all(r.body["tool_choice"] == "required" and r.body["max_tokens"] == 300 for r in server.requests)
        assert "success 1.000" in result.output and "prompt " in result.output  # the provider's prompt tokens
    names = sorted(p.name for p in (tmp_path / "trajectories").iterdir())
    assert len(names) == 2 and "len-1k" in names[0] and "len-2k" in names[1]


def test_an_errored_run_prints_the_error_not_a_score(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    result = _run("--agent", "openai-compatible/m", "--base-url", f"http://127.0.0.1:{port}/v1",
                  "--agent-arg", "cache=false", "--agent-arg", 'retry={"max_retries": 0}', "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "error:" in result.output and "could not connect" in result.output
    assert "success" not in result.output and "errored" in result.output


def test_a_baseline_refuses_a_base_url(tmp_path: Path) -> None:
    result = _run("--agent", "oracle", "--base-url", "http://127.0.0.1:9/v1", "--out", str(tmp_path))
    assert result.exit_code != 0 and "base_url" in str(result.exception)
