"""LoCo-RepoReview-v0 evidence: each defect's hunk is a file span, seen from the first step since the prompt
shows the whole diff; early stopping and efficiency then separate a timely reviewer from a premature or a slow one.
"""

from __future__ import annotations

import gymnasium as gym
import pytest

import locogym
from locogym.agents.base import Agent
from locogym.core.types import ToolCall
from locogym.scenarios.defects.diffblocks import UNMADE_KINDS
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
        assert ev.kind == "file_span" and loc["tokens"] > 0
        assert (loc["path"], loc["start"], loc["end"]) == (defect["path"], defect["line"], defect["end_line"])
        new_lines = task.workspace[loc["path"]].splitlines()[loc["start"] - 1:loc["end"]]
        shown = [f"\n+{line}\n" in task.prompt or f"\n {line}\n" in task.prompt for line in new_lines]
        # a span marked as shown is on the + side of the diff the prompt shows; a rule the change left out of a
        # function is not, and only reading the file shows it
        assert loc["in_prompt"] is (defect["kind"] not in UNMADE_KINDS), defect
        assert all(shown) if loc["in_prompt"] else not any(f"\n+{line}\n" in task.prompt for line in new_lines)


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
    *needed, findings = task.oracle_plan  # reads of what the diff does not show (a rule left out), then submit
    others = sorted(p for p in task.workspace if p.endswith(".py"))[:6]
    extra = [ToolCall(name="read_file", arguments={"path": p, "limit": 5}) for p in others]
    slow = _play(env, Scripted([*needed, *extra, findings]), 0)
    assert slow.score.success == 1.0
    assert slow.steps[0].evidence_seen[0] == task.evidence[0].id  # from the prompt (or the read of its span)
    # the diff was read before the first step and the needed reads come first, so every other read is overrun
    assert slow.score.labels["stop"] == "over-search" and slow.score.metrics["stop.overrun"] == len(extra)
    quick = _play(env, Scripted([*needed, findings]), 0)
    assert quick.score.labels["stop"] == ("timely" if needed else "from-context")
    assert quick.score.metrics["efficiency.step_ratio"] == 1.0
