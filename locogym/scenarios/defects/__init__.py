"""Injected defects validated by a project's own tests: the machinery behind LoCo-RepoPatch, LoCo-RepoReview and
the CI arenas.

* :mod:`~locogym.scenarios.defects.edits` — character-exact text edits located by AST positions.
* :mod:`~locogym.scenarios.defects.mutations` — mutation operators (plausible bugs), one edit each.
* :mod:`~locogym.scenarios.defects.refactors`, :mod:`~locogym.scenarios.defects.twins` — behaviour-preserving
  refactors and look-alikes of the defect operators for review diffs; :mod:`~locogym.scenarios.defects.behaviour`
  — the differential check that validates them; :mod:`~locogym.scenarios.defects.diffblocks` — the change blocks
  a diff-only reviewer sees.
* :mod:`~locogym.scenarios.defects.testrun`, :mod:`~locogym.scenarios.defects.suite`,
  :mod:`~locogym.scenarios.defects.cache` — pytest in a sandbox, per-test outcomes and reach, cached on disk.
* :mod:`~locogym.scenarios.defects.inject` — choosing defects by seed and keeping those the tests catch.
* :mod:`~locogym.scenarios.defects.describe`, :mod:`~locogym.scenarios.defects.hide` — the issue text and the
  withheld failing tests.
* :mod:`~locogym.scenarios.defects.review` — review diffs and the grading of findings.
* :mod:`~locogym.scenarios.defects.grading` — patch grading safe by construction: the allowlist of changes
  it applies (:mod:`~locogym.scenarios.defects.protect`), the sealed test run
  (:mod:`~locogym.scenarios.defects.sealed`), the differential oracle in separate processes
  (:mod:`~locogym.scenarios.defects.differential`), the labels of what the run showed
  (:mod:`~locogym.scenarios.defects.integrity`) and the score (:mod:`~locogym.scenarios.defects.verdict`).
* :mod:`~locogym.scenarios.defects.project`, :mod:`~locogym.scenarios.defects.tasks` — sources and
  ``locogym.toml``, and task building (the envs' shared part is :mod:`locogym.envs.defects`).
* :mod:`~locogym.scenarios.defects.growth`, :mod:`~locogym.scenarios.defects.placement`,
  :mod:`~locogym.scenarios.defects.gold` — a task as a core plus a context that grows with the length (and the
  check that a fill keeps the gold), where the depth puts the defects, and the typed golds.
"""

from __future__ import annotations

from locogym.scenarios.defects.cache import RunCache, default_cache_dir
from locogym.scenarios.defects.edits import Edit, apply_edits
from locogym.scenarios.defects.inject import Discard, Injection, KeptDefect, inject_defects
from locogym.scenarios.defects.mutations import MUTATION_KINDS, Mutation, find_mutations, is_test_path
from locogym.scenarios.defects.project import ProjectSettings, read_settings
from locogym.scenarios.defects.refactors import Refactor, find_refactors
from locogym.scenarios.defects.review import ReviewChange
from locogym.scenarios.defects.review_grading import Location, grade_findings, parse_findings
from locogym.scenarios.defects.testrun import TestRun, parse_test_command, run_tests

__all__ = ["MUTATION_KINDS", "Discard", "Edit", "Injection", "KeptDefect", "Location", "Mutation",
           "ProjectSettings", "Refactor", "ReviewChange", "RunCache", "TestRun", "apply_edits", "default_cache_dir",
           "find_mutations", "find_refactors", "grade_findings", "inject_defects", "is_test_path",
           "parse_findings", "parse_test_command", "read_settings", "run_tests"]
