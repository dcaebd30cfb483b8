"""Reading WikiExtractor output: the default ``<doc>`` format and ``--json`` lines, plain or bzip2-compressed.

WikiExtractor escapes its text by default (``html_safe``), so with ``--links`` a link arrives as
``&lt;a href="Lilu%20%28mythology%29"&gt;Lilu&lt;/a&gt;`` and an ampersand as ``&amp;``; without escaping the
same link is a literal ``<a href=...>``. Both are read here: links become link targets (URL-decoded, section
fragments dropped) and the text keeps only their anchor text, with entities decoded.

The ``<doc>`` format repeats the title as the first line of the body; that header line is removed. JSON
output carries no such line: its text usually *starts* with the subject ("Maximum Overdrive is a 1986 ..."),
which must stay. A first line is therefore only removed when it is the whole title, never a prefix of a
sentence.
"""

from __future__ import annotations

import bz2
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from locogym.core.errors import DataError
from locogym.scenarios.wiki.records import iter_json_text, need

_RAW_ANCHOR = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)
_ESCAPED_ANCHOR = re.compile(r'&lt;a href="([^"]*)"&gt;(.*?)&lt;/a&gt;', re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_DOC_OPEN = re.compile(r'^<doc\b(?P<attrs>.*?)\btitle="(?P<title>.*)">\s*$')
_DOC_CLOSE = "</doc>"
_REDIRECT = re.compile(r"#?\s*redirect\b", re.IGNORECASE)
_FIX = "Pass WikiExtractor's output folder (or one wiki_* file) written in its <doc> or --json format."


@dataclass(frozen=True)
class ExtractedPage:
    """One article of a dump: its title, its plain text and the titles it links to (in order, repeats kept)."""

    title: str
    text: str
    links: tuple[str, ...]


def html_escaped(text: str) -> bool:
    """Whether ``text`` is WikiExtractor's escaped output: no raw ``<`` or ``>``, every ``&`` starts an entity,
    and at least one entity is present. Unescaped output decodes entities itself, so it never looks like this
    unless the article quotes markup literally."""
    if "<" in text or ">" in text or "&" not in text:
        return False
    return text.count("&") == len(_ENTITY.findall(text))


def link_target(href: str) -> str:
    """The title an ``href`` points to: URL-decoded, underscores as spaces, the ``#section`` part dropped."""
    title = unquote(href).split("#", 1)[0].replace("_", " ")
    return " ".join(title.split())


def plain_text(body: str) -> tuple[str, list[str]]:
    """(text without markup, link targets) of a body in either escaping."""
    escaped = html_escaped(body)
    anchor = _ESCAPED_ANCHOR if escaped else _RAW_ANCHOR
    targets = [t for m in anchor.finditer(body) if (t := link_target(m.group(1)))]
    text = anchor.sub(lambda m: m.group(2), body)
    if escaped:
        text = html.unescape(text)
    return _TAG.sub("", text).strip(), targets


def _without_title_line(body: str, title: str) -> str:
    """``body`` without its first line when that line is exactly the title (WikiExtractor's ``<doc>`` header)."""
    stripped = body.lstrip("\n")
    first, sep, rest = stripped.partition("\n")
    if sep and first.strip() == title:
        return rest
    return body


def is_redirect(text: str) -> bool:
    """A redirect page: a single line that starts with the REDIRECT magic word."""
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) <= 1 and bool(lines) and bool(_REDIRECT.match(lines[0].strip()))


def page(title: str, body: str, with_header: bool) -> ExtractedPage | None:
    """The page of one record, or ``None`` for an empty or redirect page (WikiExtractor may write both)."""
    title = " ".join(title.split())  # WikiExtractor writes titles unescaped in both formats
    if with_header:
        body = _without_title_line(body, title)
    text, links = plain_text(body)
    if not with_header:
        text = _without_title_line(text, title).strip()
    if not title or not text or is_redirect(text):
        return None
    return ExtractedPage(title=title, text=text, links=tuple(links))


def dump_files(path: Path) -> list[Path]:
    """The output files under a WikiExtractor folder (``AA/wiki_00`` ...), sorted; hidden files are skipped."""
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".")
                                                                          for part in p.relative_to(path).parts))


def _read(file: Path) -> str:
    try:
        if file.suffix == ".bz2":
            with bz2.open(file, "rt", encoding="utf-8") as fh:
                return fh.read()
        return file.read_text(encoding="utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot be read as UTF-8 text ({exc})", path=str(file), fix=_FIX) from exc


def iter_pages(path: Path) -> Iterator[tuple[Path, int, ExtractedPage]]:
    """(file, line, page) for every non-empty, non-redirect article of a dump file or folder.

    Raises:
        DataError: a file in neither format, a ``<doc>`` that is never closed, or a JSON record without a
            string ``title`` and ``text`` (names the file and line).
    """
    for file in dump_files(path):
        text = _read(file)
        head = text.lstrip()[:1]
        if head == "<":
            for line, found in _iter_docs(file, text):
                if found is not None:
                    yield file, line, found
        elif head in ("{", "["):
            for line, record in iter_json_text(file, text):
                found = page(need(record, "title", str, file, line), need(record, "text", str, file, line), False)
                if found is not None:
                    yield file, line, found
        elif head:
            raise DataError("is neither WikiExtractor's <doc> format nor its --json format", path=str(file),
                            line=1, fix=_FIX)


def _iter_docs(file: Path, text: str) -> Iterator[tuple[int, ExtractedPage | None]]:
    title: str | None = None
    start = 0
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if title is None:
            match = _DOC_OPEN.match(line)
            if match:
                title, start, body = match.group("title"), number, []
            elif line.strip():
                raise DataError("text outside a <doc ...> ... </doc> element", path=str(file), line=number, fix=_FIX)
        elif line == _DOC_CLOSE:
            yield start, page(title, "\n".join(body), True)
            title = None
        else:
            body.append(line)
    if title is not None:
        raise DataError("a <doc> element is never closed", path=str(file), line=start,
                        fix="The file may be cut short; run WikiExtractor again.")
