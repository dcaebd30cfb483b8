"""A local HTTP server that speaks the OpenAI and Anthropic wire protocols and answers from a script.

    with ScriptedServer([Reply.call("read_file", {"path": "a.py"}), Reply.say("done")]) as server:
        client = openai.OpenAI(api_key="test", base_url=server.openai_base_url)
        ...
        assert server.requests[1].tool_results() == [("call_0001", "...")]

One server answers all three endpoints (chat completions, responses, messages) from one queue of script items;
each request takes the next item. A callable item is called with the :class:`RecordedRequest` and returns the
item to send, so a script can react to what the client sent; if it raises, the exception is kept in ``errors``
and the client gets a 400 naming it (a bug in a test's script fails fast instead of looking like a flaky
server). When the queue is empty the ``fallback`` item answers, and without one the server answers 400
``script exhausted`` — a client fails fast instead of retrying.
It binds to 127.0.0.1 on a free port (or ``port=``, to stand in again for a server that was stopped) and runs
in a daemon thread; ``close()`` (or leaving the ``with``) stops it
and wakes any request still in a :class:`Delay`.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from locogym.testing.script import Delay, HttpError, Raw, Reply, ScriptItem
from locogym.testing.wire import PATHS, Protocol, RecordedRequest, Renderer, error_body

_CREDENTIAL_HEADERS = ("authorization", "x-api-key", "api-key")


class ScriptedServer:
    """Scripted OpenAI / Anthropic endpoint for tests and benchmarks (see the module docstring)."""

    def __init__(self, script: Iterable[ScriptItem] = (), *, api_key: str | None = None,
                 fallback: ScriptItem | None = None, keep_requests: bool = True, port: int = 0) -> None:
        self._queue: collections.deque[ScriptItem] = collections.deque(script)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._renderer = Renderer()
        self.api_key = api_key
        self.port = port
        self.fallback = fallback
        self.keep_requests = keep_requests  # False for long benchmarks: requests are counted, not kept
        self.requests: list[RecordedRequest] = []
        self.request_count = 0
        self.errors: list[BaseException] = []  # exceptions raised by callable script items
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> ScriptedServer:
        if self._httpd is not None:
            return self
        handler = type("Handler", (_Handler,), {"server_ref": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="scripted-model-server", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ addresses and script
    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("The scripted server is not running; use it as a context manager or call start().")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def openai_base_url(self) -> str:
        """``base_url`` for the OpenAI SDK (it appends ``/chat/completions`` or ``/responses``)."""
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """``base_url`` for the Anthropic SDK (it appends ``/v1/messages``)."""
        return self.url

    def push(self, *items: ScriptItem) -> None:
        """Append items to the script."""
        with self._lock:
            self._queue.extend(items)

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._queue)

    # ------------------------------------------------------------------ answering
    def _next_item(self) -> ScriptItem | None:
        with self._lock:
            return self._queue.popleft() if self._queue else self.fallback

    def _authorized(self, protocol: Protocol, headers: dict[str, str]) -> bool:
        if self.api_key is None:
            return True
        return (headers.get("authorization") == f"Bearer {self.api_key}"
                or (protocol == "anthropic" and headers.get("x-api-key") == self.api_key))

    def answer(self, protocol: Protocol, path: str, body: dict[str, Any],
               headers: dict[str, str]) -> tuple[int, bytes, dict[str, str], float]:
        """Status, body, extra headers and a delay for one request (recorded in ``requests``)."""
        authorized = self._authorized(protocol, headers)
        masked = {k: ("<masked>" if k in _CREDENTIAL_HEADERS else v) for k, v in headers.items()}
        request = RecordedRequest(protocol=protocol, path=path, body=body, headers=masked, authorized=authorized)
        with self._lock:
            self.request_count += 1
            if self.keep_requests:
                self.requests.append(request)
        if not authorized:
            return self._error(protocol, HttpError(401, "Invalid API key provided."))
        if body.get("stream"):
            return self._error(protocol, HttpError(400, "The scripted server does not stream; send stream=false."))
        item = self._next_item()
        delay = 0.0
        while True:
            if item is None:
                return self._error(protocol, HttpError(400, "Script exhausted: the test scripted fewer replies "
                                                            "than the client asked for."), delay)
            if isinstance(item, Delay):
                delay += item.seconds
                item = item.then
                continue
            if isinstance(item, (Reply, HttpError, Raw)):
                break
            try:
                item = item(request)
            except Exception as exc:  # noqa: BLE001 - reported to the client and kept for the test
                with self._lock:
                    self.errors.append(exc)
                return self._error(protocol, HttpError(400, f"The scripted responder raised "
                                                            f"{type(exc).__name__}: {exc}"), delay)
        if isinstance(item, Raw):
            return item.status, item.body, {"content-type": item.content_type}, delay
        if isinstance(item, HttpError):
            return self._error(protocol, item, delay)
        payload = self._renderer.reply(protocol, request, item)
        return 200, orjson.dumps(payload), {"content-type": "application/json"}, delay

    def _error(self, protocol: Protocol, error: HttpError,
               delay: float = 0.0) -> tuple[int, bytes, dict[str, str], float]:
        headers = {"content-type": "application/json", **dict(error.headers)}
        if error.retry_after is not None:
            headers["retry-after"] = f"{error.retry_after:g}"
        return error.status, orjson.dumps(error_body(protocol, error)), headers, delay

    def wait(self, seconds: float) -> None:
        """Sleep for a delayed reply; returns early when the server closes."""
        self._closing.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    server_ref: ScriptedServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes; don't wait for a delayed ACK

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        """Silence the default stderr access log."""

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's naming
        path = self.path.split("?", 1)[0].rstrip("/")
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        protocol = PATHS.get(path)
        if protocol is None:
            self._send(404, orjson.dumps({"error": {"message": f"No scripted endpoint at {path}."}}),
                       {"content-type": "application/json"})
            return
        try:
            body = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            self._send(400, orjson.dumps(error_body(protocol, HttpError(400, "The body is not a JSON object.")),
                                         ), {"content-type": "application/json"})
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload, extra, delay = self.server_ref.answer(protocol, path, body, headers)
        if delay > 0:
            self.server_ref.wait(delay)
        self._send(status, payload, extra)

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test): nothing to do
            pass
