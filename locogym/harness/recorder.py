"""Trajectories on disk: JSON lines appended and flushed as the episode happens.

A file holds a ``header`` line (env, scenario, agent, task), one ``step`` line per step, ``event`` lines
(session starts, context compactions) and an ``end`` line (termination, score, usage). Each line is written with
one ``write`` call and flushed (and fsynced when asked), so a crash or SIGKILL loses at most the line being
written. :func:`read_trajectory` tolerates exactly that: a torn last line is dropped, every complete step is kept.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from locogym.core.errors import DataError
from locogym.core.types import SCHEMA_VERSION, EpisodeScore, ModelUsage, StepEvent, Trajectory, dumps, loads


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


def read_trajectory(path: str | Path) -> Trajectory:
    """Rebuild a :class:`Trajectory` from its JSON-lines file.

    A torn *last* line (a crash mid-write) is dropped; a malformed line anywhere else is a :class:`DataError`
    naming the file and line. A file without an ``end`` line comes back with ``termination="running"``.
    """
    path = Path(path)
    try:
        raw_lines = path.read_bytes().split(b"\n")
    except FileNotFoundError:
        raise DataError("No such trajectory file.", path=str(path), fix="Check the path (run folders keep them in trajectories/).") from None
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    records: list[dict[str, Any]] = []
    for number, line in enumerate(raw_lines, start=1):
        try:
            record = loads(line)
        except Exception:
            if number == len(raw_lines):
                break  # torn by a crash mid-write
            raise DataError("Not a JSON line.", path=str(path), line=number,
                            fix="The file is damaged in the middle; only a torn last line can be recovered.") from None
        if not isinstance(record, dict) or "kind" not in record:
            raise DataError("A record without 'kind'.", path=str(path), line=number, field="kind", fix=_FROM_RECORDER)
        records.append(record)
    if not records or records[0]["kind"] != "header":
        raise DataError("The first line is not a trajectory header.", path=str(path), line=1, field="kind",
                        fix=_FROM_RECORDER)
    header = {k: v for k, v in records[0].items() if k != "kind"}
    try:
        trajectory = Trajectory.model_validate(header)
    except ValidationError as exc:
        raise _not_a_record(path, 1, exc) from None
    for number, record in enumerate(records[1:], start=2):
        try:
            _add_record(trajectory, record)
        except (ValidationError, KeyError) as exc:
            raise _not_a_record(path, number, exc) from None
        except ValueError:
            raise DataError(f"Unknown record kind {record['kind']!r}.", path=str(path), line=number, field="kind",
                            fix=_FROM_RECORDER) from None
    return trajectory


_FROM_RECORDER = "Pass a file written by locogym's recorder (run folders keep them in trajectories/)."


def _not_a_record(path: Path, line: int, exc: ValidationError | KeyError) -> DataError:
    """A line that parses as JSON but is not the record its ``kind`` says, named by its first bad field."""
    if isinstance(exc, KeyError):
        field, why = str(exc.args[0]), "Field required"
    else:
        first = exc.errors()[0]
        field, why = ".".join(str(p) for p in first["loc"]), first["msg"]
    return DataError(f"Not a trajectory record: {why}.", path=str(path), line=line, field=field, fix=_FROM_RECORDER)


def _add_record(trajectory: Trajectory, record: dict[str, Any]) -> None:
    """Apply one ``step``/``event``/``end`` record. Raises ValidationError or KeyError on a malformed record and
    ValueError on an unknown kind."""
    kind = record["kind"]
    if kind == "step":
        trajectory.steps.append(StepEvent.model_validate(record))
    elif kind == "event":
        trajectory.events.append(record["event"])
    elif kind == "end":
        trajectory.termination = record["termination"]
        trajectory.usage = ModelUsage.model_validate(record.get("usage") or {})
        trajectory.final_state = record.get("final_state") or {}
        trajectory.episode_key = record.get("episode_key") or trajectory.episode_key
        if record.get("score") is not None:
            trajectory.score = EpisodeScore.model_validate(record["score"])
    else:
        raise ValueError(kind)
