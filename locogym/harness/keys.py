"""Provider keys, checked before a run starts: an episode must never begin only to fail on a missing key.

The check reads the environment and the agents' settings only: it imports no provider SDK (those take seconds to
load), so a forgotten key is reported at once. Baselines and OpenAI-compatible servers need no key.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from locogym.core.errors import ConfigError
from locogym.core.providers import REQUIRED_KEYS
from locogym.harness.schedule import AgentEntry


def missing_keys(agents: Iterable[AgentEntry]) -> list[str]:
    """One sentence per model agent without a key, naming the variable to set (empty when all is well)."""
    missing = []
    for entry in agents:
        variable = REQUIRED_KEYS.get(entry.spec.partition("/")[0])
        if variable and not entry.settings.get("api_key") and not os.environ.get(variable):
            missing.append(f"{entry.name} has no API key (set {variable})")
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
