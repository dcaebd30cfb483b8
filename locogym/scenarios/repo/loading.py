"""Sources and indexes for task generation, cached per process (a real repository is read and indexed once).

``source_for(params, seed, length)`` gives the code base a task draws from: a fresh synthetic project per seed
and length, or the configured repository/archive/package (read once per spec and ref). ``index_for(tree)``
gives its :class:`CodeIndex`, stored on disk per (repository, commit) for real sources.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from locogym.scenarios.repo.index import CodeIndex
from locogym.scenarios.repo.sources import SourceTree, load_source
from locogym.scenarios.repo.synthetic import generate_project

_TREES: OrderedDict[tuple[Any, ...], SourceTree] = OrderedDict()
_INDEXES: OrderedDict[str, CodeIndex] = OrderedDict()
_KEEP = 4


def _remember(cache: OrderedDict, key: Any, value: Any) -> Any:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _KEEP:
        cache.popitem(last=False)
    return value


def clear_caches() -> None:
    """Forget the trees and indexes kept for task generation (benchmarks measure generation from scratch)."""
    _TREES.clear()
    _INDEXES.clear()


def is_synthetic(params: dict[str, Any]) -> bool:
    return str(params.get("source", "synthetic")) in {"synthetic", "synthetic:python"}


def source_for(params: dict[str, Any], seed: int, length: int) -> SourceTree:
    """The code base of a task: a synthetic project of ``length`` tokens drawn from ``seed``, or the real source."""
    if is_synthetic(params):
        key: tuple[Any, ...] = ("synthetic", seed, length)
        if key not in _TREES:
            return _remember(_TREES, key, generate_project(seed=seed, target_tokens=length))
    else:
        key = ("source", str(params["source"]), params.get("ref"))
        if key not in _TREES:
            return _remember(_TREES, key, load_source(str(params["source"]), params.get("ref")))
    _TREES.move_to_end(key)
    return _TREES[key]


def index_for(tree: SourceTree) -> CodeIndex:
    """The index of a whole tree; real sources are also cached on disk per (name, commit)."""
    cached = _INDEXES.get(tree.key)
    if cached is not None:
        _INDEXES.move_to_end(tree.key)
        return cached
    persistent = tree.origin in {"git", "archive", "package", "folder"}
    index = CodeIndex.build(tree.files, name=tree.name if persistent else "", commit=tree.commit if persistent else "")
    return _remember(_INDEXES, tree.key, index)
