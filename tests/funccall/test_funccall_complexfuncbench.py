"""Replaying ComplexFuncBench samples the way its evaluator judges them: the small hand-written file in the published
layout, whose three records use different function sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from gymnasium.utils.env_checker import check_env

from locogym import make_agent, run_episode
from locogym.core.errors import DataError
from locogym.core.types import ModelUsage, ToolCall, Trajectory
from locogym.scenarios.funccall.complexeval import classify, format_problems, is_free, same_call
from tests.funccall.funccall_support import make, play

SAMPLE = Path(__file__).parent / "data" / "complexfuncbench_sample.jsonl"
DATA = f"complexfuncbench:{SAMPLE}"
REVIEWS = "Get_Hotel_Reviews(Tips)"
SUBMIT = ToolCall(name="submit", arguments={"answer": "Here is what I found."})


def _calls(env: Any, name: str) -> list[ToolCall]:
    return [c.model_copy(deep=True) for c in env.task.oracle_plan if c.name == name]


def _labels(traj: Trajectory) -> list[Any]:
    return [s.annotations.get("error_label") for s in traj.steps]


def test_each_record_exposes_its_own_functions_and_nothing_else() -> None:
    env = make(data=DATA)
    check_env(env)
    tools = {}
    for sample in ("Hotels-7", "Cross-42", "Hotels-19"):
        _obs, info = env.reset(seed=0, options={"task": sample})
        tools[sample] = {t["name"]: t for t in info["tools"]}
        assert set(env.action_space.sample_call().name for _ in range(20)) <= set(tools[sample])
    assert set(tools["Hotels-7"]) == {"Search_Hotel_Destination", "Search_Hotels", "submit"}
    assert set(tools["Hotels-19"]) == {"Search_Hotel_Destination", "Get_Room_List", REVIEWS, "Get_Hotel_Policies",
                                       "submit"}
    # the same function name with each record's own schema
    assert "languagecode" in tools["Hotels-19"]["Search_Hotel_Destination"]["parameters"]["properties"]
    assert "languagecode" not in tools["Hotels-7"]["Search_Hotel_Destination"]["parameters"]["properties"]
    assert tools["Hotels-7"]["Search_Hotels"]["parameters"]["required"] == ["dest_id", "search_type", "arrival_date",
                                                                             "departure_date"]
    # another record's function is unknown here: a format error, which does not end the sample
    env.reset(seed=0, options={"task": "Hotels-7"})
    traj = play(env, [{"name": "Get_Hotel_Policies", "arguments": {"hotel_id": 7781}}, *env.task.oracle_plan])
    assert traj.steps[0].result.error.value == "unknown_tool" and _labels(traj)[0] == "format_error"
    assert traj.score.success == 1.0 and traj.score.metrics["fc.format_errors"] == 1.0


@pytest.mark.parametrize("sample", ["Hotels-7", "Cross-42", "Hotels-19"])
def test_the_recorded_path_succeeds_and_noop_stops_early(sample: str) -> None:
    env = make(data=DATA)
    oracle = run_episode(env, make_agent("oracle"), seed=0, options={"task": sample})
    assert oracle.score is not None and oracle.score.success == 1.0
    assert oracle.score.labels["fc.cfb_verdict"] == "success" and oracle.score.metrics["fc.call_accuracy"] == 1.0
    noop = run_episode(env, make_agent("noop"), seed=0, options={"task": sample})
    assert noop.score is not None and noop.score.success == 0.0
    assert noop.score.labels["fc.cfb_verdict"] == "stop_early" and noop.score.outcome == "no_answer"


def test_mistyped_and_missing_arguments_are_format_errors_that_do_not_end_the_sample() -> None:
    env = make(data=DATA)
    env.reset(seed=0, options={"task": "Hotels-19"})
    rooms, reviews = _calls(env, "Get_Room_List")[0], _calls(env, REVIEWS)[0]
    policies = _calls(env, "Get_Hotel_Policies")[0]
    traj = play(env, [
        {"name": "Get_Room_List", "arguments": {**rooms.arguments, "hotel_id": "7781"}},  # a string for a number
        {"name": REVIEWS, "arguments": {**reviews.arguments, "sort_option_id": ["sort_recent_desc"]}},  # an array
        {"name": "Get_Room_List", "arguments": {"hotel_id": 7781}},  # dates missing
        {"name": "Get_Hotel_Policies", "arguments": {"hotel_id": 7781, "pets": True}},  # no such parameter
        rooms, reviews, policies, SUBMIT])
    assert [s.result.error.value if s.result.error else None for s in traj.steps[:4]] == ["invalid_arguments"] * 4
    assert "should be of type number" in traj.steps[0].result.output
    assert _labels(traj)[:4] == ["format_error"] * 4
    assert traj.score.success == 1.0 and traj.score.metrics["fc.format_errors"] == 4.0


def test_turn_order_is_enforced_and_parallel_calls_go_in_any_order() -> None:
    env = make(data=DATA)
    env.reset(seed=0, options={"task": "Hotels-19"})
    rooms, reviews = _calls(env, "Get_Room_List")[0], _calls(env, REVIEWS)[0]
    policies = _calls(env, "Get_Hotel_Policies")[0]
    # the last turn first: not accepted in its turn, so the sample stops there (func_error), whatever follows
    traj = play(env, [policies, rooms, reviews, policies, SUBMIT])
    assert traj.steps[0].result.error.value == "api_error" and _labels(traj)[0] == "func_error"
    assert traj.score.success == 0.0 and traj.score.labels["fc.cfb_verdict"] == "func_error"
    assert traj.score.labels["fc.cfb_stop_step"] == "0" and traj.score.metrics["fc.call_accuracy"] == 0.0
    # the parallel turn in the other order, the optional look-up skipped
    env.reset(seed=0, options={"task": "Hotels-19"})
    traj = play(env, [reviews, rooms, policies, SUBMIT])
    assert traj.score.success == 1.0 and [s.annotations["verdict"] for s in traj.steps[:3]] == ["oracle"] * 3
    assert traj.score.metrics["fc.call_accuracy"] == 0.75  # the skipped look-up is a recorded call not made



def test_optional_lookups_are_accepted_at_any_point() -> None:
    env = make(data=DATA)
    env.reset(seed=0, options={"task": "Cross-42"})
    flights, taxi = _calls(env, "Search_Flights")[0], _calls(env, "Search_Taxi")[0]
    look = _calls(env, "Taxi_Search_Location")[1]
    look.arguments["query"] = look.arguments["query"].upper()  # free-text queries compare normalised
    first = _calls(env, "Search_Flight_Location")[0]
    traj = play(env, [flights, look, first, taxi, SUBMIT])
    assert [s.annotations["verdict"] for s in traj.steps[:4]] == ["oracle", "free", "free", "oracle"]
    assert traj.score.success == 1.0 and traj.score.metrics["fc.recorded_calls"] == 6.0


# The four classes below follow THUDM/ComplexFuncBench: runner/base_runner.py (init_golden,
# update_current_golden, process_matches) and runner/gpt_runner.py (run: the per-message loop), with
# utils/compare_method.py (compare_turn_prediction, value_checker) judging each call.


def test_class_1_a_next_turn_call_before_its_parallel_sibling_succeeds_one_call_per_message() -> None:
    """After a message with an expected call the runner adds the next turn to the calls it expects
    (update_current_golden) while the current turn's sibling stays expected: both are accepted."""
    env = make(data=DATA)
    env.reset(seed=0, options={"task": "Hotels-19"})
    rooms, reviews = _calls(env, "Get_Room_List")[0], _calls(env, REVIEWS)[0]
    policies = _calls(env, "Get_Hotel_Policies")[0]
    traj = play(env, [reviews, policies, rooms, SUBMIT])
    assert [s.annotations["verdict"] for s in traj.steps[:3]] == ["oracle"] * 3
    assert traj.score.labels["fc.cfb_verdict"] == "success" and traj.score.success == 1.0


def _send(env: Any, message: list[Any]) -> None:
    """One assistant message of several calls, as a model agent sends it: the first action carries the model
    turn's usage, the rest are served from its queue (no usage)."""
    for i, call in enumerate(message):
        env.report_usage(ModelUsage(input=10, output=5) if i == 0 else None)
        env.step(call)


def test_class_2_a_wrong_call_beside_a_right_one_in_a_message_does_not_end_the_sample() -> None:
    """The runner stops only when a message has no expected call and no format error (gpt_runner.run:
    ``len(success_map) == 0 and format_error == {}``); the wrong call is answered with the stock error."""
    env = make(data=DATA)
    env.reset(seed=0, options={"task": "Hotels-19"})
    rooms, reviews = _calls(env, "Get_Room_List")[0], _calls(env, REVIEWS)[0]
    policies = _calls(env, "Get_Hotel_Policies")[0]
    wrong = {"name": REVIEWS, "arguments": {**reviews.arguments, "hotel_id": 1}}
    _send(env, [rooms, wrong])
    _send(env, [reviews])
    _send(env, [policies])
    traj = play(env, [SUBMIT])
    assert _labels(traj)[:4] == [None, "value_error", None, None]
    assert [s.annotations["message"] for s in traj.steps[:4]] == [0, 0, 1, 2]
    assert traj.score.labels["fc.cfb_verdict"] == "success" and traj.score.success == 1.0
    # the same wrong call alone in its message ends the sample there
    env.reset(seed=0, options={"task": "Hotels-19"})
    _send(env, [rooms])
    _send(env, [wrong])
    traj = play(env, [reviews, policies, SUBMIT])
    assert traj.score.labels["fc.cfb_verdict"] == "value_error" and traj.score.labels["fc.cfb_stop_step"] == "1"


def test_class_3_a_call_repeated_on_its_own_is_an_error_of_its_category() -> None:
    """A call already made is no longer among the expected calls, so the comparison finds no call of that
    function to match (compare_method.value_checker: func_error) and the message ends the sample."""
    env = make(data=DATA)
    env.reset(seed=0, options={"task": "Cross-42"})
    flights, taxi = _calls(env, "Search_Flights")[0], _calls(env, "Search_Taxi")[0]
    traj = play(env, [flights, flights, taxi, SUBMIT])
    assert _labels(traj)[1] == "func_error" and traj.steps[1].result.error.value == "api_error"
    assert traj.score.labels["fc.cfb_verdict"] == "func_error" and traj.score.success == 0.0


def test_class_4_any_call_after_the_task_is_complete_is_a_hallucinated_function() -> None:
    """With nothing left to expect, the runner ends the sample at any further call, a recorded look-up included
    (gpt_runner.run: ``if self.golden_fcs == []`` -> func_hallucination)."""
    env = make(data=DATA)
    env.reset(seed=0, options={"task": "Hotels-7"})
    plan = env.task.oracle_plan
    traj = play(env, [*plan[:-1], plan[0], plan[-1]])
    assert _labels(traj)[2] == "func_hallucination" and traj.score.labels["fc.cfb_verdict"] == "func_hallucination"
    assert traj.score.success == 0.0


def test_exact_parameters_must_be_exact_and_each_error_gets_the_reference_category() -> None:
    env = make(data=DATA)
    env.reset(seed=0, options={"task": "Cross-42"})
    flights, taxi = _calls(env, "Search_Flights")[0], _calls(env, "Search_Taxi")[0]
    respelled = {**taxi.arguments, "pick_up_date": "November 12, 2024"}  # an exact-match parameter respelled
    traj = play(env, [flights, {"name": "Search_Taxi", "arguments": respelled}, taxi, SUBMIT])
    assert _labels(traj)[1] == "value_error" and traj.score.labels["fc.cfb_verdict"] == "value_error"
    assert traj.score.success == 0.0 and traj.score.metrics["fc.required_call_accuracy"] == 0.5
    expected = [("Search_Hotels", {"dest_id": "1", "search_type": "CITY", "sort_by": "price"})]
    assert (classify("Search_Hotels", {"dest_id": "1", "search_type": "CITY", "sort_by": "PRICE"}, expected)
            == "value_error")
    assert classify("Search_Hotels", {"dest_id": "1", "search_type": "CITY"}, expected) == "param_missing"
    assert classify("Search_Hotels", {**expected[0][1], "page_number": 2}, expected) == "param_hallucination"
    assert (classify("Search_Flights", {}, expected) == "func_error"
            and classify("Search_Hotels", {}, []) == "func_hallucination")
    assert is_free("Taxi_Search_Location", {}) and is_free("Search_Hotels", {"search_type": "HOTEL"})
    assert not is_free("Search_Hotels", {"search_type": "CITY"})
    filters = {"dest_id": "1", "categories_filter": "class::4, facility::107"}
    assert same_call("Search_Hotels", {"dest_id": "1", "categories_filter": "facility::107,class::4"},
                     "Search_Hotels", filters)


def test_calls_after_the_last_turn_and_undecodable_actions_end_the_sample() -> None:
    env = make(data=DATA)
    env.reset(seed=0, options={"task": "Hotels-7"})
    plan = env.task.oracle_plan
    traj = play(env, [*plan[:-1],
                      {"name": "Search_Hotels", "arguments": {**plan[1].arguments, "sort_by": "popularity"}},
                      plan[-1]])
    assert _labels(traj)[2] == "func_hallucination" and traj.score.success == 0.0
    env.reset(seed=0, options={"task": "Hotels-7"})
    traj = play(env, ["Search_Hotels(dest_id=", *plan])
    assert _labels(traj)[0] == "decode_error" and traj.score.labels["fc.cfb_verdict"] == "decode_error"


def test_json_schema_types_are_checked_like_the_reference() -> None:
    schema = {"properties": {"s": {"type": "string"}, "n": {"type": "number"}, "i": {"type": "integer"},
                             "b": {"type": "boolean"}, "a": {"type": "array"}, "o": {"type": ["string", "null"]}},
              "required": ["s"]}
    assert format_problems(schema, {"s": "x", "n": 1, "i": 2, "b": False, "a": [], "o": None}) == {
        "missing": [], "unknown": [], "mistyped": []}
    assert format_problems(schema, {"s": 1, "n": True, "i": 2.5, "b": "no", "a": "x", "z": 0})["mistyped"] == [
        "s", "n", "i", "b", "a"]
    assert format_problems(schema, {"z": 0}) == {"missing": ["s"], "unknown": ["z"], "mistyped": []}


def test_malformed_files_name_the_line_and_the_field(tmp_path: Path) -> None:
    good = SAMPLE.read_text().splitlines()
    record = orjson.loads(good[1])
    record["conversations"][2]["content"] = record["conversations"][2]["content"][:1]  # one response for two calls
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good[0] + "\n" + orjson.dumps(record).decode() + "\n")
    with pytest.raises(DataError) as info:
        make(data=f"complexfuncbench:{bad}")
    assert "line 2" in str(info.value) and "conversations[2].content" in str(info.value)
    record = orjson.loads(good[0])
    record["functions"].append(dict(record["functions"][0]))
    twice = tmp_path / "twice.jsonl"
    twice.write_text(orjson.dumps(record).decode() + "\n")
    with pytest.raises(DataError, match="defined twice"):
        make(data=f"complexfuncbench:{twice}")
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n")
    with pytest.raises(DataError, match="line 1"):
        make(data=f"complexfuncbench:{broken}")


def test_a_seed_replays_the_same_sample_and_gold_at_every_length() -> None:
    env = make(data=DATA)
    for seed in range(3):
        seen = []
        for length in ("4k", "8k", "32k", "128k"):
            _obs, info = env.reset(seed=seed, options={"length": length})
            assert env.task is not None and env.task.depth is None and "depth" not in info
            seen.append((env.task.meta["sample_id"], env.task.question, orjson.dumps(env.task.gold),
                         env.task.core_hash, env.task.length_tokens))
        assert len(set(seen)) == 1, seen  # a recorded conversation: length changes nothing
        assert env.task is not None and seen[0][1] == env.task.prompt and seen[0][3]
    env.reset(seed=0, options={"length": "4k"})
    first = env.task.core_hash if env.task else None
    env.reset(seed=1, options={"length": "4k"})
    assert env.task is not None and env.task.core_hash != first
