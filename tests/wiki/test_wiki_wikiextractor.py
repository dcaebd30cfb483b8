"""WikiExtractor output in its real formats: <doc> and --json, escaped (the default) and unescaped, bzip2.

The fixtures under fixtures/wikiextractor are WikiExtractor 3.1.0's own output for fixtures/wikiextractor/
pages.xml (a six-page MediaWiki export written for these tests), produced with ``--no-templates --processes 1``
and: doc_escaped ``--links``; json_escaped ``--json --links``; doc_unescaped ``--links --html-safe ""``;
json_unescaped ``--json --links --html-safe ""``; doc_nolinks no flag; json_compressed ``--json --links -c``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from locogym.agents import make_agent
from locogym.core.errors import DataError
from locogym.harness.runner import run_episode
from locogym.scenarios.wiki.loaders import load_corpus, load_wikiextractor
from locogym.scenarios.wiki.wikiextractor import html_escaped, is_redirect, iter_pages, plain_text

FIXTURES = Path(__file__).parent / "fixtures" / "wikiextractor"
WITH_LINKS = ["doc_escaped", "json_escaped", "doc_unescaped", "json_unescaped", "json_compressed"]
EXPECTED_TITLES = ["Gallu", "Lilu (mythology)", "Maximum Overdrive", "Akkad", "Stephen King"]


def test_the_fixtures_are_in_the_formats_they_claim() -> None:
    escaped = (FIXTURES / "json_escaped" / "AA" / "wiki_00").read_text()
    assert '&lt;a href=\\"lilu%20%28mythology%29\\"&gt;Lilu&lt;/a&gt;' in escaped and "&amp;" in escaped
    raw = (FIXTURES / "json_unescaped" / "AA" / "wiki_00").read_text()
    assert '<a href=\\"lilu%20%28mythology%29\\">Lilu</a>' in raw
    doc = (FIXTURES / "doc_escaped" / "AA" / "wiki_00").read_text()
    assert doc.startswith('<doc id="101" url="https://en.wikipedia.org/wiki?curid=101" title="Gallu">\nGallu\n\n')
    assert json.loads(escaped.splitlines()[2])["text"].startswith("Maximum Overdrive is a 1986")


@pytest.mark.parametrize("variant", WITH_LINKS)
def test_every_format_gives_the_same_articles_with_links_parsed(variant: str) -> None:
    articles = load_wikiextractor(FIXTURES / variant)
    assert [a.title for a in articles] == EXPECTED_TITLES  # the redirect page is not an article
    by_title = {a.title: a for a in articles}
    # "lilu (mythology)" links to "Lilu (mythology)": the first letter is case-insensitive; targets not in the
    # dump (Mesopotamian mythology, Sumer) are not links
    assert by_title["Gallu"].links == ("Lilu (mythology)", "Akkad")
    assert by_title["Lilu (mythology)"].links == ("Akkad", "Gallu")
    assert by_title["Stephen King"].links == ("Maximum Overdrive",)
    for article in articles:
        assert "&lt;" not in article.text and "&amp;" not in article.text and "<a" not in article.text
    assert by_title["Gallu"].text == ("Gallu is a demon of the Mesopotamian underworld. Unlike the Lilu, a gallu was "
                                      "never a household spirit.\nSources.\nGallu appear in texts from Sumer & Akkad.")
    # the subject stays: JSON output does not repeat the title, and the <doc> header line is not the sentence
    assert by_title["Maximum Overdrive"].text.startswith("Maximum Overdrive is a 1986 American film")
    assert by_title["Maximum Overdrive"].text.endswith("AC/DC < 2 hours long.")
    assert by_title["Akkad"].text == "Akkad was the capital of the Akkadian Empire."


def test_all_formats_agree_exactly() -> None:
    reference = load_wikiextractor(FIXTURES / "json_escaped")
    for variant in WITH_LINKS:
        assert load_wikiextractor(FIXTURES / variant) == reference, variant
    assert load_wikiextractor(str(FIXTURES / "json_escaped")) == reference  # a path given as text, as users do


def test_a_dump_without_links_derives_them_from_mentions() -> None:
    articles = {a.title: a for a in load_wikiextractor(FIXTURES / "doc_nolinks")}
    assert articles["Maximum Overdrive"].text.startswith("Maximum Overdrive is a 1986")
    assert "Lilu (mythology)" in articles["Gallu"].links  # "Lilu" is mentioned; the disambiguation is ignored


def test_escaping_is_recognised_only_when_the_text_is_escaped() -> None:
    assert html_escaped("Sumer &amp; &lt;a href=\"Akkad\"&gt;Akkad&lt;/a&gt;")
    assert not html_escaped("AT&T & Sons")  # a raw ampersand: unescaped output
    assert not html_escaped('<a href="Akkad">Akkad</a> &amp;')  # raw markup: unescaped output
    assert not html_escaped("no markup at all")
    text, links = plain_text('See &lt;a href="Ed%20Wood%20%28film%29#Cast"&gt;the film&lt;/a&gt; &amp; more')
    assert text == "See the film & more" and links == ["Ed Wood (film)"]
    text, links = plain_text('See <a href="Ed_Wood">Ed Wood</a> & co')
    assert text == "See Ed Wood & co" and links == ["Ed Wood"]


def test_redirects_are_single_lines_not_any_text_starting_with_the_word() -> None:
    assert is_redirect("#REDIRECT Akkad") and is_redirect("REDIRECT Akkad")
    assert not is_redirect("Redirection is a 1997 film.\nIt was shot in Prague.")


def test_json_title_lines_are_removed_only_when_they_are_the_whole_title(tmp_path: Path) -> None:
    dump = tmp_path / "wiki_00"
    dump.write_text(json.dumps({"id": "1", "revid": "2", "url": "u", "title": "Akkad",
                                "text": "Akkad\nAkkad was a city."}) + "\n"
                    + json.dumps({"id": "2", "revid": "3", "url": "u", "title": "Sumer",
                                  "text": "Sumer is a region."}) + "\n")
    pages = {p.title: p.text for _, _, p in iter_pages(dump)}
    assert pages == {"Akkad": "Akkad was a city.", "Sumer": "Sumer is a region."}


@pytest.mark.parametrize(("content", "line", "message"), [
    ('<doc id="1" url="u" title="A">\nA\n\ntext\n', 1, "never closed"),
    ('<doc id="1" url="u" title="A">\nA\n\ntext\n</doc>\nstray text\n', 6, "outside a <doc"),
    ("plain text that is no dump\n", 1, "neither"),
    ('{"id": "1", "url": "u", "text": "no title"}\n', 1, "title"),
])
def test_malformed_dumps_name_file_and_line(tmp_path: Path, content: str, line: int, message: str) -> None:
    dump = tmp_path / "wiki_00"
    dump.write_text(content)
    with pytest.raises(DataError, match=message) as err:
        load_wikiextractor(dump)
    assert err.value.path == str(dump) and err.value.line == line


def test_a_doc_title_with_quotes_and_ampersands_is_read_whole(tmp_path: Path) -> None:
    dump = tmp_path / "wiki_00"
    dump.write_text('<doc id="7" url="u" title=""Weird Al" & AT&T">\n"Weird Al" & AT&T\n\n'  # raw, as written
                    'He met &lt;a href="Akkad"&gt;Akkad&lt;/a&gt;.\n\n</doc>\n'
                    '<doc id="8" url="u" title="Akkad">\nAkkad\n\nA city.\n\n</doc>\n')
    articles = load_wikiextractor(dump)
    assert [a.title for a in articles] == ['"Weird Al" & AT&T', "Akkad"]
    assert articles[0].text == "He met Akkad." and articles[0].links == ("Akkad",)


def test_a_dump_with_questions_runs_oracle_one_and_noop_zero(tmp_path: Path) -> None:
    import gymnasium as gym

    qa = tmp_path / "qa.json"
    qa.write_text(json.dumps([{
        "_id": "q1", "question": "Who directed the film scored by AC/DC?", "answer": "Stephen King",
        "type": "bridge", "level": "easy", "supporting_facts": [["Maximum Overdrive", 0], ["Stephen King", 0]],
        "context": [["Maximum Overdrive", ["Maximum Overdrive is a 1986 film."]],
                    ["Stephen King", ["Stephen King is an author."]], ["Akkad", ["Akkad is a city."]]]}]))
    for variant in ("doc_escaped", "json_escaped"):
        spec = f"wikiextractor:{FIXTURES / variant}"
        corpus = load_corpus(spec, questions=f"hotpotqa:{qa}")
        assert corpus.get("Maximum Overdrive").text.startswith("Maximum Overdrive is a 1986 American film")
        for mode in ("agentic", "static"):
            env = gym.make("LoCo-WikiHop-v0", sandbox="fake", mode=mode, corpus=spec, questions=f"hotpotqa:{qa}")
            try:
                assert run_episode(env, make_agent("oracle"), seed=0).score.success == 1.0
                assert run_episode(env, make_agent("noop"), seed=0).score.success == 0.0
            finally:
                env.close()
