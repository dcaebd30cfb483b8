"""Ranking quality of one query worked out by hand: the cut at k, the ideal ranking's gain, and ranks that
cannot be."""

from __future__ import annotations

import math

import pytest

from locogym.scoring.ranking import ndcg_at_k, recall_at_k, reciprocal_rank


def test_a_document_ranked_exactly_k_is_in_the_top_k() -> None:
    assert recall_at_k([3], 3) == 1.0 and recall_at_k([4], 3) == 0.0
    assert recall_at_k([1, 2, 9], 2) == pytest.approx(2 / 3)


def test_ndcg_counts_gold_documents_at_k_and_not_beyond() -> None:
    # one gold document at rank 3 of k = 3: gain 1/log2(4) = 0.5 against the ideal 1 (rank 1)
    assert ndcg_at_k([3], 3) == pytest.approx(0.5)
    assert ndcg_at_k([4], 3) == 0.0


def test_the_ideal_ranking_holds_at_most_k_gold_documents() -> None:
    # three gold documents, k = 2: the ideal top 2 is all gold, and so is this ranking's: nDCG 1
    assert ndcg_at_k([1, 2, 3], 2) == pytest.approx(1.0)
    # gold at 1 and 5 with k = 10: (1 + 1/log2(6)) / (1 + 1/log2(3))
    assert ndcg_at_k([1, 5], 10) == pytest.approx((1 + 1 / math.log2(6)) / (1 + 1 / math.log2(3)))


def test_no_gold_document_scores_zero_everywhere() -> None:
    assert (ndcg_at_k([]), recall_at_k([], 3), reciprocal_rank([])) == (0.0, 0.0, 0.0)


def test_reciprocal_rank_reads_the_best_ranked_gold_document() -> None:
    assert reciprocal_rank([4, 2, 9]) == 0.5 and reciprocal_rank([1]) == 1.0


@pytest.mark.parametrize("ranks", [[0], [-1, 2], [2, 2]])
def test_ranks_start_at_one_and_are_never_shared(ranks: list[int]) -> None:
    with pytest.raises(ValueError, match="rank"):
        ndcg_at_k(ranks)
    with pytest.raises(ValueError, match="rank"):
        reciprocal_rank(ranks)


def test_ndcg_is_at_10_unless_told_otherwise() -> None:
    # the retriever tracks report nDCG@10: a gold document at rank 10 still counts, one at 11 does not
    assert ndcg_at_k([10]) == pytest.approx(1 / math.log2(11))
    assert ndcg_at_k([11]) == 0.0
