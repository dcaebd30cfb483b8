"""Length as a controlled variable: a task is a *core* plus a *context*.

The core is what a task asks and what answers it: the question, the gold, the evidence the answer rests on, the
defects or requirements, and the depth at which the evidence sits. It is drawn from the seed and every option but
``length`` (and ``depth``, which only places it). The context is what grows with ``length``: distractor files and
modules, haystack documents, padded catalogs and responses, benign edits. It comes from its own seeded stream and
never changes the gold; a generator recomputes the gold on the full context and rejects a fill that moves it.

So the same seed is the same task at every length, and :func:`core_hash` names it: a length curve compares a task
with itself, and reports pair their statistics over tasks that share a core hash.

Depth is a second controlled axis: a fraction in [0, 1] (``"start"`` = 0, ``"middle"`` = 0.5, ``"end"`` = 1) of
how far into the context the needed evidence sits. Left unset, it is drawn from the core's seed, so it too is the
same at every length (:func:`locogym.core.types.drawn_depth`).
"""

from __future__ import annotations

from typing import Any

from locogym.core.errors import ConfigError, TaskRefused
from locogym.core.types import ScenarioConfig, stable_hash

DEPTH_NAMES = {"start": 0.0, "middle": 0.5, "end": 1.0}
DEPTH_BINS = (("start", 1 / 3), ("middle", 2 / 3), ("end", 1.0))  # (name, upper bound) for reports


def parse_depth(value: Any) -> float | None:
    """A depth option as a fraction in [0, 1]; ``None`` stays ``None`` (drawn from the seed).

    Raises:
        ConfigError: anything but start, middle, end or a number from 0 to 1.
    """
    if value is None:
        return None
    number: Any = value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in DEPTH_NAMES:
            return DEPTH_NAMES[text]
        try:
            number = float(text)
        except ValueError:
            number = None
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0.0 <= float(number) <= 1.0:
        raise ConfigError(f"depth={value!r} is not a depth.",
                          fix='Use "start", "middle", "end" or a fraction from 0 (start) to 1 (end), e.g. 0.25.')
    return round(float(number), 4)


def depth_bin(depth: float | None) -> str:
    """``start``, ``middle`` or ``end`` for a depth fraction (thirds of the context); ``unknown`` for None."""
    if depth is None:
        return "unknown"
    for name, upper in DEPTH_BINS:
        if depth <= upper:
            return name
    return "end"


def place(depth: float, slots: int) -> int:
    """The index, among ``slots`` positions, at which evidence at ``depth`` sits (0 = first, slots-1 = last)."""
    if slots <= 0:
        raise ValueError("place() needs at least one slot.")
    return min(slots - 1, max(0, round(depth * (slots - 1))))


def core_hash(config: ScenarioConfig, core: Any) -> str:
    """The name of a task's core: a digest of its core record (question, gold, evidence identity, defects or
    requirements, depth), which must hold nothing that depends on ``length``.

    The core's seed is mixed in, so the hash (shown to agents in ``info``) cannot be matched against guessed
    answers without the seed; under a seed salt it names no seed at all.
    """
    return stable_hash({"family": config.family, "seed": config.core_seed(), "core": core}, 32)


def too_short(length: int, needed: int, what: str, fix: str | None = None) -> TaskRefused:
    """The error for a length that cannot hold a task's core: it is refused, never swapped for another task."""
    return TaskRefused(
        f"length={length:,} tokens cannot hold this task's core ({what} needs {needed:,} tokens).",
        fix=fix or f"Use a length of at least {needed:,} tokens, or another seed.")
