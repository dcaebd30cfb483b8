"""The base of every tool's argument model: strict pydantic models whose JSON Schema is the tool's parameters.

It sits in ``core`` because scenarios declare the argument models of their simulated APIs (the function-calling
world validates its own calls with them) while ``tools`` wraps those APIs as tools.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ToolArgs(BaseModel):
    """Base for argument models: unknown arguments, and numbers that are not finite (``inf``, ``nan``), are errors
    the agent is told about."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class NoArgs(ToolArgs):
    """A tool that takes no arguments."""


__all__ = ["NoArgs", "ToolArgs"]
