"""Retrying model calls: exponential backoff with jitter on rate limits, server errors and timeouts.

The SDKs' own retries are switched off (``max_retries=0``) so that there is one policy for every provider, the
waits honour ``Retry-After`` exactly, and each retry can be recorded in the trajectory. Errors that another
attempt cannot fix fail at once: a missing or rejected key raises
:class:`~locogym.core.errors.AuthenticationError`, a refused request
:class:`~locogym.core.errors.BadRequestError`. When the retries run out the last failure is raised as
:class:`~locogym.core.errors.ProviderError`, which the runner records as termination ``error`` — never as the
model's answer. Messages pass through :func:`redact`, so an API key echoed by a server never reaches a log.

Two failures are treated apart. A prompt that does not fit the model's window (OpenAI's
``context_length_exceeded``, Anthropic's "prompt is too long", vLLM's "maximum context length", llama.cpp's
"exceeds the available context size", llama-cpp-python's "exceed context window") raises
:class:`~locogym.agents.base.ContextOverflow` at once, whatever the status: it is the model's result at that
length, and no retry can change it. A server error that comes back with the same status and body again and
again is deterministic (a server that cannot parse the request answers 500 every time), so it is retried at most
``max_identical`` times, not ``max_retries``; gateway and overload statuses (502, 503, 504, 529) are exempt.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import anthropic
import openai

from locogym.agents.base import ContextOverflow
from locogym.core.errors import AuthenticationError, BadRequestError, ProviderError

log = logging.getLogger(__name__)
T = TypeVar("T")
FailureKind = Literal["retry", "auth", "bad_request", "context_overflow"]

_TIMEOUTS = (openai.APITimeoutError, anthropic.APITimeoutError)
_CONNECTION = (openai.APIConnectionError, anthropic.APIConnectionError)
_RETRY_STATUS = frozenset({408, 409, 425, 429})
_TRANSIENT = frozenset({502, 503, 504, 529})  # gateway and overload answers repeat verbatim yet do pass
# How providers and servers word "the prompt is longer than the model's window" (matched case-insensitively).
_OVERFLOW = re.compile(
    r"context_length_exceeded|maximum context length|prompt is too long|exceeds? (?:the )?(?:available )?"
    r"context (?:size|window|length)|context window of|exceed_context_size|input length and `?max_tokens`? "
    r"exceed context limit|longer than the maximum model length|too many tokens|prompt \(\d+ tokens?\) is too long",
    re.IGNORECASE)


@dataclass(frozen=True)
class Failure:
    """One failed attempt, classified: retry it, or fail fast (auth / bad request)."""

    kind: FailureKind
    reason: str  # "rate_limit", "server_error", "timeout", "connection", "auth", "bad_request", "context_overflow"
    status: int | None
    message: str
    retry_after: float | None = None


@dataclass
class RetryPolicy:
    """How long to keep trying. ``max_retries`` counts retries after the first attempt.

    The wait before retry ``n`` (0-based) is ``min(max_delay, base_delay * 2**n)``, half of it fixed and half
    drawn uniformly (equal jitter, so concurrent episodes spread out without ever retrying at once). A
    ``Retry-After`` (or ``retry-after-ms``) header replaces that wait; one longer than ``max_retry_after`` fails
    at once instead of stalling the run. A server error whose status and body repeat is retried at most
    ``max_identical`` times in a row.
    """

    max_retries: int = 6
    max_identical: int = 2
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 300.0
    seed: int | None = None
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def backoff(self, attempt: int) -> float:
        delay = min(self.max_delay, self.base_delay * (2 ** attempt))
        return delay / 2 + self._rng.uniform(0, delay / 2)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret (of 4+ characters) replaced by ``[redacted]``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text


def parse_retry_after(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date), else None."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _body_message(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            code = inner.get("code") or inner.get("type")
            return f"{inner['message']} ({code})" if isinstance(code, str) and code not in inner["message"] \
                else inner["message"]
        if isinstance(inner, str):  # {"error": "text"}: Ollama and some proxies
            return inner
        if isinstance(body.get("message"), str):
            return body["message"]
        if isinstance(body.get("detail"), str):  # FastAPI servers (llama-cpp-python)
            return body["detail"]
    return str(getattr(exc, "message", None) or exc)


def is_context_overflow(message: str) -> bool:
    """Whether a provider's error message says the prompt does not fit the model's context window."""
    return bool(_OVERFLOW.search(message))


def classify(exc: Exception) -> Failure | None:
    """What an SDK exception means for retrying; None for exceptions that are not provider failures."""
    if isinstance(exc, _TIMEOUTS):
        return Failure("retry", "timeout", None, "the request timed out")
    if isinstance(exc, _CONNECTION):
        return Failure("retry", "connection", None, f"could not connect ({_body_message(exc)})")
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        return None
    message = _body_message(exc)
    response = getattr(exc, "response", None)
    retry_after = parse_retry_after(getattr(response, "headers", None))
    if status in (400, 413, 422, 500) and is_context_overflow(message):
        return Failure("context_overflow", "context_overflow", status, message)
    if status in (401, 403):
        return Failure("auth", "auth", status, message)
    if status == 429:
        return Failure("retry", "rate_limit", status, message, retry_after)
    if status in _RETRY_STATUS or status >= 500:
        return Failure("retry", "server_error", status, message, retry_after)
    return Failure("bad_request", "bad_request", status, message)


def call_with_retries(fn: Callable[[], T], *, provider: str, policy: RetryPolicy,
                      secrets: Iterable[str | None] = (), sleep: Callable[[float], None] = time.sleep,
                      on_retry: Callable[[int, Failure, float], None] | None = None) -> T:
    """Call ``fn`` until it succeeds, retrying what a retry can fix.

    Raises:
        ContextOverflow: the prompt does not fit the model's window; not retried.
        AuthenticationError: the provider rejected the key (401/403); not retried.
        BadRequestError: the provider refused the request (other 4xx); not retried.
        ProviderError: retries ran out, the same server error repeated more than ``policy.max_identical`` times,
            or ``Retry-After`` asked for longer than ``policy.max_retry_after``.
    """
    secrets = tuple(secrets)
    attempt = 0
    repeats = 0
    previous: tuple[int | None, str] | None = None
    while True:
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - classified below, re-raised when not a provider failure
            failure = classify(exc)
            if failure is None:
                raise
        text = redact(failure.message, secrets)
        where = f"{provider} answered {failure.status}" if failure.status else f"{provider}: {failure.reason}"
        if failure.kind == "context_overflow":
            raise ContextOverflow(f"{where}: {text}",
                                  fix="This is the model's result at this length (scored 0). To fit longer "
                                      "tasks, use a context strategy with a limit under the model's window.") \
                from None
        if failure.kind == "auth":
            raise AuthenticationError(f"{where}: {text}",
                                      fix="Check the API key (argument api_key= or the provider's environment "
                                          "variable) and that it may use this model.") from None
        if failure.kind == "bad_request":
            raise BadRequestError(f"{where}: {text}",
                                  fix="The request was refused as it stands; check the model name, the "
                                      "settings (max_tokens, temperature) and that the context fits the "
                                      "model's window (a context strategy can keep it under a limit).") from None
        if failure.retry_after is not None and failure.retry_after > policy.max_retry_after:
            raise ProviderError(f"{where}: {text} (it asks to wait {failure.retry_after:.0f}s, more than the "
                                f"{policy.max_retry_after:.0f}s allowed)",
                                fix="Retry later, or raise max_retry_after in the retry policy.") from None
        signature = (failure.status, failure.message)
        deterministic = failure.status is not None and failure.status >= 500 and failure.status not in _TRANSIENT
        repeats = repeats + 1 if deterministic and signature == previous else 0
        previous = signature
        if repeats >= policy.max_identical:
            raise ProviderError(f"{where}: {text} (the same answer {repeats + 1} times in a row: the server fails "
                                "on this request every time)",
                                fix="Check the server's log for the cause; if it is transient after all, allow "
                                    "more with retry={'max_identical': N}.") from None
        if attempt >= policy.max_retries:
            raise ProviderError(f"{where}: {text} (gave up after {attempt + 1} attempts)",
                                fix="The provider kept failing; retry the run later (finished episodes are "
                                    "kept) or allow more retries.") from None
        wait = failure.retry_after if failure.retry_after is not None else policy.backoff(attempt)
        log.warning("%s; retry %d/%d in %.2fs", where, attempt + 1, policy.max_retries, wait)
        if on_retry is not None:
            on_retry(attempt, failure, wait)
        sleep(wait)
        attempt += 1
