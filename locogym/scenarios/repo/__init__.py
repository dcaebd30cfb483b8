"""Codebase scenarios: sources (git, installed packages, source archives, synthetic projects), a tree-sitter code
index, a PageRank repo map, working-set length control, and the ``qa`` and ``multisession`` task generators.

Public surface::

    from locogym.scenarios.repo import load_source, generate_project, CodeIndex
    tree = load_source("synthetic", seed=3, target_tokens=32_768)
    index = CodeIndex.build(tree.files)
    index.find_definitions("issue_invoice")
"""

from __future__ import annotations

from locogym.scenarios.repo.sources import SourceTree, load_source
from locogym.scenarios.repo.synthetic import generate_project

__all__ = ["SourceTree", "generate_project", "load_source"]
