"""The one place a family is registered: every list of ids, the ``locogym envs`` table, the preset tournament, the
heuristic baseline's policies and the package's own tests are derived from it.

A family is a :class:`~locogym.envs.base.LocoEnv` subclass that declares what it is (``env_id``, ``family``,
``summary``, its options, whether its tasks execute commands, its heuristic policy, its docs page).
:func:`register_family` makes it a Gymnasium id; a family written in a user's own module registers the same way::

    import locogym
    locogym.register_family(MyEnv)      # then gym.make("My-Env-v0"), locogym run, tournaments with --import
"""

from __future__ import annotations

from typing import Any, TypeVar

import gymnasium as gym

from locogym.core.errors import ConfigError
from locogym.envs.base import LocoEnv

_FAMILIES: dict[str, type[LocoEnv]] = {}
EnvT = TypeVar("EnvT", bound=type[LocoEnv])


def register_family(env_cls: EnvT) -> EnvT:
    """Register ``env_cls`` under its ``env_id`` (usable as a class decorator; registering twice is a no-op).

    Raises:
        ConfigError: the class is not a LocoEnv, leaves ``env_id``/``family``/``summary`` empty, or its id is
            taken by another class.
    """
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
        raise ConfigError(f"{env_id} is already registered by {_qualified(known)}.",
                          fix="Give the new family its own env_id (ids never change meaning).")
    _FAMILIES[env_id] = env_cls
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
    gym.registry.pop(env_id, None)


def families() -> dict[str, type[LocoEnv]]:
    """Every registered family by id, in registration order (the built-ins first)."""
    return dict(_FAMILIES)


def env_ids() -> tuple[str, ...]:
    """The registered ids, in registration order."""
    return tuple(_FAMILIES)


def env_class(env_id: str) -> type[LocoEnv]:
    """The class behind a registered id, without constructing it (so no sandbox or data is touched).

    Raises:
        ConfigError: the id is not registered; the message lists the ids that are.
    """
    try:
        return _FAMILIES[env_id]
    except KeyError:
        raise ConfigError(f"Unknown environment {env_id!r}.",
                          fix=f"Use one of {', '.join(_FAMILIES)} (see `locogym envs`), or import the module that "
                              "registers it (--import MODULE).") from None


def docs_page(env_cls: type[LocoEnv]) -> str:
    """Where the family's page is: its declared ``docs_page`` or ``docs/envs/<env_id>.md``."""
    return env_cls.docs_page or f"docs/envs/{env_cls.env_id}.md"


def _same_class(a: type[LocoEnv], b: type[LocoEnv]) -> bool:
    """One class, possibly imported twice under two module names (``tests.x`` and ``x`` by a test runner)."""
    return a is b or (a.__qualname__ == b.__qualname__
                      and a.__module__.rsplit(".", 1)[-1] == b.__module__.rsplit(".", 1)[-1])


def _qualified(env_cls: type[LocoEnv]) -> str:
    return f"{env_cls.__module__}:{env_cls.__qualname__}"


__all__ = ["docs_page", "env_class", "env_ids", "families", "register_family", "unregister_family"]
