"""Loaders read the real HotpotQA sample and the other official formats, and name file/line/field on bad data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from locogym.core.errors import ConfigError, DataError
from locogym.scenarios.wiki.loaders import iter_records, load_corpus, load_musique, load_wikiextractor


def test_hotpotqa_sample_loads_with_every_gold_article(hotpotqa_sample: Path) -> None:
    corpus = load_corpus(f"hotpotqa:{hotpotqa_sample / 'hotpotqa_train.json'}")
    assert len(corpus.questions) == 100
    assert len(corpus) >= 994  # the sibling corpus file adds its paragraphs
    kinds = {q.qtype for q in corpus.questions}
    assert kinds == {"bridge", "comparison"}
    for q in corpus.questions:
        assert q.gold and all(corpus.get(t) is not None for t in q.gold)
        assert q.answer
    # links were derived from title mentions: most articles that mention another title link to it
    assert sum(1 for a in corpus.articles if a.links) > 200
    assert any(any(q.follow) for q in corpus.questions)


def test_same_file_is_loaded_once(hotpotqa_sample: Path) -> None:
    spec = f"hotpotqa:{hotpotqa_sample / 'hotpotqa_train.json'}"
    assert load_corpus(spec) is load_corpus(spec)


def _hotpot_record(i: int) -> dict[str, object]:
    return {"_id": f"q{i}", "question": f"Where was Alpha{i} born?", "answer": "Beta", "type": "bridge",
            "level": "easy", "supporting_facts": [[f"Alpha{i}", 0], ["Beta", 0]],
            "context": [[f"Alpha{i}", [f"Alpha{i} was born in Beta."]], ["Beta", ["Beta is a town."]]]}


def test_json_lines_and_json_list_give_the_same_corpus(tmp_path: Path) -> None:
    records = [_hotpot_record(i) for i in range(3)]
    as_list, as_lines = tmp_path / "a.json", tmp_path / "b.jsonl"
    as_list.write_text(json.dumps(records, indent=2))
    as_lines.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    one, two = load_corpus(f"hotpotqa:{as_list}"), load_corpus(f"hotpotqa:{as_lines}")
    assert [a.title for a in one.articles] == [a.title for a in two.articles] == ["Alpha0", "Beta", "Alpha1", "Alpha2"]
    assert one.get("Alpha0").links == ("Beta",)
    assert one.questions[0].follow == (None, "Alpha0")


@pytest.mark.parametrize("layout", ["list", "lines"])
def test_malformed_record_names_file_line_and_field(tmp_path: Path, layout: str) -> None:
    records = [_hotpot_record(0), _hotpot_record(1), _hotpot_record(2)]
    del records[2]["answer"]
    path = tmp_path / f"bad_{layout}.json"
    if layout == "list":
        path.write_text(json.dumps(records, indent=1))
        expected_line = [i for i, line in enumerate(json.dumps(records, indent=1).splitlines(), 1) if line == " {"][2]
    else:
        path.write_text("\n".join(json.dumps(r) for r in records))
        expected_line = 3
    with pytest.raises(DataError) as err:
        load_corpus(f"hotpotqa:{path}")
    assert err.value.path == str(path) and err.value.line == expected_line and err.value.field == "answer"
    assert "line" in str(err.value) and "answer" in str(err.value)


def test_broken_json_line_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(_hotpot_record(0)) + "\n{not json\n")
    with pytest.raises(DataError) as err:
        list(iter_records(path))
    assert err.value.line == 2


def test_wrong_shapes_are_reported_with_the_field(tmp_path: Path) -> None:
    record = _hotpot_record(0)
    record["context"] = [["Alpha0", "not a list of sentences"]]
    path = tmp_path / "shape.json"
    path.write_text(json.dumps([record]))
    with pytest.raises(DataError, match="context"):
        load_corpus(f"hotpotqa:{path}")
    record = _hotpot_record(0)
    record["supporting_facts"] = [["Nowhere", 0]]
    path.write_text(json.dumps([record]))
    with pytest.raises(DataError, match="not in the record's context"):
        load_corpus(f"hotpotqa:{path}")


def test_unknown_spec_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Unknown corpus"):
        load_corpus("trivia:somewhere")
    with pytest.raises(ConfigError, match="does not exist"):
        load_corpus(f"hotpotqa:{tmp_path / 'missing.json'}")


def _musique(qid: str, answerable: bool = True) -> dict[str, object]:
    return {"id": qid, "question": "Who founded the label of Song X?", "answer": "Jane Roe",
            "answer_aliases": ["J. Roe"], "answerable": answerable,
            "paragraphs": [{"idx": 0, "title": "Song X", "paragraph_text": "Song X was released by Label Y.",
                            "is_supporting": True},
                           {"idx": 1, "title": "Label Y", "paragraph_text": "Label Y was founded by Jane Roe.",
                            "is_supporting": True},
                           {"idx": 2, "title": "Song X", "paragraph_text": "A different paragraph about Song X.",
                            "is_supporting": False}],
            "question_decomposition": [{"id": 1, "question": "label of Song X", "answer": "Label Y",
                                        "paragraph_support_idx": 0},
                                       {"id": 2, "question": "who founded #1", "answer": "Jane Roe",
                                        "paragraph_support_idx": 1}]}


def test_musique_reads_hops_aliases_decomposition_order_and_skips_unanswerable(tmp_path: Path) -> None:
    path = tmp_path / "musique_ans_v1.0_dev.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (_musique("2hop__1_2"), _musique("3hop1__9_8_7", False))))
    paragraphs, items = load_musique(path)
    assert len(items) == 1
    item = items[0]
    assert item.hops == 2 and item.gold == ("Song X [1]", "Label Y") and item.aliases == ("J. Roe",)
    # a reused title with other text stays a separate article; neither paragraph owns the bare title
    assert [(a.title, a.page_title) for a in paragraphs] == [("Song X [1]", "Song X"), ("Label Y", "Label Y"),
                                                             ("Song X [2]", "Song X")]
    corpus = load_corpus(f"musique:{path}")
    assert corpus.questions[0].follow == (None, "Song X [1]")  # Song X mentions Label Y: a derived link
    assert corpus.index_of("Song X") is None and len(corpus.resolve("song x")) == 2


def test_2wiki_loads_comparison_types(tmp_path: Path) -> None:
    record = {"_id": "w1", "type": "bridge_comparison", "question": "Which film came out first, A or B?",
              "answer": "A", "context": [["A", ["A is a 1950 film."]], ["B", ["B is a 1960 film."]]],
              "supporting_facts": [["A", 0], ["B", 0]], "evidences": [["A", "publication date", "1950"]]}
    path = tmp_path / "dev.json"
    path.write_text(json.dumps([record]))
    corpus = load_corpus(f"2wiki:{path}")
    assert corpus.questions[0].qtype == "comparison" and corpus.questions[0].gold == ("A", "B")


def test_wikiextractor_keeps_links_drops_redirects_and_needs_questions(tmp_path: Path) -> None:
    dump = tmp_path / "wiki_00"
    pages = [{"id": "1", "revid": "1", "url": "u", "title": "Alpha0",
              "text": 'Alpha0\n\nAlpha0 was born in <a href="beta">Beta</a>.'},
             {"id": "2", "revid": "1", "url": "u", "title": "Beta", "text": "Beta\n\nBeta is a town."},
             {"id": "3", "revid": "1", "url": "u", "title": "Old Beta", "text": "#REDIRECT Beta"},
             {"id": "4", "revid": "1", "url": "u", "title": "Empty", "text": ""}]
    dump.write_text("\n".join(json.dumps(p) for p in pages))
    articles = load_wikiextractor(dump)
    assert [a.title for a in articles] == ["Alpha0", "Beta"]
    assert articles[0].links == ("Beta",) and "<a" not in articles[0].text
    with pytest.raises(ConfigError, match="questions"):
        load_corpus(f"wikiextractor:{dump}")
    qa = tmp_path / "qa.json"
    qa.write_text(json.dumps([_hotpot_record(0)]))
    corpus = load_corpus(f"wikiextractor:{dump}", questions=f"hotpotqa:{qa}")
    assert corpus.get("Alpha0").text.startswith("Alpha0 was born")  # the dump's article wins
    assert corpus.questions[0].gold == ("Alpha0", "Beta")


def test_a_copied_file_gives_the_same_corpus_key(tmp_path: Path) -> None:
    one = tmp_path / "a" / "dev.json"
    two = tmp_path / "b" / "dev.json"
    for path in (one, two):
        path.parent.mkdir()
        path.write_text(json.dumps([_hotpot_record(i) for i in range(4)]))
    assert load_corpus(f"hotpotqa:{one}").key == load_corpus(f"hotpotqa:{two}").key
    two.write_text(json.dumps([_hotpot_record(i) for i in range(5)]))
    assert load_corpus(f"hotpotqa:{one}").key != load_corpus(f"hotpotqa:{two}").key


def test_a_paragraph_list_sibling_adds_distractors_and_numbers_shared_titles(tmp_path: Path) -> None:
    """2Wiki and MuSiQue copies in the HippoRAG layout ship ``<stem>_corpus.json`` as a list of paragraphs."""
    record = {"_id": "w1", "type": "comparison", "question": "Which film came out first, A or B?", "answer": "A",
              "context": [["A", ["A is a 1950 film."]], ["B", ["B is a 1960 film."]]],
              "supporting_facts": [["A", 0], ["B", 0]], "evidences": [["A", "publication date", "1950"]]}
    path = tmp_path / "2wikimultihopqa.json"
    path.write_text(json.dumps([record]))
    (tmp_path / "2wikimultihopqa_corpus.json").write_text(json.dumps(
        [{"title": "A", "text": "A is a 1950 film."}, {"title": "A", "text": "A was remade in 1990."},
         {"title": "C", "text": "C is a 1970 film."}]))
    corpus = load_corpus(f"2wiki:{path}")
    assert [a.title for a in corpus.articles] == ["A [1]", "B", "A [2]", "C"]
    assert corpus.questions[0].gold == ("A [1]", "B") and corpus.get("A [1]").text == "A is a 1950 film."
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps([record]))
    (tmp_path / "other_corpus.json").write_text(json.dumps([{"title": "C"}]))
    with pytest.raises(DataError, match="text") as err:
        load_corpus(f"2wiki:{bad}")
    assert err.value.path.endswith("other_corpus.json") and err.value.line == 1
