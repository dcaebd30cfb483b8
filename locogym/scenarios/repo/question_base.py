"""The parts every code question is made of: the :class:`Question` record, the reads that show its spans, when
a definition may be named, and how it is described without its name. The question kinds (:mod:`.questions`, and
the kinds that run the code, :mod:`.reasoning`) all build on these.
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from locogym.core.types import ToolCall
from locogym.scenarios.repo.index import CodeIndex, Definition
from locogym.scenarios.repo.synthetic import describe_function

ANSWER_KIND = {"definition": "path", "call_chain": "qualname", "setting": "value", "callers": "qualnames",
               "return_value": "value", "impact": "qualnames", "argument": "value", "dispatch": "qualname"}

@dataclass
class Question:
    """A question with its exact answer, the spans that prove it, and the reads that find them."""

    kind: str
    variant: str
    key: tuple[Any, ...]
    text: str
    gold: Any
    spans: list[tuple[str, int, int]]
    reads: list[ToolCall] = field(default_factory=list)

    @property
    def answer_kind(self) -> str:
        return ANSWER_KIND[self.kind]

    @property
    def files(self) -> list[str]:
        return sorted({p for p, _, _ in self.spans})


def name_words(text: str) -> set[str]:
    parts = re.findall(r"[A-Za-z][a-z]*|[A-Z]+(?![a-z])", text)
    return {p.lower() for p in parts if len(p) > 2}


def is_test_path(path: str) -> bool:
    parts = path.split("/")
    return any(p in {"test", "tests", "testing"} for p in parts[:-1]) or parts[-1].startswith("test_")


def is_test_definition(d: Definition) -> bool:
    return is_test_path(d.path)


def read_span(path: str, start: int, end: int) -> ToolCall:
    return ToolCall(name="read_file", arguments={"path": path, "offset": start, "limit": max(1, end - start + 1)})


def reads_for(spans: list[tuple[str, int, int]], pad: int = 1, window: int = 300) -> list[ToolCall]:
    """The fewest ``read_file`` calls that show every span: spans of one file within ``window`` lines share one."""
    by_file: dict[str, list[tuple[int, int]]] = {}
    for path, start, end in spans:
        by_file.setdefault(path, []).append((max(1, start - pad), end + pad))
    calls = []
    for path in dict.fromkeys(p for p, _, _ in spans):
        group: list[tuple[int, int]] = []
        for start, end in sorted(by_file[path]):
            if group and end - group[0][0] > window:
                calls.append(read_span(path, group[0][0], max(e for _, e in group)))
                group = []
            group.append((start, end))
        calls.append(read_span(path, group[0][0], max(e for _, e in group)))
    return calls


_DOC_COUNTS: weakref.WeakKeyDictionary[CodeIndex, Counter[str]] = weakref.WeakKeyDictionary()


def _doc_counts(index: CodeIndex) -> Counter[str]:
    """How many definitions of every file carry each first doc line (counted once per index)."""
    counts = _DOC_COUNTS.get(index)
    if counts is None:
        counts = Counter(d.doc for f in index.facts.values() for d in f.defs if d.doc)
        _DOC_COUNTS[index] = counts
    return counts


def askable(index: CodeIndex, qual: str) -> bool:
    """Whether a definition can be named in a question: it exists and no other definition shares its name."""
    return qual in index.definitions and qual not in index.ambiguous


def describe(index: CodeIndex, d: Definition) -> str | None:
    """A non-literal description of a definition, unique in the index, or ``None``.

    Generated names have a question-side paraphrase; otherwise the docstring's first line is used when it shares
    no word with the definition's name or module.
    """
    text = describe_function(d.name)
    if text is not None:
        if sum(1 for q in index.by_name.get(d.name, [])) != 1:
            return None
        return f"the {'method' if d.kind == 'method' else 'function'} that {text}"
    if not d.doc or len(d.doc) < 12:
        return None
    if name_words(d.doc) & (name_words(d.qualname) | name_words(d.path)):
        return None
    if _doc_counts(index).get(d.doc, 0) != 1:
        return None  # another definition (even one the index cannot name apart) has the same first line
    return f"the {d.kind} documented as “{d.doc}”"


# What counts as the function making a call, said in every question about callers, so that each has one
# answer: the index gives a call to the innermost definition with a name of its own around it (parsing.py).
WHO_CALLS = ("A call belongs to the innermost function or method with a name of its own around it: a nested "
             "or local function counts on its own (a def, a function declaration, or a function or arrow "
             "function assigned to a name, as in const f = () => ...), while a call inside an anonymous "
             "function (a lambda, a callback passed inline) belongs to the function around it.")
