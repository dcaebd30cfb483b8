"""Sources and indexes for task generation, cached per process (a real repository is read and indexed once).

``synthetic_core(seed)`` is the core of a synthetic project (the project of the first rung's size),
``grown_project(seed, length, fill)`` that core grown to ``length`` with fill ``fill``, ``real_source(params)``
the configured repository/archive/package (read once per spec and ref). ``index_for(tree)`` gives a tree's
:class:`CodeIndex`, stored on disk per (repository, commit) for real sources.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from locogym.scenarios.repo.common import FIRST_RUNG
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


def synthetic_core(seed: int) -> SourceTree:
    """The core of the synthetic project ``seed``: the whole project of the first rung's size."""
    return _tree(("synthetic", seed, FIRST_RUNG, 0), lambda: generate_project(seed=seed, target_tokens=FIRST_RUNG))


def grown_project(seed: int, length: int, fill: int) -> SourceTree:
    """The synthetic project ``seed`` grown around its core to ``length`` tokens with fill ``fill``."""
    return _tree(("synthetic", seed, length, fill),
                 lambda: generate_project(seed=seed, target_tokens=length, core_tokens=FIRST_RUNG, fill=fill))


def real_source(params: dict[str, Any]) -> SourceTree:
    """The configured repository, archive or package (``source``, ``ref``)."""
    return _tree(("source", str(params["source"]), params.get("ref")),
                 lambda: load_source(str(params["source"]), params.get("ref")))


def _tree(key: tuple[Any, ...], make: Callable[[], SourceTree]) -> SourceTree:
    if key not in _TREES:
        return _remember(_TREES, key, make())
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
