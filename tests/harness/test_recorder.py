"""The recorder: every completed step survives a SIGKILL; a torn last line is tolerated; damage elsewhere is named."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import gymnasium as gym
import pytest

import locogym
from locogym.core.errors import DataError
from locogym.harness.recorder import read_trajectory
from tests.fixture_family import FIXTURE_ID, register

register()
ROOT = Path(__file__).resolve().parents[2]

_WRITER = """
import sys, time, gymnasium as gym
sys.path.insert(0, {root!r})
import locogym
from locogym.harness.recorder import TrajectoryWriter
from tests.fixture_family import register; register()
env = gym.make("LoCo-Fixture-v0", max_steps=100000)
env.unwrapped.attach(listeners=[TrajectoryWriter({path!r})])
env.reset(seed=5)
i = 0
while True:
    env.step({{"name": "list_files", "arguments": {{}}}})
    i += 1
    if i == 40:
        print("ready", flush=True)
    time.sleep(0.002)
"""


def test_sigkill_mid_episode_keeps_every_completed_step(tmp_path: Path) -> None:
    path = tmp_path / "traj.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER.format(root=str(ROOT), path=str(path))],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    size = path.stat().st_size
    with open(path, "ab") as fh:  # simulate a line torn mid-write as well
        fh.write(b'{"kind": "step", "index": 99')
    traj = read_trajectory(path)
    assert traj.termination == "running"
    assert len(traj.steps) >= 40
    assert [s.index for s in traj.steps] == list(range(len(traj.steps)))
    assert all(s.call is not None and s.call.name == "list_files" for s in traj.steps)
    assert size > 0


def test_round_trip_of_a_finished_episode(tmp_path: Path) -> None:
    env = gym.make(FIXTURE_ID)
    path = tmp_path / "t.jsonl"
    traj = locogym.run_episode(env, locogym.make_agent("oracle"), seed=3, trajectory_path=path, episode_key="k1",
                               options={"sessions": 2})
    back = read_trajectory(path)
    assert back.termination == "submitted" and back.score == traj.score and back.episode_key == "k1"
    assert [s.model_dump() for s in back.steps] == [s.model_dump() for s in traj.steps]
    assert back.events == traj.events and any(e["kind"] == "session_start" for e in back.events)
    assert back.task is not None and back.task.content_hash == traj.task.content_hash  # type: ignore[union-attr]


def test_damage_in_the_middle_is_reported_with_file_and_line(tmp_path: Path) -> None:
    env = gym.make(FIXTURE_ID)
    path = tmp_path / "t.jsonl"
    locogym.run_episode(env, locogym.make_agent("oracle"), seed=3, trajectory_path=path)
    lines = path.read_bytes().splitlines()
    lines[1] = b"{garbage"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(DataError, match=r"t\.jsonl, line 2"):
        read_trajectory(path)
    with pytest.raises(DataError, match="No such trajectory"):
        read_trajectory(tmp_path / "missing.jsonl")


def test_json_lines_that_are_not_trajectory_records_are_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"kind": "header"}\n')
    with pytest.raises(DataError) as caught:
        read_trajectory(path)
    assert str(caught.value).startswith(f"{path}, line 1, field 'env_id': Not a trajectory record: Field required.")
    assert "Fix: Pass a file written by locogym's recorder" in str(caught.value)

    env = gym.make(FIXTURE_ID)
    locogym.run_episode(env, locogym.make_agent("oracle"), seed=3, trajectory_path=path)
    lines = path.read_bytes().splitlines()
    for line, words in ((b'{"kind": "step", "index": "first"}', "line 2, field 'index'"),
                        (b'{"kind": "end"}', "line 2, field 'termination'"),
                        (b'{"kind": "mystery"}', "line 2, field 'kind': Unknown record kind 'mystery'")):
        path.write_bytes(b"\n".join([lines[0], line, *lines[1:]]) + b"\n")
        with pytest.raises(DataError, match=words):
            read_trajectory(path)
