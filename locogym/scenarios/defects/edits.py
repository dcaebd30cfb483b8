"""Text edits located by AST positions: the one primitive both defects and refactors are made of.

Every change locogym makes to a project is a single contiguous replacement of characters in one file. Keeping
the rest of the file byte for byte means the diff an agent sees is exactly the change, and the inverse patch (the
oracle of a patch task) is the same edit with ``old`` and ``new`` swapped.

``ast`` reports columns as UTF-8 byte offsets; :class:`SourceText` converts them to character offsets so that
files with non-ASCII text are edited correctly.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping

from pydantic import BaseModel


class Edit(BaseModel):
    """Replace ``old`` (characters ``start``..``end`` of ``path``) with ``new``."""

    path: str
    start: int
    end: int
    old: str
    new: str

    def inverse(self) -> Edit:
        """The edit that undoes this one once it (and only it, or edits below it) has been applied."""
        return Edit(path=self.path, start=self.start, end=self.start + len(self.new), old=self.new, new=self.old)


class SourceText:
    """A file's text with line starts, for converting ``ast`` positions to character offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.line_starts: list[int] = []
        offset = 0
        for line in self.lines:
            self.line_starts.append(offset)
            offset += len(line)
        self.line_starts.append(offset)

    def offset(self, lineno: int, col_bytes: int) -> int:
        """Character offset of ``ast`` position (1-based line, UTF-8 byte column)."""
        line = self.lines[lineno - 1] if lineno - 1 < len(self.lines) else ""
        col = len(line.encode("utf-8")[:col_bytes].decode("utf-8", "ignore"))
        return self.line_starts[lineno - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        """Character span of an expression or statement node."""
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def segment(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def line_span(self, first: int, last: int) -> tuple[int, int]:
        """Character span of whole lines ``first``..``last`` (1-based, inclusive), newline included."""
        return self.line_starts[first - 1], self.line_starts[min(last, len(self.lines))]

    def line_of(self, offset: int) -> int:
        """1-based line number holding character ``offset``."""
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def indent_of(self, lineno: int) -> str:
        line = self.lines[lineno - 1]
        return line[: len(line) - len(line.lstrip(" \t"))]

    def owns_lines(self, node: ast.stmt) -> bool:
        """True when the statement starts its first line and nothing but a comment follows it on its last."""
        first = self.lines[node.lineno - 1]
        if first[: node.col_offset].strip():
            return False
        last = self.lines[(node.end_lineno or node.lineno) - 1]
        rest = last.encode("utf-8")[node.end_col_offset or 0:].decode("utf-8", "ignore").strip()
        return rest == "" or rest.startswith("#")


class OverlappingEdits(ValueError):
    """Two edits touch the same characters of a file; they cannot both be applied."""


def apply_edits(files: Mapping[str, str], edits: Iterable[Edit]) -> dict[str, str]:
    """Return a copy of ``files`` with every edit applied (positions refer to the original texts).

    Raises:
        KeyError: an edit names a file that is not in ``files``.
        OverlappingEdits: two edits of one file overlap, or an edit's ``old`` does not match the file.
    """
    by_path: dict[str, list[Edit]] = {}
    for edit in edits:
        by_path.setdefault(edit.path, []).append(edit)
    out = dict(files)
    for path, group in by_path.items():
        text = files[path]
        group.sort(key=lambda e: (e.start, e.end))
        for before, after in zip(group, group[1:], strict=False):
            if after.start < before.end:
                raise OverlappingEdits(f"edits overlap in {path} at characters {after.start}-{before.end}")
        for edit in reversed(group):
            if text[edit.start:edit.end] != edit.old:
                raise OverlappingEdits(f"{path}: expected {edit.old!r} at {edit.start}, found "
                                       f"{text[edit.start:edit.end]!r}")
            text = text[:edit.start] + edit.new + text[edit.end:]
        out[path] = text
    return out


def shifted_line(files: Mapping[str, str], edits: Iterable[Edit], target: Edit) -> int:
    """1-based line where ``target``'s replacement starts once every edit of its file has been applied."""
    text = files[target.path]
    delta = sum(e.new.count("\n") - e.old.count("\n") for e in edits
                if e.path == target.path and e.end <= target.start and e is not target)
    return text.count("\n", 0, target.start) + 1 + delta
