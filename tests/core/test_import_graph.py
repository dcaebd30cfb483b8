"""The package's import graph has no cycle, counting function-local and TYPE_CHECKING imports.

import-linter (run by CI as ``lint-imports``) checks the layers; this checks what layers alone cannot: two modules
of one layer (or one folder) that import each other, and any module that imports the top-level package, which
itself imports every layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import locogym

ROOT = Path(locogym.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(node: ast.AST, module: str, is_package: bool, modules: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join([*base, node.module] if node.module else base)
    else:
        target = node.module or ""
    found = [f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in modules]
    return found or [target]


def import_graph() -> nx.DiGraph:
    files = sorted(ROOT.rglob("*.py"))
    modules = {_module_name(f) for f in files}
    graph = nx.DiGraph()
    for path in files:
        module = _module_name(path)
        graph.add_node(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _targets(node, module, path.name == "__init__.py", modules):
                if target in modules and target != module:
                    graph.add_edge(module, target)
    return graph


def test_the_graph_sees_function_local_imports() -> None:
    graph = import_graph()
    # envs.base imports scoring inside _finish(): a graph that missed it would also miss cycles made that way.
    assert graph.has_edge("locogym.envs.base", "locogym.scoring")


def test_no_import_cycle() -> None:
    cycles = [c for c in nx.simple_cycles(import_graph()) if len(c) > 1]
    assert not cycles, "import cycles: " + "; ".join(" -> ".join([*c, c[0]]) for c in cycles[:10])


def test_nothing_below_the_top_imports_the_top_level_package() -> None:
    importers = sorted(m for m, t in import_graph().edges if t == "locogym")
    assert not importers, f"{importers} import the top-level package; import the module that defines the name"
