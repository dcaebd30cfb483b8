"""The one place a family is registered: every list of ids, the ``locogym envs`` table, the preset tournament, the
heuristic baseline's policies and the package's own tests are derived from it.

A family is a :class:`~locogym.envs.base.LocoEnv` subclass that declares what it is (``env_id``, ``family``,
``summary``, its options, whether its tasks execute commands, its heuristic policy, its docs page).
:func:`register_family` makes it a Gymnasium id; a family written in a user's own module registers the same way::

    import locogym
    locogym.register_family(MyEnv)      # then gym.make("My-Env-v0"), locogym run, tournaments with --import

The built-in families are registered by name (``module:Class``) and imported on first use: listing the ids, or
reporting a missing API key, then costs no family module (their parsers, corpora and sandboxes take a second to
import), while ``gym.make`` and :func:`env_class` load the class they need. Gymnasium itself (with numpy, a third
of a second) is not imported for the registration either: the ids join its registry the moment it is imported,
before or after locogym, so ``import locogym, gymnasium; gymnasium.make("LoCo-Repo-v0")`` works in either order.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from locogym.core.errors import ConfigError

if TYPE_CHECKING:
    from locogym.envs.base import LocoEnv

# The built-in families, in the order every table lists them. Each id must equal its class's ``env_id`` (a test
# imports every one and checks).
BUILTIN_FAMILIES: dict[str, str] = {
    "LoCo-Repo-v0": "locogym.envs.repo:RepoEnv",
    "LoCo-RepoPatch-v0": "locogym.envs.repo_patch:RepoPatchEnv",
    "LoCo-RepoReview-v0": "locogym.envs.repo_review:RepoReviewEnv",
    "LoCo-WikiHop-v0": "locogym.envs.wiki:WikiHopEnv",
    "LoCo-FuncCall-v0": "locogym.envs.funccall:FuncCallEnv",
}

# id -> the class, or the ``module:Class`` name of a built-in not imported yet
_FAMILIES: dict[str, type[LocoEnv] | str] = {}
EnvT = TypeVar("EnvT", bound="type[LocoEnv]")


def register_family(env_cls: EnvT) -> EnvT:
    """Register ``env_cls`` under its ``env_id`` (usable as a class decorator; registering twice is a no-op).

    Raises:
        ConfigError: the class is not a LocoEnv, leaves ``env_id``/``family``/``summary`` empty, or its id is
            taken by another class.
    """
    from locogym.envs.base import LocoEnv

    if not (isinstance(env_cls, type) and issubclass(env_cls, LocoEnv)):
        raise ConfigError(f"{env_cls!r} is not a LocoEnv subclass.",
                          fix="Subclass locogym.LocoEnv and implement build_tools, generate and grade.")
    missing = [name for name in ("env_id", "family", "summary") if not getattr(env_cls, name, "")]
    if missing:
        raise ConfigError(f"{env_cls.__name__} does not declare {', '.join(missing)}.",
                          fix='Set them as class attributes, e.g. env_id = "My-Env-v0", family = "mine", '
                              'summary = "What the env measures, in one line."')
    env_id = env_cls.env_id
    known = _FAMILIES.get(env_id)
    if known is not None and not _same_class(known, env_cls):
        raise ConfigError(f"{env_id} is already registered by {_name(known)}.",
                          fix="Give the new family its own env_id (ids never change meaning).")
    _FAMILIES[env_id] = env_cls
    import gymnasium as gym

    if env_id not in gym.registry:
        # A class in an importable module is registered by name, so vector envs and worker processes can load
        # it; one defined in a script (``__main__``) by the class itself.
        entry: Any = _qualified(env_cls) if env_cls.__module__ != "__main__" else env_cls
        # Gymnasium's passive checker stays off: the full check_env runs in check_family, and the passive wrapper
        # turns the step after a failed reset into a TypeError instead of the ConfigError the user must see.
        gym.register(id=env_id, entry_point=entry, nondeterministic=False, disable_env_checker=True)
    return env_cls


def unregister_family(env_id: str) -> None:
    """Remove a family again (for tests that define one: later tests then see only the families they expect)."""
    _FAMILIES.pop(env_id, None)
    gymnasium = sys.modules.get("gymnasium")
    if gymnasium is not None:
        gymnasium.registry.pop(env_id, None)


def families() -> dict[str, type[LocoEnv]]:
    """Every registered family by id, in registration order (the built-ins first); imports the built-ins."""
    return {env_id: env_class(env_id) for env_id in list(_FAMILIES)}


def env_ids() -> tuple[str, ...]:
    """The registered ids, in registration order."""
    return tuple(_FAMILIES)


def env_class(env_id: str) -> type[LocoEnv]:
    """The class behind a registered id, without constructing it (so no sandbox or data is touched).

    Raises:
        ConfigError: the id is not registered; the message lists the ids that are.
    """
    try:
        entry = _FAMILIES[env_id]
    except KeyError:
        raise ConfigError(f"Unknown environment {env_id!r}.",
                          fix=f"Use one of {', '.join(_FAMILIES)} (see `locogym envs`), or import the module that "
                              "registers it (--import MODULE).") from None
    if isinstance(entry, str):
        module, _, name = entry.partition(":")
        entry = getattr(importlib.import_module(module), name)
        if entry.env_id != env_id:
            raise ConfigError(f"{_qualified(entry)} declares env_id {entry.env_id!r}, registered as {env_id!r}.",
                              fix="Make BUILTIN_FAMILIES in locogym/envs/registry.py name each class by its env_id.")
        _FAMILIES[env_id] = entry
    return entry


def docs_page(env_cls: type[LocoEnv]) -> str:
    """Where the family's page is: its declared ``docs_page`` or ``docs/envs/<env_id>.md``."""
    return env_cls.docs_page or f"docs/envs/{env_cls.env_id}.md"


def _same_class(a: type[LocoEnv] | str, b: type[LocoEnv]) -> bool:
    """One class, possibly imported twice under two module names (``tests.x`` and ``x`` by a test runner), or a
    built-in registered by name before its module was imported."""
    if isinstance(a, str):
        return a == _qualified(b)
    return a is b or (a.__qualname__ == b.__qualname__
                      and a.__module__.rsplit(".", 1)[-1] == b.__module__.rsplit(".", 1)[-1])


def _qualified(env_cls: type[LocoEnv]) -> str:
    return f"{env_cls.__module__}:{env_cls.__qualname__}"


def _name(entry: type[LocoEnv] | str) -> str:
    return entry if isinstance(entry, str) else _qualified(entry)


def _register_with_gymnasium() -> None:
    """Give Gymnasium every built-in id it lacks (the classes stay unimported: entry points are names)."""
    import gymnasium as gym

    for env_id, target in BUILTIN_FAMILIES.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=target, nondeterministic=False, disable_env_checker=True)


class _WhenGymnasiumLoads(importlib.abc.MetaPathFinder):
    """Registers the built-ins right after Gymnasium's own ``__init__`` has run, then steps out of the way."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "gymnasium":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            load = spec.loader.exec_module

            def exec_then_register(module: ModuleType) -> None:
                load(module)
                _register_with_gymnasium()

            spec.loader.exec_module = exec_then_register  # type: ignore[method-assign]
        return spec


for _env_id, _target in BUILTIN_FAMILIES.items():
    _FAMILIES.setdefault(_env_id, _target)
if "gymnasium" in sys.modules:
    _register_with_gymnasium()
elif not any(isinstance(finder, _WhenGymnasiumLoads) for finder in sys.meta_path):
    sys.meta_path.insert(0, _WhenGymnasiumLoads())


__all__ = ["BUILTIN_FAMILIES", "docs_page", "env_class", "env_ids", "families", "register_family", "unregister_family"]
