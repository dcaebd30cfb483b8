"""A test-only family that exercises the base env: files in a sandbox, a secret to find, optional sessions."""

from __future__ import annotations

import random
import re
from typing import Any

from locogym.agents.base import Agent
from locogym.core import tokens
from locogym.core.ladder import core_hash, place
from locogym.core.types import (
    EpisodeScore,
    Evidence,
    ScenarioConfig,
    SessionSpec,
    Task,
    ToolCall,
    ToolResult,
    Trajectory,
)
from locogym.envs import LocoEnv, register_family
from locogym.tools.base import Submit, Tool, ToolArgs, ToolContext

FIXTURE_ID = "LoCo-Fixture-v0"
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()


class ReadArgs(ToolArgs):
    path: str


class ReadFile(Tool):
    """Read a file of the workspace."""

    name = "read_file"
    Args = ReadArgs
    output_tokens = 2000

    def run(self, ctx: ToolContext, args: ReadArgs) -> ToolResult:
        text = ctx.sandbox.read_file(args.path).decode()
        seen = [f"file:{args.path}"] if args.path == ctx.task.gold["path"] else []
        return ToolResult(output=text, data={"evidence": seen})


class ListFiles(Tool):
    """List the workspace's files."""

    name = "list_files"

    def run(self, ctx: ToolContext, args: Any) -> ToolResult:
        return ToolResult(output="\n".join(ctx.sandbox.glob("**/*")))


class FixtureEnv(LocoEnv):
    env_id = FIXTURE_ID
    family = "fixture"
    summary = "Find a secret in a few files (a test-only family)."
    heuristic_policy = "tests.fixture_family:FixtureHeuristic"
    uses_sandbox = True
    option_names = frozenset({"sessions"})
    default_length = 1024
    ladder = ("1k", "2k", "4k")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("sandbox", "fake")
        super().__init__(**kwargs)

    def build_tools(self) -> list[Tool]:
        return [ListFiles(), ReadFile(), Submit()]

    def generate(self, config: ScenarioConfig) -> Task:
        core = random.Random(config.core_seed())  # the secret and where it sits: the same at every length
        secret = "-".join(core.sample(WORDS, 3))
        depth = config.evidence_depth()
        target = f"notes/{place(depth, 6):02d}.txt"
        fill = random.Random(config.fill_seed())  # the words around it grow with the length
        files = {f"notes/{i:02d}.txt": " ".join(fill.choices(WORDS, k=max(8, config.length // 40))) + "\n"
                 for i in range(6)}
        files[target] += f"The secret is {secret}.\n"
        sessions_n = int(config.params.get("sessions", 1))
        plan = [ToolCall(name="read_file", arguments={"path": target}),
                ToolCall(name="submit", arguments={"answer": secret})]
        sessions = ([SessionSpec(index=i, prompt=f"Session {i}: find the secret in notes/.", oracle_plan=plan)
                     for i in range(sessions_n)] if sessions_n > 1 else None)
        question = "Find the secret in notes/ and submit it."
        gold = {"answer": secret, "path": target}
        return Task(task_id=f"fixture-{config.seed}", family="fixture", prompt=question, question=question,
                    core_hash=core_hash(config, {"question": question, "gold": gold, "depth": depth}), depth=depth,
                    tool_names=[t.name for t in self.build_tools()], workspace=files, gold=gold,
                    evidence=[Evidence(id=f"file:{target}", kind="file", locator={"path": target})],
                    oracle_plan=plan, sessions=sessions,
                    length_tokens=sum(tokens.count(v) for v in files.values()))

    def grade(self, task: Task, trajectory: Trajectory, ctx: ToolContext) -> EpisodeScore:
        answers = [s.result.data.get("answer") for s in trajectory.steps if s.result.data.get("submitted")]
        if not answers:
            return EpisodeScore(success=0.0, outcome="no_answer")
        right = sum(1 for a in answers if a == task.gold["answer"])
        return EpisodeScore(success=right / max(1, len(task.sessions or [0])), outcome="correct" if right else "wrong")


class FixtureHeuristic(Agent):
    """Reads every file in order and submits the first secret it sees."""

    name = "fixture-heuristic"

    def reset(self, task_info: dict[str, Any]) -> None:
        self._queue: list[str] | None = None

    def act(self, obs: str, info: dict[str, Any]) -> ToolCall:
        found = re.search(r"The secret is ([a-z-]+)\.", obs)
        if found:
            return ToolCall(name="submit", arguments={"answer": found.group(1)})
        if self._queue is None:
            self._queue = []
            return ToolCall(name="list_files", arguments={})
        if not self._queue and obs.startswith("notes/"):
            self._queue = obs.split("\n")
        if self._queue:
            return ToolCall(name="read_file", arguments={"path": self._queue.pop(0)})
        return ToolCall(name="submit", arguments={})


def register() -> None:
    register_family(FixtureEnv)
