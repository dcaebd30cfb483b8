"""A task store: whole patch and review tasks, built and validated once, read back by a reset in a moment.

Making a task of a real project costs many runs of its test suite (the baseline, every candidate defect, the
benign edits), minutes on a large suite. The store keeps the finished :class:`~locogym.core.types.Task`, one JSON
file per task, under a key that names everything that decides it:

* the env and its family;
* the project by its content (a real tree's content hash, never the folder it sits in);
* the seed and every option (length, difficulty, depth, the family's own: the config with the project named by
  content);
* a fingerprint of the generator's code (:func:`source_fingerprint`), so changed generator code misses every
  entry built before it rather than serving a task the code would no longer make;
* the sandbox backend and image that validated it (test outcomes are the machine's word), and the salt's
  fingerprint for a salted task.

Entries are written atomically (a temporary file in the same folder, then a rename), so a killed build or two
builds of the same key never leave half an entry. Every read checks the entry: it must parse, carry this format,
sit under its own key's name, hold exactly the key asked for, and hold a task whose content hash still covers it.
An entry that fails is never used: :class:`StoreEntryInvalid` says which check failed and what to do.

The folder is ``$LOCOGYM_TASK_STORE`` when set, else ``$LOCOGYM_CACHE_DIR/tasks``, else
``$XDG_CACHE_HOME/locogym/tasks`` (``~/.cache/locogym/tasks``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from locogym.core.errors import DataError
from locogym.core.types import Model, Task, dumps, stable_hash
from locogym.core.version import package_version

STORE_FORMAT = 1
STORE_ENV = "LOCOGYM_TASK_STORE"
_FIX_REBUILD = "Remove it (locogym tasks verify --remove) and build it again (locogym tasks build)."


def default_store_dir() -> Path:
    """Where tasks are stored unless a folder is given."""
    explicit = os.environ.get(STORE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    cache = os.environ.get("LOCOGYM_CACHE_DIR")
    if cache:
        return Path(cache).expanduser() / "tasks"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "locogym" / "tasks"


@lru_cache(maxsize=16)
def source_fingerprint(modules: tuple[str, ...], skip: tuple[str, ...] = ()) -> str:
    """A digest of the source of ``modules`` (a package counts with every ``.py`` file under it) and the package
    version, leaving out the modules in ``skip``. Any edit of the generator's code changes it."""
    digest = hashlib.sha256(package_version().encode())
    skipped = {_module_file(name) for name in skip}
    for name in sorted(set(modules)):
        for path in _module_files(name):
            if path in skipped:
                continue
            digest.update(f"{name}:{path.name}:".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def _module_file(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise DataError(f"The generator module {name} cannot be found, so its tasks cannot be keyed.",
                        fix="Reinstall locogym (pip install -e .).")
    return Path(spec.origin)


def _module_files(name: str) -> list[Path]:
    """The source files of a module, or of a package and every module under it, in a fixed order."""
    origin = _module_file(name)
    if origin.name != "__init__.py":
        return [origin]
    return sorted(origin.parent.rglob("*.py"), key=lambda p: p.relative_to(origin.parent).as_posix())


class StoreKey(Model):
    """Everything that decides a stored task. Two builds with equal keys make the same task byte for byte."""

    env_id: str
    family: str
    project: str  # "synthetic", or "<name>@<content hash>"
    config: dict[str, Any]  # the ScenarioConfig's identity, the project named by content
    generator: str  # source_fingerprint of the generator's code
    backend: str
    image: str | None = None
    salt: str | None = None

    @property
    def seed(self) -> int:
        return int(self.config["seed"])

    @property
    def length(self) -> int:
        return int(self.config["length"])

    def digest(self) -> str:
        return stable_hash(self, 40)


class StoredTask(Model):
    """One store entry: the key, the task, and how long it took to build (never part of the key)."""

    format: int
    digest: str
    key: StoreKey
    task: Task
    build_seconds: float
    built_at: str
    locogym_version: str


class StoreEntryInvalid(DataError):
    """A store entry that must not be used: corrupt, altered, or not the entry its name says."""

    def __init__(self, path: Path, reason: str, fix: str = _FIX_REBUILD) -> None:
        super().__init__(f"The stored task {path} is not usable: {reason}.", fix=fix)
        self.entry = path
        self.reason = reason


class TaskStore:
    """Tasks on disk under ``root``, one file per key. ``hits``, ``misses`` and ``invalid`` count lookups."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_store_dir()
        self.hits = 0
        self.misses = 0
        self.invalid = 0

    def path(self, key: StoreKey) -> Path:
        digest = key.digest()
        return self.root / key.family / digest[:2] / f"{digest}.json"

    def get(self, key: StoreKey) -> Task | None:
        """The stored task of ``key``; ``None`` when there is none.

        Raises:
            StoreEntryInvalid: an entry is there but fails a check (the reason says which).
        """
        path = self.path(key)
        if not path.is_file():
            self.misses += 1
            return None
        try:
            entry = read_entry(path)
            if entry.key != key:
                raise StoreEntryInvalid(path, "it holds another key than its name's (a hash collision, or an "
                                              "entry copied over another)")
        except StoreEntryInvalid:
            self.invalid += 1
            raise
        self.hits += 1
        return entry.task

    def put(self, key: StoreKey, task: Task, build_seconds: float) -> Path:
        """Store ``task`` under ``key`` atomically; a concurrent build of the same key leaves one whole entry."""
        if task.content_hash != task.with_hash().content_hash:
            raise DataError(f"Task {task.task_id} does not match its content hash; it is not stored.",
                            fix="Store tasks as the env returns them (content_hash set by with_hash()).")
        entry = StoredTask(format=STORE_FORMAT, digest=key.digest(), key=key, task=task,
                           build_seconds=round(build_seconds, 3), built_at=datetime.now(UTC).isoformat(),
                           locogym_version=package_version())
        path = self.path(key)
        write_atomically(path, dumps(entry))
        return path

    def entries(self) -> Iterator[Path]:
        """Every entry file under the root, in a fixed order (temporary files of unfinished writes left out)."""
        if not self.root.is_dir():
            return iter(())
        return iter(sorted(p for p in self.root.glob("*/*/*.json") if not p.name.startswith(".tmp-")))


def read_entry(path: Path) -> StoredTask:
    """Read and check one entry file.

    Raises:
        StoreEntryInvalid: it cannot be read or parsed, has another format, sits under another key's name, or
            its task no longer matches its content hash.
    """
    try:
        raw = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise StoreEntryInvalid(path, f"it cannot be read as JSON ({exc})") from exc
    if isinstance(raw, dict) and raw.get("format") != STORE_FORMAT:
        raise StoreEntryInvalid(path, f"it has format {raw.get('format')!r}, this locogym reads {STORE_FORMAT}")
    try:
        entry = StoredTask.model_validate(raw)
    except ValidationError as exc:
        raise StoreEntryInvalid(path, f"it is not a stored task ({exc.error_count()} field errors, first: "
                                      f"{exc.errors()[0]['msg']})") from exc
    if entry.digest != entry.key.digest() or path.stem != entry.digest:
        raise StoreEntryInvalid(path, "its key does not hash to its name")
    if entry.task.with_hash().content_hash != entry.task.content_hash:
        raise StoreEntryInvalid(path, "its task was altered after it was built (the content hash no longer "
                                      "covers it)")
    return entry


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def stale_reason(entry: StoredTask, current_generator: str) -> str | None:
    """Why a sound entry will never be read again (``None``: it can be): built by other generator code."""
    if entry.key.generator != current_generator:
        return f"built by other generator code ({entry.key.generator}, now {current_generator})"
    return None

