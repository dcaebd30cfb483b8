"""The patch grader's sequence in a hand-driven sandbox: a fake whose only command plays the sealed launcher,
reporting each asked test with the code this file gives it. What is counted fixed or broken, when the differential
runs, what goes into the sandbox (the pristine tree, the grader's configuration, the applied changes), which
import roots and pytest pins are used, how many tests the reference replays, and when kept references are reused."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from locogym.core.errors import SandboxUnavailable
from locogym.sandboxes.base import ExecResult
from locogym.sandboxes.fake import FakeSandbox
from locogym.scenarios.defects import grading
from locogym.scenarios.defects.differential import DifferentialVerdict, Reference
from locogym.scenarios.defects.gold import PatchDefect, PatchGold
from locogym.scenarios.defects.grading import PatchGrade, grade_patch
from locogym.scenarios.defects.reference_store import ReferenceStore
from locogym.scenarios.defects.sealed import GRADER_CONFIG, nodeid_digest

F2P = ["tests/test_core.py::test_a", "tests/test_core.py::test_b", "tests/test_core.py::test_c"]
P2P = ["tests/test_core.py::test_keep", "tests/test_more.py::test_keep_too"]
WORKSPACE = {"calc/__init__.py": "", "calc/core.py": "def f(x):\n    return x\n", "calc/old.py": "A = 1\n",
             "tests/test_core.py": "", "tests/test_more.py": ""}
FIXED = {"calc/core.py": "def f(x):\n    return x + 1\n"}


class _Launcher:
    """Answers the sealed launcher's request with ``codes`` (P, F or S per test; others unreported), and keeps
    each request and the workspace as the tests saw it."""

    def __init__(self, codes: dict[str, str], *, ready: bool = True, ended: bool = True,
                 timed_out: bool = False) -> None:
        self.codes, self.ready, self.ended, self.timed_out = codes, ready, ended, timed_out
        self.requests: list[dict[str, Any]] = []
        self.seen: list[dict[str, str]] = []
        self.box: FakeSandbox | None = None

    def sandbox(self, files: dict[str, str] | None = None) -> FakeSandbox:
        self.box = FakeSandbox(files, exec_handler=self)
        return self.box

    def __call__(self, argv: list[str], **kw: Any) -> ExecResult:
        request = orjson.loads(kw["stdin"].splitlines()[0])
        self.requests.append(request)
        assert self.box is not None
        self.seen.append({p: self.box.read_file(p).decode() for p in self.box.glob()})
        token = request["token"]
        lines = [f"{token} ready 0"] if self.ready else []
        lines += [f"{token} {nodeid_digest(t)} {self.codes[t]}" for t in request["args"] if t in self.codes]
        lines += [f"{token} end 0"] if self.ended else []
        return ExecResult(exit_code=0, stdout="\n".join(lines) + "\n", timed_out=self.timed_out)


class _Differential:
    """Stands in for the differential's two steps (they run Python in the sandbox) and records their calls."""

    def __init__(self, verdicts: list[DifferentialVerdict]) -> None:
        self.verdicts = verdicts
        self.reference_calls: list[dict[str, Any]] = []
        self.judged: list[dict[str, Any]] = []
        self.looked_up: list[set[str]] = []

    def run_reference(self, sandbox: Any, targets: list[Any], tests: Any, **kw: Any) -> list[Reference]:
        self.reference_calls.append({"tests": list(tests), **kw})
        return []

    def judge_patch(self, sandbox: Any, references: list[Reference], **kw: Any) -> list[DifferentialVerdict]:
        self.judged.append(kw)
        return self.verdicts

    def find_installed(self, sandbox: Any, modules: set[str]) -> list[Any]:
        self.looked_up.append(set(modules))
        return []


@pytest.fixture
def differential(monkeypatch: pytest.MonkeyPatch) -> _Differential:
    found = _Differential([DifferentialVerdict(id="d1", status="checked", revealing=2)])
    monkeypatch.setattr(grading, "run_reference", found.run_reference)
    monkeypatch.setattr(grading, "judge_patch", found.judge_patch)
    monkeypatch.setattr(grading, "find_installed", found.find_installed)
    return found


def _gold(f2p: list[str] = F2P, withheld: dict[str, str] | None = None, path: str = "calc/core.py") -> PatchGold:
    defect = PatchDefect(id="d1", kind="comparison", path=path, function="f", line=1, summary="", fail_to_pass=f2p)
    return PatchGold(repository="calc", commit="c", fail_to_pass=f2p, pass_to_pass=P2P, defects=[defect],
                     withheld=withheld or {})


def _grade(launcher: _Launcher, changed: dict[str, str | None], gold: PatchGold | None = None,
           workspace: dict[str, str] = WORKSPACE, context: tuple[str, ...] = (),
           store: ReferenceStore | None = None) -> PatchGrade:
    return grade_patch(gold or _gold(), workspace, changed, [], lambda: launcher.sandbox(), context_tests=context,
                       references=store)


def test_a_test_counts_fixed_only_when_seen_to_pass_and_broken_unless_seen_to_pass(
        differential: _Differential) -> None:
    codes = {F2P[0]: "P", F2P[1]: "F", P2P[0]: "P", P2P[1]: "S", "ctx/test_x.py::test_x": "P"}
    grade = _grade(_Launcher(codes), FIXED, context=("ctx/test_x.py::test_x", "ctx/test_x.py::test_y"))
    assert (grade.fail_to_pass_fixed, grade.pass_to_pass_broken, grade.fail_to_pass_total) == (1, 2, 3)
    assert not grade.differential_ran and differential.judged == [] and grade.fail_to_pass_credited == 0


def test_the_differential_runs_only_when_a_fix_broke_nothing_and_the_run_finished(
        differential: _Differential) -> None:
    every = {t: "P" for t in [*F2P, *P2P]}
    grade = _grade(_Launcher(every), FIXED)
    assert grade.differential_ran and len(differential.judged) == 1 and differential.judged[0]["import_roots"] == ["."]
    assert (grade.fail_to_pass_fixed, grade.pass_to_pass_broken, grade.fail_to_pass_credited) == (3, 0, 3)
    assert [v.id for v in grade.verdicts] == ["d1"] and differential.looked_up == [{"calc.core"}]
    hung = _grade(_Launcher(every, ended=False, timed_out=True), FIXED)
    assert hung.run is not None and hung.run.timed_out and not hung.differential_ran
    assert hung.fail_to_pass_credited == 3 and len(differential.looked_up) == 2  # the verdict voids it later
    nothing = _grade(_Launcher({t: "P" for t in P2P}), FIXED)
    assert nothing.fail_to_pass_fixed == 0 and not nothing.differential_ran and len(differential.judged) == 1
    assert len(differential.looked_up) == 2  # installed copies are looked for only behind a credited fix


def test_a_launcher_that_never_started_is_the_sandbox_failing(differential: _Differential) -> None:
    launcher = _Launcher({}, ready=False, ended=False)
    with pytest.raises(SandboxUnavailable, match="could not run the tests"):
        _grade(launcher, FIXED)
    assert launcher.box is not None and launcher.box._closed


def test_the_tests_run_on_the_pristine_tree_with_only_the_applied_changes(differential: _Differential) -> None:
    launcher = _Launcher({})
    withheld = {"tests/test_core.py": "def test_a(): pass\n"}
    grade = _grade(launcher, {**FIXED, "calc/old.py": None, "calc/ghost.py": None, "tests/test_core.py": "x"},
                   gold=_gold(withheld=withheld))
    seen = launcher.seen[0]
    assert seen["calc/core.py"] == FIXED["calc/core.py"] and "calc/old.py" not in seen
    assert seen["tests/test_core.py"] == withheld["tests/test_core.py"] and "calc/ghost.py" not in seen
    assert [h.path for h in grade.split.held] == ["tests/test_core.py"]


def test_without_a_configuration_of_its_own_the_grader_pins_an_empty_one(differential: _Differential) -> None:
    launcher = _Launcher({})
    _grade(launcher, FIXED)
    assert launcher.seen[0][GRADER_CONFIG] == "[pytest]\n"
    assert launcher.requests[0]["args"][:4] == ["-c", GRADER_CONFIG, "--rootdir", "."]
    assert differential.reference_calls[0]["args"] == ["-c", GRADER_CONFIG, "--rootdir", "."]
    own = _Launcher({})
    _grade(own, FIXED, workspace={**WORKSPACE, "pytest.ini": "[pytest]\naddopts = -x\n"})
    assert GRADER_CONFIG not in own.seen[0] and own.requests[0]["args"][:4] == ["-c", "pytest.ini", "--rootdir", "."]
    assert differential.reference_calls[1]["args"] == ["-c", "pytest.ini", "--rootdir", "."]


def test_a_src_layout_imports_from_src_too(differential: _Differential) -> None:
    src = {f"src/{p}" if p.startswith("calc/") else p: text for p, text in WORKSPACE.items()}
    launcher = _Launcher({t: "P" for t in [*F2P, *P2P]})
    _grade(launcher, {"src/calc/core.py": FIXED["calc/core.py"]}, gold=_gold(path="src/calc/core.py"), workspace=src)
    assert launcher.requests[0]["path"] == [".", "src"] and launcher.seen[0]["src/calc/core.py"].endswith("+ 1\n")
    assert differential.reference_calls[0]["import_roots"] == [".", "src"]
    assert differential.judged[0]["import_roots"] == [".", "src"]
    flat = _Launcher({})
    _grade(flat, FIXED)
    assert flat.requests[0]["path"] == ["."]


def test_the_reference_replays_at_most_fifty_fail_to_pass_tests_in_name_order(differential: _Differential) -> None:
    many = [f"tests/test_core.py::test_{i:02d}" for i in range(51, -1, -1)]
    _grade(_Launcher({}), FIXED, gold=_gold(f2p=many))
    assert differential.reference_calls[0]["tests"] == sorted(many)[:50]


def test_kept_references_are_reused_for_the_same_task(differential: _Differential) -> None:
    store = ReferenceStore()
    _grade(_Launcher({}), FIXED, store=store)
    _grade(_Launcher({}), FIXED, store=store)
    assert len(differential.reference_calls) == 1
    _grade(_Launcher({}), FIXED, gold=_gold(f2p=F2P[:2]), store=store)
    assert len(differential.reference_calls) == 2


def test_the_differential_draws_with_the_same_seed_in_every_release() -> None:
    """Re-scoring replays a recorded patch through the differential: a seed that moved between releases would draw
    other inputs and could change a recorded grade. These values were taken once and must never change."""
    original = "def f(x):\n    return x >= 1\n"
    defects = [PatchDefect(id=i, kind="comparison", path="calc/core.py", function="f", line=1, summary="",
                           fail_to_pass=["t"], original=original) for i in ("d1", "d2")]
    shipped = {"calc/core.py": "def f(x):\n    return x > 1\n"}
    seeds = {commit: [t.seed for t in grading.differential_targets(
        PatchGold(repository="calc", commit=commit, fail_to_pass=["t"], pass_to_pass=[], defects=defects), shipped)]
        for commit in ("c0ffee", "beef")}
    assert seeds == {"c0ffee": [1200955003, 898625263], "beef": [2413181002, 836216447]}
