"""Loaders for real multi-hop data: HotpotQA, MuSiQue, 2WikiMultihopQA and WikiExtractor JSON dumps.

Every loader accepts a JSON list or JSON lines (whichever way the dataset was published) and reports a malformed
record as a :class:`~locogym.core.errors.DataError` naming the file, the line where the record starts and the
field, so a bad file fails at load time with a message that says what to fix, never later inside a task.

QA datasets become a corpus of their paragraphs (deduplicated across questions; a title reused with different
text gets a `` [n]`` suffix) plus a question list. Paragraph datasets carry no hyperlinks, so links are derived
from title mentions. WikiExtractor dumps keep their ``<a href>`` links and are paired with a QA file for
questions.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import orjson

from locogym.core.errors import ConfigError, DataError
from locogym.scenarios.wiki.corpus import Article, Corpus, QAItem, derive_links, unique_title

SOURCES = ("hotpotqa", "musique", "2wiki", "wikiextractor")
_HOPS = re.compile(r"^(\d)hop")
_ANCHOR = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


# ---------------------------------------------------------------------------------------------- reading records
def iter_records(path: Path) -> Iterator[tuple[int, Any]]:
    """Yield (line number, record) from a JSON list or JSON lines file; line numbers start at 1.

    Raises:
        DataError: the file is not valid JSON or JSON lines (names the line of the bad record).
        ConfigError: the file does not exist.
    """
    if not path.is_file():
        raise ConfigError(f"Data file {path} does not exist.", fix="Pass the path of the dataset file, e.g. "
                                                                  "corpus='hotpotqa:data/hotpot_dev.json'.")
    text = path.read_text(encoding="utf-8")
    start = len(text) - len(text.lstrip())
    if text[start:start + 1] == "[":
        yield from _iter_list(path, text, start + 1)
        return
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise DataError(f"not valid JSON ({exc})", path=str(path), line=number,
                            fix="Each line must hold one JSON object (JSON lines), or the file one JSON list.") from exc


def _iter_list(path: Path, text: str, pos: int) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    line, last = 1, 0
    ws = re.compile(r"[\s,]*")
    while True:
        pos = ws.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= len(text):
            raise DataError("the JSON list is not closed", path=str(path), line=text.count("\n") + 1,
                            fix="The file may be cut short; download it again.")
        if text[pos] == "]":
            return
        line += text.count("\n", last, pos)
        last = pos
        try:
            record, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise DataError(f"not valid JSON ({exc.msg})", path=str(path), line=exc.lineno,
                            fix="Repair the record or download the file again.") from exc
        yield line, record


def _need(record: Any, name: str, kind: type | tuple[type, ...], path: Path, line: int) -> Any:
    if not isinstance(record, dict):
        raise DataError(f"expected a JSON object, found {type(record).__name__}", path=str(path), line=line,
                        fix="Each record must be a JSON object.")
    if name not in record:
        raise DataError("missing", path=str(path), line=line, field=name,
                        fix="Check the file is in the documented format of this dataset (docs/envs/LoCo-WikiHop-v0.md).")
    value = record[name]
    if not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise DataError(f"expected {expected}, found {type(value).__name__}", path=str(path), line=line, field=name,
                        fix="Check the file is in the documented format of this dataset.")
    return value


class _Paragraphs:
    """Collects paragraphs across records: one article per distinct (title, text)."""

    def __init__(self) -> None:
        self.articles: dict[str, str] = {}
        self.by_content: dict[tuple[str, str], str] = {}

    def add(self, title: str, text: str) -> str:
        key = (title, text)
        found = self.by_content.get(key)
        if found is not None:
            return found
        final = unique_title(title, self.articles)
        self.articles[final] = text
        self.by_content[key] = final
        return final


def _context(record: dict[str, Any], paras: _Paragraphs, path: Path, line: int) -> dict[str, str]:
    """Add a HotpotQA/2Wiki ``context`` to the paragraphs; returns the record's title -> corpus title map."""
    local: dict[str, str] = {}
    for i, item in enumerate(_need(record, "context", list, path, line)):
        if (not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str)
                or not isinstance(item[1], list) or not all(isinstance(s, str) for s in item[1])):
            raise DataError(f"entry {i} must be [title, [sentence, ...]]", path=str(path), line=line, field="context",
                            fix="Check the file is the official HotpotQA / 2WikiMultihopQA format.")
        local[item[0]] = paras.add(item[0], "".join(item[1]).strip())
    return local


def _supporting(record: dict[str, Any], local: dict[str, str], path: Path, line: int) -> tuple[str, ...]:
    gold: dict[str, None] = {}
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


# ---------------------------------------------------------------------------------------------- datasets
def load_hotpotqa(path: Path, source: str = "hotpotqa") -> tuple[dict[str, str], list[QAItem]]:
    """HotpotQA (or 2WikiMultihopQA, which shares its context format): paragraphs and questions.

    A sibling file ``<stem>_corpus.json`` (a JSON object title -> sentences, as redistributed with the
    HotpotQA sample) adds its paragraphs to the corpus.
    """
    paras = _Paragraphs()
    items: list[QAItem] = []
    for line, record in iter_records(path):
        qid = str(_need(record, "_id", (str, int), path, line))
        question = _need(record, "question", str, path, line)
        answer = _need(record, "answer", str, path, line)
        qtype = _need(record, "type", str, path, line)
        local = _context(record, paras, path, line)
        gold = _supporting(record, local, path, line)
        if source == "2wiki" and "evidences" in record:
            _need(record, "evidences", list, path, line)
        kind = "comparison" if "comparison" in qtype else "bridge"
        items.append(QAItem(qid=qid, question=question, answer=answer, aliases=(), gold=gold, qtype=kind,
                            hops=len(gold), source=f"{source}:{path.name}"))
    sibling = path.with_name(f"{path.stem}_corpus{path.suffix}")
    if sibling.is_file():
        table = orjson.loads(sibling.read_bytes())
        if not isinstance(table, dict):
            raise DataError("expected a JSON object mapping titles to sentence lists", path=str(sibling), line=1,
                            fix="Remove the file or give it the title -> [sentence, ...] shape.")
        for title, sentences in table.items():
            if not isinstance(sentences, list) or not all(isinstance(s, str) for s in sentences):
                raise DataError("expected a list of sentences", path=str(sibling), field=title,
                                fix="Give every title a list of sentence strings.")
            if title not in paras.articles:
                paras.add(title, "".join(sentences).strip())
    return paras.articles, items


def load_musique(path: Path) -> tuple[dict[str, str], list[QAItem]]:
    """MuSiQue (answerable records; unanswerable ones of the "full" variant are skipped)."""
    paras = _Paragraphs()
    items: list[QAItem] = []
    for line, record in iter_records(path):
        qid = str(_need(record, "id", str, path, line))
        question = _need(record, "question", str, path, line)
        answer = _need(record, "answer", str, path, line)
        aliases = _need(record, "answer_aliases", list, path, line) if "answer_aliases" in record else []
        local: dict[int, str] = {}
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
        match = _HOPS.match(qid)
        hops = int(match.group(1)) if match else len(order)
        items.append(QAItem(qid=qid, question=question, answer=answer,
                            aliases=tuple(str(a) for a in aliases if str(a) != answer),
                            gold=tuple(dict.fromkeys(local[i] for i in order)), qtype="bridge", hops=hops,
                            source=f"musique:{path.name}"))
    return paras.articles, items


def load_wikiextractor(path: Path) -> list[Article]:
    """A WikiExtractor ``--json`` dump (one file, or a folder of ``wiki_*`` files). Redirects and empty pages
    are dropped; ``<a href>`` links are kept as links (URL-decoded, first letter case-insensitive)."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    raw: list[tuple[str, str, list[str]]] = []
    for file in files:
        for line, record in iter_records(file):
            title = _need(record, "title", str, file, line).strip()
            text = _need(record, "text", str, file, line)
            if not title or not text.strip() or text.lstrip().upper().startswith(("#REDIRECT", "REDIRECT")):
                continue
            targets = [unquote(m.group(1)).strip() for m in _ANCHOR.finditer(text)]
            plain = _TAG.sub("", _ANCHOR.sub(lambda m: m.group(2), text)).strip()
            if plain.startswith(title):
                plain = plain[len(title):].lstrip("\n")
            raw.append((title, plain.strip() or title, targets))
    taken: dict[str, str] = {}
    for title, _, _ in raw:
        taken.setdefault(title[:1].upper() + title[1:], title)
    articles: list[Article] = []
    seen: dict[str, object] = {}
    for title, text, targets in raw:
        if title in seen:
            continue
        seen[title] = None
        links = dict.fromkeys(taken[t[:1].upper() + t[1:]] for t in targets
                              if t and t[:1].upper() + t[1:] in taken and taken[t[:1].upper() + t[1:]] != title)
        articles.append(Article(title=title, text=text, links=tuple(links)))
    if not articles:
        raise DataError("no articles with text", path=str(path),
                        fix="Run WikiExtractor with --json; the dump must hold at least one non-empty page.")
    if not any(a.links for a in articles):
        articles = derive_links(articles)
    return articles


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


def _qa(kind: str, path: Path) -> tuple[dict[str, str], list[QAItem]]:
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
        extra = [Article(t, x) for t, x in paragraphs.items() if t not in have]
        articles = articles + derive_links(extra)
    else:
        paragraphs, items = _qa(kind, target)
        if not items:
            raise DataError("no usable questions", path=path, fix="The file holds no (answerable) question records.")
        articles = derive_links(Article(t, x) for t, x in paragraphs.items())
    titles = {a.title for a in articles}
    items = [i for i in items if all(g in titles for g in i.gold)]
    if not items:
        raise DataError("no question has all its gold articles in the corpus", path=path,
                        fix="Check that the questions file matches the dump.")
    items = _with_follow(items, {a.title: a.links for a in articles})
    digest = content_digest(target)
    if questions is not None:
        qpath = parse_spec(questions)[1]
        digest += "+" + content_digest(qpath) if qpath is not None else ""
    # the key names the content, not the place: a copied or re-checked-out file asks the same questions
    return Corpus(key=f"{kind}:{target.name}:{digest}", articles=articles, questions=items)


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
        raise ConfigError(f"Data path {path} does not exist.", fix="Pass an existing file, e.g. hotpotqa:data/hotpot.json.")
    stat = path.stat()
    return _load_cached(kind, str(path), questions, (stat.st_mtime, stat.st_size))
