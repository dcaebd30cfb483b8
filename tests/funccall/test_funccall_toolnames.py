"""A ComplexFuncBench function whose name has parentheses, end to end through the OpenAI and Anthropic agents."""

from __future__ import annotations

from pathlib import Path

import pytest

from locogym import run_episode
from locogym.agents.toolnames import VALID_NAME
from locogym.testing import PROTOCOLS, TEST_KEY, Call, RecordedRequest, Reply, ScriptedServer, agent_for
from tests.funccall.funccall_support import make

DATA = f"complexfuncbench:{Path(__file__).parent / 'data' / 'complexfuncbench_sample.jsonl'}"
REVIEWS = "Get_Hotel_Reviews(Tips)"
ROOMS = {"hotel_id": 7781, "arrival_date": "2024-12-01", "departure_date": "2024-12-03"}


def _reviews_wire_name(request: RecordedRequest) -> str:
    assert all(VALID_NAME.match(n) for n in request.tool_names), request.tool_names
    return next(n for n in request.tool_names if n.startswith("Get_Hotel_Reviews"))


def _rooms_and_reviews(request: RecordedRequest) -> Reply:
    return Reply.parallel(Call("Get_Room_List", ROOMS),
                          Call(_reviews_wire_name(request), {"hotel_id": 7781, "sort_option_id": "sort_recent_desc"}))


def _policies(request: RecordedRequest) -> Reply:
    assert _reviews_wire_name(request) in request.text()  # the history speaks the name the model used
    return Reply.call("Get_Hotel_Policies", {"hotel_id": 7781})


@pytest.mark.parametrize("protocol", [p for p in PROTOCOLS if p != "openai-compatible"])
def test_a_name_with_parentheses_is_sent_valid_and_mapped_back(protocol: str) -> None:
    script = [_rooms_and_reviews, _policies, Reply.call("submit", {"answer": "Pets are not allowed."})]
    with ScriptedServer(script, api_key=TEST_KEY) as server:
        traj = run_episode(make(data=DATA), agent_for(server, protocol), seed=0, options={"task": "Hotels-19"})
        assert server.requests and all(REVIEWS not in r.tool_names for r in server.requests)
    names = [s.call.name for s in traj.steps if s.call is not None]
    assert names == ["Get_Room_List", REVIEWS, "Get_Hotel_Policies", "submit"]
    assert traj.steps[1].result.error is None and "Lovely stay" in traj.steps[1].result.output
    assert traj.score is not None and traj.score.success == 1.0 and traj.score.labels["fc.cfb_verdict"] == "success"
