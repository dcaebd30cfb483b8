"""The code that turns episodes into scores stays small enough to check by eye.

Every function of these modules keeps a cyclomatic complexity of at most 15 and at most 50 lines, as lizard
counts them (boolean operators, comprehension filters and conditional expressions each add a path).
"""

from __future__ import annotations

from pathlib import Path

import lizard

ROOT = Path(__file__).resolve().parents[2]
MODULES = [*sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "locogym" / "scoring").glob("*.py")),
           *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "locogym" / "harness").glob("rescore*.py")),
           *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "locogym" / "harness" / "report").glob("*.py")),
           "locogym/harness/seal.py",
           "locogym/scenarios/funccall/grading.py", "locogym/cli/tournament.py"]
MAX_COMPLEXITY = 15
MAX_LINES = 50


def measured() -> dict[tuple[str, str], tuple[int, int]]:
    found = {}
    for module in MODULES:
        for function in lizard.analyze_file(str(ROOT / module)).function_list:
            found[(module, function.name)] = (function.cyclomatic_complexity, function.length)
    return found


def test_every_function_is_within_the_limits() -> None:
    over = [f"{module}:{name} has complexity {complexity} and {lines} lines"
            for (module, name), (complexity, lines) in measured().items()
            if complexity > MAX_COMPLEXITY or lines > MAX_LINES]
    assert not over, "Split these functions into smaller ones:\n" + "\n".join(over)

