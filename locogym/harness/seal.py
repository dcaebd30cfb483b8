"""Checking a trajectory file against the seal its recorder wrote on the end line.

The recorder (:class:`~locogym.harness.recorder.TrajectoryWriter`) feeds every line it writes into an HMAC and
puts the digest, taken over the end record itself too, on the end line. Re-computing it here over the file's
bytes tells whether any line was changed, added or removed since. With a seed salt the key is secret, so only
its holder can re-seal an edited file; without one anybody can, and the seal guards only against a file and its
``episodes.jsonl`` row being edited apart.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from locogym.core.errors import DataError
from locogym.core.types import dumps, loads


@dataclass(frozen=True)
class SealCheck:
    recorded: str | None  # the seal on the end line (None: no end line, or a file older than seals)
    computed: str | None  # the seal of the bytes as they are now (None when there is no end line)

    @property
    def ok(self) -> bool:
        return self.recorded is not None and self.recorded == self.computed


def check_seal(path: str | Path, key: bytes) -> SealCheck:
    """Re-compute the seal of the trajectory file at ``path`` with ``key`` and pair it with the recorded one."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError("No such trajectory file.", path=str(path),
                        fix="Check the run folder's trajectories/.") from None
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        return SealCheck(None, None)
    try:
        end = loads(lines[-1])
    except ValueError:
        return SealCheck(None, None)
    if not isinstance(end, dict) or end.get("kind") != "end":
        return SealCheck(None, None)
    recorded = end.pop("seal", None)
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for line in lines[:-1]:
        mac.update(line + b"\n")
    mac.update(dumps(end) + b"\n")
    return SealCheck(recorded if isinstance(recorded, str) else None, mac.hexdigest())
