"""The host side of the tool server: framing, deadlines, typed errors, and restart after a failure.

One :class:`ToolServerClient` owns one server process through a :class:`~locogym.sandboxes.channel.Channel` that a
backend-specific ``launch`` callable opens. A request that runs past its deadline, or a server that dies, is
reported as :class:`~locogym.core.errors.SandboxTimeout` / :class:`~locogym.core.errors.SandboxUnavailable`; the
broken server is thrown away and the next request starts a fresh one, so the episode goes on.

The server runs next to untrusted commands (with the same user), so its replies are treated as untrusted input:
sizes are capped and malformed replies end the server like a crash does.
"""

from __future__ import annotations

import errno as errno_codes
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from locogym.core.errors import SandboxTimeout, SandboxUnavailable
from locogym.sandboxes.base import PathOutsideWorkspace
from locogym.sandboxes.channel import Channel, ChannelClosed, ChannelTimeout

SERVER_SOURCE = (Path(__file__).with_name("toolserver.py")).read_text(encoding="utf-8")
MAX_LINE = 64 * 1024 * 1024
MAX_BLOB = 1024 * 1024 * 1024
START_TIMEOUT_S = 20.0
FILE_OP_TIMEOUT_S = 60.0
EXEC_GRACE_S = 10.0


def server_argv(python: str, root: str, *, reap: bool, limits: dict[str, int], home: str) -> list[str]:
    """The command line that starts the server from source (``-I -S``: no site packages, no PYTHON* variables)."""
    argv = [python, "-I", "-S", "-c", SERVER_SOURCE, "--root", root, "--home", home,
            "--limits", orjson.dumps(limits).decode()]
    return [*argv, "--reap"] if reap else argv


# Requests that leave the same state however often they run: safe to send again after the server died.
IDEMPOTENT_OPS = frozenset({"read", "write", "list", "stat", "glob", "grep", "load", "clear", "ping"})


class ServerDied(SandboxUnavailable):
    """The tool server ended in the middle of a request (its stream closed or it wrote garbage)."""


class PatchError(ValueError):
    """A patch is malformed or does not apply; nothing was changed."""


def _raise_remote(error: dict[str, Any], path: str | None) -> None:
    """Turn a server error into the exception the :class:`Sandbox` docstrings promise."""
    kind, message = str(error.get("type", "")), str(error.get("message", "error"))[:2000]
    code = error.get("errno")
    where = f"{path!r}: " if path is not None else ""
    simple: dict[str, type[Exception]] = {
        "PathOutsideWorkspace": PathOutsideWorkspace, "FileNotFoundError": FileNotFoundError,
        "IsADirectoryError": IsADirectoryError, "NotADirectoryError": NotADirectoryError,
        "FileExistsError": FileExistsError, "PatchError": PatchError, "ValueError": ValueError,
    }
    if kind in simple:
        raise simple[kind](f"{where}{message}" if kind != "PathOutsideWorkspace" else message)
    if kind == "PermissionError" or code in (errno_codes.EACCES, errno_codes.EPERM):
        raise PermissionError(f"{where}{message}")
    if code == errno_codes.ELOOP:
        raise PathOutsideWorkspace(f"{where}is a symbolic link; file tools do not follow links.")
    if isinstance(code, int):
        raise OSError(code, f"{where}{message}")
    raise SandboxUnavailable(f"The tool server failed: {kind}: {message}",
                             fix="This is a defect in locogym's tool server; please report it.")


class ToolServerClient:
    """Sends requests to one tool server and reads its replies, restarting the server after a failure."""

    def __init__(self, launch: Callable[[], Channel], name: str) -> None:
        self._launch = launch
        self.name = name
        self._channel: Channel | None = None
        self._buffer = bytearray()
        self._next_id = 1
        self._lock = threading.Lock()
        self.greeting: dict[str, Any] = {}
        self.restarts = 0
        self.closed = False

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> dict[str, Any]:
        """Start the server (if it is not running) and return its greeting."""
        with self._lock:
            self._ensure()
            return self.greeting

    def _ensure(self) -> Channel:
        if self.closed:
            raise SandboxUnavailable(f"The {self.name} sandbox was closed.", fix="Create a new sandbox.")
        if self._channel is not None:
            return self._channel
        try:
            channel = self._launch()
        except SandboxUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever stops the launch makes the backend unavailable
            raise SandboxUnavailable(f"Could not start the {self.name} tool server: {exc}",
                                     fix="Run `locogym sandbox doctor` to see what is missing.") from exc
        self._channel, self._buffer = channel, bytearray()
        try:
            header, _ = self._read_message(time.monotonic() + START_TIMEOUT_S)
        except (ChannelClosed, ChannelTimeout, ValueError) as exc:
            detail = channel.diagnostics()
            self._drop()
            raise SandboxUnavailable(
                f"The {self.name} tool server did not start ({type(exc).__name__}). {detail[-1500:]}".strip(),
                fix="Check that python3 exists in the sandbox image (`locogym sandbox build`) and run "
                "`locogym sandbox doctor`.") from None
        self.greeting = dict(header.get("result") or {})
        return channel

    def _drop(self) -> None:
        if self._channel is not None:
            channel, self._channel = self._channel, None
            channel.close()

    def restart(self) -> None:
        """Throw the current server away; the next request starts a fresh one."""
        with self._lock:
            self._drop()
            self.restarts += 1

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._drop()

    # ------------------------------------------------------------------- framing
    def _read_line(self, deadline: float) -> bytes:
        assert self._channel is not None
        start = 0
        while True:
            newline = self._buffer.find(b"\n", start)
            if newline >= 0:
                line = bytes(self._buffer[:newline])
                del self._buffer[:newline + 1]
                return line
            if len(self._buffer) > MAX_LINE:
                raise ValueError("reply line too long")
            start = len(self._buffer)
            self._buffer += self._channel.receive(deadline)

    def _read_blob(self, size: int, deadline: float) -> bytes:
        assert self._channel is not None
        if not 0 <= size <= MAX_BLOB:
            raise ValueError(f"reply blob of {size} bytes")
        while len(self._buffer) < size:
            self._buffer += self._channel.receive(deadline)
        blob = bytes(self._buffer[:size])
        del self._buffer[:size]
        return blob

    def _read_message(self, deadline: float) -> tuple[dict[str, Any], bytes | None]:
        header = orjson.loads(self._read_line(deadline))
        if not isinstance(header, dict):
            raise ValueError("reply is not an object")
        blob = self._read_blob(int(header["blob"]), deadline) if "blob" in header else None
        return header, blob

    # ------------------------------------------------------------------ requests
    def call(self, op: str, args: dict[str, Any] | None = None, blob: bytes | None = None,
             timeout: float = FILE_OP_TIMEOUT_S, path: str | None = None) -> tuple[dict[str, Any], bytes | None]:
        """One request, one reply. Raises the mapped error of the server, SandboxTimeout or SandboxUnavailable.

        When the server dies under an idempotent request (a read, a listing, a write of whole bytes, a load), the
        request is sent once more to a fresh server: doing it twice changes nothing, and the episode goes on
        instead of failing on the machine's trouble. A command or a patch is never sent twice.
        """
        try:
            return self._call_once(op, args, blob, timeout, path)
        except ServerDied:
            if op not in IDEMPOTENT_OPS:
                raise
            return self._call_once(op, args, blob, timeout, path)

    def _call_once(self, op: str, args: dict[str, Any] | None, blob: bytes | None, timeout: float,
                   path: str | None) -> tuple[dict[str, Any], bytes | None]:
        with self._lock:
            channel = self._ensure()
            request_id = self._next_id
            self._next_id += 1
            message = {"id": request_id, "op": op, **(args or {})}
            if blob is not None:
                message["blob"] = len(blob)
            try:
                channel.send(orjson.dumps(message) + b"\n" + (blob or b""))
                header, reply_blob = self._read_message(time.monotonic() + timeout)
                if header.get("id") != request_id:
                    raise ValueError(f"reply to request {header.get('id')!r}, expected {request_id}")
            except ChannelTimeout:
                self._drop()
                self.restarts += 1
                raise SandboxTimeout(f"The {self.name} tool server did not answer {op!r} within {timeout:.0f} s; "
                                     "it was restarted.", fix="Narrow the request or raise its timeout.") from None
            except (ChannelClosed, ValueError, KeyError, orjson.JSONDecodeError) as exc:
                detail = channel.diagnostics()
                self._drop()
                self.restarts += 1
                raise ServerDied(f"The {self.name} tool server died during {op!r} ({exc}); it was "
                                         f"restarted. {detail[-800:]}".strip(),
                                         fix="Retry the call; files written before the failure are kept.") from None
        if not header.get("ok"):
            _raise_remote(dict(header.get("error") or {}), path)
        result = header.get("result")
        return (result if isinstance(result, dict) else {}), reply_blob
