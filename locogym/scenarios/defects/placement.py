"""Where a task's ``depth`` puts its evidence (see :mod:`locogym.core.ladder`), and where it ended up.

* **Review**: the position of the defect hunks among all the hunks of the diff. The diff lists its files in a
  chosen order (as ``git diff -O orderfile`` does): the files without a defect in a seeded shuffle, the files
  holding defects together, at the place that puts the defect hunks nearest the asked depth. The realised depth
  is the defect hunks' mean index over the last index (0 = the first hunk, 1 = the last).
* **Patch**: the position of the defective module in the project's code listing (its non-test Python files that
  define a function, in path order, as ``list_dir``, ``grep`` and ``run_tests`` show them; 0 = the first module,
  1 = the last). The core's defects are drawn from the modules nearest the asked depth both in the core's listing
  and in a reference growth of it; at a longer length the fill's modules interleave by name, so of the fill
  stream's first entries the one that keeps the defects nearest the depth is tried first.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from locogym.scenarios.defects.mutations import Mutation, is_test_path
from locogym.scenarios.defects.review_grading import Location

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)
_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]", re.M)


# ---------------------------------------------------------------------------------------------------- review
def hunk_starts(section: str) -> list[tuple[int, int]]:
    """The new-file line range (first, last) of each hunk of one file's diff section."""
    spans = []
    for match in _HUNK.finditer(section):
        first = int(match.group(1))
        count = int(match.group(2)) if match.group(2) is not None else 1
        spans.append((first, first + max(count, 1) - 1))
    return spans


def hunk_of(section: str, location: Location) -> int:
    """The index of the hunk of ``section`` that holds ``location``'s first line (the last hunk before it when
    none does)."""
    spans = hunk_starts(section)
    inside = [i for i, (first, last) in enumerate(spans) if first <= location.line <= last]
    if inside:
        return inside[0]
    return max([i for i, (first, _) in enumerate(spans) if first <= location.line], default=0)


def place_sections(sections: dict[str, str], defects: list[Location], depth: float,
                   rng: random.Random) -> tuple[list[str], float]:
    """The file order of a review diff that puts the defect hunks nearest ``depth``, and the depth it reaches.

    ``sections`` maps each changed file to its diff section; the files without a defect are shuffled with
    ``rng``, the defect files (in path order) go in as one block at the best place.
    """
    block = sorted({d.path for d in defects if d.path in sections})
    rest = [p for p in sections if p not in block]
    rng.shuffle(rest)
    offsets: list[int] = []
    running = 0
    for path in block:
        offsets += [running + hunk_of(sections[path], d) for d in defects if d.path == path]
        running += len(hunk_starts(sections[path]))
    counts = [len(hunk_starts(sections[p])) for p in rest]
    last = sum(counts) + running - 1
    best: tuple[float, int, float] | None = None
    prefix = 0
    for slot in range(len(rest) + 1):
        realised = sum(prefix + o for o in offsets) / len(offsets) / last if offsets and last > 0 else 0.0
        if best is None or abs(realised - depth) < best[0] - 1e-9:
            best = (abs(realised - depth), slot, realised)
        if slot < len(rest):
            prefix += counts[slot]
    assert best is not None
    _, slot, realised = best
    return [*rest[:slot], *block, *rest[slot:]], round(realised, 4)


def ordered_diff(sections: dict[str, str], order: list[str]) -> str:
    """The diff of ``sections`` with its files in ``order``."""
    return "".join(sections[p] for p in order)


# ---------------------------------------------------------------------------------------------------- patch
def source_listing(files: dict[str, str]) -> list[str]:
    """The project's code modules (non-test Python files that define a function) in path order, as the agent's
    tools list them: where a patch task's depth places its defect."""
    return sorted(p for p, text in files.items() if p.endswith(".py") and not is_test_path(p) and _DEF.search(text))


def listing_depth(files: dict[str, str], paths: list[str]) -> float:
    """How far down the code listing the files ``paths`` sit, on average: 0 = first, 1 = last."""
    listing = source_listing(files)
    if len(listing) < 2 or not paths:
        return 0.0
    index = {p: i for i, p in enumerate(listing)}
    return round(sum(index[p] for p in paths) / len(paths) / (len(listing) - 1), 4)


def listing_rank(projects: list[dict[str, str]], depth: float) -> Callable[[Mutation], float]:
    """A candidate defect's distance from ``depth``, summed over the code listings of ``projects`` (the core, and
    a reference growth of it): the injection tries the modules that sit nearest it in all of them first."""
    depths = [{p: listing_depth(files, [p]) for p in source_listing(files)} for files in projects]
    return lambda m: sum(abs(d.get(m.path, 2.0) - depth) for d in depths)
