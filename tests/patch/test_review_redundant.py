"""Redundant guards: only guards proven never to decide the result are deleted or retuned as benign edits."""

from __future__ import annotations

import ast

from locogym.scenarios.defects.edits import apply_edits
from locogym.scenarios.defects.redundant import guard_chain, is_dead, is_redundant
from locogym.scenarios.defects.twins import find_twins
from locogym.scenarios.repo import load_source

CHAINS = '''
def implied(value: int) -> int:
    if 60 < value:
        return value * 2 - 5
    if value > 40:
        return value * 2 - 5
    return value + 5


def same_as_after(value: int) -> int:
    if value <= 1:
        return value + 5
    if value > 1:
        return value * 2
    return value + 5


def dead(value: int) -> int:
    if value > 40:
        return value * 2 - 5
    if not (value <= 50):
        return value * 3 - 1
    return value + 5


def needed(value: int) -> int:
    if value > 60:
        return value * 3
    if value > 40:
        return value * 2 - 5
    if value < 0:
        return 0
    return value + 5


def other_names(value: int, limit: int) -> int:
    if value > limit:
        return value
    if value > 10:
        return value
    return limit
'''


def _run(text: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(text, "chains.py", "exec"), namespace)  # noqa: S102 - the test's own module
    return namespace


def _chain(name: str) -> tuple[list, str]:
    func = next(n for n in ast.parse(CHAINS).body if isinstance(n, ast.FunctionDef) and n.name == name)
    found = guard_chain(func.body, {"value"})
    assert found is not None
    return found


def test_redundancy_is_proven_by_intervals() -> None:
    guards, fallback = _chain("implied")
    assert [is_redundant(guards, fallback, i) for i in range(2)] == [True, False]
    guards, fallback = _chain("same_as_after")
    assert [is_redundant(guards, fallback, i) for i in range(2)] == [True, False]
    guards, fallback = _chain("dead")
    assert [is_redundant(guards, fallback, i) for i in range(2)] == [False, True] and is_dead(guards, 1)
    guards, fallback = _chain("needed")
    assert not any(is_redundant(guards, fallback, i) for i in range(3))
    func = next(n for n in ast.parse(CHAINS).body if isinstance(n, ast.FunctionDef) and n.name == "other_names")
    assert guard_chain(func.body, {"value", "limit"}) is None  # a bound that is not a literal proves nothing


def test_only_redundant_guards_are_deleted_and_every_twin_keeps_behaviour() -> None:
    twins = [t for t in find_twins("chains.py", CHAINS) if t.kind in ("removed_redundant_guard", "retuned_constant")]
    deleted = {t.summary.split(":")[0] for t in twins if t.kind == "removed_redundant_guard"}
    assert deleted == {"implied", "same_as_after", "dead"}
    retuned = {(t.summary.split(":")[0], t.edits[0].old, t.edits[0].new) for t in twins if t.kind == "retuned_constant"}
    # 60 -> 59 keeps the first guard of `implied` implied; 1 -> 2 would let `same_as_after`'s guard take 2
    assert ("implied", "60", "59") in retuned and not any(r[0] == "same_as_after" for r in retuned)
    assert {("dead", "50", "49"), ("dead", "3", "2"), ("dead", "1", "2")} <= retuned  # dead code: any constant
    before = _run(CHAINS)
    for twin in twins:
        after = _run(apply_edits({"chains.py": CHAINS}, twin.edits)["chains.py"])
        for name in ("implied", "same_as_after", "dead", "needed"):
            for value in range(-3, 80):
                assert before[name](value) == after[name](value), (twin.summary, name, value)  # type: ignore[operator]


def test_generated_projects_hold_redundant_guards_that_look_like_the_real_ones() -> None:
    """Some branch functions carry a guard that changes nothing, written like their real guards."""
    tree = load_source("synthetic", seed=7, target_tokens=16_000)
    texts = {p: t for p, t in tree.files.items() if p.endswith(".py") and not p.startswith("tests/")}
    twins = [t for p, text in sorted(texts.items()) for t in find_twins(p, text)]
    removed = [t for t in twins if t.kind == "removed_redundant_guard"]
    assert len(removed) >= 3
    conditions = {t.edits[0].old.split("\n")[0].strip() for t in removed}
    assert any("value >" in c or "< value" in c for c in conditions)
    assert any("value <=" in c or ">= value" in c for c in conditions)


def test_a_guard_moves_below_the_next_only_where_no_input_tells_the_order() -> None:
    """A moved guard shows in the diff as a deleted guard (the removed-guard defect's shape) but changes nothing:
    it is offered only when the two guards never disagree on an input both hold for."""
    moved = [t for t in find_twins("chains.py", CHAINS) if t.kind == "moved_guard"]
    # implied: the same result where both hold; same_as_after: disjoint; dead: overlapping, different results;
    # needed: only its `> 40` and `< 0` guards are disjoint, its first two overlap with different results
    assert sorted(t.summary for t in moved) == [
        "implied: guard `if 60 < value:` moved below `if value > 40:`",
        "needed: guard `if value > 40:` moved below `if value < 0:`",
        "same_as_after: guard `if value <= 1:` moved below `if value > 1:`"]
    before = _run(CHAINS)
    for twin in moved:
        text = apply_edits({"chains.py": CHAINS}, twin.edits)["chains.py"]
        assert sorted(text.splitlines()) == sorted(CHAINS.splitlines())  # the same lines, in another order
        after = _run(text)
        for name in ("implied", "same_as_after", "dead", "needed"):
            for value in range(-3, 80):
                assert before[name](value) == after[name](value), (twin.summary, name, value)  # type: ignore[operator]


def test_numbers_also_move_by_an_intended_changes_step_where_nothing_notices() -> None:
    """A faulty intended change moves a number by 2 to 5, so harmless edits must move numbers that far too: the
    bound of a redundant guard (only while it stays redundant) and any constant of dead code."""
    shifted = [t for t in find_twins("chains.py", CHAINS) if t.kind == "shifted_constant"]
    moves = {(t.summary.split(":")[0], t.edits[0].old, t.edits[0].new) for t in shifted}
    assert all(2 <= abs(int(new) - int(old)) <= 5 and int(new) >= 1 for _, old, new in moves), moves
    assert {name for name, _, _ in moves} == {"implied", "dead"}  # `same_as_after` has no room: 1 is its bound
    assert any(name == "dead" and old == "3" for name, old, _ in moves)  # a term of the unreachable return
    assert moves == {(t.summary.split(":")[0], t.edits[0].old, t.edits[0].new)
                     for t in find_twins("chains.py", CHAINS) if t.kind == "shifted_constant"}  # the same each time
    before = _run(CHAINS)
    for twin in shifted:
        after = _run(apply_edits({"chains.py": CHAINS}, twin.edits)["chains.py"])
        for name in ("implied", "dead"):
            for value in range(-3, 80):
                assert before[name](value) == after[name](value), (twin.summary, name, value)  # type: ignore[operator]


def test_a_deleted_guard_is_camouflaged_from_below_only() -> None:
    """Above a harmless deleted guard stands the guard that makes it dead; above a harmful one (a chain's first),
    the signature. Neighbours drawn from above dressed only the harmless deletions, so both draw from below; and
    the dead guard deleted beside a harmful deletion made a pair no harmless deletion had, so none is drawn."""
    from locogym.scenarios.defects.review import neighbours_of

    files = {"chains.py": CHAINS}
    pool = find_twins("chains.py", CHAINS)
    deletion = next(r for r in pool if r.kind == "removed_redundant_guard" and "value <= 50" in r.summary).edits[0]
    first_line = CHAINS.count("\n", 0, deletion.start)
    lines = [CHAINS.count("\n", 0, r.edits[0].start) for r in neighbours_of(deletion, pool, files)]
    assert lines and min(lines) >= first_line, lines
    retuned = next(r for r in pool if r.kind == "retuned_constant" and r.edits[0].start > deletion.start).edits[0]
    around = [CHAINS.count("\n", 0, r.edits[0].start) for r in neighbours_of(retuned, pool, files)]
    assert min(around) < first_line <= max(around), around  # an edit that keeps its lines draws from both sides
    kinds = {r.kind for r in [*neighbours_of(deletion, pool, files), *neighbours_of(retuned, pool, files)]}
    assert "removed_redundant_guard" not in kinds, kinds  # a deleted guard never camouflages another edit


def test_no_two_guards_are_deleted_side_by_side() -> None:
    """The redundant guard beside a harmful deleted guard (redundant because of it) made a block of two deleted
    guards, a pair harmless deletions rarely form: a deletion is never drawn within four lines of another."""
    import random

    from locogym.scenarios.defects.mutations import find_mutations
    from locogym.scenarios.defects.review import choose_refactors

    files = {"chains.py": CHAINS}
    # in `implied` the second guard decides, and the first is redundant only because the second stands
    harmful = next(m for m in find_mutations("chains.py", CHAINS) if m.kind == "removed_guard"
                   and m.function == "implied" and "value > 40" in m.summary).edit
    redundant = [r for r in find_twins("chains.py", CHAINS) if r.kind == "removed_redundant_guard"]
    assert any(abs(r.edits[0].start - harmful.start) < 80 for r in redundant)  # the pair the draw must not make
    for seed in range(8):
        chosen = choose_refactors(files, [harmful], random.Random(seed), 4_000, imitate=["removed_guard"])
        deleted = [CHAINS.count("\n", 0, e.start) for e in [harmful, *(e for r in chosen for e in r.edits)]
                   if not e.new]
        assert len(deleted) > 1  # the other redundant guards are still drawn
        assert all(abs(a - b) > 4 for i, a in enumerate(deleted) for b in deleted[i + 1:]), deleted
