"""Length control: the working set of files a task exposes, within 5% of the target length, and its reading order.

A task at ``length=L`` exposes files whose measured token total (cl100k_base) lies in ``[0.95 L, 1.05 L]``. The
files a question needs are always in; the rest of the set is filled with the code base's other files — real
distractors — in a seeded order, skipping any that would overshoot. The order of files in the ``full`` context
puts each needed file at a recorded depth (the share of tokens before it), so results can be read against depth.
"""

from __future__ import annotations

import random

from locogym.core import tokens
from locogym.core.errors import ConfigError

TOLERANCE = 0.05


def file_tokens(files: dict[str, str]) -> dict[str, int]:
    """Token count of every file (cached by content in :mod:`locogym.core.tokens`)."""
    return {path: tokens.count(text) for path, text in files.items()}


def within(total: int, target: int, tolerance: float = TOLERANCE) -> bool:
    return abs(total - target) <= tolerance * target


def select(sizes: dict[str, int], target: int, required: list[str], rng: random.Random,
           tolerance: float = TOLERANCE) -> list[str] | None:
    """Paths whose total is within ``tolerance`` of ``target``, including ``required`` (``None`` if impossible).

    Distractors are tried in a seeded order; one that would overshoot is skipped, so small files fill the last gap.
    """
    low, high = target * (1 - tolerance), target * (1 + tolerance)
    chosen = list(dict.fromkeys(required))
    total = sum(sizes[p] for p in chosen)
    if total > high:
        return None
    others = sorted(p for p in sizes if p not in set(chosen))
    rng.shuffle(others)
    for path in others:
        if total >= low:
            break
        if total + sizes[path] <= high:
            chosen.append(path)
            total += sizes[path]
    return sorted(chosen) if low <= total <= high else None


SMALLEST_LENGTH = 4096  # the repo envs accept lengths from 4k


def check_source_size(sizes: dict[str, int], target: int, name: str) -> None:
    """Raise a clear error when a source is too small for the requested length."""
    total = sum(sizes.values())
    if total < target * (1 - TOLERANCE):
        most = int(total / (1 - TOLERANCE) * 0.999)
        shorter = f"Ask for length <= {most:,}, or use" if most >= SMALLEST_LENGTH else "Use"  # none would fit
        raise ConfigError(f"Source {name!r} has {total:,} tokens of text files, fewer than length={target:,} needs.",
                          fix=f"{shorter} a larger source (source='synthetic' scales to any length).")


def order_for_context(paths: list[str], sizes: dict[str, int], needed: list[str],
                      rng: random.Random) -> tuple[list[str], dict[str, float]]:
    """A reading order for the ``full`` context and the depth (0..1, share of tokens before it) of each needed file.

    Distractors are shuffled; each needed file is placed at a depth drawn uniformly from [0.05, 0.95].
    """
    needed = [p for p in dict.fromkeys(needed) if p in paths]
    rest = [p for p in paths if p not in set(needed)]
    rng.shuffle(rest)
    total = sum(sizes[p] for p in paths) or 1
    targets = sorted((rng.uniform(0.05, 0.95), p) for p in needed)
    order: list[str] = []
    depth: dict[str, float] = {}
    seen = 0
    pending = list(targets)
    for path in rest:
        while pending and seen >= pending[0][0] * total:
            _, p = pending.pop(0)
            depth[p] = round(seen / total, 4)
            order.append(p)
            seen += sizes[p]
        order.append(path)
        seen += sizes[path]
    for _, p in pending:
        depth[p] = round(seen / total, 4)
        order.append(p)
        seen += sizes[p]
    return order, depth
