"""Provider keys, checked before a run starts: an episode must never begin only to fail on a missing key.

A model agent is built from its spec and settings (no request is made) and asked whether it has a key; the
answer names the environment variable to set. Baselines need none.
"""

from __future__ import annotations

from collections.abc import Iterable

from locogym.core.errors import ConfigError
from locogym.harness.schedule import BASELINE_AGENTS, AgentEntry


def missing_keys(agents: Iterable[AgentEntry]) -> list[str]:
    """One sentence per model agent without a key, naming the variable to set (empty when all is well)."""
    from locogym.agents import make_agent

    missing = []
    for entry in agents:
        if entry.spec in BASELINE_AGENTS:
            continue
        agent = make_agent(entry.spec, **entry.settings)
        has_key = getattr(agent, "has_key", None)
        if callable(has_key) and not has_key():
            variable = getattr(agent, "key_env", None)
            missing.append(f"{entry.name} has no API key" + (f" (set {variable})" if variable else ""))
    return missing


def require_keys(agents: Iterable[AgentEntry]) -> None:
    """Raise before anything runs when a model agent has no key.

    Raises:
        ConfigError: naming every agent without a key and the variable each one reads.
    """
    missing = missing_keys(agents)
    if missing:
        raise ConfigError("Missing provider keys: " + "; ".join(missing) + ". Nothing was run.",
                          fix="Export the named variables (or pass api_key in the agent's settings), then run "
                              "the same command again.")
