"""Codebase scenarios: sources (git, installed packages, source archives, synthetic projects), a tree-sitter code
index, a PageRank repo map, working-set length control, and the ``qa`` and ``multisession`` task generators.

Public surface::

    from locogym.scenarios.repo import CodeIndex, generate_project, load_source
    tree = load_source("synthetic", seed=3, target_tokens=32_768)   # or a folder, "package:NAME", an sdist
    index = CodeIndex.build(tree.files)
    index.find_definitions("issue_invoice"), index.callers("pkg.billing.issue_invoice")

The tools that act on a workspace are in :mod:`locogym.tools.code` (``repo_tools()``), the episode's view of the
workspace in :mod:`locogym.scenarios.repo.workspace`.
"""

from __future__ import annotations

from locogym.scenarios.repo.index import CodeIndex, Definition, Reference
from locogym.scenarios.repo.sources import SourceTree, load_source
from locogym.scenarios.repo.synthetic import generate_project

__all__ = ["CodeIndex", "Definition", "Reference", "SourceTree", "generate_project", "load_source"]
