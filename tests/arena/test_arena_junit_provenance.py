"""Each arena JUnit case says where the episode ran and whether that isolated the agent, and who saw the task."""

from __future__ import annotations

from pathlib import Path

from locogym.core.types import EpisodeResult, EpisodeScore
from locogym.harness.arena import ArenaOutcome, junit_cases


def result(agent: str, sandbox: str, isolated: bool, privileged: bool) -> EpisodeResult:
    return EpisodeResult(key=f"k-{agent}", agent=agent, env="LoCo-RepoPatch-v0", seed=0, length=8192,
                         score=EpisodeScore(success=1.0, outcome="tests_pass"), termination="submitted",
                         sandbox=sandbox, sandbox_isolated=isolated, agent_privileged=privileged)


def test_junit_properties_carry_sandbox_isolation_and_privilege() -> None:
    outcome = ArenaOutcome(kind="patch", out=Path("."), tasks=[], means={}, ratings=[], failing_agents=[], errored=0,
                           runs_executed=0, runs_cached=0, validation_s=0.0, exit_code=0,
                           results=[result("oracle", "local", False, True), result("m", "docker", True, False)])
    props = {case.suite.rsplit(".", 1)[1]: case.properties for case in junit_cases(outcome)}
    assert props["oracle"]["isolation"] == "UNISOLATED" and props["oracle"]["sandbox"] == "local"
    assert props["oracle"]["agent_privileged"] == "true"
    assert props["m"]["isolation"] == "isolated" and props["m"]["agent_privileged"] == "false"
