"""Help text that reads like a person wrote it: value names such as ``FILE`` or ``N`` instead of type tags.

Typer's rich help prints each option's Python type (``<bool>``, ``<str>``, ``<list[str]>``) in a column of its
own. :class:`HumaneGroup` gives every option that has no value name of its own one taken from its type and name
(a flag gets none, since it takes no value), so ``--help`` shows ``--out PATH`` and ``--dry-run`` instead.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

# Value names by the type an option converts to; text options are named after the option itself.
_TYPE_NAMES = {"int": "N", "integer": "N", "float": "NUMBER", "path": "PATH", "datetime": "DATE"}


def value_name(param: Any) -> str:
    """The word shown after an option in ``--help``: empty for a flag, else a short upper-case noun."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    descriptor = getattr(param, "type_descriptor", None)  # typer's own type description (newer typer)
    if descriptor is not None:
        choices = list(descriptor.choices or ()) if descriptor.is_choice else []
        type_name = param.bare_type()
    else:  # click's type object (older typer)
        choices = list(getattr(param.type, "choices", None) or ())
        type_name = getattr(param.type, "name", "")
    if choices:
        return "|".join(str(getattr(choice, "value", choice)) for choice in choices)
    bare = type_name.removeprefix("list[").removesuffix("]").split(" ")[0].lower()
    return _TYPE_NAMES.get(bare, (param.name or "value").upper())


def humanise(command: Any) -> Any:
    """Give every option of ``command`` (``--help`` included) without a value name one from :func:`value_name`."""
    for param in command.params:
        kind = getattr(param, "param_type_name", "")
        if kind == "option" and param.metavar is None:
            param.metavar = value_name(param)
        elif kind == "argument" and hasattr(param, "display_type_rich"):
            param.display_type_rich = _no_type  # the argument's own name (ENV_ID, RUN_DIR) already says it
            if param.metavar is None and param.name:
                param.metavar = param.name.upper()
    if not getattr(command, "_humane_help", False):
        make_help_option = command.get_help_option

        def help_option(ctx: Any) -> Any:
            option = make_help_option(ctx)
            if option is not None and option.metavar is None:
                option.metavar = ""
            return option

        command.get_help_option = help_option
        command._humane_help = True
    return command


def _no_type(ctx: Any) -> None:
    return None


class HumaneGroup(TyperGroup):
    """The root command group: its own options and every subcommand's get human value names."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        humanise(self)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            humanise(command)
            for sub in getattr(command, "commands", {}).values():  # a command group's own subcommands
                humanise(sub)
        return command
