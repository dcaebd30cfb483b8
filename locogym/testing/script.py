"""What a scripted model server answers: replies, HTTP errors, delays, raw bodies, or a function of the request.

A script is protocol-neutral: the same ``Reply.calls(Call("read_file", {"path": "a.py"}))`` comes out as an
OpenAI chat completion, an OpenAI Responses ``function_call`` item or an Anthropic ``tool_use`` block, depending
on which endpoint the client called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Usage:
    """Token usage to report, in :class:`~locogym.core.types.ModelUsage` terms.

    ``input`` counts every prompt token (cached ones included) and ``output`` every generated token (reasoning
    included). Each protocol reports them its own way: OpenAI as ``prompt_tokens`` with ``cached_tokens`` and
    ``cache_write_tokens`` inside it, Anthropic as ``input_tokens`` *excluding* ``cache_read_input_tokens`` and
    ``cache_creation_input_tokens``, with reasoning as ``output_tokens_details.thinking_tokens``.
    """

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0


@dataclass(frozen=True)
class Call:
    """One tool call. ``arguments`` given as a string is sent verbatim (use it for malformed JSON)."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None  # a fixed call id; by default the server numbers them


@dataclass(frozen=True)
class Reply:
    """A successful model answer: optional text, any number of tool calls (several = parallel calls)."""

    text: str | None = None
    calls: tuple[Call, ...] = ()
    usage: Usage = Usage(input=10, output=5)
    stop: str | None = None  # "length" to report a reply cut by max tokens

    @classmethod
    def say(cls, text: str, usage: Usage | None = None) -> Reply:
        return cls(text=text, usage=usage or Usage(input=10, output=5))

    @classmethod
    def call(cls, name: str, arguments: dict[str, Any] | str | None = None, *, usage: Usage | None = None,
             text: str | None = None) -> Reply:
        return cls(text=text, calls=(Call(name, {} if arguments is None else arguments),),
                   usage=usage or Usage(input=10, output=5))

    @classmethod
    def parallel(cls, *calls: Call, usage: Usage | None = None, text: str | None = None) -> Reply:
        return cls(text=text, calls=tuple(calls), usage=usage or Usage(input=10, output=5))


@dataclass(frozen=True)
class HttpError:
    """An HTTP error in the protocol's error shape. ``retry_after`` sets the ``Retry-After`` header (seconds)."""

    status: int
    message: str = "scripted error"
    retry_after: float | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def rate_limit(cls, retry_after: float | None = None) -> HttpError:
        return cls(429, "Rate limit reached; slow down.", retry_after)

    @classmethod
    def server(cls, status: int = 500) -> HttpError:
        return cls(status, "The server had an error while processing the request.")


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` before answering ``then`` (a client with a shorter timeout sees a timeout)."""

    seconds: float
    then: ScriptItem | None = None


@dataclass(frozen=True)
class Raw:
    """A response sent byte for byte: for bodies no real server would send."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"


# Called with the :class:`~locogym.testing.wire.RecordedRequest` (typed loosely: wire.py builds on this module).
Responder = Callable[[Any], "ScriptItem"]
ScriptItem = Reply | HttpError | Delay | Raw | Responder
