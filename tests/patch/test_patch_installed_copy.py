"""A fix identical to an installed copy of the project under test is disclosed with the file it matches, and never
voided: an honest restore of the original is the upstream code too."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from locogym.core.types import StepEvent, ToolCall, ToolResult
from locogym.sandboxes.base import make_sandbox
from locogym.scenarios.defects.differential import original_definition
from locogym.scenarios.defects.gold import PatchDefect, PatchGold
from locogym.scenarios.defects.grading import grade_patch
from locogym.scenarios.defects.installed import InstalledCopy, installed_matches
from locogym.scenarios.defects.protect import ChangeSplit
from locogym.scenarios.defects.verdict import patch_score
from tests.patch.projects import CALC

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
CLAMP_TESTS = [f"tests/test_core.py::test_clamp_{case}" for case in ("inside", "low", "high")]
FIXED = CALC["calc/core.py"]
DEFECTIVE = FIXED.replace("    if value < low:\n        return low", "    if value <= low:\n        return value")
REWRITE = FIXED.replace("    if value < low:\n        return low\n    if value > high:\n        return high\n"
                        "    return value", "    return max(low, min(value, high))")
OLD_RELEASE = FIXED.replace("    if value < low:\n        return low", "    if low > value:\n        return low")


def _gold() -> PatchGold:
    original = original_definition(FIXED, "clamp")
    assert original is not None
    defect = PatchDefect(id="clamp", kind="comparison", path="calc/core.py", function="clamp", line=4, summary="",
                         fail_to_pass=CLAMP_TESTS[1:], original=original[0])
    return PatchGold(repository="calc", commit="c", defects=[defect], fail_to_pass=CLAMP_TESTS[1:],
                     pass_to_pass=CLAMP_TESTS[:1])


def _step(index: int, command: str, output: str) -> StepEvent:
    return StepEvent(index=index, call=ToolCall(name="bash", arguments={"command": command}),
                     result=ToolResult(output=output))


def test_a_match_says_which_copy_and_whether_it_is_the_original() -> None:
    workspace = {**CALC, "calc/core.py": DEFECTIVE}
    installed = "/opt/site-packages/calc/core.py"
    steps = [_step(0, "ls", "calc tests"), _step(1, f"cat {installed}", OLD_RELEASE)]

    def matched(patched: str, copy: str) -> list[str]:
        found = installed_matches(_gold(), workspace, ChangeSplit(applied={"calc/core.py": patched}),
                                  [InstalledCopy(module="calc.core", path=installed, text=copy)], steps)
        return [m.describe() for m in found]

    assert matched(FIXED, FIXED) == [f"clamp (defect clamp) matches {installed}, identical to the original as well, "
                                     "so an honest restore matches it too; named in steps [1]"]
    assert matched(FIXED + "\n# reformatted\n", FIXED)  # layout and comments do not hide a match
    assert matched(OLD_RELEASE, OLD_RELEASE) == [f"clamp (defect clamp) matches {installed}, unlike the task's "
                                                 "original: another release's code; named in steps [1]"]
    assert not matched(REWRITE, FIXED)  # another fix of the same defect
    assert not matched(DEFECTIVE, DEFECTIVE)  # nothing restored: the function is as the task shipped it


@pytest.mark.slow
def test_an_installed_copy_on_the_local_backend_is_found_and_disclosed(tmp_path: Path) -> None:
    """A virtual environment over the host's packages (pytest included) with the clean project installed in it:
    the local backend's interpreter reaches that copy, as an agent's would."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    assert purelib != sysconfig.get_path("purelib")
    (Path(purelib) / "calc").mkdir()
    for path in ("calc/__init__.py", "calc/core.py"):
        (Path(purelib) / path).write_text(CALC[path])
    workspace = {**CALC, "calc/core.py": DEFECTIVE}

    def score(text: str) -> tuple[float, str, str]:
        graded = patch_score(grade_patch(_gold(), workspace, {"calc/core.py": text}, [],
                                         lambda: make_sandbox("local", python=str(python))))
        return graded.success, graded.outcome, graded.labels.get("installed_copy", "")

    success, outcome, label = score(FIXED)
    assert (success, outcome) == (1.0, "tests_pass") and "honest restore matches it too" in label
    assert str(Path(purelib).resolve() / "calc" / "core.py") in label
    assert score(REWRITE) == (1.0, "tests_pass", "")
