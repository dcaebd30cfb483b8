"""A planted API key never shows up in trajectories, events, logs, console output, cache files or errors."""

from __future__ import annotations

import logging
from pathlib import Path

import gymnasium as gym
import pytest

import locogym
from locogym.agents.retry import RetryPolicy
from locogym.core.errors import LocoError
from locogym.core.types import dumps, to_jsonable
from locogym.harness.recorder import read_trajectory
from locogym.testing import PROTOCOLS, HttpError, ScriptedServer, agent_for
from tests.agents.agents_support import fixture_script
from tests.fixture_family import FIXTURE_ID, register

register()
PLANTED = "sk-planted-7f3a9c1e5b2d4f60a8e1"
FAST = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.002)


def _files_text(root: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_planted_key_appears_nowhere(protocol: str, tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []
    cache = tmp_path / "cache"
    scenarios = [
        ("ok", fixture_script(), PLANTED),
        ("wrong-key", [], "the-server-expects-another-key"),
        ("echoing-500", [HttpError(500, f"Upstream failed for key {PLANTED}")] * 3, PLANTED),
        ("echoing-400", [HttpError(400, f"Incorrect API key provided: {PLANTED}")], PLANTED),
    ]
    for name, script, server_key in scenarios:
        with ScriptedServer(script, api_key=server_key) as server:
            agent = agent_for(server, protocol, api_key=PLANTED, cache=cache / name, retry=FAST)
            path = tmp_path / f"{name}.jsonl"
            traj = locogym.run_episode(gym.make(FIXTURE_ID), agent, seed=0, trajectory_path=path)
            assert traj.termination == ("submitted" if name == "ok" else "error"), (name, traj.events)
            outputs += [traj.model_dump_json(), read_trajectory(path).model_dump_json(), dumps(agent.settings).decode(),
                        repr(agent), str(to_jsonable(agent)), str(agent.events)]
            assert all(r.headers.get("authorization") in (None, "<masked>") for r in server.requests)
    # a direct act() raising the errors, so their messages are checked as the user would see them
    with ScriptedServer([HttpError(401, f"bad key {PLANTED}")]) as server:
        agent = agent_for(server, protocol, api_key=PLANTED, cache=False, retry=FAST)
        agent.reset({"tools": []})
        with pytest.raises(LocoError) as info:
            agent.act("Go.", {"tools": []})
        outputs += [str(info.value), repr(info.value), info.value.message]
        assert "[redacted]" in info.value.message
    captured = capsys.readouterr()
    outputs += [caplog.text, captured.out, captured.err, _files_text(tmp_path)]
    everything = "\n".join(outputs)
    assert "answered 500" in everything and "answered 401" in everything  # the failures were recorded...
    assert PLANTED not in everything  # ...without the key
    assert PLANTED[-12:] not in everything
