"""Early stopping on hand-built trajectories at the rules a one-character slip would move: which submit is the
final one, what the oracle's plan says about handing in nothing, whose word decides "supported", where a
session's evidence was complete, and how many steps an in-prompt answer may take. Each step index and gap is
worked out in the comments."""

from __future__ import annotations

from locogym.core.types import ErrorKind, Evidence, StepEvent, ToolCall, ToolResult
from locogym.scoring import stopping
from tests.scoring.scoring_builders import make_task, make_traj, step, submit


def _measure(task, steps, success=1.0, submitted=True):
    return stopping.measure(task, make_traj(task, steps).steps, submitted, success)


def _in_prompt(*ids: str) -> list[Evidence]:
    return [Evidence(id=i, kind="span", locator={"in_prompt": True}) for i in ids]


def test_the_final_submit_is_the_last_one_and_nothing_after_it_counts() -> None:
    task = make_task(["e1"], sessions=[["read", "submit"]] * 2)
    # steps: 0 read e1, 1 submit (session 0), 2 submit (session 1), 3 a step after the last submit
    m = _measure(task, [step(evidence=("e1",)), submit("a"), submit("b", session=1), step(session=1)])
    assert m.metrics["stop.step"] == 2


def test_an_episode_that_ran_out_of_steps_never_stopped_even_after_a_session_s_submit() -> None:
    task = make_task(["e1"], sessions=[["read", "submit"]] * 2)
    m = _measure(task, [step(evidence=("e1",)), submit("a"), step(session=1)], success=0.0, submitted=False)
    assert m.labels["stop"] == "never" and m.metrics["stop.step"] == -1


def test_a_submitted_episode_without_a_successful_submit_step_has_no_stop_step() -> None:
    # the episode was closed as submitted, but the only submit attempt failed: no step handed anything in
    failed = step("submit", {"answer": "a"}, "Bad arguments.", error=ErrorKind.invalid_arguments,
                  data={"submitted": True})
    m = _measure(make_task(["e1"]), [step(evidence=("e1",)), failed], success=0.0)
    assert m.metrics["stop.step"] == -1


def _answering_task() -> object:
    """The oracle reads (without arguments), then submits an answer."""
    task = make_task(["e1"])
    task.oracle_plan = [ToolCall(name="read"), ToolCall(name="submit", arguments={"answer": "Oslo"})]
    return task


def test_a_submit_with_nothing_in_it_is_premature_where_the_oracle_s_last_call_hands_in_an_answer() -> None:
    m = _measure(_answering_task(), [step(evidence=("e1",)), submit()], success=0.0)
    assert m.labels["stop"] == "premature"
    assert m.metrics["stop.overrun"] == 0  # a premature stop has no steps too many


def test_a_submit_without_a_recorded_call_hands_in_nothing() -> None:
    bare = StepEvent(index=-1, call=None, result=ToolResult(output="ok", data={"submitted": True}))
    m = _measure(_answering_task(), [step(evidence=("e1",)), bare], success=0.0)
    assert m.labels["stop"] == "premature"


def test_the_family_s_supported_annotation_outranks_correctness() -> None:
    task = make_task(_in_prompt("e1"), plan=["submit"])
    right_but_unsupported = submit("Oslo").model_copy(update={"evidence_seen": ["e1"],
                                                               "annotations": {"supported": False}})
    m = _measure(task, [right_but_unsupported], success=1.0)
    assert m.labels == {"stop": "unsupported", "stop.cross": "lucky_guess"}  # right, but not from the evidence
    assert (m.metrics["stop.unsupported"], m.metrics["stop.lucky_guess"], m.metrics["stop.sound"]) == (1, 1, 0)
    wrong_but_supported = submit("Bergen").model_copy(update={"evidence_seen": ["e1"],
                                                               "annotations": {"supported": True}})
    m = _measure(task, [wrong_but_supported], success=0.0)
    assert m.labels == {"stop": "from-context", "stop.cross": "from-context_wrong"}
    assert (m.metrics["stop.unsupported"], m.metrics["stop.from_context"]) == (0, 1)


def test_in_prompt_evidence_was_seen_before_the_first_step() -> None:
    # the prompt shows e1, reported on step 0; three steps (0, 1, 2) come before the submit at 3: gap 3 > slack 2
    task = make_task(_in_prompt("e1"), plan=["read", "submit"])
    m = _measure(task, [step(evidence=("e1",)), step(), step(), submit("a")])
    assert m.labels["stop"] == "over-search" and m.metrics["stop.overrun"] == 3
    # two steps before the submit at 2: gap 2, within the slack
    m = _measure(task, [step(evidence=("e1",)), step(), submit("a")])
    assert m.labels["stop"] == "from-context" and m.metrics["stop.overrun"] == 2


def test_a_session_that_rereads_its_evidence_on_its_submit_step_is_complete_there() -> None:
    # e1 was read in session 0 (step 0). Session 1 starts at step 2, takes three steps (2, 3, 4) and its submit at
    # 5 shows e1 again: the session's own first read of e1 is step 5, so nothing came after it (gap 0).
    task = make_task(["e1"], sessions=[["read", "submit"]] * 2)
    rereading_submit = submit("b", session=1).model_copy(update={"evidence_seen": ["e1"]})
    steps = [step(evidence=("e1",)), submit("a"), step(session=1), step(session=1), step(session=1),
             rereading_submit]
    m = _measure(task, steps)
    assert m.labels["stop"] == "timely" and m.metrics["stop.overrun"] == 0


def test_the_share_of_sessions_that_searched_on_too_long() -> None:
    # session 0 reads e1 and submits at once (gap 0); session 1 needs e2, reads it at step 2, then takes three
    # more steps (3, 4, 5) before its submit at 6: gap 3 > 2. One of two judged sessions over-searched.
    task = make_task([Evidence(id="e1", kind="span", locator={"session": 0}),
                      Evidence(id="e2", kind="span", locator={"session": 1})], sessions=[["read", "submit"]] * 2)
    steps = [step(evidence=("e1",)), submit("a"), step(evidence=("e2",), session=1), step(session=1),
             step(session=1), step(session=1), submit("b", session=1)]
    m = _measure(task, steps)
    assert m.labels["stop"] == "over-search" and m.metrics["stop.overrun"] == 3
    assert m.metrics["stop.session_over_search_rate"] == 0.5 and m.metrics["stop.session_sound_rate"] == 0.5


def test_a_session_s_first_submit_decides_and_a_later_one_adds_nothing() -> None:
    # e1 read at 0, submitted at 1 (gap 0, timely); three more steps and a second submit at 5 change nothing
    task = make_task(["e1"])
    m = _measure(task, [step(evidence=("e1",)), submit("a"), step(), step(), step(), submit("b")])
    assert m.labels["stop"] == "timely" and m.metrics["stop.overrun"] == 0


def test_a_session_relying_on_notes_is_complete_at_its_start() -> None:
    # e1 read in session 0 (step 0) and not again. Session 1 starts at step 2: its evidence is complete as it
    # begins, so its steps 2, 3 and 4 all come after it: gap 3 before the submit at 5, one more than the slack
    task = make_task(["e1"], sessions=[["read", "submit"]] * 2)
    m = _measure(task, [step(evidence=("e1",)), submit("a"), step(session=1), step(session=1), step(session=1),
                        submit("b", session=1)])
    assert m.labels["stop"] == "over-search" and m.metrics["stop.overrun"] == 3
