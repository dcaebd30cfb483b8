"""The review bench's bookkeeping: the seeds it is asked for, and what it says about the tasks it built, read back
or could not make (a refused seed is left out by name, never silently)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from locogym.harness.task_build import BuildResult

_BENCH = Path(__file__).resolve().parents[2] / "bench" / "review.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("review_bench", _BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_seed_lists_take_ranges_and_single_seeds(bench: ModuleType) -> None:
    assert bench._seeds("100-103,150,152-153") == [100, 101, 102, 103, 150, 152, 153]
    assert bench._seeds("0-3") == [0, 1, 2, 3]
    assert bench._seeds("5,5,4") == [4, 5]


def test_build_timing_names_refused_seeds_and_times_only_built_tasks(bench: ModuleType) -> None:
    def result(seed: int, status: str, seconds: float) -> BuildResult:
        return BuildResult("LoCo-RepoReview-v0", seed, "8192", status, seconds)  # type: ignore[arg-type]

    timing = bench.build_timing([result(0, "built", 10.0), result(1, "built", 30.0), result(2, "stored", 0.2),
                                 result(3, "refused", 99.0), result(4, "rebuilt", 20.0)])
    assert timing["built"] == 3 and timing["from_store"] == 1 and timing["refused_seeds"] == [3]
    assert timing["build_seconds_per_task"] == {"median": 20.0, "min": 10.0, "max": 30.0}
    assert "build_seconds_per_task" not in bench.build_timing([result(5, "stored", 0.1)])


_DIFF = "\n".join([  # context lines keep their leading space
    "```diff", "diff --git a/pkg/rates.py b/pkg/rates.py", "--- a/pkg/rates.py", "+++ b/pkg/rates.py",
    "@@ -1,9 +1,7 @@", " def fee(value: int) -> int:", "-    if value > 40:", "-        return value * 3",
    "     return value + 2", " ", " ", " def tax(value: int) -> int:", "     if value > 10:",
    "-        return value + 4", "+        return value + 5", "     return value", "```"])


def test_the_shape_profile_sets_each_defect_against_the_look_alikes_of_its_look(bench: ModuleType) -> None:
    from locogym.core.types import Task

    defect = {"id": "d", "kind": "removed_guard", "path": "pkg/rates.py", "line": 2, "end_line": 2}
    twin = {"id": "b", "kind": "retuned_constant", "path": "pkg/rates.py", "line": 7, "end_line": 7}
    gold = {"repository": "pkg", "commit": "c", "window": 0, "defects": [defect], "fail_to_pass": []}
    task = Task(task_id="t", family="repo_review", prompt=_DIFF, tool_names=[], gold=gold, meta={"benign": [twin]})
    profile = bench.shape_profile([task])
    guard, constant = profile["removed_guard"], profile["wrong_constant"]
    assert guard["defect"]["blocks"] == 1 and guard["lookalike"]["blocks"] == 0
    assert guard["defect"]["deletes_guard"] == 1.0 and guard["defect"]["old_tokens"][-1] == 9
    assert constant["defect"]["blocks"] == 0 and constant["lookalike"]["blocks"] == 1
    assert constant["lookalike"]["number_moved_by"] == [1, 1, 1, 1, 1] and constant["lookalike"]["new_tokens"][0] == 4
