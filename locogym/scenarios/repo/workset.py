"""Length control: the working set of files a task exposes, within 5% of the target length, and its reading order.

A task at ``length=L`` exposes files whose measured token total (cl100k_base) lies in ``[0.95 L, 1.05 L]``. The
files a question needs are always in; the rest of the set is filled with the code base's other files — real
distractors — in a seeded order, skipping any that would overshoot (the order is drawn once per task, so a longer
length takes the files of a shorter one and more). The reading order of the context puts the needed files, as one
block, at the task's depth (:func:`place_evidence`).
"""

from __future__ import annotations

import random

from locogym.core import tokens
from locogym.core.errors import TaskRefused

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
    """Refuse (:class:`TaskRefused`) a length the source is too small to fill, with the largest it can."""
    total = sum(sizes.values())
    if total < target * (1 - TOLERANCE):
        most = int(total / (1 - TOLERANCE) * 0.999)
        shorter = f"Ask for length <= {most:,}, or use" if most >= SMALLEST_LENGTH else "Use"  # none would fit
        raise TaskRefused(f"Source {name!r} has {total:,} tokens of text files, fewer than length={target:,} needs.",
                          fix=f"{shorter} a larger source (source='synthetic' scales to any length).")


def place_evidence(paths: list[str], sizes: dict[str, int], needed: list[str], depth: float,
                   rng: random.Random) -> tuple[list[str], float, dict[str, float]]:
    """A reading order for the context that puts the needed files, as one block, at ``depth`` of it.

    The other files are shuffled by ``rng``; the block goes where the share of their tokens before it comes
    closest to ``depth`` (0: first, 1: last). Returns the order, the realised depth (that share; the asked depth
    when nothing else is in the context) and each needed file's own depth (the share of all tokens before it).
    """
    block = [p for p in dict.fromkeys(needed) if p in paths]
    rest = [p for p in sorted(paths) if p not in set(block)]
    rng.shuffle(rest)
    rest_total = sum(sizes[p] for p in rest)
    before, cut, best = 0, 0, abs(depth * rest_total)
    for i, path in enumerate(rest, start=1):
        before += sizes[path]
        if abs(before - depth * rest_total) < best:
            cut, best = i, abs(before - depth * rest_total)
    order = rest[:cut] + block + rest[cut:]
    realised = round(sum(sizes[p] for p in rest[:cut]) / rest_total, 4) if rest_total else depth
    total = sum(sizes[p] for p in order) or 1
    each: dict[str, float] = {}
    seen = 0
    for path in order:
        if path in block:
            each[path] = round(seen / total, 4)
        seen += sizes[path]
    return order, realised, each
