"""The registered environments. IDs never change within an env version; tool sets are fixed per ID.

Importing this package registers the built-in families with Gymnasium; :func:`register_family` adds more.
"""

from __future__ import annotations

from locogym.envs.base import Budget, EpisodeListener, EpisodeMetadata, LocoEnv
from locogym.envs.funccall import FuncCallEnv
from locogym.envs.registry import docs_page, env_class, env_ids, families, register_family, unregister_family
from locogym.envs.repo import RepoEnv
from locogym.envs.repo_patch import RepoPatchEnv
from locogym.envs.repo_review import RepoReviewEnv
from locogym.envs.wiki import WikiHopEnv

for _family in (RepoEnv, RepoPatchEnv, RepoReviewEnv, WikiHopEnv, FuncCallEnv):
    register_family(_family)

__all__ = ["Budget", "EpisodeListener", "EpisodeMetadata", "LocoEnv", "docs_page", "env_class", "env_ids", "families",
           "register_family", "unregister_family"]
