"""Word-level text helpers shared by the scenarios (retrieval, answer matching) and the model-free agents.

One tokenisation for all of them, so that a heuristic agent and the grader agree on what a word is.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


def words(text: str) -> list[str]:
    """Lower-cased word tokens, the shared tokenisation of retrieval, drift and answer matching."""
    return [w.lower() for w in _WORD.findall(text)]


STOPWORDS = frozenset(
    "a an the of in on at to for by with from and or but is was were be been are as it its this that which who "
    "whom whose what when where why how did does do into than then there their they he she his her him also not "
    "no yes one".split()
)


def content_words(text: str) -> list[str]:
    """The words of ``text`` without stopwords."""
    return [w for w in words(text) if w not in STOPWORDS]


__all__ = ["STOPWORDS", "content_words", "words"]
