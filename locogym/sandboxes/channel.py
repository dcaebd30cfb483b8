"""Byte channels to a tool server: the pipes of a child process, or the attached socket of a ``docker exec``.

A channel only moves bytes and knows its deadline; framing lives in :mod:`locogym.sandboxes.client`. Reads take an
absolute ``time.monotonic()`` deadline so one slow request can never hang the episode.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable


class ChannelClosed(Exception):
    """The server end went away (it exited, crashed or was killed)."""


class ChannelTimeout(Exception):
    """No byte arrived before the deadline."""


class Channel(ABC):
    """A duplex byte stream to one server process."""

    @abstractmethod
    def send(self, data: bytes) -> None:
        """Write all of ``data``; raises :class:`ChannelClosed` when the server is gone."""

    @abstractmethod
    def receive(self, deadline: float) -> bytes:
        """Return the next bytes the server wrote (at least one); raises ChannelClosed or ChannelTimeout."""

    @abstractmethod
    def close(self) -> None:
        """Stop the server end and free the channel. Idempotent."""

    def diagnostics(self) -> str:
        """What the server wrote to stderr lately, for error messages."""
        return ""


def _wait_readable(fd: int, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ChannelTimeout
    readable, _, _ = select.select([fd], [], [], remaining)
    if not readable:
        raise ChannelTimeout


class ProcessChannel(Channel):
    """The stdin/stdout pipes of a child process (local and bwrap backends).

    The child runs in its own session so that closing the channel kills the server and everything it started.
    Its stderr goes to an unlinked temp file, read back only to explain a failure.
    """

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None = None,
                 preexec_fn: Callable[[], object] | None = None) -> None:
        self._stderr = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=self._stderr, env=env, cwd=cwd, start_new_session=True,
                                            close_fds=True, preexec_fn=preexec_fn, bufsize=0)
        except OSError:
            self._stderr.close()
            raise
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in = self.process.stdin.fileno()
        self._out = self.process.stdout.fileno()
        self._closed = False

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._in, view):]
        except (BrokenPipeError, OSError) as exc:
            raise ChannelClosed(str(exc)) from None

    def receive(self, deadline: float) -> bytes:
        _wait_readable(self._out, deadline)
        try:
            data = os.read(self._out, 1 << 20)
        except OSError as exc:
            raise ChannelClosed(str(exc)) from None
        if not data:
            raise ChannelClosed("the server closed its output")
        return data

    def diagnostics(self) -> str:
        try:
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - 4000))
            return self._stderr.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            os.killpg(self.process.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()  # type: ignore[union-attr]
            except OSError:
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._stderr.close()


class DockerExecChannel(Channel):
    """The hijacked socket of a ``docker exec`` started with stdin attached and no TTY.

    Docker multiplexes the process's stdout and stderr onto the socket in frames with an 8-byte header (stream
    id, then a big-endian length); stdin goes to the process unframed. Stderr frames are kept for diagnostics.

    ``holder`` is the object the Docker SDK handed out for the socket (a ``SocketIO`` that keeps the HTTP response
    alive). It is held for the channel's lifetime: once it is garbage collected, the socket's last file reference is
    gone and any later ``close`` of the HTTP connection closes the descriptor under a live channel (``EBADF``).
    """

    def __init__(self, sock: socket.socket, on_close: Callable[[], object] | None = None,
                 holder: object | None = None) -> None:
        self._sock = sock
        self._holder = holder
        self._sock.setblocking(True)
        self._raw = bytearray()
        self._frame_left = 0
        self._frame_stream = 1
        self._stderr = bytearray()
        self._on_close = on_close
        self._closed = False

    def send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise ChannelClosed(str(exc)) from None

    def _fill(self, deadline: float) -> None:
        _wait_readable(self._sock.fileno(), deadline)
        try:
            chunk = self._sock.recv(1 << 20)
        except OSError as exc:
            raise ChannelClosed(str(exc)) from None
        if not chunk:
            raise ChannelClosed("the docker exec stream ended")
        self._raw += chunk

    def receive(self, deadline: float) -> bytes:
        while True:
            if self._frame_left == 0:
                while len(self._raw) < 8:
                    self._fill(deadline)
                self._frame_stream = self._raw[0]
                self._frame_left = int.from_bytes(self._raw[4:8], "big")
                del self._raw[:8]
                continue
            if not self._raw:
                self._fill(deadline)
            take = min(self._frame_left, len(self._raw))
            data = bytes(self._raw[:take])
            del self._raw[:take]
            self._frame_left -= take
            if self._frame_stream == 2:
                self._stderr = (self._stderr + data)[-4000:]
                continue
            return data

    def diagnostics(self) -> str:
        return self._stderr.decode("utf-8", "replace").strip()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for closable in (self._holder, self._sock):
            try:
                getattr(closable, "close", lambda: None)()
            except OSError:
                pass
        self._holder = None
        if self._on_close is not None:
            self._on_close()
