"""What every behaviour metric shares, one rule at a time: the pass threshold's round-off allowance, whose
fault a failed call is, what a submit is, how steps group into sessions, and what counts as handing in nothing."""

from __future__ import annotations

from locogym.core.types import ErrorKind, StepEvent, ToolCall, ToolResult
from locogym.scoring.common import (
    Measures,
    agent_failed,
    empty,
    flag,
    infrastructure_failed,
    is_behaviour_key,
    is_submit,
    oracle_plans,
    passed,
    searches,
    sessions_of,
    split_outcome,
)
from tests.scoring.scoring_builders import make_task


def _step(error: ErrorKind | None = None, data: dict | None = None, session: int = 0) -> StepEvent:
    return StepEvent(index=0, session=session, call=ToolCall(name="read"),
                     result=ToolResult(output="", error=error, data=data or {}))


def test_full_credit_passes_up_to_round_off_and_not_below() -> None:
    assert passed(1.0) and passed(0.1 + 0.2 + 0.7)  # 0.9999999999999999 is full credit
    assert not passed(0.99) and not passed(0.0)
    assert passed(0.5, threshold=0.5) and not passed(0.49, threshold=0.5)


def test_an_infrastructure_failure_is_never_the_agent_s() -> None:
    for kind in (ErrorKind.internal, ErrorKind.sandbox_unavailable):
        assert infrastructure_failed(_step(kind)) and not agent_failed(_step(kind))
    assert agent_failed(_step(ErrorKind.not_found)) and not infrastructure_failed(_step(ErrorKind.not_found))
    assert not agent_failed(_step()) and not infrastructure_failed(_step())


def test_a_submit_is_a_successful_call_that_handed_something_in() -> None:
    assert is_submit(_step(data={"submitted": True}))
    assert not is_submit(_step(ErrorKind.invalid_arguments, data={"submitted": True}))
    assert not is_submit(_step(data={"submitted": False})) and not is_submit(_step())


def test_sessions_keep_their_steps_in_order_of_first_appearance() -> None:
    steps = [_step(session=1), _step(session=0), _step(session=1)]
    assert [(s, len(group)) for s, group in sessions_of(steps)] == [(1, 2), (0, 1)]


def test_a_task_searches_when_its_oracle_calls_anything_besides_a_submit() -> None:
    assert searches(make_task(plan=["read", "submit"])) and not searches(make_task(plan=["submit"]))
    multi = make_task(sessions=[["submit"], ["read", "submit"]])
    assert len(oracle_plans(multi)) == 2 and searches(multi)
    assert not searches(make_task(sessions=[["submit"], ["submit_answer"]]))


def test_nothing_handed_in_in_every_shape_and_something_in_each() -> None:
    for nothing in (None, "", "  ", [], (), set(), {}, {"a": "", "b": None}, {"a": {"b": []}}):
        assert empty(nothing), nothing
    for something in ("x", [""], {"a": "x"}, 0, False, {"a": None, "b": 0}):
        assert not empty(something), something


def test_behaviour_keys_split_from_the_outcome() -> None:
    values = {"success": 1.0, "stop": "timely", "stop.t_star": 2.0, "cascade.errors": 0.0, "stopwatch": 3.0}
    assert split_outcome(values) == {"success": 1.0, "stopwatch": 3.0}
    assert is_behaviour_key("efficiency.tokens") and is_behaviour_key("consistency")
    assert not is_behaviour_key("stopping")


def test_measures_merge_with_the_later_one_winning_and_flags_are_rates() -> None:
    merged = Measures({"a": 1.0, "b": 2.0}, {"x": "1"}).merge(Measures({"b": 3.0}, {"y": "2"}))
    assert merged == Measures({"a": 1.0, "b": 3.0}, {"x": "1", "y": "2"})
    assert (flag(True), flag(False)) == (1.0, 0.0)
