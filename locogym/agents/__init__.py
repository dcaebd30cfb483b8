"""Agents: model-backed (OpenAI, Anthropic, any OpenAI-compatible server) and baselines.

``make_agent("oracle")``, ``make_agent("openai/gpt-4o", temperature=0)``,
``make_agent("openai-compatible/llama3", base_url="http://localhost:8000/v1")``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from locogym.agents.abstain import AbstainAgent
from locogym.agents.base import Agent, BudgetExceeded
from locogym.agents.baselines import NoopAgent, OracleAgent, RandomAgent
from locogym.agents.grep import GrepAgent
from locogym.agents.heuristic import HeuristicAgent
from locogym.core.errors import ConfigError

BASELINES: dict[str, type[Agent]] = {
    "noop": NoopAgent,
    "random": RandomAgent,
    "oracle": OracleAgent,
    "heuristic": HeuristicAgent,
    "grep": GrepAgent,
    "abstain": AbstainAgent,
}

PROVIDERS: dict[str, str] = {
    "openai": "locogym.agents.openai_agent:OpenAIAgent",
    "openai-compatible": "locogym.agents.openai_agent:OpenAICompatibleAgent",
    "anthropic": "locogym.agents.anthropic_agent:AnthropicAgent",
}



def make_agent(spec: str, **kwargs: Any) -> Agent:
    """Build an agent from its name: a baseline, or ``PROVIDER/MODEL``.

    Raises:
        ConfigError: the name is neither a baseline nor ``provider/model`` with a known provider, or a keyword
            argument is not one the agent takes.
    """
    cls = agent_class(spec)
    check_agent_arguments(spec, kwargs)
    if spec in BASELINES:
        return cls(**kwargs)
    model_agent: Callable[..., Agent] = cls  # provider agents take the model name besides the base arguments
    return model_agent(model=spec.partition("/")[2], **kwargs)


def agent_class(spec: str) -> type[Agent]:
    """The class behind an agent name (imports a provider's SDK only when its agent is asked for).

    Raises:
        ConfigError: the name is neither a baseline nor ``provider/model`` with a known provider.
    """
    if spec in BASELINES:
        return BASELINES[spec]
    provider, sep, model = spec.partition("/")
    if not sep or not model:
        raise ConfigError(f"Unknown agent {spec!r}.",
                          fix=f"Use a baseline ({', '.join(BASELINES)}) or PROVIDER/MODEL with PROVIDER one of "
                              f"{', '.join(PROVIDERS)}, e.g. openai/gpt-4o.")
    if provider not in PROVIDERS:
        raise ConfigError(f"Unknown model provider {provider!r} in {spec!r}.",
                          fix=f"Use one of: {', '.join(PROVIDERS)}.")
    module_name, _, attr = PROVIDERS[provider].partition(":")
    cls: type[Agent] = getattr(importlib.import_module(module_name), attr)
    return cls


def agent_arguments(spec: str) -> set[str]:
    """The keyword arguments the agent behind ``spec`` takes, following ``**kwargs`` up to the class that finally
    names them (a provider agent passes its settings on to :class:`~locogym.agents.model_agent.ModelAgent`).

    Raises:
        ConfigError: the name is neither a baseline nor ``provider/model`` with a known provider.
    """
    accepted: set[str] = set()
    for klass in agent_class(spec).__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        accepted |= {p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return accepted - {"self", "model"}


def check_agent_arguments(spec: str, kwargs: Mapping[str, Any]) -> None:
    """Refuse keyword arguments the agent does not take before anything runs: a misspelt ``temprature`` in a
    tournament file would otherwise surface as a TypeError in every one of its episodes.

    Raises:
        ConfigError: an unknown argument; the message lists the ones the agent takes.
    """
    accepted = agent_arguments(spec)
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        takes = f"It takes: {', '.join(sorted(accepted))}." if accepted else "It takes none."
        raise ConfigError(f"Agent {spec!r} takes no argument(s) {unknown}.",
                          fix=f"{takes} See docs/agents.md.")


__all__ = ["AbstainAgent", "Agent", "BudgetExceeded", "GrepAgent", "HeuristicAgent", "NoopAgent", "OracleAgent",
           "RandomAgent", "agent_arguments", "agent_class", "check_agent_arguments", "make_agent"]
