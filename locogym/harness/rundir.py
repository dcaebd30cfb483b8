"""A tournament's run folder: ``episodes.jsonl`` (one EpisodeResult a line), ``trajectories/``, the plan and reports.

Durability rules, so that a run killed at any instant (SIGINT, SIGKILL, power cut) resumes with nothing lost and
nothing run twice:

* one process writes ``episodes.jsonl`` (an exclusive ``flock`` on ``.lock`` keeps a second tournament out);
* each result is one ``write`` of one complete line on an ``O_APPEND`` descriptor, then ``fsync``;
* a torn last line (the kill landed mid-write) is not a result: it is cut off before the next append, and the
  episode it described runs again;
* the last line of a key wins, so a retried errored episode supersedes its earlier failure.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from locogym.core.errors import ConfigError, DataError
from locogym.core.types import EpisodeResult, dumps, loads

EPISODES = "episodes.jsonl"
PLAN = "tournament.json"
LOCK = ".lock"


class RunDir:
    """Reads and appends a run folder. Use :meth:`writer` (a context manager) for the single writer."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def episodes_path(self) -> Path:
        return self.path / EPISODES

    @property
    def plan_path(self) -> Path:
        return self.path / PLAN

    def exists(self) -> bool:
        return self.episodes_path.exists() or self.plan_path.exists()

    def read_results(self) -> list[EpisodeResult]:
        """Every complete line in file order. A torn last line is skipped; damage elsewhere is a DataError."""
        return list(self._iter_results())

    def _iter_results(self) -> Iterator[EpisodeResult]:
        try:
            data = self.episodes_path.read_bytes()
        except FileNotFoundError:
            return
        lines = data.split(b"\n")
        complete = lines[:-1]  # whatever follows the last newline is an unfinished write
        for number, line in enumerate(complete, start=1):
            if not line.strip():
                continue
            try:
                yield EpisodeResult.model_validate(loads(line))
            except (ValueError, ValidationError) as exc:
                raise DataError(f"Not an episode result: {str(exc).splitlines()[0]}", path=str(self.episodes_path),
                                line=number, fix="Remove or repair that line; every other line is kept.") from None

    def latest(self) -> dict[str, EpisodeResult]:
        """The current result of each key (the last line written for it)."""
        return {result.key: result for result in self._iter_results()}

    def attempts(self) -> list[EpisodeResult]:
        """Every line, superseded attempts included (an errored attempt's tokens were paid for all the same)."""
        return list(self._iter_results())

    def read_plan(self) -> dict[str, Any] | None:
        try:
            return loads(self.plan_path.read_bytes())
        except FileNotFoundError:
            return None

    def write_plan(self, plan: dict[str, Any]) -> None:
        """Replace ``tournament.json`` atomically (write a temporary file, fsync, rename)."""
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.plan_path.with_suffix(".json.tmp")
        with open(tmp, "wb") as fh:
            fh.write(dumps(plan))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.plan_path)

    def writer(self) -> ResultWriter:
        return ResultWriter(self)


class ResultWriter:
    """The run folder's single writer: holds the lock and appends results durably."""

    def __init__(self, run_dir: RunDir) -> None:
        self.run_dir = run_dir
        self._lock: IO[bytes] | None = None
        self._fd: int | None = None

    def __enter__(self) -> ResultWriter:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Take the lock, cut a torn last line, and open ``episodes.jsonl`` for appending.

        Raises:
            ConfigError: another tournament holds the run folder.
        """
        self.run_dir.path.mkdir(parents=True, exist_ok=True)
        lock = open(self.run_dir.path / LOCK, "ab")  # noqa: SIM115 - held for the writer's lifetime
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise ConfigError(f"Another tournament is writing to {self.run_dir.path}.",
                              fix="Wait for it to finish, or choose another --out folder.") from None
        self._lock = lock
        self._cut_torn_tail()
        self._fd = os.open(self.run_dir.episodes_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def _cut_torn_tail(self) -> None:
        path = self.run_dir.episodes_path
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return
        if size == 0:
            return
        with open(path, "rb+") as fh:
            data = fh.read()
            if data.endswith(b"\n"):
                return
            keep = data.rfind(b"\n") + 1
            fh.truncate(keep)
            fh.flush()
            os.fsync(fh.fileno())

    def append(self, result: EpisodeResult) -> None:
        """One line, one ``write``, then ``fsync``: after this returns the result survives any crash."""
        assert self._fd is not None, "open() first"
        line = dumps(result) + b"\n"
        written = os.write(self._fd, line)
        if written != len(line):  # a short write on a full disk: cut it so the file stays line-complete
            os.ftruncate(self._fd, os.lseek(self._fd, 0, os.SEEK_END) - written)
            raise OSError(f"Short write to {self.run_dir.episodes_path} ({written} of {len(line)} bytes).")
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock is not None:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None
