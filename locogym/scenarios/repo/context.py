"""The context around a task's core, and the check that it never moves what the core answers.

A task's core is drawn on a tree that does not depend on the length: the core of a synthetic project (a whole
project of the first rung's size), or the files a real source's evidence sits in. The context at a length is
then

* synthetic: the project grown around its core with fill domains (:func:`synthetic_contexts`; fill ``0``, ``1``,
  ... are other fills of the same size);
* real: a working set of the source — the evidence files plus other files of the same tree as distractors, in
  an order drawn once per task, so a longer length shows the files of a shorter one and more
  (:func:`real_contexts`; attempt ``1``, ``2``, ... draw other orders).

:func:`accept` recomputes the core's answers on each candidate context with the same code that computed them
and keeps the first context that leaves them unchanged: a fill that adds a caller, shadows a name or otherwise
moves an answer is rejected, and when every candidate does, the length is refused with an error naming the seed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from locogym.core.errors import TaskRefused
from locogym.core.ladder import too_short
from locogym.core.types import ScenarioConfig
from locogym.scenarios.repo import loading, workset
from locogym.scenarios.repo.common import context_rng
from locogym.scenarios.repo.tree import SourceTree

MAX_FILLS = 6  # contexts tried at one length before the length is refused


def synthetic_contexts(core: SourceTree, project_seed: int, length: int) -> Iterator[SourceTree]:
    """The synthetic project at ``length``: its core alone when the core is that size, else the core grown with
    fill ``0``, ``1``, ... (at most :data:`MAX_FILLS`).

    Raises:
        TaskRefused: (from :func:`locogym.core.ladder.too_short`) ``length`` cannot hold the core.
    """
    total = sum(workset.file_tokens(core.files).values())
    if total > length * (1 + workset.TOLERANCE):
        raise too_short(length, total, "the synthetic project's core",
                        fix=f"Use a length of at least {int(total / (1 + workset.TOLERANCE)) + 1:,} tokens "
                            f"(the ladder starts at 8k).")
    if workset.within(total, length):
        yield core
        return
    for fill in range(MAX_FILLS):
        yield loading.grown_project(project_seed, length, fill)


def real_contexts(config: ScenarioConfig, source: SourceTree, core_files: dict[str, str],
                  length: int) -> Iterator[SourceTree]:
    """Working sets of ``source`` within 5% of ``length`` that hold ``core_files`` (whole files or excerpts) and
    other files of the source as distractors, one per attempt (at most :data:`MAX_FILLS`).

    Raises:
        TaskRefused: the source is smaller than ``length``, or ``length`` cannot hold the core's files.
    """
    sizes = workset.file_tokens(source.files)
    workset.check_source_size(sizes, length, source.name)
    sizes.update(workset.file_tokens(core_files))
    workset.check_source_size(sizes, length, f"{source.name} (with this task's excerpts)")
    needed = sum(sizes[p] for p in core_files)
    if needed > length * (1 + workset.TOLERANCE):
        raise too_short(length, needed, "the files this task's evidence sits in")
    for attempt in range(MAX_FILLS):
        paths = workset.select(sizes, length, sorted(core_files), context_rng(config, source.commit, attempt))
        if paths is None:
            continue
        files = {p: core_files.get(p, source.files.get(p, "")) for p in paths}
        yield SourceTree(name=source.name, files=files, language=source.language, origin=source.origin,
                         meta=dict(source.meta))


def accept(candidates: Iterable[SourceTree], keeps_core: Callable[[SourceTree], bool], *, seed: int,
           length: int) -> tuple[SourceTree, int]:
    """The first candidate context on which ``keeps_core`` holds, and its attempt number.

    Raises:
        TaskRefused: no candidate could be made, or every one moved the core's answers (naming the seed).
    """
    tried = 0
    for attempt, tree in enumerate(candidates):
        tried += 1
        if keeps_core(tree):
            return tree, attempt
    if not tried:
        raise TaskRefused(f"Seed {seed}: no working set within 5% of length={length:,} tokens can be made around "
                          "this task's evidence from the source's files.",
                          fix="Use another length (or another seed).")
    raise TaskRefused(f"Seed {seed}: each of the {tried} contexts drawn at length={length:,} tokens changes the "
                      "answer, the wording or the evidence of this task's core, so the length is refused rather "
                      "than asking another question.", fix="Use another length (or another seed).")
