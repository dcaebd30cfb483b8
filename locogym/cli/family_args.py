"""What ``locogym envs ENV_ID`` lists: a family's ``gym.make`` arguments with their defaults and choices.

Arguments are read from the family's ``configure`` signature (and ``configure_source`` where a family delegates
its source arguments to it). Choices come from ``Literal`` annotations or, for families that validate a settings
table themselves, from the class's ``argument_choices`` / ``argument_defaults`` mappings. Nothing is constructed.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin, get_type_hints


@dataclass(frozen=True)
class FamilyArgument:
    name: str
    default: Any
    choices: tuple[Any, ...] = ()


def family_arguments(cls: type) -> list[FamilyArgument]:
    """The family's own arguments (the common ones, sandbox and budgets, are the env base class's)."""
    found: dict[str, FamilyArgument] = {}
    for hook in ("configure", "configure_source"):
        method = getattr(cls, hook, None)
        if method is None:
            continue
        try:
            hints = get_type_hints(method)
        except Exception:  # noqa: BLE001 - an unresolvable annotation only costs the choices
            hints = {}
        for name, param in inspect.signature(method).parameters.items():
            if name == "self" or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL) or name in found:
                continue
            default = None if param.default is inspect.Parameter.empty else param.default
            found[name] = FamilyArgument(name, default, _literal_choices(hints.get(name)))
    defaults: dict[str, Any] = getattr(cls, "argument_defaults", {}) or {}
    choices: dict[str, tuple[Any, ...]] = getattr(cls, "argument_choices", {}) or {}
    for name, default in defaults.items():
        found.setdefault(name, FamilyArgument(name, default, tuple(choices.get(name, ()))))
    return [found[name] for name in sorted(found)]


def _literal_choices(annotation: Any) -> tuple[Any, ...]:
    if annotation is None:
        return ()
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    return tuple(choice for arg in get_args(annotation) for choice in _literal_choices(arg))
