"""The registered environments. IDs never change within an env version; tool sets are fixed per ID.

Importing this package registers the built-in families with Gymnasium by name; each family's module is imported
when it is first used (``gym.make``, :func:`env_class`, :func:`families`). :func:`register_family` adds more.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from locogym.envs.registry import docs_page, env_class, env_ids, families, register_family, unregister_family

if TYPE_CHECKING:
    from locogym.envs.base import Budget, EpisodeListener, EpisodeMetadata, LocoEnv

# The base classes load Gymnasium's spaces, the tools and the sandboxes: only code that builds an env needs them.
_LAZY = {"Budget": "locogym.envs.base", "EpisodeListener": "locogym.envs.base",
         "EpisodeMetadata": "locogym.envs.base", "LocoEnv": "locogym.envs.base"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Budget", "EpisodeListener", "EpisodeMetadata", "LocoEnv", "docs_page", "env_class", "env_ids", "families",
           "register_family", "unregister_family"]
