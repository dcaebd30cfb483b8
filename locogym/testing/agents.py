"""Model agents wired to a :class:`~locogym.testing.server.ScriptedServer`, for tests and benchmarks.

``agent_for(server, "anthropic")`` is an :class:`~locogym.agents.anthropic_agent.AnthropicAgent` that talks to
the scripted server with a test key, no response cache and millisecond retry waits, so a test of a 500-then-OK
script takes no time. Any keyword overrides those defaults (``cache=tmp_path``, ``context="summarize:4k"``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from locogym.testing.server import ScriptedServer

if TYPE_CHECKING:
    from locogym.agents.model_agent import ModelAgent

TEST_KEY = "test-key"
PROTOCOLS = ("openai-chat", "openai-responses", "anthropic", "openai-compatible")


def agent_for(server: ScriptedServer, protocol: str = "openai-chat", model: str = "scripted-model",
              **kwargs: Any) -> ModelAgent:
    """A model agent of ``protocol`` (one of :data:`PROTOCOLS`) pointed at ``server``."""
    from locogym.agents import make_agent
    from locogym.agents.retry import RetryPolicy

    if protocol not in PROTOCOLS:
        raise ValueError(f"Unknown protocol {protocol!r}; use one of {', '.join(PROTOCOLS)}.")
    options: dict[str, Any] = {"api_key": TEST_KEY, "cache": False,
                               "retry": RetryPolicy(base_delay=0.001, max_delay=0.01, seed=0)}
    if protocol == "anthropic":
        spec, options["base_url"] = f"anthropic/{model}", server.anthropic_base_url
    elif protocol == "openai-compatible":
        spec, options["base_url"] = f"openai-compatible/{model}", server.openai_base_url
    else:
        spec, options["base_url"] = f"openai/{model}", server.openai_base_url
        options["api"] = "responses" if protocol == "openai-responses" else "chat"
    options.update(kwargs)
    agent = make_agent(spec, **options)
    return agent  # type: ignore[return-value]
