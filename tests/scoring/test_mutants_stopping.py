"""Early stopping across sessions: which session needs untagged evidence, what a session needing none costs, and
which episodes carry per-session shares. Each case is worked out in its comment."""

from __future__ import annotations

from locogym.core.types import Evidence
from locogym.scoring import stopping
from tests.scoring.scoring_builders import make_task, make_traj, step, submit

TWO_SESSIONS = [["read", "submit"]] * 2


def _measure(task, steps, success=1.0):
    return stopping.measure(task, make_traj(task, steps, "submitted").steps, True, success)


def test_untagged_evidence_is_needed_by_the_last_session_only() -> None:
    task = make_task(["e1"], sessions=TWO_SESSIONS)
    # session 0 hands in before e1 is read: it needs no evidence, so it is not premature; session 1 reads e1 first
    m = _measure(task, [submit("a"), step(evidence=("e1",), session=1), submit("b", session=1)])
    assert m.labels["stop"] == "timely", m.labels
    assert m.metrics["stop.sessions_judged"] == 1
    # session 1 hands in without ever reading e1: the last session needed it
    m = _measure(task, [submit("a"), step(session=1), submit("b", session=1)], success=0.0)
    assert m.labels["stop"] == "premature", m.labels


def test_a_session_that_needs_no_evidence_adds_no_overrun() -> None:
    task = make_task([Evidence(id="e1", kind="span", locator={"session": 1})], sessions=TWO_SESSIONS)
    # session 0 needs nothing and submits at once; session 1 reads e1 and submits right after: no step too many
    m = _measure(task, [submit("a"), step(evidence=("e1",), session=1), submit("b", session=1)])
    assert m.metrics["stop.overrun"] == 0 and m.labels["stop"] == "timely"


def test_session_shares_come_with_multi_session_tasks_only() -> None:
    tagged = make_task([Evidence(id="e1", kind="span", locator={"session": 0}),
                        Evidence(id="e2", kind="span", locator={"session": 1})], sessions=TWO_SESSIONS)
    # session 0 timely (e1 then submit); session 1 premature (submits before reading e2)
    m = _measure(tagged, [step(evidence=("e1",)), submit("a"), submit("b", session=1), step(evidence=("e2",),
                                                                                             session=1)])
    assert m.metrics["stop.sessions_judged"] == 2
    assert m.metrics["stop.session_sound_rate"] == 0.5 and m.metrics["stop.session_premature_rate"] == 0.5
    assert m.metrics["stop.session_over_search_rate"] == 0.0
    single = _measure(make_task(["e1"]), [step(evidence=("e1",)), submit("a")])
    assert not any(name.startswith("stop.session") for name in single.metrics), single.metrics


def test_a_single_session_needs_its_untagged_evidence() -> None:
    task = make_task(["e1"])
    assert _measure(task, [submit("a")], success=0.0).labels["stop"] == "premature"
    assert _measure(task, [step(evidence=("e1",)), submit("a")]).labels["stop"] == "timely"
