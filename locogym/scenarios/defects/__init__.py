"""Injected defects validated by a project's own tests: the machinery behind LoCo-RepoPatch, LoCo-RepoReview and
the CI arenas.

* :mod:`~locogym.scenarios.defects.mutations` — AST mutation operators (plausible bugs), one text edit each.
* :mod:`~locogym.scenarios.defects.testrun` / :mod:`~locogym.scenarios.defects.suite` /
  :mod:`~locogym.scenarios.defects.cache` — running pytest in a sandbox, per-test outcomes, cached on disk.
* :mod:`~locogym.scenarios.defects.inject` — choosing defects by seed and keeping those the tests catch.
"""

from __future__ import annotations

from locogym.scenarios.defects.cache import RunCache, default_cache_dir
from locogym.scenarios.defects.edits import Edit, apply_edits
from locogym.scenarios.defects.inject import Discard, Injection, KeptDefect, inject_defects
from locogym.scenarios.defects.mutations import MUTATION_KINDS, Mutation, find_mutations, is_test_path
from locogym.scenarios.defects.testrun import TestRun, parse_test_command, run_tests

__all__ = ["MUTATION_KINDS", "Discard", "Edit", "Injection", "KeptDefect", "Mutation", "RunCache", "TestRun",
           "apply_edits", "default_cache_dir", "find_mutations", "inject_defects", "is_test_path",
           "parse_test_command", "run_tests"]
