"""Cascading errors on hand-written trajectories; every expected value is worked out in the comments."""

from __future__ import annotations

from locogym.core.types import ErrorKind
from locogym.scoring import cascade
from tests.scoring.scoring_builders import make_task, make_traj, parse_error, step, submit


def _measure(task, steps, success, termination="submitted"):
    traj = make_traj(task, steps, termination)
    return cascade.measure(task, traj.steps, termination == "submitted", success)


def test_a_distractor_cascades_into_a_failed_booking_and_a_wrong_answer() -> None:
    task = make_task(prompt="Book the cheapest flight to Oslo.")
    steps = [
        # 0: a distractor taken for gold (wrong); introduces fl-100 and 230
        step("search", {"q": "Oslo"}, "Found flight FL-100 for 230 EUR", wrong=True),
        # 1: uses fl-100 (from 0), wrong; introduces 14c and qx7 (fl-100 is in its own arguments: not new)
        step("get_flight", {"id": "FL-100"}, "FL-100 seat map: seat 14C, fare code QX7", wrong=True),
        # 2: uses fl-100 (0) and qx7 (1); the API rejects it
        step("book", {"id": "FL-100", "fare": "QX7"}, "Fare QX7 is not valid", error=ErrorKind.api_error),
        # 3: a sound search (same tool as step 0): recovers step 0
        step("search", {"q": "Oslo cheapest"}, "Found flight FL-300 for 99 EUR"),
        # 4: the wrong final answer (the episode failed, no submit annotated): uses fl-100 from 0
        submit("FL-100"),
    ]
    m = _measure(task, steps, success=0.0)
    # erroneous: 0, 1, 2, 4. Edges between them: 0->1, 0->2, 1->2, 0->4. Feeding a later error: {0, 1}.
    assert m.metrics["cascade.errors"] == 4
    assert m.metrics["cascade.cascading"] == 2
    assert m.metrics["cascade.rate"] == 0.5
    # chains: c0=1, c1=c0+1=2, c2=max(c0,c1)+1=3, c4=c0+1=2
    assert m.metrics["cascade.longest_chain"] == 3
    # only step 0 is followed by a sound step of its sub-goal (tool "search")
    assert m.metrics["cascade.recovered"] == 1
    assert m.metrics["cascade.recovery_rate"] == 0.25
    assert m.metrics["cascade.first_error"] == 0
    assert m.metrics["cascade.error_free"] == 0
    assert m.labels["cascade"] == "cascading"


def test_an_error_recovered_on_its_subgoal_is_isolated() -> None:
    task = make_task()
    steps = [
        step("read", {"path": "a.py"}, "No such file a.py", error=ErrorKind.not_found, subgoal="locate"),
        step("list_files", {}, "src/a.py\nsrc/b.py", subgoal="locate"),
        step("read", {"path": "src/a.py"}, "def f(): return 42", subgoal="answer"),
        submit("42"),
    ]
    m = _measure(task, steps, success=1.0)
    assert m.metrics["cascade.errors"] == 1
    assert m.metrics["cascade.rate"] == 0.0
    assert m.metrics["cascade.longest_chain"] == 1
    assert m.metrics["cascade.recovery_rate"] == 1.0
    assert m.labels["cascade"] == "isolated"


def test_subgoal_annotations_decide_recovery_over_tool_names() -> None:
    task = make_task()
    steps = [
        step("read", {"path": "x"}, "nope", error=ErrorKind.not_found, subgoal="hop1"),
        step("read", {"path": "y"}, "fine", subgoal="hop2"),  # same tool, other sub-goal: no recovery
        submit("a"),
    ]
    m = _measure(task, steps, success=1.0)
    assert m.metrics["cascade.recovered"] == 0
    assert m.metrics["cascade.recovery_rate"] == 0.0


def test_a_clean_episode_has_no_errors() -> None:
    task = make_task(evidence=["e1"])
    m = _measure(task, [step(evidence=("e1",)), submit("x")], success=1.0)
    assert m.metrics["cascade.errors"] == 0
    assert m.metrics["cascade.error_free"] == 1
    assert m.metrics["cascade.first_error"] == -1
    assert m.metrics["cascade.longest_chain"] == 0
    assert m.metrics["cascade.recovery_rate"] == 1.0
    assert m.labels["cascade"] == "none"


def test_echoed_and_prompt_values_are_not_flows() -> None:
    task = make_task(prompt="Look up item FL-9 and report its price.")
    steps = [
        step("get", {"id": "X-12"}, "No item X-12", error=ErrorKind.not_found),  # x-12 is an echo of its args
        step("get", {"id": "X-12"}, "No item X-12", error=ErrorKind.not_found),
        step("get", {"id": "q"}, "Item FL-9 is sold out", wrong=True),  # fl-9 was in the prompt
        step("price", {"id": "FL-9"}, "unknown", error=ErrorKind.api_error),
    ]
    m = _measure(task, steps, success=0.0, termination="max_steps")
    assert m.metrics["cascade.errors"] == 4
    assert m.metrics["cascade.cascading"] == 0
    assert m.metrics["cascade.longest_chain"] == 1
    assert m.labels["cascade"] == "isolated"


def test_family_values_replace_extraction() -> None:
    task = make_task()
    steps = [
        step("open", {"t": "a"}, "See ID-999 for more", data={"values": ["Tok"]}, wrong=True),
        step("open", {"t": "ID-999"}, "nothing", error=ErrorKind.not_found),  # id-999 was not declared: no edge
        step("open", {"t": "tok"}, "nothing", error=ErrorKind.not_found),  # "tok" matches "Tok": an edge from 0
    ]
    parents = cascade.flows(task, make_traj(task, steps).steps)
    assert parents == [set(), set(), {0}]
    m = _measure(task, steps, success=0.0, termination="max_steps")
    assert m.metrics["cascade.cascading"] == 1
    assert m.metrics["cascade.longest_chain"] == 2


def test_numbers_link_across_formats() -> None:
    task = make_task()
    steps = [step("quote", {}, "The fare is 129.50 EUR", wrong=True),
             step("pay", {"amount": 129.5}, "Declined", error=ErrorKind.api_error)]
    assert cascade.flows(task, make_traj(task, steps).steps) == [set(), {0}]


def test_final_answer_rule_follows_family_annotations() -> None:
    task = make_task()
    # the family judged the submit sound (e.g. the answer counts; the outcome failed for another reason)
    m = _measure(task, [submit("x", wrong=False)], success=0.0)
    assert m.metrics["cascade.errors"] == 0
    # no annotation and a failed outcome: the wrong final answer is an error
    m = _measure(task, [submit("x")], success=0.0)
    assert m.metrics["cascade.errors"] == 1 and m.metrics["cascade.first_error"] == 0
    # a solved episode's answer is not an error
    assert _measure(task, [submit("x")], success=1.0).metrics["cascade.errors"] == 0
    # a budget end has no final answer to blame
    assert _measure(task, [step()], success=0.0, termination="max_steps").metrics["cascade.errors"] == 0


def test_an_unreadable_action_is_recovered_by_any_sound_call() -> None:
    task = make_task()
    m = _measure(task, [parse_error(), step("read", {"path": "a"}, "text"), submit("a")], success=1.0)
    assert m.metrics["cascade.errors"] == 1
    assert m.metrics["cascade.recovery_rate"] == 1.0
    m = _measure(task, [parse_error(), submit("a")], success=1.0)
    assert m.metrics["cascade.recovery_rate"] == 0.0
