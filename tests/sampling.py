"""The slow tier samples the widest test matrices so that CI stays under its time limit; ``LOCOGYM_FULL_MATRIX=1``
runs every cell (the bar a change to a grader or a generator must pass before it is resolved).

A sample keeps every row and every column of a matrix: each attack, style or seed appears, each with another
companion, so a failure that depends on one value alone is still caught in CI.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")

FULL = os.environ.get("LOCOGYM_FULL_MATRIX") == "1"


def diagonal(rows: Sequence[T], columns: Sequence[U]) -> list[tuple[T, U]]:
    """Every (row, column) pair with the full matrix; else each row once, paired with the columns in turn."""
    if FULL:
        return [(row, column) for row in rows for column in columns]
    return [(row, columns[i % len(columns)]) for i, row in enumerate(rows)]


def every(items: Sequence[T], step: int) -> list[T]:
    """All items with the full matrix; else every ``step``-th one, the first included."""
    return list(items) if FULL else list(items[::step])
