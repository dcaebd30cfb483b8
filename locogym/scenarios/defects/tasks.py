"""Patch and review tasks built from a project and its validated defects.

Both generators are deterministic given the project, the seed and the (cached) test outcomes: the same config gives
the same :class:`~locogym.core.types.Task` byte for byte. Timing and cache statistics of the validation are
returned beside the task, never inside it.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from locogym.core import tokens
from locogym.core.types import Evidence, ScenarioConfig, Task, ToolCall
from locogym.sandboxes.base import Sandbox
from locogym.scenarios.defects.cache import RunCache
from locogym.scenarios.defects.describe import describe
from locogym.scenarios.defects.differential import original_definition
from locogym.scenarios.defects.edits import SourceText, shifted_line
from locogym.scenarios.defects.hide import withhold_tests
from locogym.scenarios.defects.inject import Injection, inject_defects
from locogym.scenarios.defects.project import ProjectSettings
from locogym.scenarios.defects.review import (
    DEFAULT_WINDOW,
    BehaviourCheck,
    SuiteCheck,
    benign_count,
    build_change,
    choose_refactors,
    validate_benign,
)
from locogym.scenarios.repo import SourceTree

READ_TOOL = "read_file"
DEFECTS_BY_DIFFICULTY = {"easy": 1, "medium": 1, "hard": 2}
EditCall = Callable[[str, str, str], ToolCall]  # (path, old, new) -> the file tool call that makes that edit


def defect_count(config: ScenarioConfig) -> int:
    explicit = config.params.get("defects")
    return int(explicit) if explicit else DEFECTS_BY_DIFFICULTY[config.difficulty]


def inject_for(tree: SourceTree, config: ScenarioConfig, settings: ProjectSettings,
               sandbox_factory: Callable[[], Sandbox], backend: str, cache: RunCache,
               min_catching: int = 1) -> Injection:
    """Validated defects for a task config (seeded by the whole config), each caught by ``min_catching`` tests."""
    rng = random.Random(config.rng_seed())
    allowed = {p for p in tree.files if settings.allows(p)}
    return inject_defects(tree.name, tree.commit, dict(tree.files), count=defect_count(config), rng=rng,
                          sandbox_factory=sandbox_factory, backend=backend, cache=cache,
                          test_args=settings.test_args, allowed=allowed, min_catching=min_catching)


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


def defect_records(injection: Injection, clean: dict[str, str]) -> list[dict[str, object]]:
    """The defects as the gold records them; ``original`` is the clean function's definition (for the
    differential check), None when it cannot be rebuilt on its own (nested functions, zero-argument super)."""
    records: list[dict[str, object]] = []
    for d in injection.defects:
        original = original_definition(clean[d.mutation.path], d.mutation.function)
        records.append({"id": d.mutation.id, "kind": d.mutation.kind, "path": d.mutation.path,
                        "function": d.mutation.function, "line": d.mutation.line, "summary": d.mutation.summary,
                        "fail_to_pass": d.fail_to_pass, "original": original[0] if original else None})
    return records


def build_patch_task(tree: SourceTree, config: ScenarioConfig, injection: Injection, edit_call: EditCall,
                     tool_names: list[str], show_failing_tests: bool = False) -> Task:
    """A patch task: the mutated project (failing tests withheld unless asked), the symptom, the inverse patch."""
    mutated = injection.mutated_files(tree.files)
    withheld: dict[str, str] = {}
    visible = mutated
    if not show_failing_tests:
        visible, withheld = withhold_tests(mutated, injection.fail_to_pass)
    issue = describe(injection)
    shown = ("\n\nThe failing tests are: " + ", ".join(injection.fail_to_pass)) if show_failing_tests else ""
    prompt = (f"You are working in the repository `{tree.name}` (in the workspace). An issue was filed:\n\n{issue}"
              f"{shown}\n\nUse the tools to explore the code and edit files in the workspace; `run_tests` runs the "
              "tests that are in the workspace. When your fix is in place, call `submit` (no arguments needed): "
              "the workspace as it is then is your answer, graded by the project's full test suite.")
    edits = [d.mutation.edit for d in injection.defects]
    evidence = []
    reads = []
    for defect in injection.defects:
        line = shifted_line(tree.files, edits, defect.mutation.edit)
        end = line + max(0, defect.mutation.edit.new.rstrip("\n").count("\n"))
        evidence.append(Evidence(id=f"defect:{defect.mutation.id}", kind="file_span",
                                 locator={"path": defect.mutation.path, "start": line, "end": end}))
        reads.append(ToolCall(name=READ_TOOL, arguments={"path": defect.mutation.path, "offset": max(1, line - 3),
                                                         "limit": end - line + 7}))
    plan = [*reads, *fix_plan(mutated, injection, edit_call), ToolCall(name="submit", arguments={})]
    gold = {"repository": tree.name, "commit": tree.commit, "defects": defect_records(injection, tree.files),
            "fail_to_pass": injection.fail_to_pass, "pass_to_pass": injection.pass_to_pass,
            "withheld": withheld, "test_args": injection.test_args}
    length = sum(tokens.count(t) for t in visible.values())
    return Task(task_id=f"patch-{tree.name}-{config.seed}", family="repo_patch", prompt=prompt, tool_names=tool_names,
                workspace=visible, gold=gold, evidence=evidence, oracle_plan=plan, length_tokens=length,
                meta={"stop_slack": 4, "candidates_total": injection.candidates_total, "tried": injection.tried,
                      "discarded": [d.model_dump() for d in injection.discarded], "source": tree.origin})


def _span_tokens(text: str, first: int, last: int) -> int:
    """Tokens of lines ``first``..``last`` (1-based, inclusive): the size of one piece of evidence."""
    return tokens.count("\n".join(text.splitlines()[first - 1:last]))


def build_review_task(tree: SourceTree, config: ScenarioConfig, injection: Injection, tool_names: list[str],
                      window: int = DEFAULT_WINDOW, benign: SuiteCheck | None = None,
                      behaviour: BehaviourCheck | None = None) -> Task:
    """A review task: a long diff (refactors plus the defects), the new project in the workspace (the tests the
    defects fail withheld, so running the suite does not point at them), exact findings.

    The evidence is each defect's lines in the new file (``file_span``). The prompt shows the whole diff, so the
    spans are marked ``in_prompt``: the env reports them as seen on the episode's first step, whatever it is;
    reading them again with the file tools reports them too.

    ``behaviour`` runs the differential check of the touched functions and ``benign`` the suite on the project
    with the benign edits (without the defects); edits that fail either are dropped (see
    :func:`~locogym.scenarios.defects.review.validate_benign`). A quarter more edits than the diff needs are
    drawn, so that dropping some keeps its length.
    """
    rng = random.Random(config.rng_seed() ^ 0x5EED)
    wanted = benign_count(config.length)
    drawn = choose_refactors(tree.files, [d.mutation.edit for d in injection.defects], rng, config.length,
                             spare=wanted // 4, imitate=[d.mutation.kind for d in injection.defects])
    validated, dropped = validate_benign(tree.files, drawn, behaviour, benign)
    refactors = validated[:wanted]
    change = build_change(tree.files, [(d.mutation.id, d.mutation.kind, d.mutation.edit, d.mutation.summary)
                                       for d in injection.defects], refactors)
    prompt = (f"Review this change to the repository `{tree.name}`. The changed project is in the workspace; use "
              "the tools to read code around the hunks. Most of the change is harmless refactoring; some hunks "
              "introduce bugs that change behaviour. Report each bug as a finding with the file path and the line "
              "number in the NEW version of the file (the `+` side of the diff) and a one-sentence description. "
              "Submit with submit(answer=[{\"path\": ..., \"line\": ..., \"description\": ...}, ...]); submit an "
              "empty list if you find no bug. Findings on harmless hunks count against you.\n\n"
              f"```diff\n{change.diff}```")
    visible, _ = withhold_tests(change.files_after, injection.fail_to_pass)
    findings = [{"path": d.path, "line": d.line, "description": d.summary} for d in change.defects]
    plan = [ToolCall(name="submit", arguments={"answer": findings})]
    evidence = [Evidence(id=f"defect:{d.id}", kind="file_span",
                         locator={"path": d.path, "start": d.line, "end": d.end_line, "in_prompt": True,
                                  "tokens": _span_tokens(change.files_after[d.path], d.line, d.end_line)})
                for d in change.defects]
    gold = {"repository": tree.name, "commit": tree.commit, "window": window,
            "defects": [d.model_dump() for d in change.defects], "benign": [b.model_dump() for b in change.benign],
            "fail_to_pass": injection.fail_to_pass}
    return Task(task_id=f"review-{tree.name}-{config.seed}", family="repo_review", prompt=prompt,
                tool_names=tool_names, workspace=visible, gold=gold, evidence=evidence, oracle_plan=plan,
                length_tokens=tokens.count(prompt),
                meta={"stop_slack": 4, "refactors": len(refactors), "benign_dropped": dropped,
                      "candidates_total": injection.candidates_total,
                      "tried": injection.tried, "source": tree.origin})
