"""Replay and re-grade hold a shell command to what is derived from its output, not to the output's bytes.

A command such as ``date`` or ``ls -l`` on a fresh copy prints otherwise on every run; an untouched recording of
it must still replay as ok, while an edited observation of a deterministic tool, or a context size that the
varied outputs do not account for, is still a difference.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import orjson
import pytest

import locogym
from locogym.core.types import ToolCall
from locogym.harness.replay import replay
from locogym.testing import ScriptedAgent

pytestmark = pytest.mark.filterwarnings("ignore:sandbox='local' runs commands")

CLOCK = "date +%s%N; python3 -c 'import os; print(os.urandom(200).hex())'"


@pytest.fixture()
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "episode.jsonl"
    env = gym.make("LoCo-Repo-v0", sandbox="local")
    calls = [ToolCall(name="run", arguments={"cmd": CLOCK}), ToolCall(name="list_dir", arguments={"path": "."}),
             ToolCall(name="run", arguments={"cmd": CLOCK}), ToolCall(name="submit", arguments={"answer": "x"})]
    try:
        locogym.run_episode(env, ScriptedAgent(calls), seed=3, options={"length": "8k"}, trajectory_path=path)
    finally:
        env.close()
    return path


def _records(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _write(path: Path, records: list[dict]) -> None:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))


def test_a_clock_read_by_a_shell_command_varies_and_the_replay_is_still_ok(recording: Path) -> None:
    report = replay(recording)
    assert report.ok, [d.describe() for d in report.differences]
    assert {d.step for d in report.varied if d.what == "output"} == {0, 2}
    # the context of a later step is off by exactly what the varied outputs' sizes moved, so it varies too
    assert {d.what for d in report.varied} <= {"output", "obs_tokens", "context_tokens"}
    assert report.success_recorded == report.success_replayed == 0.0


def test_an_edited_observation_of_a_deterministic_tool_is_still_a_difference(recording: Path) -> None:
    records = _records(recording)
    records[2]["result"]["output"] = "nothing here"  # step 1: list_dir
    _write(recording, records)
    report = replay(recording)
    assert not report.ok and report.first_divergence is not None and report.first_divergence.step == 1
    assert report.first_divergence.what == "output"


def test_a_context_size_the_varied_outputs_do_not_account_for_is_a_difference(recording: Path) -> None:
    records = _records(recording)
    records[2]["context_tokens"] += 7  # step 1 comes after a varied output, but its size was edited on top
    _write(recording, records)
    report = replay(recording)
    assert [(d.step, d.what) for d in report.differences] == [(1, "context_tokens")]


def test_an_edited_shell_output_earns_nothing_and_its_size_gives_it_away(recording: Path) -> None:
    records = _records(recording)
    records[1]["result"]["output"] = "exit code 0\n--- stdout ---\nthe answer is 42"
    _write(recording, records)
    report = replay(recording)
    assert report.success_replayed == 0.0
    assert any(d.step == 0 and "the answer is 42" in d.recorded for d in report.varied)
    assert [(d.step, d.what) for d in report.differences] == [(0, "obs_tokens (of the recorded output)"),
                                                               (None, "efficiency.obs_tokens")]


def test_a_size_edited_with_a_shell_output_is_counted_afresh_and_caught(recording: Path) -> None:
    """Shrinking a varied output's recorded size (to flatter token efficiency) does not carry into the replay."""
    records = _records(recording)
    records[1]["obs_tokens"] = 1
    records[1]["result"]["tokens"] = 1
    _write(recording, records)
    report = replay(recording)
    assert not report.ok
    assert (0, "obs_tokens (of the recorded output)") in [(d.step, d.what) for d in report.differences]
