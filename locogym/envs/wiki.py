"""LoCo-WikiHop-v0: multi-hop questions over a linked encyclopedia, as static haystacks or agentic search.

``gym.make("LoCo-WikiHop-v0", corpus="synthetic", mode="static", retriever="bm25")``; see
docs/envs/LoCo-WikiHop-v0.md for every setting. No sandbox is used: the encyclopedia is an in-process world.
"""

from __future__ import annotations

from typing import Any, ClassVar

from locogym.core.errors import ConfigError
from locogym.core.types import EpisodeScore, ScenarioConfig, Task, ToolCall, ToolResult, Trajectory
from locogym.envs.base import LocoEnv
from locogym.scenarios.wiki import tasks
from locogym.scenarios.wiki.answers import as_answer, exact_match, token_f1
from locogym.scenarios.wiki.gold import WikiGold
from locogym.scenarios.wiki.search_metrics import search_metrics
from locogym.scenarios.wiki.world import WikiWorld
from locogym.tools.base import Tool, ToolContext
from locogym.tools.wiki import tools_for


class WikiHopEnv(LocoEnv):
    """Answer a 2-4 hop question from a haystack of retrieved articles, or by searching and reading."""

    env_id = "LoCo-WikiHop-v0"
    family = "wiki"
    summary = "Multi-hop questions over a linked encyclopedia; static haystacks or agentic search."
    heuristic_policy = "locogym.agents.heuristic.wiki:Policy"
    uses_sandbox = False
    option_names: ClassVar[frozenset[str]] = tasks.RESET_OPTIONS
    default_length = 8192
    # A question's gold articles fit 4k (a core is drawn to fit there); longer rungs add distractors around it.
    ladder: ClassVar[tuple[str, ...]] = ("4k", "8k", "32k", "128k")
    # Settings are a validated table rather than a signature: listed here for `locogym envs LoCo-WikiHop-v0`.
    argument_defaults: ClassVar[dict[str, Any]] = tasks.DEFAULTS
    argument_choices: ClassVar[dict[str, tuple[str, ...]]] = {
        "mode": tasks.MODES, "retriever": tasks.RETRIEVERS, "variant": tasks.VARIANTS, "qtype": tasks.QTYPES,
        "order": tasks.hs.ORDERS, "context": tasks.hs.CONTEXTS, "round_policy": tasks.ROUND_POLICIES}

    def configure(self, **kwargs: Any) -> dict[str, Any]:
        """Check the settings (cheap: no corpus is loaded until the first reset)."""
        return tasks.validate(kwargs)

    def build_tools(self) -> list[Tool]:
        return tools_for(self.family_params["mode"])

    def generate(self, config: ScenarioConfig) -> Task:
        if config.task is not None:  # one task kind: silently ignoring task= would mislabel a whole run
            raise ConfigError(f"task={config.task!r}: LoCo-WikiHop-v0 has a single task kind.",
                              fix="Leave task unset; choose questions with qtype=, hops= or variant=.")
        task = tasks.generate(config)
        return task.model_copy(update={"tool_names": self.toolset.names})

    def build_world(self, task: Task) -> WikiWorld:
        """A fresh world per episode; the settings and length of the reset are in the task's meta."""
        return WikiWorld.for_task(task, task.meta["settings"], int(task.meta["length"]))

    def annotate(self, call: ToolCall | None, result: ToolResult, ctx: ToolContext) -> dict[str, Any]:
        """Gold ranks and drift of searches and rounds; which hop an opened gold article serves; off-path opens;
        wrong answers, and whether an answer rests on the evidence (a right one does)."""
        data = result.data
        notes: dict[str, Any] = {}
        if "gold_ranks" in data:
            notes["gold_ranks"] = data["gold_ranks"]
            notes["query_drift"] = data.get("drift", 0.0)
        world = ctx.world
        opened = data.get("opened")
        if isinstance(world, WikiWorld) and opened in world.gold_titles:
            notes["subgoal"] = f"hop{world.gold_titles.index(opened)}"
        elif opened is not None and result.error is None:
            notes["off_path"] = True  # not an article the question needs: an error once something wrong is built on it
        if data.get("submitted") and data.get("answer") is not None:
            text, problem = as_answer(data["answer"])
            answers = ctx.task.gold_as(WikiGold).answers
            notes["wrong"] = problem is not None or text is None or not exact_match(text, answers)
            notes["supported"] = not notes["wrong"]
        return notes

    def grade(self, task: Task, trajectory: Trajectory, ctx: ToolContext) -> EpisodeScore:
        """EM/F1 against every alias; format failures apart; gold ranks and drift per round; when all gold was seen;
        evidence recall, citations, searches and confidence (:mod:`locogym.scenarios.wiki.search_metrics`).

        The stop label (premature, timely, over-search, never) is computed by :mod:`locogym.scoring` from the
        evidence the steps exposed, like every family's.
        """
        gold = task.gold_as(WikiGold)
        answers = gold.answers
        submit_step: int | None = None
        answer: Any = None
        for step in trajectory.steps:
            if step.result.data.get("submitted"):
                submit_step, answer = step.index, step.result.data.get("answer")
        text, problem = as_answer(answer)
        em = exact_match(text, answers) if text is not None else 0.0
        f1 = token_f1(text, answers) if text is not None else 0.0
        if problem is not None:
            outcome = "format_error"
        elif submit_step is None or text is None:
            outcome = "no_answer"
        else:
            outcome = "correct" if em == 1.0 else "wrong"
        metrics: dict[str, float] = {"em": em, "f1": f1 if problem is None else 0.0,
                                     "hops": float(gold.hops)}
        rounds: list[tuple[dict[str, int], float]] = []
        haystack = task.meta.get("haystack")
        if haystack is not None:
            rounds.append((haystack.get("gold_ranks", {}), 0.0))
            metrics["haystack_tokens"] = float(haystack.get("tokens", 0))
        for step in trajectory.steps:
            if "gold_ranks" in step.result.data:
                rounds.append((step.result.data["gold_ranks"], float(step.result.data.get("drift", 0.0))))
        for i, (ranks, drift) in enumerate(rounds):
            if ranks:
                metrics[f"gold_rank_round_{i}"] = sum(ranks.values()) / len(ranks)
            metrics[f"query_drift_round_{i}"] = drift
        if rounds:
            metrics["rounds"] = float(len(rounds))
            mean_ranks = [sum(r.values()) / len(r) for r, _ in rounds if r]
            if mean_ranks:
                metrics["gold_rank_mean"] = sum(mean_ranks) / len(mean_ranks)
                metrics["gold_rank_best"] = min(mean_ranks)
            metrics["query_drift_mean"] = sum(d for _, d in rounds) / len(rounds)
            metrics["query_drift_max"] = max(d for _, d in rounds)
        needed = {e.id for e in task.evidence}
        seen: set[str] = set()
        all_seen: int | None = None
        for step in trajectory.steps:
            seen.update(step.evidence_seen)
            if needed <= seen:
                all_seen = step.index
                break
        metrics["gold_seen_fraction"] = len(needed & seen) / len(needed) if needed else 1.0
        if all_seen is not None:
            metrics["all_gold_seen_step"] = float(all_seen)
        metrics.update(search_metrics(task, trajectory, correct=outcome == "correct",
                                      answered=outcome in ("correct", "wrong")))
        labels = {"mode": str(task.meta.get("mode")), "qtype": gold.qtype,
                  "retriever": str(task.meta.get("retriever"))}
        if problem is not None:
            labels["format_problem"] = problem
        return EpisodeScore(success=em if problem is None else 0.0, outcome=outcome, metrics=metrics, labels=labels)

    def final_state(self, ctx: ToolContext) -> dict[str, Any]:
        world = ctx.world
        if not isinstance(world, WikiWorld):
            return {}
        return {"round": world.round_index, "summary": world.summary}
