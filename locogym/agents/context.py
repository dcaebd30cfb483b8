"""Keeping a model's chat history inside a token limit, in the provider's own message format.

A :class:`Context` holds the history as the provider wants it (OpenAI chat messages, Responses input items or
Anthropic messages): the *head* (the session's opening prompt, never dropped) and the *turns* after it. Before
every model request the agent lets its :class:`ContextStrategy` compact the history:

* ``keep_all`` — send everything; the provider's own window is the only limit.
* ``drop_tool_outputs`` — past ``max_tokens``, replace the oldest tool outputs with a one-line stub that names
  the call and how many tokens were dropped, so the model knows it can call the tool again. When stubs alone no
  longer fit (a very long episode), the oldest whole turns go too, replaced by one note that counts their calls.
* ``summarize`` — past ``max_tokens``, ask the same model to summarise the older turns and send that summary
  after the opening prompt instead, folding in enough turns to bring the request down to a low-water mark
  (``low_water``, half the limit by default), so the next summary is needed only after the history has grown by
  half the limit again, not on every turn; if the window is still over the limit, drop as above.

No strategy ever stubs or drops a tool result the model has not seen yet: the results that follow the newest
model turn are what the next request is for, so they are always sent whole (however many parallel calls there
were); ``keep_last`` counts whole outputs kept among those the model has already read.

Token counts use the gym's declared tokenizer (cl100k_base) over each item's JSON, plus the fixed part of every
request (system prompt and tool schemas), so the limit applies to the whole request as sent. Each compaction
appends an event ``{"kind": "compaction", "strategy", "tokens_before", "tokens_after", ...}`` that the runner moves
into the trajectory. The provider-specific parts (what a tool output looks like, where a turn starts) live in a
:class:`Dialect`, one per wire protocol, so every strategy works with every provider.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from locogym.core import tokens
from locogym.core.errors import ConfigError

Item = dict[str, Any]
Summarizer = Callable[[str], str]

SUMMARY_HEADER = "Summary of your earlier steps in this task (older turns were compacted to save context):"


@dataclass(frozen=True)
class ToolOutput:
    """Where one tool output sits: in turn ``turn``, slot ``slot`` of that item (Anthropic packs several)."""

    turn: int
    slot: int
    call_id: str | None
    text: str


class Dialect(ABC):
    """The provider-specific knowledge strategies need about history items."""

    @abstractmethod
    def is_model_item(self, item: Item) -> bool:
        """True for what the model produced (assistant messages, function calls, reasoning items)."""

    @abstractmethod
    def tool_outputs(self, item: Item) -> list[tuple[int, str | None, str]]:
        """``(slot, call id, text)`` of every tool output held by ``item``."""

    @abstractmethod
    def replace_tool_output(self, item: Item, slot: int, text: str) -> Item:
        """A copy of ``item`` whose tool output ``slot`` reads ``text``."""

    @abstractmethod
    def calls(self, item: Item) -> list[tuple[str, str, str]]:
        """``(call id, tool name, arguments text)`` of every tool call in a model item."""

    @abstractmethod
    def render(self, item: Item) -> str:
        """Plain text of ``item`` for a summary prompt."""

    @abstractmethod
    def with_summary(self, head: list[Item], summary: str) -> list[Item]:
        """The head followed by ``summary``, in a shape the provider accepts right before a model turn."""


def item_tokens(item: Item) -> int:
    """Tokens of one history item as sent: its compact JSON."""
    return tokens.count(orjson.dumps(item).decode())


def request_tokens(body: dict[str, Any], messages_key: str) -> int:
    """Tokens of a request body as a context strategy counts them: the body without its history, plus each item.

    This is the measure ``max_tokens`` limits; tests apply it to what a server received.
    """
    rest = {k: v for k, v in body.items() if k != messages_key}
    return tokens.count(orjson.dumps(rest).decode()) + sum(item_tokens(i) for i in body.get(messages_key) or [])


class Context:
    """The history of one session: ``head`` + optional summary + ``turns``, with token counts kept current."""

    def __init__(self, dialect: Dialect, fixed_tokens: int = 0) -> None:
        self.dialect = dialect
        self.fixed_tokens = fixed_tokens  # system prompt and tool schemas, sent with every request
        self.head: list[Item] = []
        self.turns: list[Item] = []
        self.summary: str | None = None
        self.dropped_calls: dict[str, int] = {}  # tool name -> calls in whole turns removed from the history
        self._turn_tokens: list[int] = []
        self._turns_total = 0  # sum of _turn_tokens, kept current so tokens() is O(1) inside compaction loops
        self._head_tokens = 0

    def start(self, head: list[Item]) -> None:
        """Begin a session: the history becomes ``head`` alone."""
        self.head = list(head)
        self.summary = None
        self.dropped_calls = {}
        self.turns = []
        self._turn_tokens = []
        self._turns_total = 0
        self._refresh_head()

    def extend(self, items: list[Item]) -> None:
        counts = [item_tokens(i) for i in items]
        self.turns.extend(items)
        self._turn_tokens.extend(counts)
        self._turns_total += sum(counts)

    def replace_turn(self, index: int, item: Item) -> None:
        count = item_tokens(item)
        self.turns[index] = item
        self._turns_total += count - self._turn_tokens[index]
        self._turn_tokens[index] = count

    def cut(self, start: int) -> list[Item]:
        """Remove and return ``turns[:start]``."""
        removed = self.turns[:start]
        self._turns_total -= sum(self._turn_tokens[:start])
        self.turns = self.turns[start:]
        self._turn_tokens = self._turn_tokens[start:]
        return removed

    def set_summary(self, summary: str) -> None:
        self.summary = summary
        self._refresh_head()

    def note_dropped(self, items: list[Item]) -> None:
        """Count the calls of whole items removed without a summary, for the note sent after the prompt."""
        for item in items:
            if self.dialect.is_model_item(item):
                for _, name, _ in self.dialect.calls(item):
                    self.dropped_calls[name] = self.dropped_calls.get(name, 0) + 1
        self._refresh_head()

    def _refresh_head(self) -> None:
        self._head_tokens = sum(item_tokens(i) for i in self.messages_head())

    def head_note(self) -> str | None:
        """The summary and the dropped-turns note, as sent after the opening prompt."""
        parts = [self.summary] if self.summary else []
        if self.dropped_calls:
            calls = ", ".join(f"{name} x{n}" for name, n in sorted(self.dropped_calls.items()))
            parts.append(f"[Older turns were removed to save context; they made these calls: {calls}.]")
        return "\n".join(parts) if parts else None

    def messages_head(self) -> list[Item]:
        note = self.head_note()
        return self.dialect.with_summary(self.head, note) if note else list(self.head)

    def messages(self) -> list[Item]:
        """What to send: the head (with the summary, if any) and every turn."""
        return self.messages_head() + self.turns

    def tokens(self) -> int:
        """Tokens of the whole request as counted locally: fixed part + head + turns."""
        return self.fixed_tokens + self._head_tokens + self._turns_total

    def turn_starts(self) -> list[int]:
        """Indices of ``turns`` where a model turn begins: the only places history can be cut cleanly."""
        starts = []
        for i, item in enumerate(self.turns):
            if self.dialect.is_model_item(item) and (i == 0 or not self.dialect.is_model_item(self.turns[i - 1])):
                starts.append(i)
        return starts

    def tool_outputs(self) -> list[ToolOutput]:
        found = []
        for turn, item in enumerate(self.turns):
            for slot, call_id, text in self.dialect.tool_outputs(item):
                found.append(ToolOutput(turn, slot, call_id, text))
        return found

    def call_names(self) -> dict[str, tuple[str, str]]:
        """Call id -> (tool name, arguments text), from the model items in the history."""
        names: dict[str, tuple[str, str]] = {}
        for item in self.turns:
            if self.dialect.is_model_item(item):
                for call_id, name, arguments in self.dialect.calls(item):
                    names[call_id] = (name, arguments)
        return names


class ContextStrategy(ABC):
    """Decides how the history is compacted before a request. ``max_tokens`` is the whole request's limit."""

    name: str = "strategy"
    max_tokens: int | None = None

    @property
    def settings(self) -> dict[str, Any]:
        return {"strategy": self.name, "max_tokens": self.max_tokens}

    @abstractmethod
    def compact(self, ctx: Context, summarize: Summarizer) -> dict[str, Any] | None:
        """Compact ``ctx`` in place when needed; return the compaction event, or None when nothing changed."""


class KeepAll(ContextStrategy):
    """Send the whole history every time."""

    name = "keep_all"

    def compact(self, ctx: Context, summarize: Summarizer) -> dict[str, Any] | None:
        return None


def _stub(name: str, arguments: str, dropped_tokens: int) -> str:
    args = arguments if len(arguments) <= 160 else arguments[:157] + "..."
    return (f"[output of {name}({args}) dropped to save context: {dropped_tokens:,} tokens. "
            f"Call the tool again if you need it.]")


def unseen_from(ctx: Context) -> int:
    """Index of the first turn after the newest model item: outputs from there on the model has not seen."""
    for index in range(len(ctx.turns) - 1, -1, -1):
        if ctx.dialect.is_model_item(ctx.turns[index]):
            return index + 1
    return 0


def drop_tool_outputs(ctx: Context, max_tokens: int, keep_last: int) -> int:
    """Stub the oldest tool outputs until ``ctx`` fits ``max_tokens``; returns how many were dropped.

    Outputs the model has not seen yet are never dropped, nor the newest ``keep_last`` of those it has seen, nor
    outputs that already are stubs.
    """
    unseen = unseen_from(ctx)
    seen = [out for out in ctx.tool_outputs() if out.turn < unseen]
    candidates = seen[:-keep_last] if keep_last > 0 else seen
    names = ctx.call_names()
    dropped = 0
    for out in candidates:
        if ctx.tokens() <= max_tokens:
            break
        if out.text.startswith("[output of ") and "dropped to save context" in out.text:
            continue
        name, arguments = names.get(out.call_id or "", ("a tool", ""))
        stub = _stub(name, arguments, tokens.count(out.text))
        if tokens.count(stub) >= tokens.count(out.text):
            continue
        ctx.replace_turn(out.turn, ctx.dialect.replace_tool_output(ctx.turns[out.turn], out.slot, stub))
        dropped += 1
    return dropped


def drop_oldest_turns(ctx: Context, max_tokens: int, keep_turns: int = 1) -> int:
    """Remove the oldest whole turns until ``ctx`` fits ``max_tokens``; returns how many items went.

    Cuts only at turn starts, so a tool call never loses its result; the newest ``keep_turns`` turns stay.
    """
    removed = 0
    while ctx.tokens() > max_tokens:
        starts = ctx.turn_starts()
        if len(starts) <= keep_turns:
            break
        items = ctx.cut(starts[1] if len(starts) > 1 else len(ctx.turns))
        ctx.note_dropped(items)
        removed += len(items)
    return removed


def _fit(ctx: Context, max_tokens: int, keep_last: int, event: dict[str, Any]) -> None:
    """Stub outputs, then drop turns, recording counts in ``event``."""
    dropped = drop_tool_outputs(ctx, max_tokens, keep_last)
    if dropped:
        event["dropped_outputs"] = event.get("dropped_outputs", 0) + dropped
    if ctx.tokens() > max_tokens:
        removed = drop_oldest_turns(ctx, max_tokens)
        if removed:
            event["dropped_items"] = removed


class DropToolOutputs(ContextStrategy):
    """Past ``max_tokens``, replace the oldest tool outputs by stubs (the newest ``keep_last`` stay whole).

    When the stubs and calls alone exceed the limit, the oldest whole turns are removed as well.
    """

    name = "drop_tool_outputs"

    def __init__(self, max_tokens: int, keep_last: int = 1) -> None:
        self.max_tokens = max_tokens
        self.keep_last = keep_last

    @property
    def settings(self) -> dict[str, Any]:
        return {**super().settings, "keep_last": self.keep_last}

    def compact(self, ctx: Context, summarize: Summarizer) -> dict[str, Any] | None:
        assert self.max_tokens is not None
        before = ctx.tokens()
        if before <= self.max_tokens:
            return None
        event: dict[str, Any] = {"kind": "compaction", "strategy": self.name, "tokens_before": before}
        _fit(ctx, self.max_tokens, self.keep_last, event)
        if ctx.tokens() == before:
            return None
        event["tokens_after"] = ctx.tokens()
        return event


class Summarize(ContextStrategy):
    """Past ``max_tokens``, replace older model turns with a summary by the same model.

    It folds in the oldest turns until what stays (at most the newest ``keep_turns`` turns, at least the newest
    one) fits under ``low_water`` times the limit besides the summary, so compaction runs once per half a limit of
    growth rather than on every turn. The summary prompt holds the previous summary and the turns being folded in,
    each item cut to a share of the limit so that the summary request itself fits. Outputs still over the limit
    afterwards are stubbed.
    """

    name = "summarize"

    def __init__(self, max_tokens: int, keep_turns: int = 2, keep_last: int = 1, low_water: float = 0.5) -> None:
        if not 0 < low_water <= 1:
            raise ConfigError(f"low_water={low_water} is not a fraction of the limit.", fix="Use e.g. 0.5.")
        self.max_tokens = max_tokens
        self.keep_turns = max(1, keep_turns)
        self.keep_last = keep_last
        self.low_water = low_water

    @property
    def settings(self) -> dict[str, Any]:
        return {**super().settings, "keep_turns": self.keep_turns, "low_water": self.low_water}

    def cut_point(self, ctx: Context, starts: list[int]) -> int:
        """Where to cut ``ctx.turns``: the latest turn start that keeps the rest under the low-water mark."""
        assert self.max_tokens is not None
        target = self.low_water * self.max_tokens - ctx.fixed_tokens - ctx._head_tokens
        candidates = starts[-self.keep_turns:] if len(starts) > self.keep_turns else starts[1:]
        for start in candidates:
            if sum(ctx._turn_tokens[start:]) <= target:
                return start
        return starts[-1]

    def summary_prompt(self, ctx: Context, items: list[Item]) -> str:
        assert self.max_tokens is not None
        per_item = max(200, self.max_tokens // 8)
        budget = max(per_item, self.max_tokens // 2)
        parts = []
        if ctx.summary:
            parts.append(f"Summary so far:\n{ctx.summary}")
        for item in items:
            text, cut = tokens.truncate(ctx.dialect.render(item), per_item)
            parts.append(text + (f" [... {cut:,} tokens cut]" if cut else ""))
        body, _ = tokens.truncate("\n\n".join(parts), budget)
        return ("Summarise the steps below for your own later use: what was tried, what was found (exact names, "
                "paths, ids, numbers and values), what failed, and what remains to do. Be concise and keep every "
                "fact the task may need.\n\n" + body)

    def compact(self, ctx: Context, summarize: Summarizer) -> dict[str, Any] | None:
        assert self.max_tokens is not None
        before = ctx.tokens()
        if before <= self.max_tokens:
            return None
        event: dict[str, Any] = {"kind": "compaction", "strategy": self.name, "tokens_before": before}
        starts = ctx.turn_starts()
        if len(starts) > 1:
            cut_at = self.cut_point(ctx, starts)
            folded = ctx.turns[:cut_at]
            summary = summarize(self.summary_prompt(ctx, folded)).strip() or "(the summary came back empty)"
            ctx.cut(cut_at)
            ctx.set_summary(summary)
            event["summarized_items"] = len(folded)
            event["summary_tokens"] = tokens.count(summary)
        if ctx.tokens() > self.max_tokens:
            _fit(ctx, self.max_tokens, self.keep_last, event)
        if ctx.tokens() == before:
            return None
        event["tokens_after"] = ctx.tokens()
        return event


STRATEGIES = ("keep_all", "drop_tool_outputs", "summarize")


def make_strategy(spec: str | ContextStrategy | None, max_tokens: int | str | None = None) -> ContextStrategy:
    """A strategy from a name (``"drop_tool_outputs"``), a name with a limit (``"summarize:64k"``) or an instance.

    Raises:
        ConfigError: unknown name, or a compacting strategy without a token limit.
    """
    if isinstance(spec, ContextStrategy):
        return spec
    name, _, limit = (spec or "keep_all").partition(":")
    name = name.strip().replace("-", "_")
    if name in ("keep_all", "full", "none"):
        return KeepAll()
    if name not in STRATEGIES:
        raise ConfigError(f"Unknown context strategy {spec!r}.",
                          fix=f"Use one of: {', '.join(STRATEGIES)} (optionally with a limit, e.g. summarize:64k).")
    raw = limit or max_tokens
    if raw is None or raw == "":
        raise ConfigError(f"The {name} context strategy needs a token limit.",
                          fix=f'Pass context_tokens="64k" or write it as "{name}:64k".')
    limit_tokens = tokens.parse_length(raw)
    return DropToolOutputs(limit_tokens) if name == "drop_tool_outputs" else Summarize(limit_tokens)
