"""The model-free WikiHop baseline: search with the question's noun phrases, open and follow links, answer by rules.

Why it exists: a model that scores no better than this has not used the context beyond keyword matching. The
rules read what a model would read (the observation text only):

* the question's capitalised noun phrases name the start entities (comparison questions: the two options);
* the number of relation cue words ("born", "founded", "capital", ...) estimates how many links to follow;
* at each hop the reader takes the sentence of the current article that shares most words with the question
  and moves to the linked title that sentence mentions;
* the answer is the last title reached, or a number from the last sentence when the question asks for one;
  comparisons compare the first number found for each option.

In static and rounds modes the same reader runs over the haystack's articles; in fixed rounds it refines with
the original question until the last round.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any

from locogym.agents.base import Agent
from locogym.core.text import content_words
from locogym.core.types import ToolCall

_PHRASE = re.compile(r"(?:[A-Z]\.\s)?[A-Z][\w'’-]*(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w'’.-]*)*")
_QUESTION = re.compile(r"^(?:Original question|Question): (.+)$", re.MULTILINE)
_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d{3,4}\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_BLOCK = re.compile(r"^## (.+)$", re.MULTILINE)
_RESULT = re.compile(r"^\d+\. (.+?) — ", re.MULTILINE)
_ALSO = re.compile(r"\(also known as ([^)]*)\)")
WH_WORDS = frozenset("What Which Who Whom Whose When Where How In Name For Between Of If The A An Is Was Did".split())
CUES = ("born", "hometown", "founded", "creator", "headquartered", "home base", "studied", "educated", "worked",
        "employer", "published", "released", "written", "directed", "composed", "mind behind", "held", "hosted",
        "organised", "body behind", "capital", "seat of government", "is a city in", "nation containing")
NUMBER_ASKS = ("what year", "when ", "how many", "population")
LOW_WORDS = ("earlier", "older", "elder", "smaller", "less", "first")
MAX_HOPS = 4


def question_of(obs: str) -> str:
    found = _QUESTION.findall(obs)
    return found[0].strip() if found and "Original question" in obs else (found[-1].strip() if found else obs[-300:])


def noun_phrases(question: str) -> list[str]:
    out = []
    for match in _PHRASE.finditer(question):
        words = match.group(0).split()
        while words and words[0] in WH_WORDS:
            words = words[1:]
        phrase = " ".join(words).strip(" ?.,")
        if phrase and phrase not in out:
            out.append(phrase)
    return out


def names_in(text: str) -> list[str]:
    """Capitalised names in running text: several words, or one word that does not open its sentence."""
    out: list[str] = []
    for sentence in _SENTENCE.split(text):
        for match in _PHRASE.finditer(sentence):
            name = match.group(0).strip(" .,;")
            if name and (" " in name or match.start() > 0) and name not in WH_WORDS and name not in out:
                out.append(name)
    return out


def hop_estimate(question: str) -> int:
    q = question.lower()
    return max(1, min(MAX_HOPS, sum(q.count(c) for c in CUES)))


_PREDICATE = re.compile(r"\s(?:was born|was founded|has the|is more|is less|is younger|is older|is newer|"
                        r"came along)\b.*$")


def links_to_follow(question: str) -> int:
    """How many links to follow from a start article before the answer (or the compared value) is in view."""
    chain = re.search(r"such that (.+?)\??$", question)
    if chain:  # a comparison over relation paths: count the relations, not the compared attribute
        path = _PREDICATE.sub("", chain.group(1)).lower()
        return min(MAX_HOPS, sum(path.count(c) for c in CUES))
    if options_of(question):
        return 0
    return hop_estimate(question) - 1


def options_of(question: str) -> list[str] | None:
    """The two options of a comparison question ("..., A or B?" / "Which of A and B ...")."""
    m = re.search(r"Which of (.+?) and (.+?) is such that", question) or re.search(r",\s*(.+?) or (.+?)\?$", question)
    return [m.group(1).strip(), m.group(2).strip()] if m else None


class Reader:
    """What the policy has read: article title -> (text, links, aliases)."""

    def __init__(self) -> None:
        self.articles: dict[str, tuple[str, list[str], list[str]]] = {}

    def add(self, title: str, text: str, links: list[str]) -> None:
        also = _ALSO.search(text)
        aliases = [a.strip() for a in re.split(r"[;,]", also.group(1))] if also else []
        self.articles[title] = (text, links, aliases)

    def find(self, name: str) -> str | None:
        low = name.lower()
        for title, (_, _, aliases) in self.articles.items():
            if title.lower() == low or low in (a.lower() for a in aliases):
                return title
        return None

    def next_hop(self, title: str, question: str, visited: set[str]) -> tuple[str | None, str]:
        """The linked title mentioned in the sentence most like the question, and that sentence."""
        text, links, aliases = self.articles[title]
        qwords = set(content_words(question)) - set(content_words(" ".join((title, *aliases))))
        own = [title, *aliases]
        best: tuple[int, str | None, str] = (-1, None, "")
        for sentence in _SENTENCE.split(text):
            # named in this sentence as a whole word, not part of this article's own names; earliest first
            found = [(m.start(), -len(t), t) for t in links
                     if not any(t in n for n in (*own, *visited))
                     and (m := re.search(rf"(?<!\w){re.escape(t)}(?!\w)", sentence))]
            # a name inside a longer name found at the same place ("Avon" in "Avon University") does not count
            spans = [(start, start - neg) for start, neg, _ in found]
            mentioned = [t for start, neg, t in sorted(found)
                         if not any(a <= start and start - neg <= b and (a, b) != (start, start - neg)
                                    for a, b in spans)]
            score = len(qwords & set(content_words(sentence)))
            if score > best[0] and (mentioned or best[1] is None):
                best = (score, mentioned[0] if mentioned else None, sentence)
        return best[1], best[2]

    def number(self, title: str, question: str) -> str | None:
        text = self.articles[title][0]
        qwords = set(content_words(question))
        ranked = sorted(_SENTENCE.split(text), key=lambda s: -len(qwords & set(content_words(s))))
        for sentence in ranked:
            found = _NUMBER.findall(sentence)
            if found:
                return found[-1] if "population" not in question.lower() else max(found, key=len)
        return None


def _value(number: str | None) -> float | None:
    return float(number.replace(",", "")) if number else None


class Policy(Agent):
    """Rule-based WikiHop policy (see the module docstring); deterministic given the observations."""

    name = "heuristic"

    def __init__(self) -> None:
        super().__init__()
        self._run: Generator[ToolCall, str, None] | None = None
        self._tools: list[str] = []

    def reset(self, task_info: dict[str, Any]) -> None:
        self._tools = [t["name"] for t in task_info.get("tools", [])]
        self._run = None

    def act(self, obs: str, info: dict[str, Any]) -> ToolCall:
        if self._run is None:
            self._run = self._agentic(obs) if "search" in self._tools else self._static(obs)
            return next(self._run)
        try:
            return self._run.send(obs)
        except StopIteration:
            return ToolCall(name="submit", arguments={})

    # ------------------------------------------------------------------ static and rounds
    def _static(self, obs: str) -> Generator[ToolCall, str, None]:
        question = question_of(obs)
        while "refine" in self._tools and "call refine" in obs.lower() and "you answer in the last round" in obs:
            obs = yield ToolCall(name="refine", arguments={"summary": "", "question": question})
        reader = Reader()
        heads = list(_BLOCK.finditer(obs))
        for i, head in enumerate(heads):
            end = heads[i + 1].start() if i + 1 < len(heads) else len(obs)
            reader.add(head.group(1).strip(), obs[head.end():end].strip(), [])
        titles = list(reader.articles)
        for title in titles:  # links: haystack titles the article mentions, then other names it mentions
            text, _, aliases = reader.articles[title]
            named = [t for t in titles if t != title and t in text]
            named += [p for p in names_in(text) if p not in named and p != title]
            reader.articles[title] = (text, named, aliases)
        yield ToolCall(name="submit", arguments={"answer": self._answer(reader, question)})

    # ------------------------------------------------------------------ agentic
    def _open(self, reader: Reader, obs: str) -> str | None:
        m = re.match(r"# (.+)\n", obs)
        if not m:
            return None
        body, _, links = obs[m.end():].partition("\n\nLinks: ")
        link_list = [] if links.strip().startswith("(none)") else [t.strip() for t in links.split("\n\n")[0].split(";")]
        reader.add(m.group(1).strip(), body, [t for t in link_list if t])
        return m.group(1).strip()

    def _locate(self, name: str, reader: Reader) -> Generator[ToolCall, str, str | None]:
        """Search for ``name`` and open the best hit; returns the opened title."""
        obs = yield ToolCall(name="search", arguments={"query": name, "k": 5})
        hits = _RESULT.findall(obs)
        exact = [h for h in hits if h.lower() == name.lower()]
        target = exact[0] if exact else (hits[0] if hits else name)
        obs = yield ToolCall(name="open", arguments={"title": target})
        return self._open(reader, obs)

    def _agentic(self, obs: str) -> Generator[ToolCall, str, None]:
        question = question_of(obs)
        reader = Reader()
        options = options_of(question)
        starts = options or noun_phrases(question)[:1] or [question]
        for name in starts:
            opened = yield from self._locate(name, reader)
            visited = {opened} if opened else set()
            cur = opened
            for _ in range(links_to_follow(question)):
                if cur is None:
                    break
                nxt, _ = reader.next_hop(cur, question, visited)
                if nxt is None:
                    break
                obs = yield ToolCall(name="follow", arguments={"title": cur, "link": nxt})
                cur = self._open(reader, obs)
                if cur:
                    visited.add(cur)
        yield ToolCall(name="submit", arguments={"answer": self._answer(reader, question)})

    # ------------------------------------------------------------------ answering
    @staticmethod
    def _asks_number(question: str) -> bool:
        q = question.lower()
        return any(a in q for a in NUMBER_ASKS) and options_of(question) is None

    def _answer(self, reader: Reader, question: str) -> str:
        options = options_of(question)
        if options:
            values = [self._follow_value(reader, reader.find(o), question) for o in options]
            if all(v is not None for v in values) and values[0] != values[1]:
                low = any(w in question.lower() for w in LOW_WORDS)
                pick = min if low else max
                return options[values.index(pick(v for v in values if v is not None))]
            return options[0]
        phrases = noun_phrases(question)
        cur = next((t for p in phrases if (t := reader.find(p))), None)
        if cur is None:
            return phrases[0] if phrases else ""
        visited = {cur}
        for _ in range(links_to_follow(question)):
            nxt, _ = reader.next_hop(cur, question, visited)
            if nxt is None:
                break
            if reader.find(nxt) is None:
                return nxt
            cur = reader.find(nxt) or nxt
            visited.add(cur)
        if self._asks_number(question):
            return reader.number(cur, question) or cur
        nxt, _ = reader.next_hop(cur, question, visited)
        return nxt or cur

    def _follow_value(self, reader: Reader, title: str | None, question: str) -> float | None:
        visited: set[str] = set()
        for _ in range(links_to_follow(question)):
            if title is None or title not in reader.articles:
                return None
            visited.add(title)
            nxt, _ = reader.next_hop(title, question, visited)
            title = reader.find(nxt) if nxt else None
        if title is None or title not in reader.articles:
            return None
        return _value(reader.number(title, question))
