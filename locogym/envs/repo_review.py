"""LoCo-RepoReview-v0: find the defects hidden in a long diff among benign refactors; graded by matching findings.

The prompt holds a unified diff of the project: harmless edits (refactors, and behaviour-preserving look-alikes of
each defect operator, each checked by the suite and a differential run) with one or more test-validated defects
among them. The changed project is in the workspace
for the LoCo-Repo tools. The agent submits findings ``[{path, line, description}]`` (line numbers of the new
files). A finding matches a defect in the same file within ``window`` lines of its hunk, one to one; success is
the F1 of findings against defects, with precision, recall, recall per defect kind and the false-positive rate on
benign edits as metrics.
Each defect's lines are the task's evidence; the diff in the prompt shows them, so they count as seen from the
first step (an oracle that submits at once stops on time; reading on afterwards is over-search).

The task is a core plus a context (:mod:`locogym.scenarios.defects.growth`): the defects, the core files' edits,
the request and the gold come from a 4k core project and are the same at every length; the project and the diff's
benign edits grow around it. ``depth`` places the defect hunks among the diff's hunks.
"""

from __future__ import annotations

import json
import random
from typing import Any

from locogym.core.errors import ConfigError, SandboxError
from locogym.core.types import EpisodeScore, ScenarioConfig, Task, ToolCall, ToolResult, Trajectory
from locogym.envs.defects import DefectEnv
from locogym.scenarios.defects.behaviour import compare_functions
from locogym.scenarios.defects.edits import Edit
from locogym.scenarios.defects.gold import grade_review
from locogym.scenarios.defects.growth import FillRejected
from locogym.scenarios.defects.inject import Injection
from locogym.scenarios.defects.intents import (
    EVAL_SCRIPT,
    Intent,
    describe_change,
    draw_intents,
    parse_outcomes,
)
from locogym.scenarios.defects.refactors import Refactor
from locogym.scenarios.defects.review import BehaviourCheck, ReviewChange, build_change
from locogym.scenarios.defects.review_grading import DEFAULT_WINDOW, parse_findings
from locogym.scenarios.defects.tasks import (
    Context,
    Core,
    build_review_task,
    context_benign,
    core_benign,
    moved_defects,
)
from locogym.scenarios.defects.testrun import sandbox_python
from locogym.tools.base import Tool, ToolContext


class RepoReviewEnv(DefectEnv):
    env_id = "LoCo-RepoReview-v0"
    family = "repo_review"
    summary = "Find defects hidden in a long diff among benign refactors; graded by matching findings."
    heuristic_policy = "locogym.agents.heuristic.review:Policy"
    executes_commands = True
    uses_sandbox = True
    option_names = frozenset({"defects", "tier"})
    tiers = ("purpose", "refactor")  # the default first: a change with a purpose; the refactor-only mix is easier
    intents_per_task = 8  # intended changes of a purpose-tier change (the more, the less a moved number tells), ...
    faulty_intents = 1  # ... of which this many made otherwise than stated (a defect)
    default_length = 8_192
    synthetic_branch_share = 0.35  # guards in many functions: a deleted or inverted one has harmless look-alikes
    ladder = ("4k", "8k", "32k")

    def configure(self, window: int = DEFAULT_WINDOW, **kwargs: Any) -> dict[str, Any]:
        params = self.configure_source(**kwargs)
        if not isinstance(window, int) or isinstance(window, bool) or not 0 <= window <= 50:
            raise ConfigError(f"window={window!r} is not a line count in [0, 50].",
                              fix="Pass how many lines away from a defect a finding may be, e.g. window=3.")
        return {**params, "window": window}

    def build_tools(self) -> list[Tool]:
        return [*self.repo_tools(), self.submit_tool()]

    def tier(self, config: ScenarioConfig) -> str:
        tier = config.params.get("tier", self.tiers[0])
        if tier not in self.tiers:
            raise ConfigError(f"tier={tier!r} is not a review tier.",
                              fix="Use tier='purpose' (the default: a described change with intended behaviour "
                                  "changes) or tier='refactor' (harmless edits and defects only).")
        return str(tier)

    def generate(self, config: ScenarioConfig) -> Task:
        tier = self.tier(config)
        core = self.core(config)
        core_refactors, core_dropped, core_change = self.core_change(core, tier)
        window = int(config.params.get("window", DEFAULT_WINDOW))
        description: str = core.derived["intents"][1]

        def finish(context: Context) -> Task:
            refactors, dropped = self.context_refactors(config, core, context, core_refactors)
            change = self.change(context.tree.files, core, [*core_refactors, *refactors])
            moved = moved_defects(core_change, change)
            if moved is not None:
                raise FillRejected(moved)
            counts = {k: core_dropped.get(k, 0) + dropped.get(k, 0) for k in sorted({*core_dropped, *dropped})}
            return build_review_task(core, context, config, core_change, change, self.toolset_names(), counts,
                                     window=window, description=description)

        return self.grow(config, core, finish)

    def context_refactors(self, config: ScenarioConfig, core: Core, context: Context,
                          core_refactors: list[Refactor]) -> tuple[list[Refactor], dict[str, int]]:
        """The context's benign edits, validated, and how many were dropped for what.

        On a tree that did not grow, the suite checks them as it checks the core's. On a grown project one run
        does both checks: the core's defects validated again (:meth:`recheck`) with every benign edit in place;
        when it fails, the defects are checked again alone (a failure there rejects the fill), and the context's
        edits are cut to comments and docstrings, as a failing suite check does.
        """
        behaviour = self.behaviour_check(context.tree.files)
        if not context.grown:
            return context_benign(core, context, config, core_refactors, behaviour,
                                  self.benign_check(context.tree, core.injection))
        refactors, dropped = context_benign(core, context, config, core_refactors, behaviour, None)
        core_edits = [e for r in core_refactors for e in r.edits]
        try:
            self.recheck(config, core, context, [*core_edits, *(e for r in refactors for e in r.edits)])
            return refactors, dropped
        except FillRejected:
            self.recheck(config, core, context, core_edits)
        harmless = [r for r in refactors if r.kind in ("comment", "docstring")]
        dropped = {**dropped, "suite": dropped.get("suite", 0) + len(refactors) - len(harmless)}
        self.recheck(config, core, context, [*core_edits, *(e for r in harmless for e in r.edits)])
        return harmless, dropped

    def core_change(self, core: Core, tier: str | None = None) -> tuple[list[Refactor], dict[str, int], ReviewChange]:
        """The core's intended changes (the purpose tier) and benign edits (validated on the core project), and
        the change they make with the defects, computed once per core for every length. No benign edit goes into
        a function changed on purpose: a look-alike proven harmless on the old numbers may not be on the new."""
        if "review" not in core.derived:
            intents = self.draw_intents(core) if (tier or self.tier(core.seeding)) == "purpose" else []
            rng = random.Random(f"review-description:{core.seeding.core_seed()}")
            core.derived["intents"] = (intents, describe_change(intents, rng) if intents else "")
            blocked = [_function_span(core.tree.files, path, name) for i in intents for path, name in i.places()]
            refactors, dropped = core_benign(core, self.behaviour_check(core.tree.files),
                                             self.benign_check(core.tree, core.injection), blocked=blocked)
            core.derived["review"] = (refactors, dropped, self.change(core.tree.files, core, refactors))
        cached: tuple[list[Refactor], dict[str, int], ReviewChange] = core.derived["review"]
        return cached

    def draw_intents(self, core: Core) -> list[Intent]:
        """The intended changes of a purpose-tier core, away from the defects' functions, drawn from the core
        seed; the updated tests' expected values come from running the intended code in the sandbox."""
        avoid = {d.mutation.function.rsplit(".", 1)[-1] for d in core.injection.defects}
        rng = random.Random(f"review-intents:{core.seeding.core_seed()}")
        return draw_intents(core.tree.files, avoid, rng, self.intents_per_task, self.faulty_intents,
                            self.evaluate)

    def evaluate(self, files: dict[str, str], calls: list[tuple[str, str, str, list[int]]]) -> list[list[str]]:
        """Each call's outcomes (``repr`` of the result, or the exception's type), with ``files`` in the sandbox
        and the function's module loaded from the text the call gives."""
        sandbox = self.get_sandbox()
        sandbox.load_workspace(files)
        sandbox.write_file(".intents.json", json.dumps(calls))
        result = sandbox.exec([sandbox_python(sandbox), "-c", EVAL_SCRIPT, ".intents.json", "."], timeout=120,
                              env={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"})
        if result.timed_out or result.exit_code:
            raise SandboxError(f"Running the intended changes' functions failed (exit {result.exit_code}, "
                               f"timed out: {result.timed_out}): {result.stderr[-400:]}")
        return parse_outcomes(result.stdout)

    def change(self, files: dict[str, str], core: Core, refactors: list[Refactor],
               injection: Injection | None = None) -> ReviewChange:
        """The defects (the core's, or ``injection``'s), the intended changes (a faulty one is a defect) with their
        updated tests, and the benign edits applied to ``files``, each located."""
        intents: list[Intent] = core.derived["intents"][0]
        defects: list[tuple[str, str, Edit, str]] = [
            (d.mutation.id, d.mutation.kind, d.mutation.edit, d.mutation.summary)
            for d in (injection or core.injection).defects]
        defects += [d for i in intents for d in i.defects()]
        return build_change(files, defects, [*refactors, *(r for i in intents for r in i.shipped())])

    def behaviour_check(self, clean: dict[str, str]) -> BehaviourCheck:
        """The differential check of benign edits, run in the episode's sandbox on the clean project."""

        def check(after: dict[str, str], functions: dict[str, list[str]]) -> dict[str, str]:
            sandbox = self.get_sandbox()
            sandbox.load_workspace(clean)
            return dict(compare_functions(sandbox, clean, after, functions))

        return check

    def annotate(self, call: ToolCall | None, result: ToolResult, ctx: ToolContext) -> dict[str, Any]:
        """Report the evidence the prompt shows (every defect's hunk is in the diff) on the first step; mark
        off-path reads; say whether submitted findings rest on the evidence.

        The agent has read the whole diff before it acts, so its first step, whichever tool or a malformed action,
        is where those spans count as seen (as a static haystack's gold does); the first observation is the only
        place to put them, since scoring reads evidence from steps. Findings are *supported* when every one of
        them lands on a defect: flagging every hunk, or lines the diff never touched, is not an answer drawn from
        the evidence, however early it comes.
        """
        notes = super().annotate(call, result, ctx)
        if self.trajectory is not None and not self.trajectory.steps:
            shown = [e.id for e in ctx.task.evidence if e.locator.get("in_prompt")]
            if shown:
                already = [str(e) for e in result.data.get("evidence", [])]
                result.data["evidence"] = list(dict.fromkeys([*shown, *already]))
        if result.data.get("submitted"):
            notes["supported"] = self._supported(ctx.task, result.data.get("answer"))
        return notes

    @staticmethod
    def _supported(task: Task, answer: Any) -> bool:
        findings, malformed = parse_findings(answer)
        if malformed or not findings:
            return False
        graded = grade_review(task, findings)
        return graded["true_positives"] == len(findings)

    def final_state(self, ctx: ToolContext) -> dict[str, Any]:
        return {}

    def grade(self, task: Task, trajectory: Trajectory, ctx: ToolContext) -> EpisodeScore:
        answers = [s.result.data.get("answer") for s in trajectory.steps if s.result.data.get("submitted")]
        if not answers:
            return EpisodeScore(success=0.0, outcome="no_answer")
        findings, malformed = parse_findings(answers[-1])
        metrics = grade_review(task, findings)
        metrics["malformed_findings"] = float(malformed)
        if malformed and not findings:
            return EpisodeScore(success=0.0, outcome="format_error", metrics=metrics)
        if not findings:
            return EpisodeScore(success=0.0, outcome="no_findings", metrics=metrics)
        f1 = metrics["f1"]
        outcome = "all_found" if f1 == 1.0 else ("partial" if metrics["true_positives"] else "wrong")
        return EpisodeScore(success=f1, outcome=outcome, metrics=metrics)


def _function_span(files: dict[str, str], path: str, function: str) -> Edit:
    """The whole of a function an intent names, as a span no benign edit may overlap."""
    import ast

    text = files[path]
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == function)
    lines = text.splitlines(keepends=True)
    start = sum(len(ln) for ln in lines[:node.lineno - 1])
    end = sum(len(ln) for ln in lines[:node.end_lineno or node.lineno])
    return Edit(path=path, start=start, end=end, old=text[start:end], new=text[start:end])
