"""Reading a trajectory back from its JSON-lines file (the format :mod:`locogym.harness.recorder` writes).

It lives in ``core`` because everything above needs it: scoring re-scores from it, the harness replays and
reports from it, users load it to study an episode.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from locogym.core.errors import DataError
from locogym.core.types import EpisodeScore, ModelUsage, StepEvent, Trajectory, loads


def read_trajectory(path: str | Path) -> Trajectory:
    """Rebuild a :class:`Trajectory` from its JSON-lines file.

    A torn *last* line (a crash mid-write) is dropped; a malformed line anywhere else is a :class:`DataError`
    naming the file and line. A file without an ``end`` line comes back with ``termination="running"``.
    """
    path = Path(path)
    try:
        raw_lines = path.read_bytes().split(b"\n")
    except FileNotFoundError:
        raise DataError("No such trajectory file.", path=str(path),
                        fix="Check the path (run folders keep them in trajectories/).") from None
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
        trajectory.seal = record.get("seal")
        if record.get("score") is not None:
            trajectory.score = EpisodeScore.model_validate(record["score"])
    else:
        raise ValueError(kind)
