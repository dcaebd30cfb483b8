"""The differential's references, made once per task and kept by the content hash of what they depend on.

A reference (:func:`~locogym.scenarios.defects.differential.run_reference`) is a function of the pristine task
alone: the defects' original and shipped definitions, the tests that call them, the pinned runner
configuration, the project's files and the interpreter that runs them. No agent's code takes part, so every
grading of the same task (another agent, a re-grade, a rerun of the arena) would compute the same answers
again. The store keys each reference by a digest of all of those inputs, including the reference program's own
source and limits, so any change to the task, the backend or the oracle is a different key and never a stale
answer.

Only a complete reference is stored: one in which the reference program reported on every target. A reference
cut short (a time-out on a loaded machine, a crash of the sandbox) would otherwise decide every later grading.
Entries live in memory for the process and, when the store has a folder, as one JSON file each, written
atomically; an unreadable entry is a miss. The folder is the grader's, outside any sandbox: an agent in a docker
or bwrap sandbox cannot reach it (with the local backend, trusted agents only, it could, as it could reach
anything of the user's).
"""

from __future__ import annotations

import os
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import orjson
from pydantic import TypeAdapter, ValidationError

from locogym.core.types import stable_hash
from locogym.scenarios.defects import differential
from locogym.scenarios.defects.differential import DifferentialTarget, Reference
from locogym.scenarios.defects.differential_child import REFERENCE

MEMORY_ENTRIES = 32
_REFERENCES = TypeAdapter(list[Reference])
_PROGRAM = stable_hash([REFERENCE, differential.DEFAULT_MAX_INPUTS, differential.CALL_TIMEOUT_S,
                        differential.MAX_CAPTURED, differential.MAX_INPUT_BYTES], 16)


def reference_key(targets: Sequence[DifferentialTarget], tests: Sequence[str], pristine: dict[str, str], *,
                  args: Sequence[str], import_roots: Sequence[str], interpreter: str) -> str:
    """The digest of everything a reference depends on (see the module docstring); ``interpreter`` names the
    backend and the Python that runs it."""
    return stable_hash({"program": _PROGRAM, "targets": [t.model_dump() for t in targets],
                        "tests": sorted(set(tests)), "args": list(args), "roots": list(import_roots),
                        "files": stable_hash(sorted(pristine.items()), 40), "interpreter": interpreter}, 40)


class ReferenceStore:
    """References by key, in memory and (with a ``root`` folder) on disk. ``hits`` and ``misses`` count
    lookups, so callers can report reuse."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else None
        self._memory: OrderedDict[str, list[Reference]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> list[Reference] | None:
        found = self._memory.get(key)
        if found is None:
            found = self._read(key)
            if found is not None:
                self._remember(key, found)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        return [r.model_copy(deep=True) for r in found]

    def put(self, key: str, references: list[Reference]) -> bool:
        """Keep a complete reference (every target reported on); return whether it was kept."""
        if not all(r.reported for r in references):
            return False
        self._remember(key, [r.model_copy(deep=True) for r in references])
        if self.root is not None:
            self._write(self.root, key, references)
        return True

    def _remember(self, key: str, references: list[Reference]) -> None:
        self._memory[key] = references
        self._memory.move_to_end(key)
        while len(self._memory) > MEMORY_ENTRIES:
            self._memory.popitem(last=False)

    def _read(self, key: str) -> list[Reference] | None:
        if self.root is None:
            return None
        try:
            return _REFERENCES.validate_json(_entry(self.root, key).read_bytes())
        except (OSError, ValidationError):
            return None

    def _write(self, root: Path, key: str, references: list[Reference]) -> None:
        path = _entry(root, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(orjson.dumps(_REFERENCES.dump_python(references, mode="json")))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _entry(root: Path, key: str) -> Path:
    return root / key[:2] / f"{key}.json"
