"""Agents: model-backed (OpenAI, Anthropic, any OpenAI-compatible server) and baselines.

``make_agent("oracle")``, ``make_agent("openai/gpt-4o", temperature=0)``,
``make_agent("openai-compatible/llama3", base_url="http://localhost:8000/v1")``.
"""

from __future__ import annotations

import importlib
from typing import Any

from locogym.agents.base import Agent, BudgetExceeded
from locogym.agents.baselines import NoopAgent, OracleAgent, RandomAgent
from locogym.agents.heuristic import HeuristicAgent
from locogym.core.errors import ConfigError

BASELINES: dict[str, type[Agent]] = {
    "noop": NoopAgent,
    "random": RandomAgent,
    "oracle": OracleAgent,
    "heuristic": HeuristicAgent,
}

PROVIDERS: dict[str, str] = {
    "openai": "locogym.agents.openai_agent:OpenAIAgent",
    "openai-compatible": "locogym.agents.openai_agent:OpenAICompatibleAgent",
    "anthropic": "locogym.agents.anthropic_agent:AnthropicAgent",
}


def make_agent(spec: str, **kwargs: Any) -> Agent:
    """Build an agent from its name: a baseline, or ``PROVIDER/MODEL``.

    Raises:
        ConfigError: the name is neither a baseline nor ``provider/model`` with a known provider.
    """
    if spec in BASELINES:
        return BASELINES[spec](**kwargs)
    provider, sep, model = spec.partition("/")
    if not sep or not model:
        raise ConfigError(f"Unknown agent {spec!r}.",
                          fix=f"Use a baseline ({', '.join(BASELINES)}) or PROVIDER/MODEL with PROVIDER one of "
                              f"{', '.join(PROVIDERS)}, e.g. openai/gpt-4o.")
    if provider not in PROVIDERS:
        raise ConfigError(f"Unknown model provider {provider!r} in {spec!r}.",
                          fix=f"Use one of: {', '.join(PROVIDERS)}.")
    module_name, _, attr = PROVIDERS[provider].partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    return cls(model=model, **kwargs)


__all__ = ["Agent", "BudgetExceeded", "HeuristicAgent", "NoopAgent", "OracleAgent", "RandomAgent", "make_agent"]
