"""``LoCo-Repo-v0``: long-context comprehension and multi-session work on a codebase, graded by a code index.

Tasks (``task=``): ``qa`` — one question whose exact answer the index computes (a definition through re-exports,
the end of an N-hop call chain, a setting's value after overrides, the callers a signature change breaks, the
public functions a change reaches) or running the code gives (what a call returns across files), in a
literal or non-literal wording; ``multisession`` — 3 to 6 sessions on one workspace with probes planted early and
asked again after commits that change some answers (context is reset between sessions; notes persist).

Context modes (``context=``): ``full`` puts the whole working set in the first observation (up to ``length``
tokens), ``map`` a PageRank repo map within ``map_budget`` tokens, ``tree`` only the file tree. The task is the
same in every mode (the mode is a presentation option), so the modes can be compared seed by seed.

The task is also the same at every length of the ladder (8k, 32k, 128k): its core (question or probes, answers,
evidence, depth) is drawn without the length and only the context around it grows; ``depth=`` places the
evidence files in the order of ``full`` and ``tree`` (see :mod:`locogym.scenarios.repo.context`).

See docs/envs/LoCo-Repo-v0.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from locogym.core import tokens
from locogym.core.errors import ConfigError
from locogym.core.types import EpisodeScore, ScenarioConfig, Task, ToolCall, ToolResult, Trajectory
from locogym.envs.base import LocoEnv
from locogym.envs.provenance import code_notes
from locogym.sandboxes.base import Sandbox
from locogym.scenarios.repo import questions
from locogym.scenarios.repo.answers import canonical, is_correct
from locogym.scenarios.repo.common import ProbesGold, QAGold
from locogym.scenarios.repo.repomap import render_map
from locogym.scenarios.repo.workspace import RepoWorkspace
from locogym.tools.base import Tool, ToolContext
from locogym.tools.code import repo_tools

TASKS = ("qa", "multisession")
DEFAULT_REPO_STEPS = 200  # multi-session tasks span up to six sessions of exploration
CONTEXTS = ("full", "map", "tree")


def parse_answer(answer: Any) -> Any:
    """A submitted answer as a value: JSON text (``'{"a": 1}'``) is decoded, anything else is kept."""
    if isinstance(answer, str):
        text = answer.strip()
        if text[:1] in "{[":
            try:
                return orjson.loads(text)
            except orjson.JSONDecodeError:
                return answer
    return answer


def _submitted(trajectory: Trajectory) -> list[tuple[int, Any]]:
    """(session, answer) of every submit step, in order."""
    return [(s.session, parse_answer(s.result.data.get("answer"))) for s in trajectory.steps
            if s.call is not None and s.call.name == "submit" and s.result.data.get("submitted")]


class RepoEnv(LocoEnv):
    """Questions and multi-session work on long codebases, answers checked by a code index.

    Arguments (``gym.make`` kwargs): ``source`` ("synthetic", a repository folder, "package:NAME" or a source
    archive), ``ref`` (a commit of a git source), ``context`` (full | map | tree, default tree), ``map_budget``
    (tokens of the map in ``context="map"``, default length/16 clamped to 1k..8k), and ``sandbox``.
    Reset options: ``length``, ``task`` (qa | multisession), ``difficulty`` (hops of call chains: 2/3/4),
    ``question`` (definition | call_chain | setting | callers | return_value | argument | impact | dispatch),
    ``variant`` (literal | nonliteral), ``sessions`` (3..6), ``context``, ``map_budget``, ``depth`` (start | middle
    | end | a fraction).
    """

    env_id = "LoCo-Repo-v0"
    family = "repo"
    summary = "Questions and multi-session work on long codebases, answers checked by a code index."
    heuristic_policy = "locogym.agents.heuristic.repo:Policy"
    uses_sandbox = True
    option_names = frozenset({"context", "question", "variant", "sessions", "map_budget"})
    ladder = ("8k", "32k", "128k")  # a core is drawn to fit 8k (FIRST_RUNG); every rung asks it again
    default_length = 32_768
    default_task = "qa"
    preset_tasks = ("qa", "multisession")

    def __init__(self, max_steps: int | None = DEFAULT_REPO_STEPS, **kwargs: Any) -> None:
        super().__init__(max_steps=max_steps, **kwargs)

    def configure(self, source: str = "synthetic", ref: str | None = None, context: str = "tree",
                  map_budget: int | None = None, **kwargs: Any) -> dict[str, Any]:
        super().configure(**kwargs)  # names any argument this env does not take
        if not isinstance(source, str) or not source:
            raise ConfigError(f"source={source!r} is not a source.",
                              fix='Use "synthetic", a repository folder, "package:NAME" or a source archive.')
        if source not in {"synthetic", "synthetic:python"} and not source.startswith("package:"):
            path = Path(source).expanduser()
            if not path.exists():
                raise ConfigError(f"source={source!r} does not exist.",
                                  fix="Pass an existing repository folder or archive, or source='synthetic'.")
            source = str(path.resolve())
        params: dict[str, Any] = {"source": source, "context": context}
        if ref is not None:
            params["ref"] = str(ref)
        if map_budget is not None:
            params["map_budget"] = int(map_budget)
        self._check_presentation(params)
        return params

    @staticmethod
    def _check_presentation(params: dict[str, Any]) -> None:
        if params.get("context", "tree") not in CONTEXTS:
            raise ConfigError(f"context={params.get('context')!r} is not a context mode.",
                              fix=f"Use one of: {', '.join(CONTEXTS)}.")
        budget = params.get("map_budget")
        if budget is not None and not (isinstance(budget, int) and 128 <= budget <= 65_536):
            raise ConfigError(f"map_budget={budget!r} must be an integer of tokens in 128..65536.",
                              fix="Pass e.g. map_budget=2048.")

    def build_tools(self) -> list[Tool]:
        return repo_tools()

    # ------------------------------------------------------------------ generation
    def generate(self, config: ScenarioConfig) -> Task:
        params = config.params
        self._check_presentation(params)
        if config.task not in TASKS:
            raise ConfigError(f"task={config.task!r} is not a {self.env_id} task.",
                              fix=f"Use one of: {', '.join(TASKS)}.")
        if params.get("question") not in (None, *questions.QUESTION_KINDS):
            raise ConfigError(f"question={params.get('question')!r} is not a question kind.",
                              fix=f"Use one of: {', '.join(questions.QUESTION_KINDS)}.")
        if params.get("variant") not in (None, *questions.VARIANTS):
            raise ConfigError(f"variant={params.get('variant')!r} is not a variant.", fix="Use literal or nonliteral.")
        if config.length < 4096 or config.length > 2 * 1024 * 1024:
            raise ConfigError(f"length={config.length:,} is outside 4k..2m tokens.", fix='Use e.g. "8k" to "1m".')
        if config.task == "qa":
            from locogym.scenarios.repo.qa import generate_qa

            return generate_qa(config)
        from locogym.scenarios.repo.multisession import generate_multisession

        return generate_multisession(config)

    def build_world(self, task: Task) -> RepoWorkspace:
        return RepoWorkspace(task.workspace or {})

    def prepare_sandbox(self, task: Task, sandbox: Sandbox) -> None:
        sandbox.load_workspace(task.workspace or {})

    # ------------------------------------------------------------------ observations
    def session_prompt(self, task: Task, session: int) -> str:
        """The session's question(s) after the context of the chosen mode; applies the session's commits first."""
        assert self.ctx is not None
        world = self.ctx.world
        assert isinstance(world, RepoWorkspace)
        if session > 0 and session not in world.applied_sessions:
            self._apply_commits(task, session, world)
        prompt = task.sessions[session].prompt if task.sessions else task.prompt
        return f"{self._context_block(task, world)}\n\n{prompt}"

    def _apply_commits(self, task: Task, session: int, world: RepoWorkspace) -> None:
        patch = task.meta.get("session_patches", {}).get(str(session), {})
        if patch:
            sandbox = self.ctx.sandbox if self.ctx is not None else None
            for path, text in sorted(patch.items()):
                if sandbox is not None:
                    sandbox.write_file(path, text)
                world.write(path, text)
        world.applied_sessions.add(session)

    def _context_block(self, task: Task, world: RepoWorkspace) -> str:
        mode = str(self.task_config_params().get("context", "tree"))
        files = world.files
        if mode == "full":
            order = [p for p in task.meta.get("file_order", sorted(files)) if p in files]
            listed = set(order)
            order += sorted(p for p in files if p not in listed)  # files added by later commits
            total = sum(tokens.count(files[p]) for p in order)
            parts = [f"The repository ({len(order)} files, {total:,} tokens), file by file:"]
            parts += [f"===== {p} =====\n{files[p]}" for p in order]
            return "\n\n".join(parts)
        if mode == "map":
            budget = self.task_config_params().get("map_budget") or max(1024, min(8192, task.length_tokens // 16))
            sandbox = self.ctx.sandbox if world.stale and self.ctx is not None else None
            return render_map(world.index(sandbox), int(budget))
        order = [p for p in task.meta.get("file_order", sorted(files)) if p in files]
        order += sorted(set(files) - set(order))  # files added by later commits
        lines = [f"The repository has {len(files)} files (use the tools to read them):"]
        lines += [f"{p}  ({len(files[p].splitlines())} lines)" for p in order]
        return "\n".join(lines)

    def task_config_params(self) -> dict[str, Any]:
        return self.trajectory.scenario.params if self.trajectory is not None else self.family_params

    # ------------------------------------------------------------------ scoring
    def annotate(self, call: ToolCall | None, result: ToolResult, ctx: ToolContext) -> dict[str, Any]:
        """Sub-goals, off-path reads, and each submit as the grader reads it (its verdict and canonical answers)."""
        notes: dict[str, Any] = code_notes(call, result)
        evidence = result.data.get("evidence") or []
        if evidence:
            notes["subgoal"] = str(evidence[0])
        if call is not None and call.name == "submit" and result.data.get("submitted"):
            answer = parse_answer(result.data.get("answer"))
            verdicts = self._judge(ctx.task, ctx.session, answer)
            notes["wrong"] = not all(verdicts.values()) if verdicts else True
            if ctx.task.probes:
                notes.update(self._probe_notes(ctx.task, ctx.session, answer, verdicts))
        return notes

    @staticmethod
    def _probe_notes(task: Task, session: int, answer: Any, verdicts: dict[str, bool]) -> dict[str, Any]:
        """Probe answers and truths in the grader's canonical form, for the consistency metrics."""
        kinds = task.meta.get("probe_kinds", {})
        given = answer if isinstance(answer, dict) else {}
        judged = {p.id: {"answer": canonical(kinds.get(p.key, "value"), given.get(p.id)), "right": verdicts[p.id]}
                  for p in task.probes or [] if p.session == session and p.id in verdicts}
        truths = {p.id: canonical(kinds.get(p.key, "value"), p.answer) for p in task.probes or []
                  if p.session <= session}
        return {"probe_answers": judged, "probe_truths": truths}

    def _judge(self, task: Task, session: int, answer: Any) -> dict[str, bool]:
        """Per question id: is the answer right (qa uses the id ``answer``)."""
        if not task.probes:
            gold = task.gold_as(QAGold)
            return {"answer": is_correct(gold.answer_kind, answer, gold.answer)}
        kinds = task.meta.get("probe_kinds", {})
        answers = answer if isinstance(answer, dict) else {}
        truths = task.gold_as(ProbesGold).probes
        return {p.id: is_correct(kinds.get(p.key, "value"), answers.get(p.id), truths[p.id])
                for p in task.probes if p.session == session}

    def grade(self, task: Task, trajectory: Trajectory, ctx: ToolContext) -> EpisodeScore:
        submitted = _submitted(trajectory)
        if not task.probes:
            if not submitted or submitted[-1][1] in (None, "", [], {}):
                return EpisodeScore(success=0.0, outcome="no_answer")
            right = self._judge(task, 0, submitted[-1][1])["answer"]
            return EpisodeScore(success=1.0 if right else 0.0, outcome="correct" if right else "wrong",
                                labels={"question_kind": str(task.meta.get("question_kind")),
                                        "variant": str(task.meta.get("variant"))})
        by_session: dict[int, Any] = {}
        for session, answer in submitted:
            by_session[session] = answer
        verdicts: dict[str, bool] = {}
        for session in range(len(task.sessions or [])):
            verdicts.update(self._judge(task, session, by_session.get(session)))
        total = len(task.probes)
        n_right = sum(verdicts.values())
        changed = [p for p in task.probes if p.changed_since_last]
        stale = 0
        previous: dict[str, Any] = {}
        for p in sorted(task.probes, key=lambda p: p.session):
            given = by_session.get(p.session)
            given = given.get(p.id) if isinstance(given, dict) else None
            kind = task.meta.get("probe_kinds", {}).get(p.key, "value")
            if (p.changed_since_last and p.key in previous and given is not None
                    and is_correct(kind, given, previous[p.key])):
                stale += 1
            previous[p.key] = p.answer
        metrics = {"probes": float(total), "probes_correct": float(n_right),
                   "changed_probes": float(len(changed)),
                   "changed_correct": float(sum(verdicts.get(p.id, False) for p in changed)),
                   "stale_answers": float(stale)}
        answered = any(isinstance(a, dict) and a for _, a in submitted)
        outcome = "correct" if n_right == total else "no_answer" if not answered else "partial" if n_right else "wrong"
        return EpisodeScore(success=n_right / total if total else 0.0, outcome=outcome, metrics=metrics)

    def final_state(self, ctx: ToolContext) -> dict[str, Any]:
        world = ctx.world
        if not isinstance(world, RepoWorkspace):
            return {}
        if world.stale:
            try:
                world.sync(ctx.sandbox)
            except Exception:  # noqa: BLE001 - a dead sandbox must not stop grading
                return {"notes": world.notes, "sessions_applied": sorted(world.applied_sessions)}
        original = ctx.task.workspace or {}
        patched = dict(original)
        for patch in ctx.task.meta.get("session_patches", {}).values():
            patched.update(patch)
        changed = sorted(p for p in set(world.files) | set(patched) if world.files.get(p) != patched.get(p))
        return {"notes": world.notes, "files_changed_by_agent": changed,
                "sessions_applied": sorted(world.applied_sessions)}
