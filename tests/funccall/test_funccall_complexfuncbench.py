"""Replaying ComplexFuncBench samples: the small hand-written file in the published layout."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from gymnasium.utils.env_checker import check_env

from locogym import make_agent, run_episode
from locogym.core.errors import DataError
from locogym.core.types import ToolCall
from tests.funccall.funccall_support import make, play

SAMPLE = Path(__file__).parent / "data" / "complexfuncbench_sample.jsonl"
DATA = f"complexfuncbench:{SAMPLE}"


def test_the_replay_env_passes_the_contract_with_the_file_functions_as_tools() -> None:
    env = make(data=DATA)
    check_env(env)
    _obs, info = env.reset(seed=0)
    names = {t["name"] for t in info["tools"]}
    assert names == {"Search_Hotel_Destination", "Search_Hotels", "Search_Flight_Location", "Search_Flights",
                     "Taxi_Search_Location", "Search_Taxi", "submit"}
    hotels = next(t for t in info["tools"] if t["name"] == "Search_Hotels")
    assert hotels["parameters"]["required"] == ["dest_id", "search_type", "arrival_date", "departure_date"]


@pytest.mark.parametrize("seed", [0, 1])
def test_the_recorded_path_scores_one_and_noop_zero(seed: int) -> None:
    env = make(data=DATA)
    oracle = run_episode(env, make_agent("oracle"), seed=seed)
    assert oracle.score is not None and oracle.score.success == 1.0
    assert oracle.score.metrics["fc.call_accuracy"] == 1.0
    noop = run_episode(env, make_agent("noop"), seed=seed)
    assert noop.score is not None and noop.score.success == 0.0


def test_parallel_calls_replay_in_any_order_and_lookups_are_optional() -> None:
    env = make(data=DATA)
    env.reset(seed=0, options={"task": "Cross-42"})
    assert env.task is not None and env.task.meta["parallel_groups"] == [[0, 1], [3, 4]]
    calls = [c for c in env.task.oracle_plan if c.name in ("Search_Flights", "Search_Taxi")]
    # no look-ups, the dates respelled, then an unrecorded call
    respelled = calls[1].model_copy(deep=True)
    respelled.arguments["pick_up_date"] = "November 12, 2024"
    traj = play(env, [calls[0], respelled,
                      ToolCall(name="Search_Taxi", arguments={**calls[1].arguments, "pick_up_time": "11:30"}),
                      ToolCall(name="submit", arguments={"answer": "56.20 EUR"})])
    assert traj.steps[1].result.error is None and "56.20" in traj.steps[1].result.output
    assert traj.steps[2].result.error.value == "api_error" and traj.steps[2].annotations["wrong"]
    assert traj.score.success == 1.0


def test_a_partial_path_gets_partial_call_accuracy_and_bad_calls_are_labelled() -> None:
    env = make(data=DATA)
    env.reset(seed=0, options={"task": "Cross-42"})
    flights = next(c for c in env.task.oracle_plan if c.name == "Search_Flights")
    traj = play(env, [{"name": "Search_Flights", "arguments": {"fromId": "BER.AIRPORT"}},
                      {"name": "Book_Everything", "arguments": {}}, flights,
                      ToolCall(name="submit", arguments={"answer": "no idea"})])
    assert [s.annotations.get("error_label") for s in traj.steps[:2]] == ["missing_parameter", "hallucinated_function"]
    assert traj.score.success == 0.5 and traj.score.outcome == "partial"


def test_malformed_files_name_the_line_and_the_field(tmp_path: Path) -> None:
    good = SAMPLE.read_text().splitlines()
    record = orjson.loads(good[1])
    record["conversations"][2]["content"] = record["conversations"][2]["content"][:1]  # one response for two calls
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good[0] + "\n" + orjson.dumps(record).decode() + "\n")
    with pytest.raises(DataError) as info:
        make(data=f"complexfuncbench:{bad}")
    assert "line 2" in str(info.value) and "conversations[2].content" in str(info.value)
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n")
    with pytest.raises(DataError, match="line 1"):
        make(data=f"complexfuncbench:{broken}")
