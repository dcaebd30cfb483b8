"""Trajectories on disk: JSON lines appended and flushed as the episode happens.

A file holds a ``header`` line (env, scenario, agent, task), one ``step`` line per step, ``event`` lines
(session starts, context compactions) and an ``end`` line (termination, score, usage). Each line is written with
one ``write`` call and flushed (and fsynced when asked), so a crash or SIGKILL loses at most the line being
written. :func:`~locogym.core.trajectory_file.read_trajectory` tolerates exactly that: a torn last line is dropped,
every complete step is kept.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from locogym.core.trajectory_file import read_trajectory
from locogym.core.types import SCHEMA_VERSION, StepEvent, Trajectory, dumps


class TrajectoryWriter:
    """An :class:`~locogym.envs.base.EpisodeListener` that writes one trajectory file per episode.

    ``path`` is the file of the next episode; ``fsync=True`` makes every line durable before the step returns
    (slower; flushing alone survives a killed process, fsync also survives a power cut).
    """

    def __init__(self, path: str | Path, fsync: bool = False) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._fh: IO[bytes] | None = None

    def _write(self, record: dict[str, Any]) -> None:
        self._write_line(dumps(record))

    def _write_line(self, line: bytes) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "ab", buffering=0)  # noqa: SIM115 - lives as long as the episode
        self._fh.write(line + b"\n")  # one unbuffered write: a kill tears at most this line
        if self.fsync:
            os.fsync(self._fh.fileno())

    def on_reset(self, trajectory: Trajectory) -> None:
        self.close()
        if self.path.exists():
            self.path.unlink()
        header = trajectory.model_dump(mode="json", exclude={"steps", "score", "events", "termination",
                                                             "usage", "final_state"})
        self._write({"kind": "header", **header})

    def on_step(self, step: StepEvent) -> None:
        # pydantic's own serializer writes the JSON straight from the model: the recorder's hot path.
        self._write_line(step.__pydantic_serializer__.to_json(step))

    def on_event(self, event: dict[str, Any]) -> None:
        self._write({"kind": "event", "schema_version": SCHEMA_VERSION, "event": event})

    def on_end(self, trajectory: Trajectory) -> None:
        self._write({"kind": "end", "schema_version": SCHEMA_VERSION, "termination": trajectory.termination,
                     "score": trajectory.score.model_dump(mode="json") if trajectory.score else None,
                     "usage": trajectory.usage.model_dump(mode="json"), "final_state": trajectory.final_state,
                     "episode_key": trajectory.episode_key})
        self.close()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


__all__ = ["TrajectoryWriter", "read_trajectory"]
