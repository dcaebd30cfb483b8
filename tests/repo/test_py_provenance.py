"""The interpreter and packages a run-based gold answer came from are part of the task's metadata."""

from __future__ import annotations

from importlib import metadata

from locogym.core.types import ScenarioConfig
from locogym.scenarios.repo.provenance import run_provenance
from locogym.scenarios.repo.qa import generate_qa


def test_the_packages_recorded_are_those_the_project_imports_and_does_not_define() -> None:
    files = {
        "p/__init__.py": "import json\nimport yaml\nfrom p import own\n",
        "p/own.py": "from packaging.version import Version\n",
        "tests/test_p.py": "import pytest\n",  # the tests' imports are not the code's
    }
    found = run_provenance(files)
    assert found["dependencies"] == {"PyYAML": metadata.version("PyYAML"),
                                     "packaging": metadata.version("packaging")}
    assert found["python"].startswith(("CPython 3.", "PyPy 3.")) and found["platform"]


def test_a_run_based_task_records_them_in_its_metadata() -> None:
    config = ScenarioConfig(family="repo", seed=0, length=8192, task="qa",
                            params={"source": "synthetic", "question": "return_value", "context": "tree"})
    meta = generate_qa(config).meta
    assert meta["gold_provenance"] == run_provenance({})  # generated code imports nothing installed
