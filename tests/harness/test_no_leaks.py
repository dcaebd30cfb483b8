"""A snooping agent inside an isolated sandbox finds neither the seed, the salt nor the harness.

The attack this guards against: an agent that reads the harness's command line or files from its sandbox, finds
the seed, and regenerates the task (gold answer included) with the package itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest

import locogym
from locogym.core.errors import SandboxUnavailable
from locogym.core.types import ToolCall, dumps
from locogym.testing import ScriptedAgent
from tests.conftest import IN_CI

SEED = 424_242
SALT = "pepper-not-to-be-found"

def _split(secret: str) -> str:
    """``secret`` as two shell words printed together, so that no command line of the snoop itself holds it."""
    return f"{secret[:4]} {secret[4:]}"


HARNESS = str(Path(locogym.__file__).resolve().parent.parent)


def snoop(run_folder: Path) -> list[str]:
    """Commands that look for the seed, the salt, the harness's folder and the run folder in every process's
    command line and environment (searched, not printed: an output cut at the tool's budget must not hide a
    leak; the patterns come from a file so that grep does not find itself), then try the package itself."""
    secrets = [str(SEED), SALT, HARNESS, str(run_folder)]
    return [
        "printf '%s%s\\n' " + " ".join(_split(s) for s in secrets) + " > /tmp/patterns; "
        "grep -a -o -h -F -f /tmp/patterns /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null | sort -u; "
        "echo searched",
        "python3 -c 'import locogym, sys; print(locogym.__file__)' 2>&1",
    ]


class Snooper(ScriptedAgent):
    """Records every observation and info it is given."""

    def __init__(self, commands: list[str]) -> None:
        super().__init__([ToolCall(name="run", arguments={"cmd": cmd}) for cmd in commands])
        self.seen: list[str] = []

    def act(self, obs: str, info: dict[str, Any]) -> Any:
        self.seen += [obs, dumps(info).decode()]
        return super().act(obs, info)


@pytest.mark.parametrize("backend", [pytest.param("bwrap", marks=pytest.mark.bwrap),
                                     pytest.param("docker", marks=pytest.mark.docker)])
def test_an_isolated_sandbox_hides_the_seed_salt_and_harness(backend: str, request: pytest.FixtureRequest,
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    request.getfixturevalue("bwrap_available" if backend == "bwrap" else "docker_engine")
    monkeypatch.setenv("LOCOGYM_SEED_SALT", SALT)  # the harness reads it, as users set it
    env = gym.make("LoCo-Repo-v0", sandbox=backend)
    path = tmp_path / "run" / "t.jsonl"
    agent = Snooper(snoop(path.parent))
    try:
        traj = locogym.run_episode(env, agent, seed=SEED, trajectory_path=path)
    except SandboxUnavailable as exc:  # the engine runs but the sandbox image is not built here
        if IN_CI:
            raise
        pytest.skip(f"{backend} sandbox unavailable: {exc}")
    finally:
        env.close()
    outputs = [s.result.output for s in traj.steps]
    assert all(s.result.error is None for s in traj.steps[:2]), outputs
    assert outputs[0].split("--- stdout ---")[1].split() == ["searched"]
    assert "No module named 'locogym'" in outputs[1]
    seen = "\n".join(agent.seen + outputs)
    assert traj.salt_hash is not None
    assert SALT not in seen and str(SEED) not in seen and HARNESS not in seen and str(tmp_path) not in seen
