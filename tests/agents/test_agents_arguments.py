"""make_agent refuses keyword arguments an agent does not take with a ConfigError that lists the ones it does."""

from __future__ import annotations

from typing import Any

import pytest

from locogym.agents import make_agent
from locogym.core.errors import ConfigError


@pytest.mark.parametrize(("spec", "kwargs", "words"), [
    ("noop", {"base_url": "http://localhost:8000/v1"},
     "Agent 'noop' takes no argument(s) ['base_url']. Fix: It takes none."),
    ("random", {"sed": 1}, "Fix: It takes: invalid_rate, seed."),
    ("openai/gpt-4o", {"temprature": 0}, "['temprature']"),
    ("anthropic/claude-sonnet-4", {"api": "responses"}, "['api']"),
])
def test_unknown_arguments_are_a_config_error(spec: str, kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_agent(spec, **kwargs)
    assert words in str(caught.value)


def test_arguments_of_the_base_class_pass_through_subclasses() -> None:
    agent = make_agent("openai/gpt-4o", api="responses", temperature=0, max_tokens=256, seed=1)
    assert agent.settings["temperature"] == 0 and agent.settings["max_tokens"] == 256
    assert make_agent("openai-compatible/qwen", base_url="http://localhost:8000/v1").name == "openai-compatible/qwen"
    assert make_agent("random", seed=1).name == "random"
