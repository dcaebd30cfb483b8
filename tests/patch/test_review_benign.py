"""Benign edits of review diffs: look-alikes of every defect operator, natural refactors, and their validation."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from locogym.scenarios.defects.behaviour import compare_functions, touched_functions
from locogym.scenarios.defects.edits import apply_edits
from locogym.scenarios.defects.mutations import find_mutations
from locogym.scenarios.defects.refactors import SAFE_KINDS, Refactor, find_refactors, make_refactor
from locogym.scenarios.defects.review import benign_candidates, validate_benign
from locogym.scenarios.defects.review_grading import Location, grade_findings
from locogym.scenarios.defects.twins import TWIN_KINDS, find_twins, project_signatures
from locogym.scenarios.repo import load_source
from tests.patch.projects import CALC

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

SHAPES = {
    "shapes/__init__.py": "",
    "shapes/ops.py": '''"""Operators of every defect kind, each with a benign twin."""


def scale(value: int, factor: int) -> int:
    """Scale the value."""
    return value * factor


def grade(value: int) -> int:
    """Rate the value."""
    if value > 40:
        return value * 3 + 12
    return value + 2


def window(items: list[int], count: int) -> list[int]:
    """Keep the first items."""
    return items[:count]


def tally(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def widest(a: int, b: int) -> int:
    return max(a, b) + scale(a, b)


def edge(x: int) -> int:
    if x < 0:
        return 0
    if x > 100:
        return 0
    return x * 2


def band(value: int) -> int:
    if 60 < value:
        return value * 2 - 5
    if value > 40:
        return value * 2 - 5
    if value >= 75:
        return value + 9
    return value + 5


def ratio(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        return 0.0
''',
}


def _run(text: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(text, "ops.py", "exec"), namespace)  # noqa: S102 - the test's own module
    return namespace


def _twins() -> list[Refactor]:
    return find_twins("shapes/ops.py", SHAPES["shapes/ops.py"], project_signatures(SHAPES))


def test_every_defect_operator_has_a_lookalike_that_keeps_behaviour() -> None:
    twins = _twins()
    assert {t.kind for t in twins} == set(TWIN_KINDS)
    before = _run(SHAPES["shapes/ops.py"])
    ints = [-5, -1, 0, 1, 2, 39, 40, 41, 99, 100, 101]
    calls = {"scale": [(a, b) for a in ints for b in (0, 2, 3)], "grade": [(a,) for a in ints],
             "window": [([1, 2, 3], c) for c in range(-1, 5)], "tally": [(n,) for n in range(-1, 6)],
             "widest": [(a, b) for a in ints for b in (-3, 4)], "edge": [(a,) for a in ints],
             "band": [(a,) for a in [*ints, 58, 59, 60, 61, 62, 73, 74, 75, 76]],
             "ratio": [(1.0, 0.0), (6.0, 3.0)]}
    for twin in twins:
        after = _run(apply_edits(SHAPES, twin.edits)["shapes/ops.py"])
        for name, args in calls.items():
            for arg in args:
                assert before[name](*arg) == after[name](*arg), (twin.summary, name, arg)  # type: ignore[operator]


def test_twins_change_the_same_tokens_the_defects_do() -> None:
    """A look-alike is not told apart by its size: most twins, like the defects, rewrite a single line."""
    single = [t for t in _twins() if all(e.old.count("\n") == 0 and e.new.count("\n") == 0 for e in t.edits)]
    assert len(single) >= 0.6 * len(_twins())
    assert any(t.kind == "swapped_operands" and t.edits[0].new == "40 < value" for t in _twins())
    assert any(t.kind == "equivalent_bound" and t.edits[0].new == "value >= 41" for t in _twins())
    assert any(t.kind == "negated_condition" and t.edits[0].new == "not (value <= 40)" for t in _twins())
    assert any(t.kind == "folded_constant" and t.edits[0].new == "(value + 4) * 3" for t in _twins())
    assert any(t.kind == "reordered_arguments" and t.edits[0].new == "factor=b, value=a" for t in _twins())


@pytest.fixture(scope="module")
def sandbox():  # noqa: ANN201 - a loaded local sandbox
    from locogym.sandboxes.base import make_sandbox

    box = make_sandbox("local")
    box.load_workspace({**SHAPES, **CALC})
    yield box
    box.close()


@pytest.mark.slow
def test_differential_check_passes_every_twin_and_fails_the_defects(sandbox) -> None:  # noqa: ANN001
    files = {**SHAPES, **CALC}
    text = SHAPES["shapes/ops.py"]
    for twin in _twins():
        after = apply_edits(files, twin.edits)
        verdicts = compare_functions(sandbox, files, after,
                                     {"shapes/ops.py": touched_functions("shapes/ops.py", text, twin.edits)})
        assert verdicts and set(verdicts.values()) == {"same"}, (twin.summary, verdicts)
    caught = Counter()
    for mutation in find_mutations("calc/core.py", CALC["calc/core.py"]):
        after = apply_edits(files, [mutation.edit])
        fns = touched_functions("calc/core.py", CALC["calc/core.py"], [mutation.edit])
        verdicts = compare_functions(sandbox, files, after, {"calc/core.py": fns})
        caught[mutation.kind] += list(verdicts.values()) == ["differs"]
    assert set(caught) >= {"comparison", "off_by_one", "removed_guard", "wrong_constant", "dropped_except",
                           "wrong_variable", "inverted_condition", "boolean"}
    assert all(caught.values())


def test_validation_drops_lookalikes_that_change_behaviour_or_cannot_be_checked(sandbox) -> None:  # noqa: ANN001
    text = ('def join(a: str, b: str) -> str:\n    return a + b\n\n\n'
            'def pick(x: "Widget", y: int) -> int:\n    if y > 3:\n        return y\n    return 0\n\n\n'
            'def bump(n: int) -> int:\n    # add one\n    return n * 2 + 4\n')
    files = {"m.py": text}
    sandbox.write_file("m.py", text)
    twins = find_twins("m.py", text)
    swapped = next(t for t in twins if t.kind == "swapped_operands" and "join" in t.summary)
    unchecked = next(t for t in twins if "pick" in t.summary)
    folded = next(t for t in twins if t.kind == "folded_constant")
    comment = next(r for r in find_refactors("m.py", text) if r.kind == "comment" and "bump" in r.summary)

    def behaviour(after: dict[str, str], functions: dict[str, list[str]]) -> dict[str, str]:
        return dict(compare_functions(sandbox, files, after, functions))

    kept, dropped = validate_benign(files, [swapped, unchecked, folded, comment], behaviour, None)
    assert [r.id for r in kept] == [folded.id, comment.id]
    assert dropped == {"differs": 1, "unchecked": 1, "suite": 0}
    kept, _ = validate_benign(files, [folded, comment], None, None)
    assert [r.id for r in kept] == [comment.id]  # no differential check: no look-alike goes in unproven
    kept, dropped = validate_benign(files, [folded, comment], behaviour, lambda _files: False)
    assert [r.id for r in kept] == [comment.id] and dropped["suite"] == 1


def test_safe_kinds_are_the_refactors_and_lookalikes_are_the_twins() -> None:
    assert not SAFE_KINDS & (TWIN_KINDS - {"explicit_bound"})
    ref = make_refactor("comment", "m.py", [], "x")
    assert ref.id.startswith("comment-") and ref.id == make_refactor("comment", "m.py", [], "y").id


def test_grading_reports_recall_per_kind_and_the_benign_false_positive_rate() -> None:
    defects = [Location(id="d1", kind="comparison", path="a.py", line=10, end_line=10),
               Location(id="d2", kind="wrong_constant", path="a.py", line=40, end_line=40),
               Location(id="d3", kind="comparison", path="b.py", line=5, end_line=5)]
    benign = [Location(id="r1", kind="swapped_operands", path="a.py", line=25, end_line=25),
              Location(id="r2", kind="rename", path="b.py", line=30, end_line=31),
              Location(id="r2", kind="rename", path="b.py", line=50, end_line=50),
              Location(id="r3", kind="comment", path="c.py", line=1, end_line=1)]
    findings = [{"path": "a.py", "line": 10}, {"path": "b.py", "line": 5}, {"path": "a.py", "line": 26},
                {"path": "b.py", "line": 50}]
    m = grade_findings(findings, defects, benign)
    assert m["recall.comparison"] == 1.0 and m["recall.wrong_constant"] == 0.0
    assert m["benign_fp_rate"] == pytest.approx(2 / 3) and m["benign_flagged"] == 2.0
    assert grade_findings([], defects, [])["benign_fp_rate"] == 0.0


def test_names_and_comments_vary_and_come_from_the_code() -> None:
    tree = load_source("synthetic", seed=5, target_tokens=16_000)
    pool = benign_candidates(dict(tree.files))
    comments = [e.new.strip() for r in pool if r.kind == "comment" for e in r.edits]
    assert len(comments) > 40
    skeletons = Counter(re.sub(r"`[^`]*`|\b\w+_\w+\b|\d+", "_", c) for c in comments)
    assert skeletons.most_common(1)[0][1] < 0.35 * len(comments)  # no one wording dominates
    helpers = [r.edits[1].new.split("(")[0].split()[-1] for r in pool if r.kind == "extract_helper"]
    suffixes = Counter(h.rsplit("_", 1)[-1] for h in helpers)
    assert len(suffixes) >= 4 and suffixes.most_common(1)[0][1] < 0.5 * len(helpers)
    renames = Counter(r.summary.rsplit("`", 2)[-2] for r in pool if r.kind == "rename")
    assert len(renames) >= 5


def test_lookalikes_make_up_a_large_share_of_the_benign_edits() -> None:
    from locogym.scenarios.defects.review import choose_refactors

    tree = load_source("synthetic", seed=2, target_tokens=8_000)
    chosen = choose_refactors(dict(tree.files), [], random.Random(0), 8_000)
    share = sum(r.kind in TWIN_KINDS for r in chosen) / len(chosen)
    # neighbours are look-alikes where there are any, and most edits are look-alikes; refactors remain
    assert 0.6 <= share <= 0.95, share


def test_each_defect_brings_look_alikes_of_its_very_look() -> None:
    """A deleted guard, a `not (` or one number moved by one is drawn among many harmless edits that change the same
    line the same way, so a filter for that look finds the defect among them rather than alone."""
    from locogym.scenarios.defects.review import choose_refactors
    from locogym.scenarios.defects.twins import SAME_LOOK

    files = dict(load_source("synthetic", seed=2, target_tokens=8_000).files)
    for operator in ("inverted_condition", "removed_guard", "wrong_constant"):
        own = sum(r.kind in SAME_LOOK[operator]
                  for r in choose_refactors(files, [], random.Random(0), 8_000, imitate=[operator]))
        anyone = sum(r.kind in SAME_LOOK[operator] for r in choose_refactors(files, [], random.Random(0), 8_000))
        assert own >= 5 and own >= 2 * anyone + 1, (operator, own, anyone)


def test_a_behaviour_check_that_times_out_twice_stops_the_draw_instead_of_dropping_edits() -> None:
    """A time-out is the machine's load as often as the code's: look-alike edits must not be dropped for it."""
    from locogym.core.errors import SandboxTimeout
    from locogym.sandboxes.fake import FakeSandbox

    class Loaded(FakeSandbox):
        def __init__(self) -> None:
            super().__init__()
            self.limits: list[float] = []

        def exec(self, argv, *, timeout=30.0, **kwargs):  # noqa: ANN001, ANN003, ANN202
            self.limits.append(timeout)
            return super().exec(["sleep-past-the-deadline"], timeout=timeout).model_copy(update={"timed_out": True})

    text = SHAPES["shapes/ops.py"]
    twin = _twins()[0]
    box = Loaded()
    with pytest.raises(SandboxTimeout, match="ran past 2 s and 8 s"):
        compare_functions(box, SHAPES, apply_edits(SHAPES, twin.edits),
                          {"shapes/ops.py": touched_functions("shapes/ops.py", text, twin.edits)}, timeout=2.0)
    assert box.limits == [2.0, 8.0] and not box.glob("**/.locogym*")  # retried once, longer; the spec is removed
