"""Static haystacks: the gold articles among a retriever's distractors, at a chosen depth, cut to a target length.

The haystack is ``header + article blocks + footer`` (the question sits in the footer). The distractors are the
retriever's best-ranked other articles, taken in rank order until the budget left by the gold articles is full;
the gold articles sit together as one group at the evidence *depth* (0 = before every distractor, 1 = after the
last one, next to the question), so a longer haystack is the same group with more distractors around it. The
realised depth (the share of distractor tokens before the group) and every gold article's token offset are
recorded.

Token counts of article blocks come from the corpus's per-article cache and are additive (a block starts with
``## `` and ends with a blank line), so a 128k haystack is assembled from counts, not by re-tokenising it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from locogym.core import tokens
from locogym.scenarios.wiki.corpus import Corpus

Order = Literal["rank", "shuffled"]
Context = Literal["retrieved", "none", "gold_only"]
ORDERS = ("rank", "shuffled")
CONTEXTS = ("retrieved", "none", "gold_only")


@dataclass
class Haystack:
    """An assembled haystack and where its gold articles are."""

    text: str
    titles: list[str]
    tokens: int
    gold_positions: dict[str, int] = field(default_factory=dict)  # title -> token offset of its block
    gold_ranks: dict[str, int] = field(default_factory=dict)  # title -> retriever rank (1-based), whole corpus
    depth: float | None = None  # share of the distractor tokens before the gold group; None without distractors
    shortfall: int = 0  # tokens short of the target when the corpus is too small

    def summary(self) -> dict[str, object]:
        """The JSON-safe facts scoring and analysis need (no text)."""
        return {"tokens": self.tokens, "documents": len(self.titles), "gold_positions": self.gold_positions,
                "gold_ranks": self.gold_ranks, "depth": self.depth, "shortfall": self.shortfall}


def _prefix_counts(corpus: Corpus, ranking: np.ndarray, budget: int) -> np.ndarray:
    """Token counts for the shortest prefix of ``ranking`` that can fill ``budget`` (counted in chunks)."""
    n = 0
    step = max(64, budget // 80)
    total = 0
    while n < ranking.size:
        chunk = corpus.token_counts(ranking[n:n + step])
        n += chunk.size
        total += int(chunk.sum())
        if total > budget:
            break
        step *= 2
    return corpus.token_counts(ranking[:n])


def distractors(corpus: Corpus, ranking: np.ndarray, gold: list[int], budget: int) -> list[int]:
    """The best-ranked non-gold articles, in rank order, whose blocks fit ``budget`` tokens together."""
    counts = _prefix_counts(corpus, ranking, budget + int(corpus.token_counts(gold).sum()))
    prefix = ranking[: counts.size]
    keep = ~np.isin(prefix, gold)
    spent = np.cumsum(np.where(keep, counts, 0))
    cut = int(np.searchsorted(spent, budget, side="right"))
    chosen: list[int] = prefix[:cut][keep[:cut]].tolist()
    return chosen


def _slot(counts: np.ndarray, depth: float) -> int:
    """The gap among the distractors (0 = before the first, len = after the last) with the share of distractor
    tokens before it closest to ``depth``: depth is measured in tokens, as a reader meets it."""
    before = np.concatenate(([0], np.cumsum(counts)))
    return int(np.argmin(np.abs(before - depth * before[-1])))


def build(corpus: Corpus, ranking: np.ndarray, gold: list[int], length: int, header: str, footer: str,
          order: Order, context: Context, rng: random.Random, depth: float) -> Haystack:
    """Assemble a haystack of at most ``length`` tokens (header and footer included).

    ``ranking`` is the retriever's order over the whole corpus; ``gold`` the gold article indices in the order
    the group shows them; ``depth`` where the group sits among the distractors; ``rng`` the fill's stream (it
    shuffles the distractors when ``order="shuffled"``). ``context="none"`` gives no articles and ``"gold_only"``
    the gold articles alone (baselines). Gold articles longer than the budget are still all in: the caller
    refuses a length too short for them.
    """
    head_tokens, foot_tokens = tokens.count(header), tokens.count(footer)
    rank_of = {}
    if ranking.size:
        positions = np.empty(ranking.size, dtype=np.int64)
        positions[ranking] = np.arange(1, ranking.size + 1)
        rank_of = {g: int(positions[g]) for g in gold}
    gold_tokens = int(corpus.token_counts(gold).sum())
    others: list[int] = []
    group = [] if context == "none" else list(gold)
    if context == "retrieved":
        others = distractors(corpus, ranking, gold, max(0, length - head_tokens - foot_tokens - gold_tokens))
        if order == "shuffled":
            rng.shuffle(others)
    slot = _slot(corpus.token_counts(others), depth) if others else 0
    chosen = others[:slot] + group + others[slot:]
    counts = corpus.token_counts(chosen) if chosen else np.zeros(0, dtype=np.int64)
    starts = head_tokens + np.concatenate(([0], np.cumsum(counts)[:-1])) if chosen else np.zeros(0)
    positions_gold = {corpus.articles[i].title: int(starts[slot + k]) for k, i in enumerate(group)}
    total = head_tokens + int(counts.sum()) + foot_tokens
    before = int(counts[:slot].sum()) if others else 0
    blocks = [corpus.articles[i].block() for i in chosen]
    return Haystack(text=header + "".join(blocks) + footer,
                    titles=[corpus.articles[i].title for i in chosen], tokens=total, gold_positions=positions_gold,
                    gold_ranks={corpus.articles[g].title: r for g, r in rank_of.items()},
                    depth=round(before / (int(counts.sum()) - gold_tokens), 4) if others else None,
                    shortfall=max(0, length - total) if context == "retrieved" and len(chosen) == len(corpus) else 0)
