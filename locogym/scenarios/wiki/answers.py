"""Answer matching (exact match and token F1 against every accepted alias), and query drift.

Normalisation follows the SQuAD/HotpotQA convention (lower case, no punctuation, no articles, single spaces)
so that figures can be set beside published ones. A submitted answer that is not a short string or number is
a *format failure*: its own outcome, not a wrong answer.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from typing import Any

from locogym.core.text import content_words

MAX_ANSWER_CHARS = 500
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation + "‘’“”")


def normalize(text: str) -> str:
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCT)).split())


def as_answer(value: Any) -> tuple[str | None, str | None]:
    """(answer text, problem): ``None`` answer means none was given; a problem means a format failure."""
    if value is None:
        return None, None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None, f"the answer must be a short string, got {type(value).__name__}"
    if isinstance(value, float) and not math.isfinite(value):
        return None, "the answer is not a finite number"
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if not text.strip():
        return None, None
    if len(text) > MAX_ANSWER_CHARS:
        return None, f"the answer is {len(text)} characters long; give the answer alone"
    return text, None


def exact_match(prediction: str, answers: list[str]) -> float:
    pred = normalize(prediction)
    return 1.0 if any(pred == normalize(a) for a in answers) else 0.0


def token_f1(prediction: str, answers: list[str]) -> float:
    best = 0.0
    pred = normalize(prediction).split()
    for answer in answers:
        gold = normalize(answer).split()
        common = Counter(pred) & Counter(gold)
        same = sum(common.values())
        if same == 0:
            continue
        precision, recall = same / len(pred), same / len(gold)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def query_drift(original: str, query: str) -> float:
    """1 - cosine similarity of the content-word counts of two questions (0 = same words, 1 = none shared)."""
    a, b = Counter(content_words(original)), Counter(content_words(query))
    if not a or not b:
        return 0.0 if a == b else 1.0
    dot = sum(a[w] * b[w] for w in a)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return round(1.0 - dot / norm, 6)

