"""``check_family`` on every registered family, and on broken families that each check must catch."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import gymnasium as gym
import pytest

import locogym
from locogym.core.errors import ToolNotFound
from locogym.core.ladder import core_hash, too_short
from locogym.core.types import EpisodeScore, Evidence, ScenarioConfig, Task, ToolCall, ToolResult, Trajectory
from locogym.envs import LocoEnv, register_family, unregister_family
from locogym.harness.worker import infrastructure_failure
from locogym.testing import ScriptedAgent, check_family
from locogym.tools.base import Submit, Tool, ToolArgs, ToolContext
from tests.fixture_family import register

register()
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.mark.slow
@pytest.mark.parametrize("env_id", locogym.env_ids())
def test_every_registered_family_keeps_the_contract(env_id: str) -> None:
    report = check_family(env_id)
    assert report.ok and len(report.passed) == 9


# ---------------------------------------------------------------------- a tiny family, broken on purpose
class LookArgs(ToolArgs):
    key: str


class Look(Tool):
    """Look up a key of the task's table."""

    name = "look"
    Args = LookArgs

    def run(self, ctx: ToolContext, args: LookArgs) -> ToolResult:
        table: dict[str, str] = ctx.task.meta["table"]
        if ctx.task.meta.get("buggy"):
            return ToolResult(output=table[args.key + "!"])  # a defect: KeyError on every call
        if args.key not in table:
            raise ToolNotFound(f"no key {args.key!r}; keys: {', '.join(table)}.")
        return ToolResult(output=table[args.key], data={"evidence": [f"key:{args.key}"]})


class TableEnv(LocoEnv):
    env_id = "Test-Table-v0"
    family = "table"
    summary = "Find the value behind a key (test-only)."
    heuristic_policy = "locogym.agents.baselines:NoopAgent"
    default_length = 256
    ladder = ("256", "512", "1k")

    def configure(self, wrong_plan: bool = False, unstable: bool = False, buggy: bool = False,
                  lenient: bool = False, drifting: bool = False, refusing: bool = False) -> dict[str, Any]:
        """Switches that break the family on purpose, one per check."""
        return {"wrong_plan": wrong_plan, "unstable": unstable, "buggy": buggy, "lenient": lenient,
                "drifting": drifting, "refusing": refusing}

    def build_tools(self) -> list[Tool]:
        return [Look(), Submit()]

    def generate(self, config: ScenarioConfig) -> Task:
        params = config.params
        if params["refusing"] and config.length < 512 and config.seed % 2:
            raise too_short(config.length, 512, "this seed's table")
        seed = config.rng_seed() if params["drifting"] else config.core_seed()  # drifting: the core moves with length
        rng = random.Random(random.randrange(10**9) if params["unstable"] else seed)
        key, value = f"k{rng.randrange(100)}", f"v{rng.randrange(1000)}"
        fill = random.Random(config.fill_seed())  # more rows around the key as the length grows, never the key
        table = {f"k{i}": f"v{fill.randrange(1000)}" for i in range(config.length // 50) if f"k{i}" != key}
        table[key] = value
        answer = "wrong" if params["wrong_plan"] else value
        question = f"What is the value of {key}?"
        gold = {"answer": value, "key": key}
        return Task(task_id=f"table-{config.seed}", family="table", prompt=question, question=question,
                    core_hash=core_hash(config, {"question": question, "gold": gold}),
                    tool_names=["look", "submit"], gold=gold,
                    meta={"table": table, "buggy": params["buggy"], "lenient": params["lenient"]},
                    evidence=[Evidence(id=f"key:{key}", kind="row", locator={"key": key})],
                    oracle_plan=[ToolCall(name="look", arguments={"key": key}),
                                 ToolCall(name="submit", arguments={"answer": answer})],
                    length_tokens=len(table) * 8)

    def grade(self, task: Task, trajectory: Trajectory, ctx: ToolContext) -> EpisodeScore:
        answers = [s.result.data.get("answer") for s in trajectory.steps if s.result.data.get("submitted")]
        right = bool(answers) and answers[-1] == task.gold["answer"]
        if ctx.task.meta.get("lenient") and answers and answers[-1] is None:
            right = True  # a grader that credits giving up: the cheapest cheat there is
        return EpisodeScore(success=float(right), outcome="correct" if right else "wrong")


@pytest.fixture
def table_family() -> Iterator[type[TableEnv]]:
    """TableEnv registered for one test (later tests see only the families they expect)."""
    register_family(TableEnv)
    try:
        yield TableEnv
    finally:
        unregister_family(TableEnv.env_id)


@pytest.mark.slow
def test_a_sound_small_family_passes(table_family: type[TableEnv]) -> None:
    report = check_family(TableEnv.env_id, raise_on_failure=False)
    assert report.failed == {} and "check_determinism" in report.passed


@pytest.mark.slow
def test_a_wrong_oracle_plan_is_caught(table_family: type[TableEnv]) -> None:
    report = check_family(TableEnv.env_id, env_kwargs={"wrong_plan": True}, raise_on_failure=False)
    assert set(report.failed) == {"check_oracle_scores_one"}
    assert "oracle_plan must be a complete solution" in report.failed["check_oracle_scores_one"]


def test_a_task_drawn_from_global_randomness_is_caught(table_family: type[TableEnv]) -> None:
    with pytest.raises(AssertionError, match="check_determinism.*random.Random\\(config.rng_seed\\(\\)\\)"):
        check_family(TableEnv.env_id, env_kwargs={"unstable": True})


@pytest.mark.slow
def test_a_grader_that_credits_an_empty_answer_is_caught(table_family: type[TableEnv]) -> None:
    report = check_family(TableEnv.env_id, env_kwargs={"lenient": True}, raise_on_failure=False)
    assert "check_noop_scores_zero" in report.failed
    assert "does grade() credit a missing answer?" in report.failed["check_noop_scores_zero"]


def test_a_core_that_moves_with_length_is_caught(table_family: type[TableEnv]) -> None:
    with pytest.raises(AssertionError, match="check_same_core_at_every_length.*is another task at 512 than at 256 "
                                             "\\(core_hash, question, gold changed\\)"):
        check_family(TableEnv.env_id, env_kwargs={"drifting": True})


def test_refusing_more_than_one_seed_in_twenty_is_caught(table_family: type[TableEnv]) -> None:
    report = check_family(TableEnv.env_id, env_kwargs={"refusing": True}, ladder_seeds=range(20),
                          raise_on_failure=False)
    failure = report.failed["check_same_core_at_every_length"]
    assert "10 of 20 seeds were refused" in failure and "at most 1 may be" in failure
    assert "seed 1 at 256: length=256 tokens cannot hold this task's core" in failure


def test_an_unregistered_id_is_a_config_error() -> None:
    with pytest.raises(locogym.ConfigError, match="Unknown environment 'Nope-v0'"):
        check_family("Nope-v0")


def test_registering_a_family_without_a_summary_says_what_is_missing() -> None:
    bare = type("Bare", (TableEnv,), {"summary": ""})
    with pytest.raises(locogym.ConfigError, match="does not declare summary"):
        register_family(bare)


# ---------------------------------------------------------------------- the tool error contract
def _play(calls: list[dict[str, Any]], **kwargs: Any) -> Trajectory:
    env = gym.make(TableEnv.env_id, **kwargs)
    try:
        return locogym.run_episode(env, ScriptedAgent([ToolCall.model_validate(c) for c in calls]), seed=1)
    finally:
        env.close()


def test_a_tool_error_is_the_agent_s_mistake_and_the_episode_goes_on(table_family: type[TableEnv]) -> None:
    traj = _play([{"name": "look", "arguments": {"key": "nope"}}, {"name": "submit", "arguments": {"answer": "x"}}])
    first = traj.steps[0].result
    assert first.error is not None and first.error.value == "not_found" and "no key 'nope'" in first.output
    assert traj.termination == "submitted" and traj.score is not None and traj.score.outcome == "wrong"
    assert infrastructure_failure(traj) is None


def test_a_key_error_inside_a_tool_is_internal_and_errors_the_episode(table_family: type[TableEnv]) -> None:
    traj = _play([{"name": "look", "arguments": {"key": "k1"}}, {"name": "submit", "arguments": {"answer": "x"}}],
                 buggy=True)
    first = traj.steps[0].result
    assert first.error is not None and first.error.value == "internal"
    assert "not a mistake in your call" in first.output and "KeyError" in first.data["exception"]
    # The episode stops at the defect, is not graded, and the harness reports it as errored, not as the agent's 0.
    assert len(traj.steps) == 1 and traj.termination == "error"
    assert traj.score is not None and traj.score.outcome == "errored" and traj.score.metrics == {}
    assert "KeyError" in traj.score.labels["errored"]
    assert infrastructure_failure(traj) is not None
    assert [e["kind"] for e in traj.events] == ["tool_failure"]
