"""The ``locogym`` command: a thin layer over the harness, one module per command group."""

from __future__ import annotations

from locogym.cli.app import app, main
from locogym.cli.args import parse_env_args
from locogym.cli.episodes import envs_table

__all__ = ["app", "envs_table", "main", "parse_env_args"]
