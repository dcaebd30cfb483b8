"""A repo map: the most important definitions of a code base, ranked by personalised PageRank, within a budget.

The graph has one node per definition, one edge per resolved call between definitions (caller -> callee) and
one from each member to its class. PageRank flows along calls, so widely used helpers and entry points rank high;
personalising the restart distribution on some files or symbols (``focus``) ranks their neighbourhood first.
The map lists files in rank order with the signatures of their ranked definitions and their line numbers,
adding entries until the next one would exceed the token budget (measured with the declared tokenizer).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from locogym.core import tokens
from locogym.scenarios.repo.index import CodeIndex


def pagerank(index: CodeIndex, focus: Iterable[str] = (), damping: float = 0.85,
             iterations: int = 60) -> dict[str, float]:
    """PageRank of every definition; ``focus`` (names, qualified names or paths) personalises the restarts."""
    quals = sorted(index.definitions)
    if not quals:
        return {}
    pos = {q: i for i, q in enumerate(quals)}
    n = len(quals)
    src: list[int] = []
    dst: list[int] = []
    for caller, calls in index.calls.items():
        for callee, _, _ in calls:
            if callee in pos and caller in pos and callee != caller:
                src.append(pos[caller])
                dst.append(pos[callee])
    # definitions also pass rank to their parent (methods to their class)
    for q, d in index.definitions.items():
        if d.parent in pos:
            src.append(pos[q])
            dst.append(pos[d.parent])
    restart = np.ones(n)
    focus = list(focus)
    if focus:
        hits = np.zeros(n)
        for i, q in enumerate(quals):
            d = index.definitions[q]
            if any(f in {q, d.name, d.path} for f in focus):
                hits[i] = 1.0
        if hits.sum() > 0:
            restart = hits + 0.05
    restart /= restart.sum()
    s, t = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    out_degree = np.bincount(s, minlength=n).astype(float) if len(s) else np.zeros(n)
    rank = restart.copy()
    for _ in range(iterations):
        share = np.where(out_degree > 0, rank / np.maximum(out_degree, 1), 0.0)
        new = np.bincount(t, weights=share[s], minlength=n) if len(s) else np.zeros(n)
        dangling = rank[out_degree == 0].sum()
        new = damping * (new + dangling * restart) + (1 - damping) * restart
        if np.abs(new - rank).sum() < 1e-10:
            rank = new
            break
        rank = new
    return {q: float(rank[i]) for i, q in enumerate(quals)}


def render_map(index: CodeIndex, budget: int, focus: Iterable[str] = ()) -> str:
    """The repo map text: files by rank, each with its ranked definitions' signatures, within ``budget`` tokens."""
    ranks = pagerank(index, focus)
    if not ranks:
        return "(no indexed definitions)"
    file_rank: dict[str, float] = {}
    for q, r in ranks.items():
        path = index.definitions[q].path
        file_rank[path] = file_rank.get(path, 0.0) + r
    order = sorted(ranks, key=lambda q: (-ranks[q], q))
    header = f"Repo map ({len(index.facts)} indexed files, {len(ranks)} definitions; most central first):"
    # binary search on how many top definitions fit
    lo, hi = 0, len(order)
    best = header + "\n(budget too small for any entry)"
    while lo <= hi:
        mid = (lo + hi) // 2
        text = _render(index, order[:mid], file_rank, header)
        if tokens.count(text) <= budget:
            best, lo = text, mid + 1
        else:
            hi = mid - 1
    return best


def _render(index: CodeIndex, chosen: list[str], file_rank: dict[str, float], header: str) -> str:
    by_file: dict[str, list[str]] = {}
    for q in chosen:
        by_file.setdefault(index.definitions[q].path, []).append(q)
    lines = [header]
    for path in sorted(by_file, key=lambda p: (-file_rank[p], p)):
        lines.append(f"{path}:")
        for q in sorted(by_file[path], key=lambda q: index.definitions[q].line):
            d = index.definitions[q]
            indent = "    " if d.parent else "  "
            lines.append(f"{indent}{d.line}: {d.signature or d.name}")
    return "\n".join(lines)
