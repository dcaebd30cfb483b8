"""Patch and review tasks built from a core and a context (see :mod:`~locogym.scenarios.defects.growth`).

The core (:class:`Core`) is the project at the ladder's first rung and the defects validated on it; the context
(:class:`Context`) is the project grown to the task's length and the same defects validated again on it. Every
part of a task that the core decides — the question, the gold, the defects' lines and the tests that catch them,
a review's core edits — is computed from the core alone, so it is the same at every length; the workspace, the
review diff and what only the context holds (the fill's own tests, its benign hunks) come from the context.

Both generators are deterministic given the projects, the seed and the (cached) test outcomes: the same config
gives the same :class:`~locogym.core.types.Task` byte for byte. Timing and cache statistics of the validation are
returned beside the task, never inside it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from locogym.core import tokens
from locogym.core.ladder import core_hash
from locogym.core.types import Evidence, ScenarioConfig, Task, ToolCall
from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.cache import RunCache
from locogym.scenarios.defects.describe import describe
from locogym.scenarios.defects.diffblocks import UNMADE_KINDS, changed_functions, changed_tests
from locogym.scenarios.defects.differential import original_definition
from locogym.scenarios.defects.edits import Edit, SourceText, shifted_line
from locogym.scenarios.defects.gold import PatchDefect, PatchGold, ReviewGold
from locogym.scenarios.defects.growth import CORE_TOKENS, defect_paths
from locogym.scenarios.defects.hide import withhold_tests, withhold_without_trace
from locogym.scenarios.defects.inject import Injection, inject_defects
from locogym.scenarios.defects.mutations import Mutation
from locogym.scenarios.defects.placement import listing_depth, ordered_diff, place_sections
from locogym.scenarios.defects.project import ProjectSettings
from locogym.scenarios.defects.refactors import Refactor
from locogym.scenarios.defects.review import (
    BehaviourCheck,
    ReviewChange,
    SuiteCheck,
    benign_count,
    choose_refactors,
    validate_benign,
)
from locogym.scenarios.defects.review_grading import DEFAULT_WINDOW
from locogym.scenarios.repo import SourceTree

READ_TOOL = "read_file"
DEFECTS_BY_DIFFICULTY = {"easy": 1, "medium": 1, "hard": 2}
EditCall = Callable[[str, str, str], ToolCall]  # (path, old, new) -> the file tool call that makes that edit


@dataclass
class Core:
    """A task's core: the project at the ladder's first rung, the defects validated on it, and the config that
    seeds the task (a real tree counts by its content, not by the folder it sits in). ``derived`` keeps what a
    family computes from the core once for every length (a review's core edits)."""

    tree: SourceTree
    injection: Injection
    seeding: ScenarioConfig
    derived: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """A task's context at one length: the whole project, the config that seeds what the context draws (the fill
    stream), and which entry of the fill stream grew it (``None``: the core itself) after which others were
    rejected and why."""

    tree: SourceTree
    seeding: ScenarioConfig
    fill: int | None = None
    rejected: list[dict[str, Any]] = field(default_factory=list)

    @property
    def grown(self) -> bool:
        return self.fill is not None


def defect_count(config: ScenarioConfig) -> int:
    explicit = config.params.get("defects")
    return int(explicit) if explicit else DEFECTS_BY_DIFFICULTY[config.difficulty]


def inject_for(tree: SourceTree, config: ScenarioConfig, settings: ProjectSettings,
               sandbox_factory: Callable[[], Sandbox], backend: str, cache: RunCache, min_catching: int = 1,
               rank: Callable[[Mutation], float] | None = None) -> Injection:
    """The core's validated defects: drawn from the core seed (the same at every length), in the core's modules
    only, each caught by ``min_catching`` tests; ``rank`` orders the candidates (a patch task's depth)."""
    rng = random.Random(config.core_seed())
    allowed = {p for p in defect_paths(tree) if settings.allows(p)}
    return inject_defects(tree.name, tree.commit, dict(tree.files), count=defect_count(config), rng=rng,
                          sandbox_factory=sandbox_factory, backend=backend, cache=cache,
                          test_args=settings.test_args, allowed=allowed, min_catching=min_catching, rank=rank)


def unique_context(text: str, start: int, end: int) -> tuple[int, int]:
    """The smallest span of whole lines around ``start..end`` whose text occurs once in ``text``."""
    src = SourceText(text)
    first = src.line_of(start)
    last = src.line_of(max(start, end - 1)) if end > start else first
    while True:
        lo, hi = src.line_span(first, last)
        if text.count(text[lo:hi]) == 1 or (first == 1 and last >= len(src.lines)):
            return lo, hi
        first, last = max(1, first - 1), min(len(src.lines), last + 1)


def fix_plan(mutated: dict[str, str], injection: Injection, edit_call: EditCall) -> list[ToolCall]:
    """The inverse patch as file-tool calls: each defect's lines restored, bottom-up within a file."""
    calls = []
    defects = sorted(injection.defects, key=lambda d: (d.mutation.path, -d.mutation.edit.start))
    for defect in defects:
        edit = defect.mutation.edit
        text = mutated[edit.path]
        # position of the defect in the mutated file: edits below it in the same file do not move it
        shift = sum(len(o.mutation.edit.new) - len(o.mutation.edit.old) for o in injection.defects
                    if o.mutation.path == edit.path and o.mutation.edit.end <= edit.start)
        start = edit.start + shift
        lo, hi = unique_context(text, start, start + len(edit.new))
        broken = text[lo:hi]
        fixed = text[lo:start] + edit.old + text[start + len(edit.new):hi]
        calls.append(edit_call(edit.path, broken, fixed))
    return calls


def defect_records(injection: Injection, clean: dict[str, str]) -> list[PatchDefect]:
    """The defects as the gold records them; ``original`` is the clean function's definition (for the
    differential check), None when it cannot be rebuilt on its own (nested functions, zero-argument super)."""
    records = []
    for d in injection.defects:
        original = original_definition(clean[d.mutation.path], d.mutation.function)
        records.append(PatchDefect(id=d.mutation.id, kind=d.mutation.kind, path=d.mutation.path,
                                   function=d.mutation.function, line=d.mutation.line, summary=d.mutation.summary,
                                   fail_to_pass=d.fail_to_pass, original=original[0] if original else None))
    return records


def patch_question(name: str, injection: Injection, show_failing_tests: bool) -> str:
    """What a patch task asks: the issue (the symptoms the core's validation observed) and the instructions."""
    issue = describe(injection)
    shown = ("\n\nThe failing tests are: " + ", ".join(injection.fail_to_pass)) if show_failing_tests else ""
    return (f"You are working in the repository `{name}` (in the workspace). An issue was filed:\n\n{issue}"
            f"{shown}\n\nUse the tools to explore the code and edit files in the workspace; `run_tests` runs the "
            "tests that are in the workspace. When your fix is in place, call `submit` (no arguments needed): "
            "the workspace as it is then is your answer, graded by the project's full test suite.")


def _growth_meta(core: Core, context: Context) -> dict[str, Any]:
    """What a task's meta says of its core and its context: the core's size and validation, which fill grew the
    project and which were rejected first."""
    return {"core_tokens": CORE_TOKENS, "fill": context.fill, "fill_rejected": context.rejected,
            "candidates_total": core.injection.candidates_total, "tried": core.injection.tried,
            "source": core.tree.origin}


def build_patch_task(core: Core, context: Context, config: ScenarioConfig, edit_call: EditCall,
                     tool_names: list[str], show_failing_tests: bool = False,
                     context_tests: list[str] | None = None) -> Task:
    """A patch task: the mutated project (failing tests withheld unless asked), the symptom, the inverse patch.

    The question, the gold and the evidence come from the core; the workspace is the grown project. The fill's
    own tests (``context_tests``: they pass, and must keep passing) are ``meta["context_pass_to_pass"]``.
    """
    injection = core.injection
    mutated = injection.mutated_files(context.tree.files)
    withheld: dict[str, str] = {}
    visible = mutated
    if not show_failing_tests:
        visible, withheld = withhold_tests(mutated, injection.fail_to_pass)
    question = patch_question(core.tree.name, injection, show_failing_tests)
    edits = [d.mutation.edit for d in injection.defects]
    evidence = []
    reads = []
    for defect in injection.defects:
        line = shifted_line(core.tree.files, edits, defect.mutation.edit)
        end = line + max(0, defect.mutation.edit.new.rstrip("\n").count("\n"))
        evidence.append(Evidence(id=f"defect:{defect.mutation.id}", kind="file_span",
                                 locator={"path": defect.mutation.path, "start": line, "end": end}))
        reads.append(ToolCall(name=READ_TOOL, arguments={"path": defect.mutation.path, "offset": max(1, line - 3),
                                                         "limit": end - line + 7}))
    plan = [*reads, *fix_plan(mutated, injection, edit_call), ToolCall(name="submit", arguments={})]
    gold = PatchGold(repository=core.tree.name, commit=core.tree.commit,
                     defects=defect_records(injection, core.tree.files), fail_to_pass=injection.fail_to_pass,
                     pass_to_pass=injection.pass_to_pass, withheld=withheld, test_args=injection.test_args)
    gold_json = gold.model_dump(mode="json")
    asked = context.seeding.evidence_depth()
    record = {"question": question, "gold": gold_json, "depth": asked}
    realised = listing_depth(context.tree.files, [d.mutation.path for d in injection.defects])
    length = sum(tokens.count(t) for t in visible.values())
    return Task(task_id=f"patch-{core.tree.name}-{config.seed}", family="repo_patch", prompt=question,
                tool_names=tool_names, workspace=visible, gold=gold_json, question=question,
                core_hash=core_hash(core.seeding, record), depth=asked, evidence=evidence, oracle_plan=plan,
                length_tokens=length,
                meta={"stop_slack": 4, **_growth_meta(core, context), "realised_depth": realised,
                      "context_pass_to_pass": sorted(context_tests or []),
                      "discarded": [d.model_dump() for d in injection.discarded]})


# ---------------------------------------------------------------------------------------------------- review
def review_question(name: str, description: str = "") -> str:
    """What a review task asks (the diff follows it in the prompt): the same at every length. A change with a
    purpose comes with its ``description``: behaviour changes it states are intended, not bugs."""
    if description:
        return (f"Review this change to the repository `{name}`. Its author describes it as follows.\n\n"
                f"{description}\n\nThe changed project is in the workspace; use the tools to read code around the "
                "hunks. Behaviour changes the description states are intended; a bug is any other behaviour "
                "change, or an intended one implemented differently from what the description says. Report each "
                "bug as a finding with the file path and the line number in the NEW version of the file (the `+` "
                "side of the diff) and a one-sentence description. Submit with submit(answer=[{\"path\": ..., "
                "\"line\": ..., \"description\": ...}, ...]); submit an empty list if you find no bug. Findings "
                "on correct hunks count against you.")
    return (f"Review this change to the repository `{name}`. The changed project is in the workspace; use "
            "the tools to read code around the hunks. Most of the change is harmless refactoring; some hunks "
            "introduce bugs that change behaviour. Report each bug as a finding with the file path and the line "
            "number in the NEW version of the file (the `+` side of the diff) and a one-sentence description. "
            "Submit with submit(answer=[{\"path\": ..., \"line\": ..., \"description\": ...}, ...]); submit an "
            "empty list if you find no bug. Findings on harmless hunks count against you.")


def core_benign(core: Core, behaviour: BehaviourCheck | None, suite: SuiteCheck | None,
                blocked: Sequence[Edit] = ()) -> tuple[list[Refactor], dict[str, int]]:
    """The benign edits of the core's files, drawn from the core seed and validated on the core project.

    The defects' own files get their edits (the look-alikes beside them, the neighbours that camouflage them)
    here, so the defects' lines in the changed files are the same at every length. A quarter more edits than the
    core's share of the diff are drawn, so that dropping some keeps its length.
    """
    wanted = benign_count(CORE_TOKENS)
    injection = core.injection
    growing = _growing_files(core.tree)
    paths = [p for p in core.tree.files if p not in growing]
    rng = random.Random(f"review-core:{core.seeding.core_seed()}")
    drawn = choose_refactors(core.tree.files, [*(d.mutation.edit for d in injection.defects), *blocked], rng,
                             CORE_TOKENS,
                             spare=wanted // 4, imitate=[d.mutation.kind for d in injection.defects], paths=paths)
    validated, dropped = validate_benign(core.tree.files, drawn, behaviour, suite)
    return validated[:wanted], dropped


def context_benign(core: Core, context: Context, config: ScenarioConfig, core_refactors: list[Refactor],
                   behaviour: BehaviourCheck | None, suite: SuiteCheck | None
                   ) -> tuple[list[Refactor], dict[str, int]]:
    """The benign edits the context adds, drawn from the fill stream (more of them at longer lengths).

    They go in the files the fill added (a synthetic project), or, in a tree that does not grow, in every file
    that holds no defect; never onto a core edit. They are validated like the core's, with the core's in place.
    """
    wanted = max(0, benign_count(config.length) - benign_count(CORE_TOKENS))
    if not wanted:
        return [], {}
    added = [p for p in context.tree.files if p not in core.tree.files]
    holding = {d.mutation.path for d in core.injection.defects}
    paths = added if context.grown else [p for p in context.tree.files if p not in holding]
    core_edits = [e for r in core_refactors for e in r.edits]
    blocked = [*(d.mutation.edit for d in core.injection.defects), *core_edits]
    rng = random.Random(f"review-context:{context.seeding.fill_seed()}:{context.fill}")
    drawn = choose_refactors(context.tree.files, blocked, rng, config.length, spare=wanted // 4,
                             imitate=[d.mutation.kind for d in core.injection.defects], paths=paths, count=wanted)
    validated, dropped = validate_benign(context.tree.files, drawn, behaviour, suite, applied=core_edits)
    return validated[:wanted], dropped


def moved_defects(core: ReviewChange, change: ReviewChange) -> str | None:
    """What the context's edits did to the defects' places in the changed files (``None``: nothing)."""
    if core.defects == change.defects:
        return None
    moved = [f"{a.path}:{a.line}-{a.end_line} -> {b.path}:{b.line}-{b.end_line}"
             for a, b in zip(core.defects, change.defects, strict=False) if a != b]
    return "the context's edits move the defects' lines: " + ", ".join(moved or ["another set of defects"])


def _growing_files(tree: SourceTree) -> set[str]:
    """Files of a core project that the fill changes: a synthetic project's package ``__init__`` gains the fill
    domains' re-exports, so the core's edits never go there."""
    package = tree.meta.get("package")
    return {f"{package}/__init__.py"} if tree.origin == "synthetic" and package else set()


def _span_tokens(text: str, first: int, last: int) -> int:
    """Tokens of lines ``first``..``last`` (1-based, inclusive): the size of one piece of evidence."""
    return tokens.count("\n".join(text.splitlines()[first - 1:last]))


def build_review_task(core: Core, context: Context, config: ScenarioConfig, core_change: ReviewChange,
                      change: ReviewChange, tool_names: list[str], dropped: dict[str, int],
                      window: int = DEFAULT_WINDOW, description: str = "") -> Task:
    """A review task: a long diff (benign edits plus the defects), the new project in the workspace (the tests
    the defects fail withheld, so running the suite does not point at them), exact findings.

    ``core_change`` is the change of the core project alone (its defects' places are the gold); ``change`` is the
    whole change at this length, whose diff lists its files so that the defect hunks sit at the task's depth
    (:func:`~locogym.scenarios.defects.placement.place_sections`).

    The evidence is each defect's lines in the new file (``file_span``). The prompt shows the whole diff, so the
    spans of the defects it contains are marked ``in_prompt``: the env reports them as seen on the episode's first
    step, whatever it is; reading them again with the file tools reports them too. A rule the change left out of
    a function (``UNMADE_KINDS``) has no line in the diff: its span is seen only by reading the file, and the
    oracle's plan reads it before it submits.
    """
    injection = core.injection
    asked = context.seeding.evidence_depth()
    order, realised = place_sections(change.sections, change.defects, asked,
                                  random.Random(f"review-order:{context.seeding.fill_seed()}:{context.fill}"))
    question = review_question(core.tree.name, description)
    prompt = f"{question}\n\n```diff\n{ordered_diff(change.sections, order)}```"
    decoys = changed_functions(change.files_after, [*change.defects, *change.benign])
    visible = withhold_without_trace(change.files_after, injection.fail_to_pass, decoys,
                                     keep=changed_tests(change.files_after, change.benign))
    gold = ReviewGold(repository=core.tree.name, commit=core.tree.commit, window=window,
                      defects=core_change.defects, fail_to_pass=injection.fail_to_pass)
    gold_json = gold.model_dump(mode="json")
    findings = [{"path": d.path, "line": d.line, "description": d.summary} for d in gold.defects]
    unshown = [d for d in gold.defects if d.kind in UNMADE_KINDS]  # an edit the change left out has no line in it
    reads = [ToolCall(name="read_file", arguments={"path": d.path, "offset": d.line,
                                                   "limit": d.end_line - d.line + 1}) for d in unshown]
    plan = [*reads, ToolCall(name="submit", arguments={"answer": findings})]
    evidence = [Evidence(id=f"defect:{d.id}", kind="file_span",
                         locator={"path": d.path, "start": d.line, "end": d.end_line,
                                  "in_prompt": d.kind not in UNMADE_KINDS,
                                  "tokens": _span_tokens(change.files_after[d.path], d.line, d.end_line)})
                for d in gold.defects]
    record = {"question": question, "gold": gold_json, "depth": asked,
              "core_edits": sorted({b.id for b in core_change.benign})}
    return Task(task_id=f"review-{core.tree.name}-{config.seed}", family="repo_review", prompt=prompt,
                tool_names=tool_names, workspace=visible, gold=gold_json, question=question,
                core_hash=core_hash(core.seeding, record), depth=asked, evidence=evidence, oracle_plan=plan,
                length_tokens=tokens.count(prompt),
                meta={"stop_slack": 4, **_growth_meta(core, context), "realised_depth": realised,
                      "refactors": len({b.id for b in change.benign}), "core_refactors": len(
                          {b.id for b in core_change.benign}), "benign_dropped": dropped,
                      "benign": [b.model_dump() for b in change.benign]})

