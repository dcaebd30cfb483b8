"""A code base as text files (:class:`SourceTree`), and the facts about paths every loader and generator shares.

Kept apart from the loaders so that the synthetic generator and the loaders can both build trees without
importing each other.
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass, field
from typing import Any

LANGUAGE_SUFFIXES: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript",
    ".cjs": "javascript", ".ts": "typescript", ".tsx": "typescript", ".go": "go", ".java": "java", ".rs": "rust",
}


@dataclass
class SourceTree:
    """A code base as text files.

    ``commit`` pins the content: the git commit for repositories, otherwise a digest of every path and content,
    so that ``(name, commit)`` identifies the tree for the index cache. ``meta`` holds loader facts (the
    synthetic generator's model of the project, the archive name, ...), JSON-serialisable.
    """

    name: str
    files: dict[str, str]
    language: str = "python"
    commit: str = ""
    origin: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.commit:
            self.commit = content_digest(self.files)
        if not self.language or self.language == "auto":
            self.language = main_language(self.files)

    def subset(self, paths: list[str]) -> SourceTree:
        """The same tree restricted to ``paths`` (in the given order), with its own content digest."""
        files = {p: self.files[p] for p in paths}
        return SourceTree(name=self.name, files=files, language=self.language, commit=content_digest(files),
                          origin=self.origin, meta=dict(self.meta))

    @property
    def key(self) -> str:
        """Cache key of the tree: name and commit."""
        return f"{self.name}@{self.commit}"


def content_digest(files: dict[str, str]) -> str:
    """A digest of every (path, content) pair, independent of dict order."""
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode("utf-8", "surrogatepass") + b"\0")
        h.update(hashlib.sha256(files[path].encode("utf-8", "surrogatepass")).digest())
    return h.hexdigest()[:40]


def language_of(path: str) -> str | None:
    """The indexed language of a path from its suffix, or ``None``."""
    return LANGUAGE_SUFFIXES.get(posixpath.splitext(path)[1].lower())


def main_language(files: dict[str, str]) -> str:
    """The language with the most source bytes (``python`` for an empty tree)."""
    sizes: dict[str, int] = {}
    for path, text in files.items():
        lang = language_of(path)
        if lang:
            sizes[lang] = sizes.get(lang, 0) + len(text)
    if not sizes:
        return "python"
    return sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


__all__ = ["LANGUAGE_SUFFIXES", "SourceTree", "content_digest", "language_of", "main_language"]
