"""The retriever track: recall@k and nDCG@10 of each retriever on the questions' gold paragraphs."""

from __future__ import annotations

import json
import random
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from locogym.cli import main
from locogym.core.errors import ConfigError
from locogym.harness import retrieval
from locogym.harness.retrieval import load_queries, parse_ks, parse_names, retrieval_track
from locogym.harness.retrieval_report import recall_svg, retrieval_view, write_report
from locogym.scenarios.wiki.retrievers import dense_available
from locogym.scoring.ranking import ndcg_at_k, recall_at_k, reciprocal_rank

MUSIQUE = Path(__file__).parent / "fixtures" / "musique" / "musique_sample.json"
_DENSE = dense_available()


def test_ranking_metrics_on_hand_worked_ranks() -> None:
    assert recall_at_k([1, 4], 2) == 0.5 and recall_at_k([1, 4], 4) == 1.0 and recall_at_k([], 5) == 0.0
    assert ndcg_at_k([1, 2], 10) == 1.0  # gold first: the ideal ranking
    # gold at ranks 2 and 11 (outside the cut): DCG = 1/log2(3); ideal = 1 + 1/log2(3)
    assert ndcg_at_k([2, 11], 10) == pytest.approx((1 / 1.5849625) / (1 + 1 / 1.5849625))
    assert reciprocal_rank([3, 7]) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="ranks start at 1"):
        recall_at_k([0], 1)
    with pytest.raises(ValueError, match="share a rank"):
        ndcg_at_k([2, 2])


def test_a_ranking_that_guesses_is_scored_near_chance() -> None:
    # a retriever that ranks at random over 1,000 paragraphs puts two gold ones in the top 10 about 1% of the time
    rng = random.Random(0)
    draws = [rng.sample(range(1, 1001), 2) for _ in range(2000)]
    assert sum(recall_at_k(d, 10) for d in draws) / len(draws) == pytest.approx(0.01, abs=0.005)
    assert sum(ndcg_at_k(d) for d in draws) / len(draws) < 0.02


def test_musique_track_with_lexical_and_graph_retrievers(tmp_path: Path) -> None:
    report = retrieval_track(f"musique:{MUSIQUE}", ["bm25", "ppr-bm25"], ks=[1, 2, 5, 17])
    assert report.questions == 4 and report.articles == 17 and report.ks == [1, 2, 5, 17]
    for score in report.scores:
        assert score.skipped is None
        values = [score.recall[k] for k in report.ks]
        assert values == sorted(values) and values[-1] == 1.0  # every gold paragraph is somewhere in the corpus
        assert 0.0 < score.ndcg <= 1.0 and score.ndcg_low <= score.ndcg <= score.ndcg_high
    paths = write_report(report, tmp_path)
    saved = json.loads(paths["json"].read_text())
    assert saved["schema_version"] == 1 and [s["name"] for s in saved["scores"]] == ["bm25", "ppr-bm25"]
    svg = ET.fromstring(paths["svg"].read_text())
    assert len(svg.findall("{http://www.w3.org/2000/svg}path")) == 2  # one recall curve per retriever


def test_queries_hold_exactly_the_gold_paragraphs() -> None:
    corpus, queries = load_queries(f"musique:{MUSIQUE}")
    assert [[corpus.articles[i].title for i in q.gold] for q in queries] == [list(q.gold) for q in corpus.questions]
    _, first_two = load_queries(f"musique:{MUSIQUE}", limit=2)
    assert [q.qid for q in first_two] == [q.qid for q in queries[:2]]


def test_synthetic_questions_are_seeded() -> None:
    one = retrieval_track("synthetic", ["bm25"], ks=[1, 10], limit=12, size=512)
    two = retrieval_track("synthetic", ["bm25"], ks=[1, 10], limit=12, size=512)
    assert one.questions == 12 and one.articles >= 512
    assert one.scores[0].recall == two.scores[0].recall and one.scores[0].ndcg == two.scores[0].ndcg
    other = load_queries("synthetic", limit=12, size=512, seed=1)[1]
    assert [q.text for q in other] != [q.text for q in load_queries("synthetic", limit=12, size=512)[1]]


def test_dense_retrievers_are_skipped_with_the_reason_when_the_extra_is_missing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retrieval, "dense_available", lambda: "sentence-transformers is not installed")
    report = retrieval_track(f"musique:{MUSIQUE}", ["bm25", "dense", "hybrid", "ppr-bm25"], ks=[1, 5])
    skipped = {s.name: s.skipped for s in report.scores}
    assert skipped == {"bm25": None, "dense": "sentence-transformers is not installed",
                       "hybrid": "sentence-transformers is not installed", "ppr-bm25": None}
    assert "dense: skipped" in recall_svg(report)
    from rich.console import Console

    console = Console(width=100, record=True)
    console.print(retrieval_view(report))
    assert "dense skipped: sentence-transformers is not installed" in console.export_text()


def test_names_and_cut_offs_are_checked() -> None:
    assert parse_names("bm25, ppr-bm25,bm25") == ["bm25", "ppr-bm25"]
    assert parse_ks("10,1,5") == [1, 5, 10]
    with pytest.raises(ConfigError, match="tfidf"):
        parse_names("bm25,tfidf")
    with pytest.raises(ConfigError, match="positive"):
        parse_ks("0,5")
    with pytest.raises(ConfigError, match="whole numbers"):
        parse_ks("five")
    with pytest.raises(ConfigError, match="limit"):
        load_queries(f"musique:{MUSIQUE}", limit=0)


def test_a_bare_qa_file_is_recognised() -> None:
    assert retrieval.corpus_spec(str(MUSIQUE)) == f"musique:{MUSIQUE}"
    with pytest.raises(ConfigError, match="Cannot tell"):
        retrieval.corpus_spec(str(Path(__file__).parent / "fixtures" / "musique" / "musique_sample_corpus.json"))


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["locogym", *args])
    monkeypatch.setenv("COLUMNS", "120")
    code: Any = 0
    try:
        main()
    except SystemExit as exited:
        code = exited.code
    out, err = capsys.readouterr()
    return int(code or 0), out, " ".join(err.split())


def test_cli_errors_name_the_cause_and_the_fix(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    code, _, err = _cli(monkeypatch, capsys, "retrieval", f"musique:{MUSIQUE}", "--retrievers", "bm25,tfidf",
                        "--out", str(tmp_path))
    assert code == 2 and "error: Unknown retriever(s) ['tfidf']" in err and "Fix:" in err
    code, _, err = _cli(monkeypatch, capsys, "retrieval", f"musique:{tmp_path / 'missing.json'}",
                        "--out", str(tmp_path))
    assert code == 2 and "does not exist" in err


def test_cli_prints_recall_and_ndcg_for_four_retrievers_on_the_hotpotqa_sample(
        hotpotqa_sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    """The whole sample with the lexical and graph retrievers; dense and hybrid run on the first questions'
    paragraphs in the next test (embedding all 994 paragraphs takes minutes on a laptop CPU)."""
    code, out, _ = _cli(monkeypatch, capsys, "retrieval", str(hotpotqa_sample / "hotpotqa_train.json"),
                        "--retrievers", "bm25,ppr-bm25", "--out", str(tmp_path))
    assert code == 0 and "100 questions" in out and "nDCG@10" in out and "R@100" in out
    saved = json.loads((tmp_path / "retrieval.json").read_text())
    by_name = {s["name"]: s for s in saved["scores"]}
    # measured on this sample: BM25 finds 9 in 10 gold paragraphs in its top 10; the graph walk helps
    assert 0.8 < by_name["bm25"]["recall"]["10"] <= 1.0 and by_name["ppr-bm25"]["ndcg"] > by_name["bm25"]["ndcg"]


@pytest.mark.slow
@pytest.mark.skipif(_DENSE is not None, reason=f"dense retriever unavailable: {_DENSE}")
def test_cli_runs_all_four_retrievers(hotpotqa_sample: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    small = tmp_path / "hotpot_small.json"
    small.write_text(json.dumps(json.loads((hotpotqa_sample / "hotpotqa_train.json").read_text())[:8]))
    monkeypatch.setenv("LOCOGYM_CACHE_DIR", str(tmp_path / "cache"))
    code, out, _ = _cli(monkeypatch, capsys, "retrieval", f"hotpotqa:{small}", "--out", str(tmp_path / "out"))
    assert code == 0, out
    saved = json.loads((tmp_path / "out" / "retrieval.json").read_text())
    assert [s["name"] for s in saved["scores"]] == ["bm25", "dense", "hybrid", "ppr-bm25"]
    assert all(s["skipped"] is None and 0 < s["ndcg"] <= 1 for s in saved["scores"])
    for name in ("bm25", "dense", "hybrid", "ppr-bm25"):
        assert name in out


@pytest.mark.slow
@pytest.mark.skipif(_DENSE is not None, reason=f"dense retriever unavailable: {_DENSE}")
def test_cli_prints_all_four_retrievers_on_the_whole_hotpotqa_sample(
        hotpotqa_sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    """Minutes the first time (the embeddings of 994 paragraphs), seconds once they are in the disk cache."""
    code, out, _ = _cli(monkeypatch, capsys, "retrieval", f"hotpotqa:{hotpotqa_sample / 'hotpotqa_train.json'}",
                        "--out", str(tmp_path))
    assert code == 0 and "100 questions, 994 paragraphs" in out
    rows = {line.split()[1]: line for line in out.splitlines() if line.startswith("│")}
    assert set(rows) == {"bm25", "dense", "hybrid", "ppr-bm25"}
    saved = {s["name"]: s for s in json.loads((tmp_path / "retrieval.json").read_text())["scores"]}
    for score in saved.values():
        assert score["skipped"] is None and 0.6 < score["ndcg"] <= 1.0 and score["recall"]["100"] > 0.9


@pytest.mark.slow
@pytest.mark.skipif(_DENSE is not None, reason=f"dense retriever unavailable: {_DENSE}")
def test_batch_encoded_questions_rank_as_single_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from locogym.scenarios.wiki.retrievers import get_retriever

    monkeypatch.setenv("LOCOGYM_CACHE_DIR", str(tmp_path))
    corpus, queries = load_queries(f"musique:{MUSIQUE}")
    dense = get_retriever(corpus, "dense")
    one_by_one = [dense.scores(q.text) for q in queries]
    get_retriever(corpus, "hybrid").prepare([q.text for q in queries])  # prepares its dense part
    for query, single in zip(queries, one_by_one, strict=True):
        assert dense.scores(query.text) == pytest.approx(single, abs=1e-5)
