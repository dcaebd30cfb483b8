"""Ranking quality of a retriever on one query, from the 1-based ranks of the query's relevant documents.

Relevance is binary (a gold paragraph or not), as in the retriever tracks of BEIR and BrowseComp-Plus:

* ``recall@k`` — the share of gold documents ranked in the top ``k``;
* ``nDCG@k`` — discounted cumulative gain of the gold documents in the top ``k`` (gain 1 at rank r counts
  1 / log2(r + 1)), divided by the gain of the ideal ranking (every gold document first).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def _checked(ranks: Sequence[int]) -> list[int]:
    out = list(ranks)
    if any(r < 1 for r in out):
        raise ValueError(f"ranks start at 1, got {min(out)}")
    if len(set(out)) != len(out):
        raise ValueError("two relevant documents cannot share a rank")
    return out


def recall_at_k(ranks: Sequence[int], k: int) -> float:
    """Share of the relevant documents (given by their ranks) ranked at ``k`` or better; 0 when there are none."""
    out = _checked(ranks)
    return sum(1 for r in out if r <= k) / len(out) if out else 0.0


def ndcg_at_k(ranks: Sequence[int], k: int = 10) -> float:
    """Binary-relevance nDCG@k of the relevant documents' ranks; 0 when there are none."""
    out = _checked(ranks)
    if not out:
        return 0.0
    dcg = sum(1.0 / math.log2(r + 1) for r in out if r <= k)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(out), k) + 1))
    return dcg / ideal


def reciprocal_rank(ranks: Sequence[int]) -> float:
    """1 / the rank of the best-ranked relevant document (0 when there are none)."""
    out = _checked(ranks)
    return 1.0 / min(out) if out else 0.0
