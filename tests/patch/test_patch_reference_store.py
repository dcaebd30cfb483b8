"""The differential's references are made once per task: kept by the content hash of the pristine task, read by
every later grading, never kept when cut short, and never shared between tasks that differ."""

from __future__ import annotations

from pathlib import Path

import pytest

from locogym.sandboxes.base import make_sandbox
from locogym.scenarios.defects.differential import DifferentialTarget, Reference, original_definition
from locogym.scenarios.defects.gold import PatchDefect, PatchGold
from locogym.scenarios.defects.grading import grade_patch
from locogym.scenarios.defects.reference_store import ReferenceStore, reference_key
from locogym.scenarios.defects.verdict import patch_score
from tests.patch.projects import CALC

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
CLAMP_TESTS = [f"tests/test_core.py::test_clamp_{case}" for case in ("inside", "low", "high")]
DEFECTIVE = CALC["calc/core.py"].replace("    if value < low:\n        return low",
                                         "    if value <= low:\n        return value")
LOOKUP_TABLE = DEFECTIVE.replace('    """Keep value within [low, high]."""\n',
                                 '    """Keep value within [low, high]."""\n'
                                 '    if (value, low, high) == (-3, 0, 10):\n        return 0\n')


def _target() -> DifferentialTarget:
    original, defective = original_definition(CALC["calc/core.py"], "clamp"), original_definition(DEFECTIVE, "clamp")
    assert original is not None and defective is not None
    return DifferentialTarget(id="clamp", module="calc.core", qualname="clamp", original=original[0],
                              defective=defective[0], decorated=False, seed=1)


def _key(files: dict[str, str]) -> str:
    return reference_key([_target()], CLAMP_TESTS, files, args=["-c", "pytest.ini"], import_roots=["."],
                         interpreter="local:python3")


def test_the_key_changes_with_anything_the_reference_depends_on() -> None:
    key = _key(CALC)
    assert key == _key(dict(CALC))
    assert key != _key({**CALC, "calc/core.py": DEFECTIVE})
    assert key != reference_key([_target()], CLAMP_TESTS[:1], CALC, args=["-c", "pytest.ini"], import_roots=["."],
                                interpreter="local:python3")
    assert key != reference_key([_target()], CLAMP_TESTS, CALC, args=["-c", "pytest.ini"], import_roots=["."],
                                interpreter="docker:python3")


def test_a_complete_reference_is_kept_on_disk_and_a_cut_short_one_is_not(tmp_path: Path) -> None:
    complete = [Reference(target=_target(), captured=2)]
    assert ReferenceStore(tmp_path).put("ab" * 20, complete)
    again = ReferenceStore(tmp_path)  # a new process: read from disk
    assert again.get("ab" * 20) == complete and again.hits == 1
    cut = [Reference(target=_target(), reason="the check ran past its time limit", reported=False)]
    assert not again.put("cd" * 20, cut) and again.get("cd" * 20) is None and again.misses == 1
    (tmp_path / "ab" / f"{'ab' * 20}.json").write_text("{not json")
    assert ReferenceStore(tmp_path).get("ab" * 20) is None  # a corrupt entry is a miss


@pytest.mark.slow
def test_a_second_grading_reads_the_reference_and_judges_alike(tmp_path: Path) -> None:
    defect = PatchDefect(id="clamp", kind="comparison", path="calc/core.py", function="clamp", line=4, summary="",
                         fail_to_pass=CLAMP_TESTS[1:], original=_target().original)
    gold = PatchGold(repository="calc", commit="c", defects=[defect], fail_to_pass=CLAMP_TESTS[1:],
                     pass_to_pass=CLAMP_TESTS[:1])
    workspace = {**CALC, "calc/core.py": DEFECTIVE}
    store = ReferenceStore(tmp_path)

    def grade(text: str) -> tuple[str, float]:
        score = patch_score(grade_patch(gold, workspace, {"calc/core.py": text}, [], lambda: make_sandbox("local"),
                                        references=store))
        return score.outcome, score.success

    assert grade(CALC["calc/core.py"]) == ("tests_pass", 1.0) and store.misses == 1 and store.hits == 0
    assert grade(LOOKUP_TABLE) == ("wrong", 0.0) and store.hits == 1  # read, not made again: still refused
    assert len(list(tmp_path.glob("*/*.json"))) == 1
