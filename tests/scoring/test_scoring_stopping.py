"""Early stopping on hand-written trajectories (t* and the gaps are worked out in the comments)."""

from __future__ import annotations

import pytest

from locogym.core.errors import DataError
from locogym.core.types import Evidence
from locogym.scoring import stopping
from tests.scoring.scoring_builders import make_task, make_traj, step, submit


def _measure(task, steps, success=1.0, termination="submitted"):
    traj = make_traj(task, steps, termination)
    return stopping.measure(task, traj.steps, termination == "submitted", success)


E12 = ["e1", "e2"]


def test_timely_stop_right_after_the_last_evidence() -> None:
    # t* = 1 (e2 seen at step 1); submit at 2: 0 steps in between
    m = _measure(make_task(E12), [step(evidence=("e1",)), step(evidence=("e2",)), submit("a")])
    assert m.labels == {"stop": "timely", "stop.cross": "timely_right"}
    assert m.metrics["stop.t_star"] == 1 and m.metrics["stop.step"] == 2
    assert m.metrics["stop.overrun"] == 0 and m.metrics["stop.evidence_recall"] == 1.0
    assert m.metrics["stop.timely"] == 1 and m.metrics["stop.premature"] == 0


def test_slack_boundary_and_over_search() -> None:
    task = make_task(E12)
    base = [step(evidence=("e1",)), step(evidence=("e2",))]
    # two extra steps after t* = 1, submit at 4: gap 2 = slack -> timely
    m = _measure(task, [*base, step(), step(), submit("a")], success=0.0)
    assert m.labels["stop"] == "timely" and m.labels["stop.cross"] == "timely_wrong"
    assert m.metrics["stop.overrun"] == 2
    # three extra steps, submit at 5: gap 3 > 2 -> over-search
    m = _measure(task, [*base, step(), step(), step(), submit("a")])
    assert m.labels["stop"] == "over-search" and m.metrics["stop.over_search"] == 1
    assert m.metrics["stop.overrun"] == 3 and m.metrics["stop.step"] == 5


def test_family_slack() -> None:
    task = make_task(E12, meta={"stop_slack": 0})
    m = _measure(task, [step(evidence=("e1", "e2")), step(), submit("a")])  # gap 1 > 0
    assert m.labels["stop"] == "over-search"
    with pytest.raises(DataError, match="stop_slack"):
        _measure(make_task(E12, meta={"stop_slack": "two"}), [submit("a")])
    with pytest.raises(DataError, match="session"):
        _measure(make_task([Evidence(id="e1", kind="span", locator={"session": "first"})]), [submit("a")])


def test_premature_right_is_a_lucky_guess_and_wrong_is_not() -> None:
    task = make_task(E12)
    m = _measure(task, [step(evidence=("e1",)), submit("a")], success=1.0)
    assert m.labels == {"stop": "premature", "stop.cross": "lucky_guess"}
    assert m.metrics["stop.lucky_guess"] == 1 and m.metrics["stop.t_star"] == -1
    assert m.metrics["stop.evidence_recall"] == 0.5
    m = _measure(task, [submit()], success=0.0)  # the noop
    assert m.labels == {"stop": "premature", "stop.cross": "premature_wrong"}
    assert m.metrics["stop.evidence_recall"] == 0.0 and m.metrics["stop.lucky_guess"] == 0


def test_budget_end_is_never_even_with_all_evidence() -> None:
    m = _measure(make_task(E12), [step(evidence=("e1",)), step(evidence=("e2",)), step()],
                 success=0.0, termination="max_steps")
    assert m.labels == {"stop": "never", "stop.cross": "never_wrong"}
    assert m.metrics["stop.t_star"] == 1 and m.metrics["stop.step"] == -1 and m.metrics["stop.never"] == 1


def test_sessions_with_tagged_evidence() -> None:
    task = make_task([Evidence(id="e1", kind="span", locator={"session": 0}),
                      Evidence(id="e2", kind="span", locator={"session": [1]})], sessions=[["read", "submit"]] * 2)
    # session 1 hands in without e2: premature
    m = _measure(task, [step(evidence=("e1",)), submit("a"), step(session=1), submit("b", session=1)])
    assert m.labels["stop"] == "premature"
    # session 1 reads e2 first: both sessions timely (gaps 0 and 0)
    m = _measure(task, [step(evidence=("e1",)), submit("a"), step(evidence=("e2",), session=1),
                        submit("b", session=1)])
    assert m.labels["stop"] == "timely" and m.metrics["stop.overrun"] == 0 and m.metrics["stop.t_star"] == 2


def test_sessions_with_untagged_evidence_need_it_by_the_last_session() -> None:
    task = make_task(["e1"], sessions=[["read", "submit"]] * 3)
    # the fixture's oracle: reads e1 again in every session; the last session's gap is 0 (re-read at 4, submit 5)
    steps = [step(evidence=("e1",)), submit("a")]
    steps += [step(evidence=("e1",), session=1), submit("a", session=1)]
    steps += [step(evidence=("e1",), session=2), submit("a", session=2)]
    m = _measure(task, steps)
    assert m.labels["stop"] == "timely" and m.metrics["stop.overrun"] == 0
    # notes instead of re-reading: e1 carried over from step 0; session 2 starts at 3 so its anchor is 2: gap 0
    m = _measure(task, [step(evidence=("e1",)), submit("a"), submit("a", session=1), submit("a", session=2)])
    assert m.labels["stop"] == "timely"
    # the noop in every session: e1 never seen
    m = _measure(task, [submit(), submit(session=1), submit(session=2)], success=0.0)
    assert m.labels["stop"] == "premature"


def test_a_task_without_evidence_is_marked_so() -> None:
    m = _measure(make_task([]), [submit("a")])
    assert m.metrics["stop.evidence_total"] == 0 and m.metrics["stop.evidence_recall"] == 1.0
    assert "stop.t_star" not in m.metrics


def test_handing_in_nothing_is_premature_only_where_the_oracle_hands_something_in() -> None:
    # a static haystack: the prompt's evidence is reported on the first step, which is the submit itself
    static = make_task(E12, plan=["submit"])
    static.oracle_plan[0].arguments = {"answer": "Oslo"}
    m = _measure(static, [submit("Oslo").model_copy(update={"evidence_seen": E12})])
    assert m.labels["stop"] == "from-context" and m.metrics["stop.t_star"] == 0 and m.metrics["stop.overrun"] == 0
    assert m.metrics["stop.sound"] == 1.0 and m.metrics["stop.timely"] == 0.0
    m = _measure(static, [submit("Bergen").model_copy(update={"evidence_seen": E12})], success=0.0)
    assert m.labels["stop"] == "unsupported" and m.metrics["stop.sound"] == 0.0  # a wrong answer rests on nothing
    m = _measure(static, [submit().model_copy(update={"evidence_seen": E12})], success=0.0)
    assert m.labels["stop"] == "premature"
    m = _measure(static, [submit({"p1": "", "p2": None}).model_copy(update={"evidence_seen": E12})], success=0.0)
    assert m.labels["stop"] == "premature"
    # a patch task: the oracle edits, then submits nothing; so may the agent
    patch = make_task(E12, plan=["read", "edit", "submit"])
    m = _measure(patch, [step(evidence=("e1", "e2")), step("edit"), submit()])
    assert m.labels["stop"] == "timely"
