"""Trajectories on disk: JSON lines appended and flushed as the episode happens.

A file holds a ``header`` line (env, scenario, agent, task), one ``step`` line per step, ``event`` lines
(session starts, context compactions) and an ``end`` line (termination, score, usage). Each line is written with
one ``write`` call and flushed (and fsynced when asked), so a crash or SIGKILL loses at most the line being
written. :func:`~locogym.core.trajectory_file.read_trajectory` tolerates exactly that: a torn last line is dropped,
every complete step is kept.

The end line carries a *seal*: an HMAC of every byte written before it and of the end record itself (see
:mod:`locogym.harness.seal`). Its key is secret when a seed salt is set, so a file edited by someone without the
salt no longer matches its seal; without a salt the key is public and the seal, copied into ``episodes.jsonl``,
shows only that the two were not edited apart.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path
from typing import IO, Any

from locogym.core.salt import seal_key
from locogym.core.trajectory_file import read_trajectory
from locogym.core.types import SCHEMA_VERSION, StepEvent, Trajectory, dumps
from locogym.harness.provenance import default_episode_key


class TrajectoryWriter:
    """An :class:`~locogym.envs.base.EpisodeListener` that writes one trajectory file per episode.

    ``path`` is the file of the next episode; ``fsync=True`` makes every line durable before the step returns
    (slower; flushing alone survives a killed process, fsync also survives a power cut). ``header`` holds facts
    the env does not know at reset (the episode key, the agent's privilege) and overrides the trajectory's own;
    ``key`` is the seal key (:func:`locogym.core.salt.seal_key`). After the end line, :attr:`seal` holds the seal.
    """

    def __init__(self, path: str | Path, fsync: bool = False, header: dict[str, Any] | None = None,
                 key: bytes | None = None) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self.header = dict(header or {})
        self.key = key if key is not None else seal_key(None)
        self.seal: str | None = None
        self._mac = hmac.new(self.key, digestmod=hashlib.sha256)
        self._fh: IO[bytes] | None = None

    def _write(self, record: dict[str, Any]) -> None:
        self._write_line(dumps(record))

    def _write_line(self, line: bytes) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "ab", buffering=0)  # noqa: SIM115 - lives as long as the episode
        self._fh.write(line + b"\n")  # one unbuffered write: a kill tears at most this line
        self._mac.update(line + b"\n")
        if self.fsync:
            os.fsync(self._fh.fileno())

    def on_reset(self, trajectory: Trajectory) -> None:
        self.close()
        if self.path.exists():  # emptied in place, not unlinked: a name reserved by `reserve_path` stays taken
            self.path.write_bytes(b"")
        self._mac = hmac.new(self.key, digestmod=hashlib.sha256)
        self.seal = None
        header = trajectory.model_dump(mode="json", exclude={"steps", "score", "events", "termination",
                                                             "usage", "final_state", "seal"})
        header.update(self.header)
        header["episode_key"] = header.get("episode_key") or default_episode_key(trajectory)
        self.header["episode_key"] = header["episode_key"]
        self._write({"kind": "header", **header})

    def on_step(self, step: StepEvent) -> None:
        # pydantic's own serializer writes the JSON straight from the model: the recorder's hot path.
        self._write_line(step.__pydantic_serializer__.to_json(step))

    def on_event(self, event: dict[str, Any]) -> None:
        self._write({"kind": "event", "schema_version": SCHEMA_VERSION, "event": event})

    def on_end(self, trajectory: Trajectory) -> None:
        body = dumps({"kind": "end", "schema_version": SCHEMA_VERSION, "termination": trajectory.termination,
                      "score": trajectory.score.model_dump(mode="json") if trajectory.score else None,
                      "usage": trajectory.usage.model_dump(mode="json"), "final_state": trajectory.final_state,
                      "episode_key": self.header["episode_key"]})
        mac = self._mac.copy()
        mac.update(body + b"\n")
        self.seal = mac.hexdigest()
        self._write_line(body[:-1] + b',"seal":"' + self.seal.encode() + b'"}')
        self.close()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


__all__ = ["TrajectoryWriter", "read_trajectory"]
