"""Caches of per-file index facts: in memory by file content, and on disk per (repository, commit).

Parsing is the expensive part of indexing; resolution across files is cheap. Facts depend only on a file's path,
language and bytes, so they are cached in memory by a digest of those, and — when a tree has a name and a commit
(a git repository, a source archive, an installed package) — written to one file per (repository, commit) under
the cache folder, so that the second build of the same tree, even in a new process, parses nothing.

The cache folder is ``$LOCOGYM_CACHE_DIR/index`` (default ``~/.cache/locogym/index``). Entries are pickles
written by this module only, in a folder of the user's own; a corrupt or foreign entry is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import tempfile
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from locogym.scenarios.repo import go_types, parsing, setting_facts
from locogym.scenarios.repo.parsing import FileFacts, extract
from locogym.scenarios.repo.tree import language_of

# entries are only valid for the extractor that wrote them: its source is part of every key
FORMAT_VERSION = "5-" + hashlib.sha256(Path(parsing.__file__).read_bytes() +
                                      Path(setting_facts.__file__).read_bytes() +
                                      Path(go_types.__file__).read_bytes()).hexdigest()[:12]
_MEMORY_MAX = 200_000
_memory: OrderedDict[bytes, FileFacts] = OrderedDict()


def cache_dir() -> Path:
    """Where per-commit index files live (created on first write)."""
    base = os.environ.get("LOCOGYM_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "locogym")
    return Path(base) / "index"


def _file_key(path: str, lang: str, text: str) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{FORMAT_VERSION}\0{lang}\0{path}\0".encode())
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.digest()


def _tree_file(name: str, commit: str) -> Path:
    digest = hashlib.sha256(f"{FORMAT_VERSION}\0{name}\0{commit}".encode()).hexdigest()[:32]
    return cache_dir() / f"{digest}.pkl"


def _load_tree(name: str, commit: str) -> dict[bytes, FileFacts]:
    target = _tree_file(name, commit)
    try:
        with target.open("rb") as fh:
            payload = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return {}
    if not isinstance(payload, dict) or payload.get("version") != FORMAT_VERSION:
        return {}
    facts = payload.get("facts")
    return facts if isinstance(facts, dict) else {}


def _store_tree(name: str, commit: str, facts: dict[bytes, FileFacts]) -> None:
    target = _tree_file(name, commit)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"version": FORMAT_VERSION, "facts": facts}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except OSError:
        return  # a read-only home folder only costs speed


@contextlib.contextmanager
def bulk_build() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic records.

    Parsing and indexing allocate hundreds of thousands of dataclasses and tuples that reference counting frees;
    the collector would only re-scan them again and again (a third of a cold 1m-token build).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def clear_memory() -> None:
    """Forget the in-memory facts (benchmarks use it to measure cold builds)."""
    _memory.clear()


def file_facts(files: dict[str, str], *, name: str = "", commit: str = "", use_cache: bool = True) -> list[FileFacts]:
    """Facts of every indexable file of ``files`` (sorted by path), parsed only when no cache has them."""
    with bulk_build():
        return _file_facts(files, name, commit, use_cache)


def _file_facts(files: dict[str, str], name: str, commit: str, use_cache: bool) -> list[FileFacts]:
    keyed: list[tuple[bytes, str, str, str]] = []
    for path in sorted(files):
        lang = language_of(path)
        if lang is not None:
            keyed.append((_file_key(path, lang, files[path]), path, lang, files[path]))
    disk: dict[bytes, FileFacts] = _load_tree(name, commit) if use_cache and name and commit else {}
    out: list[FileFacts] = []
    parsed = False
    for key, path, lang, text in keyed:
        facts = _memory.get(key) if use_cache else None
        if facts is None:
            facts = disk.get(key)
        if facts is None:
            facts = extract(path, text, lang)
            parsed = True
        if use_cache:
            _memory[key] = facts
            _memory.move_to_end(key)
        out.append(facts)
    while len(_memory) > _MEMORY_MAX:
        _memory.popitem(last=False)
    if use_cache and name and commit and (parsed or len(disk) != len(keyed)):
        _store_tree(name, commit, {key: f for (key, *_), f in zip(keyed, out, strict=True)})
    return out
