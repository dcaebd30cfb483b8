"""What every model-backed agent shares: the act loop, queued parallel calls, retries, cache, usage and budgets.

A provider subclass (OpenAI chat, OpenAI Responses, Anthropic messages) only says how to build a request body,
send it with its SDK, read the response, and shape history items; see :class:`ModelAgent`'s abstract methods.

The loop, per ``act(obs, info)``:

1. The observation is the result of the call returned last time (or a new session's prompt). Results are held
   until the model is asked again, then appended in the provider's native shape with their call ids.
2. When the model asked for several calls at once (parallel tool calls), they are queued and handed out one per
   ``act``; the env takes one call per step. The next model request is made once the queue is empty, so every
   call's result is in the history, in order, before the model speaks again.
3. Before a request the context strategy may compact the history (events go to ``self.events``), and the token
   and cost budgets are checked (:class:`~locogym.agents.base.BudgetExceeded`). With ``context_window`` known,
   the output allowance is cut to what the window leaves after the prompt.
4. The request goes through the on-disk response cache, then (booked with the run's spending gate, when there is
   one: :mod:`locogym.agents.spend`) through the retry policy. Only a response that parses is stored. Every
   request leaves a ``model_request`` event: latency, the provider's prompt and output tokens, cost, cache hit.
   A prompt the provider says does not fit its window raises :class:`~locogym.agents.base.ContextOverflow`.
5. A reply with no tool call: with ``text_reply="nudge"`` (the default) the agent answers once with a reminder to
   call a tool and asks again; if the model still replies in text, that text is submitted as its answer
   (``submit(answer=text)``), so an episode never stalls. ``text_reply="submit"`` submits at once.

``last_usage`` is the usage of every request made for the action just returned (summaries and nudges included);
actions served from the queue carry none. Usage and cost come from the provider's usage fields; cost from the
price table (:mod:`locogym.agents.pricing`). A response served from the cache keeps its token usage but costs
$0: nothing was spent. Keys are held privately, never put in settings, events, cache keys
or error messages.
"""

from __future__ import annotations

import collections
import functools
import inspect
import math
import os
import time
from abc import abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import orjson

from locogym.agents.base import Agent, BudgetExceeded, ContextOverflow
from locogym.agents.cache import ResponseCache, open_cache, request_key
from locogym.agents.context import Context, ContextStrategy, Dialect, Item, make_strategy, request_tokens
from locogym.agents.pricing import PricesOverride, PriceTable
from locogym.agents.retry import Failure, RetryPolicy, call_with_retries, redact
from locogym.agents.spend import SpendGate
from locogym.agents.toolnames import ToolNames
from locogym.core import tokens
from locogym.core.errors import AuthenticationError, ConfigError, ProviderError
from locogym.core.types import ModelUsage, ToolCall, ToolSpec, stable_hash

DEFAULT_SYSTEM_PROMPT = (
    "You are working on a task inside an evaluation environment. Use the tools to look things up and act; "
    "you may call several tools in one turn. The environment only acts on tool calls, not on plain text. "
    "When you are done, call the submit tool with your final answer."
)
NUDGE = ("Your last reply had no tool call, and the environment only acts on tool calls. Call a tool to "
         "continue, or call submit with your final answer.")
SUMMARY_SYSTEM = "You condense an agent's working history into a faithful, compact summary."
# The local tokenizer (cl100k) and a provider's differ; prompts are assumed this much longer when sizing the
# output allowance to the window and when booking spend, so neither comes out short.
TOKENIZER_SLACK = 1.25
MIN_TRUNCATION_CHECK = 1024  # below this many counted tokens, fixed overheads make the comparison meaningless
MIN_OUTPUT_TOKENS = 64


@dataclass
class Turn:
    """One model response, read: items to append to the history, tool calls, text, usage."""

    items: list[Item]
    calls: list[tuple[str, str, Any]] = field(default_factory=list)  # (call id, tool name, native action)
    text: str = ""
    usage: ModelUsage = field(default_factory=ModelUsage)


class ModelAgent(Agent):
    """Base of the provider agents. See the module docstring for the loop; subclasses fill in the wire format."""

    provider: ClassVar[str] = ""
    key_env: ClassVar[str | None] = None  # environment variable holding the API key
    messages_key: ClassVar[str] = "messages"  # where the history sits in a request body

    def __init__(self, model: str, *, api_key: str | None = None, base_url: str | None = None,
                 temperature: float | None = None, max_tokens: int = 4096, seed: int | None = None,
                 system_prompt: str | None = None, context: str | ContextStrategy | None = "keep_all",
                 context_tokens: int | str | None = None, max_total_tokens: int | None = None,
                 max_cost_usd: float | None = None, prices: PricesOverride = None,
                 cache: ResponseCache | str | bool | None = None,
                 retry: RetryPolicy | Mapping[str, Any] | None = None,
                 timeout: float = 120.0, text_reply: str = "nudge",
                 extra_params: Mapping[str, Any] | None = None,
                 context_window: int | str | None = None) -> None:
        super().__init__()
        if not model:
            raise ConfigError("No model name given.", fix=f"Name one, e.g. {self.provider}/MODEL.")
        if text_reply not in ("nudge", "submit"):
            raise ConfigError(f"text_reply={text_reply!r} is not a choice.", fix='Use "nudge" or "submit".')
        if max_tokens <= 0:
            raise ConfigError(f"max_tokens={max_tokens} must be positive.", fix="Use e.g. max_tokens=4096.")
        self.model = model
        self.name = f"{self.provider}/{model}"
        self.context_window = tokens.parse_length(context_window) if context_window is not None else None
        self._api_key = api_key
        self.base_url = base_url
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.seed = seed
        self.system_prompt = DEFAULT_SYSTEM_PROMPT if system_prompt is None else system_prompt
        self.strategy = make_strategy(context, context_tokens)
        self.max_total_tokens = max_total_tokens
        self.max_cost_usd = max_cost_usd
        self.prices = PriceTable.load(prices)
        if max_cost_usd is not None and self.prices.lookup(self.name) is None:
            raise ConfigError(f"A cost budget was set but no price is known for {self.name}.",
                              fix=f'Pass prices={{"{self.name}": {{"input": ..., "output": ...}}}} '
                                  "(US dollars per million tokens) or a price file.")
        self.prices.warn_unpriced(self.name)
        self.spend_gate: SpendGate | None = None  # set by a harness that caps a whole run's spend
        self.cache = open_cache(cache)
        self.retry = _retry_policy(retry)
        self.timeout = timeout
        self.text_reply = text_reply
        self.extra_params = dict(extra_params or {})
        self.episode_usage = ModelUsage()
        self.cache_hits = 0
        self._client_obj: Any = None
        self._specs: list[ToolSpec] = []
        self._tool_names = ToolNames([])
        self._context: Context | None = None
        self._queue: collections.deque[tuple[str, str, Any]] = collections.deque()
        self._inflight: tuple[str | None, str] | None = None  # (call id, tool name) of the action returned last
        self._results: list[tuple[str | None, str, str]] = []  # (call id, tool name, observation) not yet sent
        self._act_usage: ModelUsage | None = None
        self._started = False

    # ------------------------------------------------------------------ provider hooks
    @property
    @abstractmethod
    def dialect(self) -> Dialect:
        """History item rules for the context strategies."""

    @property
    @abstractmethod
    def endpoint(self) -> str:
        """The URL requests go to (for cache keys and messages; user info and query are stripped)."""

    @property
    def cache_scope(self) -> str:
        """What, besides the request body, identifies a response: provider, wire protocol and endpoint (a model
        name served by a local smoke-test server is not the same model at the provider), and the seed: providers
        that take none must not serve one trial's answers to another from the cache."""
        scope = f"{self.provider}:{self.messages_key}:{self.endpoint}"
        return scope if self.seed is None else f"{scope}:seed={self.seed}"

    @abstractmethod
    def make_client(self, api_key: str) -> Any:
        """The SDK client, with the SDK's own retries off and ``self.timeout`` set."""

    @property
    def max_tokens_field(self) -> str:
        """The request field that holds the output allowance."""
        return "max_tokens"

    @abstractmethod
    def build_request(self, messages: list[Item]) -> dict[str, Any]:
        """The full request body for a model turn with ``messages`` as history."""

    @abstractmethod
    def build_summary_request(self, prompt: str) -> dict[str, Any]:
        """The request body asking the model (with no tools) to summarise ``prompt``."""

    @abstractmethod
    def send(self, client: Any, body: dict[str, Any]) -> dict[str, Any]:
        """Send ``body`` with the SDK; return the response as its JSON dict. SDK errors propagate."""

    @abstractmethod
    def parse(self, response: dict[str, Any]) -> Turn:
        """Read a response dict. Raises ProviderError when it is not a response of this protocol."""

    @abstractmethod
    def user_item(self, text: str) -> Item:
        """A plain user message."""

    @abstractmethod
    def result_items(self, results: list[tuple[str | None, str, str]]) -> list[Item]:
        """History items for tool results ``(call id, tool name, output)``; id None means a plain user message."""

    # ------------------------------------------------------------------ settings and keys
    @property
    def settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = {
            "provider": self.provider, "model": self.model, "temperature": self.temperature,
            "max_tokens": self.max_tokens, "seed": self.seed,
            "system_prompt_hash": stable_hash(self.system_prompt), "context": self.strategy.settings,
            "text_reply": self.text_reply,
        }
        if self.max_total_tokens is not None:
            settings["max_total_tokens"] = self.max_total_tokens
        if self.max_cost_usd is not None:
            settings["max_cost_usd"] = self.max_cost_usd
        if self.extra_params:
            settings["extra_params"] = self.extra_params
        if self.context_window is not None:
            settings["context_window"] = self.context_window
        price = self.prices.lookup(self.name)
        if price is not None:  # the rates every request was billed at, so a re-grade can re-derive the cost
            settings["price"] = price.model_dump(mode="json")
        return settings

    def _key(self) -> str | None:
        return self._api_key or (os.environ.get(self.key_env) if self.key_env else None)

    def _secrets(self) -> tuple[str | None, ...]:
        return (self._key(),)

    def _client(self) -> Any:
        if self._client_obj is None:
            key = self._key()
            if not key:
                raise AuthenticationError(f"No API key for {self.name}.",
                                          fix=f"Set {self.key_env} or pass api_key= to the agent.")
            self._client_obj = self.make_client(key)
        return self._client_obj

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    # ------------------------------------------------------------------ the loop
    def reset(self, task_info: dict[str, Any]) -> None:
        specs = [ToolSpec.model_validate(t) for t in task_info.get("tools", [])]
        self._tool_names = ToolNames([s.name for s in specs])
        self._specs = self._tool_names.wire_specs(specs)  # names every provider accepts; calls are mapped back
        self._context = Context(self.dialect, fixed_tokens=self._fixed_tokens())
        self.episode_usage = ModelUsage()
        self._started = False
        self._queue.clear()
        self._results.clear()
        self._inflight = None
        self.last_usage = None

    def _fixed_tokens(self) -> int:
        """Tokens every request carries besides the history: system prompt, tools, settings."""
        body = {**self.build_request([]), **self.extra_params}
        return request_tokens(body, self.messages_key)

    def act(self, obs: str, info: dict[str, Any]) -> Any:
        if self._context is None:
            raise ConfigError(f"{self.name}: act() before reset().", fix="Call agent.reset(info) after env.reset().")
        self.last_usage = None
        if info.get("new_session") or not self._started:
            self._started = True
            self._queue.clear()
            self._results.clear()
            self._inflight = None
            self._context.start([self.user_item(obs)])
        elif self._inflight is not None:
            call_id, name = self._inflight
            self._results.append((call_id, name, obs))
            self._inflight = None
        else:
            self._results.append((None, "", obs))
        if not self._queue:
            self._act_usage = ModelUsage()
            try:
                self._model_turn()
            except (BudgetExceeded, ProviderError, ContextOverflow):
                if self._act_usage.total_tokens:
                    self.events.append({"kind": "model_usage", "usage": self._act_usage.model_dump(),
                                        "note": "spent on requests that produced no action"})
                raise
            finally:
                spent, self._act_usage = self._act_usage, None
            self.last_usage = spent
        call_id, name, action = self._queue.popleft()
        self._inflight = (call_id or None, name)
        return self._tool_names.restore(action)

    def _model_turn(self) -> None:
        assert self._context is not None
        if self._results:
            self._context.extend(self.result_items(self._results))
            self._results.clear()
        nudged = self.text_reply == "submit"
        while True:
            self._check_budget()
            event = self.strategy.compact(self._context, self._summarize)
            if event is not None:
                self.events.append(event)
            turn = self._exchange(self.build_request(self._context.messages()))
            self._context.extend(turn.items)
            if turn.calls:
                self._queue.extend(turn.calls)
                return
            if not nudged:
                nudged = True
                self.events.append({"kind": "text_reply", "handled": "nudge"})
                self._context.extend([self.user_item(NUDGE)])
                continue
            self.events.append({"kind": "text_reply", "handled": "submit"})
            self._queue.append(("", "submit", self._submit_text(turn.text)))
            return

    def _submit_text(self, text: str) -> Any:
        spec = next((s for s in self._specs if s.name == "submit"), None)
        if spec is None:
            return text  # no submit tool: the env records the text as an unreadable action
        props = list((spec.parameters.get("properties") or {}).keys())
        field_name = "answer" if "answer" in props or len(props) != 1 else props[0]
        return ToolCall(name="submit", arguments={field_name: text})

    def _summarize(self, prompt: str) -> str:
        self._check_budget()
        return self._exchange(self.build_summary_request(prompt), purpose="summary").text

    def _fit_output(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with its output allowance cut to what the known window leaves after the prompt."""
        field_name = self.max_tokens_field
        if self.context_window is None or not isinstance(body.get(field_name), int):
            return body
        prompt = math.ceil(request_tokens(body, self.messages_key) * TOKENIZER_SLACK)
        room = self.context_window - prompt
        allowed = max(min(body[field_name], MIN_OUTPUT_TOKENS), min(body[field_name], room))
        return body if allowed == body[field_name] else {**body, field_name: allowed}

    def _reserve(self, body: dict[str, Any]) -> str | None:
        """Book the request's most it can cost with the run's spending gate (None when there is no gate)."""
        if self.spend_gate is None:
            return None
        price = self.prices.lookup(self.name)
        if price is None:
            raise ConfigError(f"The run has a spending cap but no price is known for {self.name}.",
                              fix=f'Pass prices={{"{self.name}": {{"input": ..., "output": ...}}}} or a price '
                                  "file, or run it without a cap.")
        prompt = math.ceil(request_tokens(body, self.messages_key) * TOKENIZER_SLACK)
        allowance = body.get(self.max_tokens_field)
        output = allowance if isinstance(allowance, int) else self.max_tokens
        return self.spend_gate.reserve(price.cost(ModelUsage(input=prompt, output=output)))

    def _exchange(self, body: dict[str, Any], purpose: str = "turn") -> Turn:
        """One request through cache, spending gate and retries; charges its usage and records the request."""
        body = self._fit_output({**body, **self.extra_params})
        key = request_key(self.cache_scope, body) if self.cache is not None else ""
        response = self.cache.get(key) if self.cache is not None else None
        started = time.perf_counter()
        hit = response is not None
        if response is not None:
            self.cache_hits += 1
            turn = self.parse(response)
            priced = self.prices.cost(self.name, turn.usage)
            turn.usage = turn.usage.model_copy(update={"cost_usd": 0.0})
        else:
            client = self._client()
            booking = self._reserve(body)
            try:
                response = call_with_retries(lambda: self.send(client, body), provider=self.name,
                                             policy=self.retry, secrets=self._secrets(), on_retry=self._on_retry)
                turn = self.parse(response)
            except BaseException:
                if booking is not None and self.spend_gate is not None:
                    self.spend_gate.settle(booking, 0.0)
                raise
            priced = self.prices.cost(self.name, turn.usage)
            turn.usage = turn.usage.model_copy(update={"cost_usd": priced})
            if booking is not None and self.spend_gate is not None:
                self.spend_gate.settle(booking, priced)
            if self.cache is not None:
                self.cache.put(key, response)
        self._charge(turn.usage)
        self._check_truncation(body, turn.usage.input, purpose)
        event: dict[str, Any] = {"kind": "model_request", "purpose": purpose, "cache_hit": hit,
                                 "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                                 "prompt_tokens": turn.usage.input, "output_tokens": turn.usage.output,
                                 "cache_read_tokens": turn.usage.cache_read,
                                 "cache_write_tokens": turn.usage.cache_write, "cost_usd": turn.usage.cost_usd}
        if hit:
            event["cost_usd_uncached"] = priced
        self.events.append(event)
        return turn

    def _check_truncation(self, body: dict[str, Any], reported: int, purpose: str) -> None:
        """Record a ``context_truncated`` event when the provider says it read far fewer prompt tokens than were
        sent: a server that cuts long prompts silently must not pass for a model that read them (0: not reported)."""
        if reported <= 0:
            return
        counted = request_tokens(body, self.messages_key)
        if counted >= MIN_TRUNCATION_CHECK and reported < tokens.TRUNCATION_SHARE * counted:
            self.events.append({"kind": "context_truncated", "purpose": purpose, "prompt_tokens": reported,
                                "counted_tokens": counted})

    def _on_retry(self, attempt: int, failure: Failure, wait: float) -> None:
        self.events.append({"kind": "provider_retry", "attempt": attempt + 1, "reason": failure.reason,
                            "status": failure.status, "wait_s": round(wait, 3),
                            "message": redact(failure.message, self._secrets())[:300]})

    def _charge(self, usage: ModelUsage) -> None:
        self.usage = self.usage + usage
        self.episode_usage = self.episode_usage + usage
        if self._act_usage is not None:
            self._act_usage = self._act_usage + usage

    def _check_budget(self) -> None:
        spent = self.episode_usage
        if self.max_total_tokens is not None and spent.total_tokens >= self.max_total_tokens:
            raise BudgetExceeded(f"{self.name} used {spent.total_tokens:,} tokens, its budget is "
                                 f"{self.max_total_tokens:,}.", fix="Raise max_total_tokens to go further.")
        if self.max_cost_usd is not None and spent.cost_usd >= self.max_cost_usd:
            raise BudgetExceeded(f"{self.name} spent ${spent.cost_usd:.4f}, its budget is ${self.max_cost_usd:.4f}.",
                                 fix="Raise max_cost_usd to go further.")


def _retry_policy(retry: RetryPolicy | Mapping[str, Any] | None) -> RetryPolicy:
    """``retry=`` as a policy; a mapping (from a JSON or TOML config) gives the policy's fields."""
    if retry is None:
        return RetryPolicy()
    if isinstance(retry, RetryPolicy):
        return retry
    fields = {"max_retries", "max_identical", "base_delay", "max_delay", "max_retry_after", "seed"}
    unknown = sorted(set(retry) - fields)
    if unknown:
        raise ConfigError(f"Unknown retry setting(s) {unknown}.", fix=f"Use any of: {', '.join(sorted(fields))}.")
    return RetryPolicy(**dict(retry))


@functools.cache
def _parameters(fn: Callable[..., Any]) -> frozenset[str]:
    return frozenset(inspect.signature(fn).parameters)


def post_json(client: Any, path: str, body: dict[str, Any], provider: str) -> dict[str, Any]:
    """POST ``body`` unchanged through an SDK client and return the provider's JSON object.

    The client supplies transport, auth headers, timeouts and the SDK's error types (which the retry policy
    classifies). The typed ``create`` methods are bypassed on purpose: the OpenAI SDK walks the whole history
    against its parameter schemas in pure Python on every call (75 ms for chat and 214 ms for Responses at
    100 turns in bench/agents.py, growing each turn), and a body that is already in wire format needs none of it.

    Raises:
        ProviderError: the answer is not a JSON object (an HTML error page from a proxy, a wrong base_url).
    """
    content = client.post(path, body=body, cast_to=bytes)
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        raise bad_response(provider, "a JSON body") from None
    if not isinstance(data, dict):
        raise bad_response(provider, "a JSON object")
    return data


def sdk_accepts(fn: Callable[..., Any], name: str) -> bool:
    """Whether the installed SDK's ``fn`` takes parameter ``name``."""
    return name in _parameters(getattr(fn, "__func__", fn))


def bad_response(provider: str, what: str) -> ProviderError:
    """The error for a response that is not of the expected shape (a proxy's error page, a wrong base_url)."""
    return ProviderError(f"{provider} sent a response without {what}.",
                         fix="Check that base_url points at a server of this protocol.")


def usage_int(mapping: Any, *path: str) -> int:
    """An integer nested in a provider's usage object at ``path``; 0 when any level is missing or null."""
    value = mapping
    for key in path:
        if not isinstance(value, dict):
            return 0
        value = value.get(key)
    return int(value) if isinstance(value, (int, float)) else 0
