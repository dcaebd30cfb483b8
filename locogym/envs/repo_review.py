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
"""

from __future__ import annotations

from typing import Any

from locogym.core.errors import ConfigError
from locogym.core.types import EpisodeScore, ScenarioConfig, Task, ToolCall, ToolResult, Trajectory
from locogym.envs.defects import DefectEnv
from locogym.scenarios.defects.behaviour import compare_functions
from locogym.scenarios.defects.review import (
    DEFAULT_WINDOW,
    BehaviourCheck,
    Location,
    grade_findings,
    parse_findings,
)
from locogym.scenarios.defects.tasks import build_review_task
from locogym.tools.base import Tool, ToolContext


class RepoReviewEnv(DefectEnv):
    env_id = "LoCo-RepoReview-v0"
    family = "repo_review"
    summary = "Find defects hidden in a long diff among benign refactors; graded by matching findings."
    heuristic_policy = "locogym.agents.heuristic.review:Policy"
    executes_commands = True
    uses_sandbox = True
    option_names = frozenset({"defects"})
    default_length = 8_192
    synthetic_branch_share = 0.35  # guards in many functions: a deleted or inverted one has harmless look-alikes

    def configure(self, window: int = DEFAULT_WINDOW, **kwargs: Any) -> dict[str, Any]:
        params = self.configure_source(**kwargs)
        if not isinstance(window, int) or isinstance(window, bool) or not 0 <= window <= 50:
            raise ConfigError(f"window={window!r} is not a line count in [0, 50].",
                              fix="Pass how many lines away from a defect a finding may be, e.g. window=3.")
        return {**params, "window": window}

    def build_tools(self) -> list[Tool]:
        return [*self.repo_tools(), self.submit_tool()]

    def generate(self, config: ScenarioConfig) -> Task:
        tree, injection, seeding = self.validated(config)
        return build_review_task(tree, seeding, injection, self.toolset_names(),
                                 window=int(config.params.get("window", DEFAULT_WINDOW)),
                                 benign=self.benign_check(tree, injection), behaviour=self.behaviour_check(tree.files))

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
        defects = [Location.model_validate(d) for d in task.gold["defects"]]
        benign = [Location.model_validate(b) for b in task.gold["benign"]]
        graded = grade_findings(findings, defects, benign, int(task.gold.get("window", DEFAULT_WINDOW)))
        return graded["true_positives"] == len(findings)

    def final_state(self, ctx: ToolContext) -> dict[str, Any]:
        return {}

    def grade(self, task: Task, trajectory: Trajectory, ctx: ToolContext) -> EpisodeScore:
        answers = [s.result.data.get("answer") for s in trajectory.steps if s.result.data.get("submitted")]
        if not answers:
            return EpisodeScore(success=0.0, outcome="no_answer")
        findings, malformed = parse_findings(answers[-1])
        defects = [Location.model_validate(d) for d in task.gold["defects"]]
        benign = [Location.model_validate(b) for b in task.gold["benign"]]
        metrics = grade_findings(findings, defects, benign, int(task.gold.get("window", DEFAULT_WINDOW)))
        metrics["malformed_findings"] = float(malformed)
        if malformed and not findings:
            return EpisodeScore(success=0.0, outcome="format_error", metrics=metrics)
        if not findings:
            return EpisodeScore(success=0.0, outcome="no_findings", metrics=metrics)
        f1 = metrics["f1"]
        outcome = "all_found" if f1 == 1.0 else ("partial" if metrics["true_positives"] else "wrong")
        return EpisodeScore(success=f1, outcome=outcome, metrics=metrics)
