"""LoCo-RepoReview-v0 evidence: each defect's hunk is a file span, seen from the first step since the prompt
shows the whole diff; early stopping and efficiency then separate a timely reviewer from a premature or a slow one.
"""

from __future__ import annotations

import gymnasium as gym
import pytest

import locogym
from locogym.agents.base import Agent
from locogym.core.types import ToolCall
from locogym.testing import ScriptedAgent as Scripted

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")



@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - a gym env
    made = gym.make("LoCo-RepoReview-v0", sandbox="local", cache_dir=str(tmp_path_factory.mktemp("runcache")))
    yield made
    made.close()


def _play(env, agent: Agent, seed: int, **options):  # noqa: ANN001, ANN202
    traj = locogym.run_episode(env, agent, seed=seed, options={"length": "4k", **options})
    assert traj.score is not None and traj.task is not None
    return traj


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "difficulty"), [(0, "medium"), (1, "hard")])
def test_every_defect_hunk_is_evidence_shown_in_the_diff(env, seed: int, difficulty: str) -> None:  # noqa: ANN001
    env.reset(seed=seed, options={"length": "4k", "difficulty": difficulty})
    task = env.unwrapped.task
    defects = task.gold["defects"]
    assert [e.id for e in task.evidence] == [f"defect:{d['id']}" for d in defects]
    for ev, defect in zip(task.evidence, defects, strict=True):
        loc = ev.locator
        assert ev.kind == "file_span" and loc["in_prompt"] is True and loc["tokens"] > 0
        assert (loc["path"], loc["start"], loc["end"]) == (defect["path"], defect["line"], defect["end_line"])
        new_lines = task.workspace[loc["path"]].splitlines()[loc["start"] - 1:loc["end"]]
        for line in new_lines:  # the span is on the + side of the diff the prompt shows
            assert f"\n+{line}\n" in task.prompt or f"\n {line}\n" in task.prompt, line


@pytest.mark.slow
def test_oracle_stops_timely_and_noop_prematurely(env) -> None:  # noqa: ANN001
    oracle = _play(env, locogym.make_agent("oracle"), 1, difficulty="hard")
    assert oracle.steps[0].evidence_seen == [e.id for e in oracle.task.evidence]
    assert oracle.score.success == 1.0 and oracle.score.labels["stop"] == "from-context"
    assert oracle.score.metrics["stop.t_star"] == 0 and oracle.score.metrics["efficiency.step_ratio"] == 1.0
    assert oracle.score.labels["cascade"] == "none"
    noop = _play(env, locogym.make_agent("noop"), 1, difficulty="hard")
    assert noop.score.success == 0.0 and noop.score.labels["stop"] == "premature"
    assert noop.steps[0].evidence_seen  # it saw the diff; handing in nothing is what makes it premature


@pytest.mark.slow
def test_a_reviewer_who_keeps_reading_after_the_diff_over_searches(env) -> None:  # noqa: ANN001
    env.reset(seed=0, options={"length": "4k"})
    task = env.unwrapped.task
    ev = task.evidence[0].locator
    read = ToolCall(name="read_file", arguments={"path": ev["path"], "offset": ev["start"], "limit": 3})
    others = sorted(p for p in task.workspace if p.endswith(".py"))[:6]
    reads = [read] + [ToolCall(name="read_file", arguments={"path": p, "limit": 5}) for p in others]
    findings = task.oracle_plan[-1]
    slow = _play(env, Scripted([*reads, findings]), 0)
    assert slow.score.success == 1.0
    assert slow.steps[0].evidence_seen[0] == task.evidence[0].id  # from the prompt, and again from the read
    # the diff was read before the first step, so every read after it is overrun
    assert slow.score.labels["stop"] == "over-search" and slow.score.metrics["stop.overrun"] == len(reads)
    quick = _play(env, Scripted([read, findings]), 0)
    assert quick.score.labels["stop"] == "from-context" and quick.score.metrics["efficiency.step_ratio"] == 0.5
