from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from locogym.core.types import (
    EpisodeScore,
    ModelUsage,
    ScenarioConfig,
    StepEvent,
    Task,
    ToolResult,
    ToolSpec,
    dumps,
    stable_hash,
    to_jsonable,
)
from locogym.tools.base import Submit


def test_model_usage_adds_every_field() -> None:
    a = ModelUsage(input=10, output=5, cache_read=3, cache_write=2, reasoning=1, cost_usd=0.5)
    b = ModelUsage(input=1, output=2, cache_read=3, cache_write=4, reasoning=5, cost_usd=0.25)
    total = a + b
    assert total == ModelUsage(input=11, output=7, cache_read=6, cache_write=6, reasoning=6, cost_usd=0.75)
    assert total.total_tokens == 18


def test_task_hash_covers_content_and_is_stable() -> None:
    task = Task(task_id="t", family="fixture", prompt="p", tool_names=["submit"], gold=1).with_hash()
    again = Task(task_id="t", family="fixture", prompt="p", tool_names=["submit"], gold=1).with_hash()
    other = Task(task_id="t", family="fixture", prompt="p!", tool_names=["submit"], gold=1).with_hash()
    assert task.content_hash == again.content_hash
    assert task.content_hash != other.content_hash
    assert len(task.content_hash) == 32


def test_scenario_seed_depends_on_every_field() -> None:
    base = ScenarioConfig(family="wiki", seed=1, length=8192)
    assert base.rng_seed() == ScenarioConfig(family="wiki", seed=1, length=8192).rng_seed()
    assert base.rng_seed() != ScenarioConfig(family="wiki", seed=2, length=8192).rng_seed()
    assert base.rng_seed() != ScenarioConfig(family="wiki", seed=1, length=8192, params={"mode": "x"}).rng_seed()


def test_records_reject_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        ToolResult(output="x", surprise=1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        EpisodeScore(success=1.5, outcome="x")


def test_stable_hash_ignores_key_order() -> None:
    assert stable_hash({"a": 1, "b": 2}) == stable_hash({"b": 2, "a": 1})
    assert dumps({"b": 1, "a": 2}) == b'{"a":2,"b":1}'


@pytest.mark.parametrize("value", [b"\x00\xff", float("nan"), object(), {"k": {"k": {"k": []}}}, 2**80, (1, "a")])
def test_raw_actions_always_record(value: object) -> None:
    step = StepEvent(index=0, action_raw=value, result=ToolResult(output=""))
    dumps(step)  # must serialise


def test_to_jsonable_cuts_deep_nesting() -> None:
    deep: list[object] = []
    cursor = deep
    for _ in range(5000):
        nxt: list[object] = []
        cursor.append(nxt)
        cursor = nxt
    out = to_jsonable(deep)
    assert "<nested too deep>" in dumps(out).decode()


def test_tool_specs_validate_against_the_sdk_types() -> None:
    from anthropic.types import ToolParam
    from openai.types.chat import ChatCompletionToolParam
    from openai.types.responses import FunctionToolParam

    spec = Submit.spec()
    TypeAdapter(ChatCompletionToolParam).validate_python(spec.to_openai(), strict=True)
    TypeAdapter(FunctionToolParam).validate_python({**spec.to_openai_responses(), "strict": False}, strict=True)
    TypeAdapter(ToolParam).validate_python(spec.to_anthropic(), strict=True)
    assert spec.parameters["type"] == "object"
    assert ToolSpec.model_validate(spec.model_dump()) == spec
