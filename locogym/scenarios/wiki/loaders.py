"""Loaders for real multi-hop data: HotpotQA, MuSiQue, 2WikiMultihopQA and WikiExtractor dumps.

Every loader accepts a JSON list or JSON lines (whichever way the dataset was published) and reports a malformed
record as a :class:`~locogym.core.errors.DataError` naming the file, the line where the record starts and the
field, so a bad file fails at load time with a message that says what to fix, never later inside a task.

QA datasets become a corpus of their paragraphs (deduplicated across questions) plus a question list. A title
that several different paragraphs share (MuSiQue does this) gives each of them a display title ``Title [n]``
(see :func:`~locogym.scenarios.wiki.corpus.display_titles`); the bare title then names all of them. A sibling
``<stem>_corpus.json`` (the HippoRAG layout) adds the paragraphs no question uses. Paragraph datasets carry no
hyperlinks, so links are derived from title mentions. WikiExtractor dumps keep their links and are paired with
a QA file for questions.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from locogym.core.errors import ConfigError, DataError
from locogym.scenarios.wiki.corpus import Article, Corpus, QAItem, derive_links, display_titles
from locogym.scenarios.wiki.records import iter_json_text, iter_records, need
from locogym.scenarios.wiki.wikiextractor import iter_pages

SOURCES = ("hotpotqa", "musique", "2wiki", "wikiextractor")
_HOPS = re.compile(r"^(\d)hop")
_need = need  # the loaders' short name for it

__all__ = ["SOURCES", "content_digest", "iter_records", "load_corpus", "load_hotpotqa", "load_musique",
           "load_wikiextractor", "parse_spec", "sibling_corpus"]


# ---------------------------------------------------------------------------------------------- paragraphs
class _Paragraphs:
    """Collects paragraphs across records: one per distinct (title, text); display titles are given at the end,
    once every paragraph that shares a title is known."""

    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []
        self.by_content: dict[tuple[str, str], int] = {}
        self.titles: set[str] = set()

    def add(self, title: str, text: str) -> int:
        """The paragraph's id (its position), adding it when new."""
        key = (title, text)
        found = self.by_content.get(key)
        if found is None:
            found = self.by_content[key] = len(self.pairs)
            self.pairs.append(key)
            self.titles.add(title)
        return found

    def articles(self) -> list[Article]:
        names = display_titles([title for title, _ in self.pairs])
        return [Article(title=name, text=text, page=title if name != title else "")
                for name, (title, text) in zip(names, self.pairs, strict=True)]


def _context(record: dict[str, Any], paras: _Paragraphs, path: Path, line: int) -> dict[str, int]:
    """Add a HotpotQA/2Wiki ``context`` to the paragraphs; returns the record's title -> paragraph id map."""
    local: dict[str, int] = {}
    for i, item in enumerate(_need(record, "context", list, path, line)):
        if (not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str)
                or not isinstance(item[1], list) or not all(isinstance(s, str) for s in item[1])):
            raise DataError(f"entry {i} must be [title, [sentence, ...]]", path=str(path), line=line, field="context",
                            fix="Check the file is the official HotpotQA / 2WikiMultihopQA format.")
        local[item[0]] = paras.add(item[0], "".join(item[1]).strip())
    return local


def _supporting(record: dict[str, Any], local: dict[str, int], path: Path, line: int) -> tuple[int, ...]:
    gold: dict[int, None] = {}
    for i, fact in enumerate(_need(record, "supporting_facts", list, path, line)):
        if not isinstance(fact, list) or len(fact) != 2 or not isinstance(fact[0], str):
            raise DataError(f"entry {i} must be [title, sentence_index]", path=str(path), line=line,
                            field="supporting_facts", fix="Check the file is the official format.")
        if fact[0] not in local:
            raise DataError(f"entry {i} names {fact[0]!r}, which is not in the record's context", path=str(path),
                            line=line, field="supporting_facts", fix="Repair the record or drop it.")
        gold[local[fact[0]]] = None
    if not gold:
        raise DataError("no supporting facts", path=str(path), line=line, field="supporting_facts",
                        fix="Every question needs at least one supporting paragraph.")
    return tuple(gold)


def sibling_corpus(path: Path) -> Path | None:
    """The HippoRAG-layout corpus file next to a QA file (``musique.json`` -> ``musique_corpus.json``), if any."""
    for suffix in dict.fromkeys((path.suffix, ".json")):
        candidate = path.with_name(f"{path.stem}_corpus{suffix}")
        if candidate != path and candidate.is_file():
            return candidate
    return None


def _add_sibling(paras: _Paragraphs, path: Path) -> None:
    """Add a sibling corpus file's paragraphs.

    Two shapes are published: a JSON object title -> sentences (whole pages, as in the HotpotQA copy; a title
    the questions already use is the same page and is skipped) and a list of ``{"title", "text"}`` paragraphs
    (MuSiQue and 2Wiki copies; deduplicated by title and text, so a new paragraph of a known page joins it).
    """
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        try:
            table = orjson.loads(text)
        except orjson.JSONDecodeError:
            table = None  # JSON lines of paragraph records
        if isinstance(table, dict) and not {"title", "text"} <= set(table):
            for title, sentences in table.items():
                if isinstance(sentences, str):
                    sentences = [sentences]
                if not isinstance(sentences, list) or not all(isinstance(s, str) for s in sentences):
                    raise DataError("expected a list of sentences", path=str(path), field=title,
                                    fix="Give every title a list of sentence strings.")
                if title not in paras.titles:
                    paras.add(title, "".join(sentences).strip())
            return
    for line, record in iter_json_text(path, text):
        title = _need(record, "title", str, path, line)
        body = _need(record, "text", str, path, line).strip()
        if body:
            paras.add(title, body)


# ---------------------------------------------------------------------------------------------- datasets
def load_hotpotqa(path: Path, source: str = "hotpotqa") -> tuple[list[Article], list[QAItem]]:
    """HotpotQA (or 2WikiMultihopQA, which shares its context format): paragraphs and questions."""
    paras = _Paragraphs()
    records: list[tuple[dict[str, Any], tuple[int, ...]]] = []
    for line, record in iter_records(path):
        _need(record, "_id", (str, int), path, line)
        for name in ("question", "answer", "type"):
            _need(record, name, str, path, line)
        local = _context(record, paras, path, line)
        if source == "2wiki" and "evidences" in record:
            _need(record, "evidences", list, path, line)
        records.append((record, _supporting(record, local, path, line)))
    sibling = sibling_corpus(path)
    if sibling is not None:
        _add_sibling(paras, sibling)
    articles = paras.articles()
    items = [QAItem(qid=str(record["_id"]), question=record["question"], answer=record["answer"], aliases=(),
                    gold=tuple(articles[g].title for g in gold), qtype="comparison" if "comparison" in record["type"]
                    else "bridge", hops=len(gold), source=f"{source}:{path.name}") for record, gold in records]
    return articles, items


def load_musique(path: Path) -> tuple[list[Article], list[QAItem]]:
    """MuSiQue (answerable records; unanswerable ones of the "full" variant are skipped), with its sibling
    ``*_corpus.json`` when present."""
    paras = _Paragraphs()
    found: list[tuple[dict[str, Any], tuple[int, ...]]] = []
    for line, record in iter_records(path):
        qid = str(_need(record, "id", str, path, line))
        _need(record, "question", str, path, line)
        _need(record, "answer", str, path, line)
        if "answer_aliases" in record:
            _need(record, "answer_aliases", list, path, line)
        local: dict[int, int] = {}
        supporting: list[int] = []
        for i, para in enumerate(_need(record, "paragraphs", list, path, line)):
            for name, kind in (("idx", int), ("title", str), ("paragraph_text", str)):
                if not isinstance(para, dict) or not isinstance(para.get(name), kind):
                    raise DataError(f"paragraph {i} lacks a {kind.__name__} {name!r}", path=str(path), line=line,
                                    field="paragraphs", fix="Check the file is the official MuSiQue format.")
            local[para["idx"]] = paras.add(para["title"], para["paragraph_text"].strip())
            if para.get("is_supporting"):
                supporting.append(para["idx"])
        if not record.get("answerable", True):
            continue
        order: list[int] = []
        for step in record.get("question_decomposition") or []:
            idx = step.get("paragraph_support_idx") if isinstance(step, dict) else None
            if isinstance(idx, int) and idx in local and idx not in order:
                order.append(idx)
        order += [i for i in supporting if i not in order]
        if not order:
            raise DataError("an answerable record has no supporting paragraph", path=str(path), line=line,
                            field="paragraphs", fix="Mark the supporting paragraphs with is_supporting: true.")
        record["_qid"] = qid
        found.append((record, tuple(dict.fromkeys(local[i] for i in order))))
    sibling = sibling_corpus(path)
    if sibling is not None:
        _add_sibling(paras, sibling)
    articles = paras.articles()
    items: list[QAItem] = []
    for record, gold in found:
        qid, answer = record["_qid"], record["answer"]
        match = _HOPS.match(qid)
        items.append(QAItem(qid=qid, question=record["question"], answer=answer,
                            aliases=tuple(str(a) for a in record.get("answer_aliases") or [] if str(a) != answer),
                            gold=tuple(articles[g].title for g in gold), qtype="bridge",
                            hops=int(match.group(1)) if match else len(gold), source=f"musique:{path.name}"))
    return articles, items


def load_wikiextractor(path: str | Path) -> list[Article]:
    """A WikiExtractor dump, ``<doc>`` or ``--json`` (one file, or its output folder of ``AA/wiki_00`` files,
    bzip2-compressed or not). Redirects and empty pages are dropped; links are kept as links (first letter
    case-insensitive, as in MediaWiki); a repeated title keeps its first article.

    Raises:
        DataError: a malformed file (see :func:`~locogym.scenarios.wiki.wikiextractor.iter_pages`) or no article.
    """
    pages: dict[str, tuple[str, tuple[str, ...]]] = {}
    for _, _, found in iter_pages(Path(path)):
        pages.setdefault(found.title, (found.text, found.links))
    canonical: dict[str, str] = {}
    for title in pages:
        canonical.setdefault(_first_upper(title), title)
    articles: list[Article] = []
    for title, (text, targets) in pages.items():
        links = dict.fromkeys(target for t in targets
                              if (target := canonical.get(_first_upper(t))) not in (None, title))
        articles.append(Article(title=title, text=text, links=tuple(t for t in links if t is not None)))
    if not articles:
        raise DataError("no articles with text", path=str(path),
                        fix="Point at WikiExtractor's output (its <doc> or --json format) holding at least one "
                            "non-empty page.")
    if not any(a.links for a in articles):
        articles = derive_links(articles)
    return articles


def _first_upper(title: str) -> str:
    return title[:1].upper() + title[1:]


# ---------------------------------------------------------------------------------------------- corpus specs
def parse_spec(spec: str) -> tuple[str, Path | None]:
    """``"synthetic"`` or ``"KIND:PATH"`` -> (kind, path).

    Raises:
        ConfigError: an unknown kind or a missing path.
    """
    if spec == "synthetic":
        return "synthetic", None
    kind, sep, rest = spec.partition(":")
    if not sep or kind not in SOURCES or not rest:
        raise ConfigError(f"Unknown corpus {spec!r}.",
                          fix='Use "synthetic" or one of hotpotqa:PATH, musique:PATH, 2wiki:PATH, wikiextractor:PATH.')
    return kind, Path(rest).expanduser()


def _qa(kind: str, path: Path) -> tuple[list[Article], list[QAItem]]:
    if kind == "musique":
        return load_musique(path)
    return load_hotpotqa(path, source=kind)


def _with_follow(items: list[QAItem], corpus_links: dict[str, tuple[str, ...]]) -> list[QAItem]:
    """Mark which gold articles the previous gold article links to (the oracle follows those links)."""
    out = []
    for item in items:
        follow: list[str | None] = [None]
        for prev, cur in zip(item.gold, item.gold[1:], strict=False):
            follow.append(prev if item.qtype == "bridge" and cur in corpus_links.get(prev, ()) else None)
        out.append(QAItem(**{**item.__dict__, "follow": tuple(follow)}))
    return out


@functools.lru_cache(maxsize=8)
def _load_cached(kind: str, path: str, questions: str | None, stamp: tuple[float, int]) -> Corpus:
    target = Path(path)
    if kind == "wikiextractor":
        if questions is None:
            raise ConfigError("A WikiExtractor dump has articles but no questions.",
                              fix='Also pass questions="hotpotqa:PATH" (or musique:/2wiki:) to take questions from.')
        articles = load_wikiextractor(target)
        qkind, qpath = parse_spec(questions)
        if qkind in ("synthetic", "wikiextractor") or qpath is None:
            raise ConfigError(f"questions={questions!r} is not a QA dataset.",
                              fix="Use hotpotqa:PATH, musique:PATH or 2wiki:PATH.")
        paragraphs, items = _qa(qkind, qpath)
        have = {a.title for a in articles}
        # a question's paragraph of a page the dump has is read in the dump's article
        dumped = {a.title: a.page_title for a in paragraphs if a.page_title in have}
        articles = articles + derive_links(a for a in paragraphs if a.page_title not in have)
        items = [replace(i, gold=tuple(dict.fromkeys(dumped.get(g, g) for g in i.gold))) for i in items]
    else:
        paragraphs, items = _qa(kind, target)
        if not items:
            raise DataError("no usable questions", path=path, fix="The file holds no (answerable) question records.")
        articles = derive_links(paragraphs)
    titles = {a.title for a in articles}
    items = [i for i in items if all(g in titles for g in i.gold)]
    if not items:
        raise DataError("no question has all its gold articles in the corpus", path=path,
                        fix="Check that the questions file matches the dump.")
    items = _with_follow(items, {a.title: a.links for a in articles})
    digest = _digest_with_sibling(target)
    if questions is not None:
        qpath = parse_spec(questions)[1]
        digest += "+" + _digest_with_sibling(qpath) if qpath is not None else ""
    # the key names the content, not the place: a copied or re-checked-out file asks the same questions
    return Corpus(key=f"{kind}:{target.name}:{digest}", articles=articles, questions=items)


def _digest_with_sibling(path: Path) -> str:
    sibling = sibling_corpus(path) if path.is_file() else None
    return content_digest(path) + ("+" + content_digest(sibling) if sibling is not None else "")


def _stamp(path: Path) -> tuple[float, int]:
    """A file's version (mtime, size), including its sibling corpus file (which changes the corpus too)."""
    stat = path.stat()
    sibling = sibling_corpus(path) if path.is_file() else None
    extra = sibling.stat() if sibling is not None else None
    return (stat.st_mtime + (extra.st_mtime if extra else 0.0), stat.st_size + (extra.st_size if extra else 0))


def content_digest(path: Path) -> str:
    """A digest of a file's bytes (or of a folder's files and their relative paths), for corpus identity."""
    h = hashlib.blake2b(digest_size=12)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        h.update(str(file.relative_to(path) if path.is_dir() else "").encode() + b"\0")
        with file.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


def load_corpus(spec: str, questions: str | None = None) -> Corpus:
    """The corpus of a ``KIND:PATH`` spec, loaded once per process and file version (path, mtime, size).

    The corpus key (which, with the seed, picks the questions) is a digest of the content, so the same file
    gives the same tasks wherever it is stored.

    Raises:
        ConfigError: an unknown spec or a missing file.
        DataError: a malformed record (file, line, field).
    """
    kind, path = parse_spec(spec)
    if path is None:
        raise ConfigError("The synthetic corpus is built by the world generator, not loaded.",
                          fix="Use locogym.scenarios.wiki.synthetic.world_for(seed, size).")
    if not path.exists():
        raise ConfigError(f"Data path {path} does not exist.",
                          fix="Pass an existing file, e.g. hotpotqa:data/hotpot.json.")
    return _load_cached(kind, str(path), questions, _stamp(path))
