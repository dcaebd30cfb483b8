"""An on-disk cache of test-suite runs, keyed by (repository, commit, defect, selection, backend).

Validating a defect costs a run of the project's tests; generating the same task again (another agent, another
CI run, a replay) must not pay it twice. Entries are one JSON file each, written atomically, so concurrent runs
and a killed process never leave a half-written entry; a corrupt entry is treated as a miss and rewritten. Only
finished runs are stored: a time-out may be the machine's load, and a cached one would decide every later draw.

The folder is ``$LOCOGYM_CACHE_DIR/testruns`` when that variable is set, else ``$XDG_CACHE_HOME/locogym/testruns``
(``~/.cache/locogym/testruns``). CI can keep it between runs (``actions/cache`` on that folder).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from locogym.core.types import stable_hash
from locogym.scenarios.defects.testrun import TestRun


def default_cache_dir() -> Path:
    """Where test runs are cached unless a folder is given."""
    explicit = os.environ.get("LOCOGYM_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser() / "testruns"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "locogym" / "testruns"


class RunCache:
    """Test runs on disk. ``hits`` and ``misses`` count lookups, so callers can report reuse."""

    def __init__(self, root: Path | str | None = None, enabled: bool = True) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(repository: str, commit: str, defect: str, **extra: Any) -> str:
        """The cache key of a run: repository, commit and defect, plus what else changes the outcome."""
        return stable_hash({"repository": repository, "commit": commit, "defect": defect, **extra}, 40)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> TestRun | None:
        if not self.enabled:
            self.misses += 1
            return None
        path = self._path(key)
        try:
            run = TestRun.model_validate(orjson.loads(path.read_bytes()))
        except (OSError, orjson.JSONDecodeError, ValidationError):
            self.misses += 1
            return None
        self.hits += 1
        return run

    def put(self, key: str, run: TestRun) -> None:
        """Store a run that finished. A time-out is refused: it may be the machine's load, not the code's."""
        if not self.enabled or run.timed_out:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(orjson.dumps(run.model_dump(mode="json")))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
