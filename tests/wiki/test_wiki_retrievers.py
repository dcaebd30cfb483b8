"""Retrievers find the gold articles on hand-made cases; PPR reaches a linked second hop; indexes are cached."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from locogym.core.errors import ConfigError
from locogym.scenarios.wiki.corpus import Article, Corpus
from locogym.scenarios.wiki.loaders import load_corpus
from locogym.scenarios.wiki.retrievers import (
    DenseRetriever,
    clear_cache,
    dense_available,
    dense_model_path,
    get_retriever,
)


def _corpus() -> Corpus:
    arts = [
        Article("Orvel Bakery", "Orvel Bakery is a bakery founded by Tamsin Ruel in the harbour town.",
                links=("Tamsin Ruel",)),
        Article("Tamsin Ruel", "Tamsin Ruel is a chef who was born in Kessmoor.", links=("Kessmoor",)),
        Article("Kessmoor", "Kessmoor is a mountain village known for cheese and wool."),
        Article("Orvel Brewery", "Orvel Brewery makes beer and ale near the river."),
        Article("Lantern Society", "The Lantern Society studies astronomy and telescopes."),
        Article("Quill Press", "Quill Press prints poetry, novels and maps."),
        Article("Harbour Museum", "The Harbour Museum shows ships, anchors and sails."),
        Article("Ferrin Dale", "Ferrin Dale is a valley with orchards of apples and pears."),
    ]
    return Corpus(key="test:handmade", articles=arts)


def test_bm25_ranks_the_matching_article_first() -> None:
    corpus = _corpus()
    bm25 = get_retriever(corpus, "bm25")
    assert corpus.articles[bm25.search("who founded the Orvel Bakery", 1)[0]].title == "Orvel Bakery"
    assert corpus.articles[bm25.search("telescopes astronomy", 1)[0]].title == "Lantern Society"
    ranking = bm25.rank("anything at all unmatched")
    assert sorted(ranking.tolist()) == list(range(len(corpus)))  # the whole corpus, ties by position
    assert ranking.tolist() == list(range(len(corpus)))


def test_ppr_brings_the_linked_second_hop_up() -> None:
    corpus = _corpus()
    query = "Orvel Bakery founder"
    bm25 = get_retriever(corpus, "bm25").rank(query).tolist()
    ppr = get_retriever(corpus, "ppr-bm25").rank(query).tolist()
    person = corpus.index_of("Tamsin Ruel")
    village = corpus.index_of("Kessmoor")
    assert ppr.index(person) <= bm25.index(person)
    assert ppr.index(village) < bm25.index(village)  # two links away, no word in common with the query
    assert set(ppr[:3]) >= {corpus.index_of("Orvel Bakery"), person}


def test_indexes_are_built_once_per_corpus() -> None:
    corpus = _corpus()
    assert get_retriever(corpus, "bm25") is get_retriever(corpus, "bm25")
    assert get_retriever(corpus, "ppr-bm25").base is get_retriever(corpus, "bm25")


def test_unknown_retriever_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Unknown retriever"):
        get_retriever(_corpus(), "tfidf")


def test_bm25_recall_on_the_real_hotpotqa_sample(hotpotqa_sample: Path) -> None:
    corpus = load_corpus(f"hotpotqa:{hotpotqa_sample / 'hotpotqa_train.json'}")
    found = total = 0
    for name in ("bm25", "ppr-bm25"):
        retriever = get_retriever(corpus, name)
        found = total = 0
        for q in corpus.questions:
            top = set(retriever.search(q.question, 10))
            found += sum(corpus.index_of(t) in top for t in q.gold)
            total += len(q.gold)
        assert found / total > 0.6, (name, found / total)


_DENSE = dense_available()


@pytest.mark.skipif(_DENSE is not None, reason=f"dense retriever unavailable: {_DENSE}")
def test_dense_and_hybrid_find_paraphrased_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCOGYM_CACHE_DIR", str(tmp_path))
    corpus = _corpus()
    dense = get_retriever(corpus, "dense")
    # no word of the query occurs in the target article: only meaning connects them
    assert corpus.articles[dense.search("a place that displays boats", 1)[0]].title == "Harbour Museum"
    assert corpus.articles[dense.search("stargazing club", 1)[0]].title == "Lantern Society"
    hybrid = get_retriever(corpus, "hybrid")
    assert corpus.articles[hybrid.search("Orvel Bakery founder", 1)[0]].title == "Orvel Bakery"
    scores = dense.scores("bread")
    assert scores.shape == (len(corpus),) and np.all(np.isfinite(scores))
    ppr = get_retriever(corpus, "ppr-dense")
    assert ppr.base is dense


@pytest.mark.skipif(_DENSE is not None, reason=f"dense retriever unavailable: {_DENSE}")
def test_dense_embeddings_are_reused_from_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCOGYM_CACHE_DIR", str(tmp_path))
    corpus = Corpus(key="test:disk-cache", articles=_corpus().articles)
    clear_cache()
    first = get_retriever(corpus, "dense")
    assert isinstance(first, DenseRetriever) and not first.from_disk and list((tmp_path / "wiki").glob("dense-*.npy"))
    clear_cache()
    second = get_retriever(corpus, "dense")
    assert isinstance(second, DenseRetriever) and second is not first and second.from_disk
    assert np.array_equal(first.scores("bread"), second.scores("bread"))


@pytest.mark.skipif(_DENSE is not None, reason=f"dense retriever unavailable: {_DENSE}")
def test_any_local_model_folder_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    monkeypatch.setenv("LOCOGYM_CACHE_DIR", str(tmp_path / "cache"))
    copy = tmp_path / "my-model"
    shutil.copytree(dense_model_path(), copy)
    corpus = _corpus()
    own = get_retriever(corpus, "dense", str(copy))
    assert own is not get_retriever(corpus, "dense")
    assert own.rank("stargazing club").tolist() == get_retriever(corpus, "dense").rank("stargazing club").tolist()
    monkeypatch.setenv("LOCOGYM_DENSE_MODEL", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="LOCOGYM_DENSE_MODEL"):
        dense_model_path()
