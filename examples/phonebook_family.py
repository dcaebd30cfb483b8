"""A complete locogym family in one file: find a colleague's extension in a long staff directory.

    python -c "import phonebook_family; from locogym.testing import check_family; check_family('Phonebook-v0')"
    locogym tournament --import phonebook_family --envs Phonebook-v0 --agents oracle,heuristic,random,noop

(with this file's folder on PYTHONPATH). See docs/extending.md for a walk through it.
"""

from __future__ import annotations

import random
import re
from typing import Any

import locogym
from locogym import Agent, EpisodeScore, Evidence, ScenarioConfig, Task, ToolCall, ToolResult, Trajectory
from locogym.core import tokens
from locogym.core.errors import ToolNotFound
from locogym.core.ladder import core_hash, place, too_short
from locogym.tools.base import Submit, Tool, ToolArgs, ToolContext

FIRST = "Ada Alan Barbara Claude Donald Edsger Frances Grace John Ken Leslie Margaret Niklaus Radia Tony".split()
LAST = "Lovelace Turing Liskov Shannon Knuth Dijkstra Allen Hopper Backus Thompson Lamport Hamilton Wirth".split()


class LookupArgs(ToolArgs):
    name: str


class Lookup(Tool):
    """Look up one person's directory entry by full name."""

    name = "lookup"
    Args = LookupArgs

    def run(self, ctx: ToolContext, args: LookupArgs) -> ToolResult:
        directory: dict[str, str] = ctx.world
        if args.name not in directory:
            raise ToolNotFound(f"nobody called {args.name!r} in the directory.")  # the agent's mistake
        seen = [f"entry:{args.name}"] if args.name == ctx.task.gold["name"] else []
        return ToolResult(output=f"{args.name}: extension {directory[args.name]}", data={"evidence": seen})


class PhonebookEnv(locogym.LocoEnv):
    """The directory is in the prompt's length budget as a list of names; extensions need a lookup."""

    env_id = "Phonebook-v0"
    family = "phonebook"
    summary = "Find a colleague's phone extension in a long staff directory."
    heuristic_policy = "phonebook_family:PhonebookHeuristic"
    default_length = 2048
    ladder = ("2k", "4k", "8k")  # the same question at each length; the first rung is what a core must fit

    def build_tools(self) -> list[Tool]:
        return [Lookup(), Submit()]

    def generate(self, config: ScenarioConfig) -> Task:
        # The core (who is asked about, their extension, where they sit) comes from every option but the length,
        # so a seed asks the same question at every length; only the colleagues around them grow with the length.
        core = random.Random(config.core_seed())
        target = f"{core.choice(FIRST)} {core.choice(LAST)} {core.randrange(10_000, 99_999)}"
        extension = str(core.randrange(1000, 9999))
        question = f"What is the phone extension of {target}? Use lookup, then submit the extension."
        fill = random.Random(config.fill_seed())
        names = [f"{fill.choice(FIRST)} {fill.choice(LAST)} {n}" for n in range(config.length // 8)]
        names = [name for name in names if name != target]  # a namesake would give the question two answers
        while names and tokens.count("\n".join(names)) > config.length * 0.9 - tokens.count(question):
            names = names[: int(len(names) * 0.9)]
        if not names:
            raise too_short(config.length, tokens.count(question) * 2, "the question and a directory")
        depth = config.evidence_depth()
        names.insert(place(depth, len(names) + 1), target)  # the evidence sits at the asked depth
        directory = {name: str(fill.randrange(1000, 9999)) for name in names} | {target: extension}
        prompt = f"Staff directory:\n{chr(10).join(names)}\n\n{question}"
        gold = {"name": target, "extension": extension}
        return Task(task_id=f"phonebook-{config.seed}-{config.length}", family=self.family, prompt=prompt,
                    question=question, gold=gold, depth=depth,
                    core_hash=core_hash(config, {"question": question, "gold": gold, "depth": depth}),
                    tool_names=["lookup", "submit"],
                    evidence=[Evidence(id=f"entry:{target}", kind="entry", locator={"name": target})],
                    oracle_plan=[ToolCall(name="lookup", arguments={"name": target}),
                                 ToolCall(name="submit", arguments={"answer": extension})],
                    length_tokens=tokens.count(prompt), meta={"directory": directory})

    def build_world(self, task: Task) -> dict[str, str]:
        return dict(task.meta["directory"])

    def grade(self, task: Task, trajectory: Trajectory, ctx: ToolContext) -> EpisodeScore:
        answers = [s.result.data.get("answer") for s in trajectory.steps if s.result.data.get("submitted")]
        if not answers or answers[-1] is None:
            return EpisodeScore(success=0.0, outcome="no_answer")
        right = str(answers[-1]).strip() == task.gold["extension"]  # exactly one extension, nothing else
        return EpisodeScore(success=float(right), outcome="correct" if right else "wrong")


class PhonebookHeuristic(Agent):
    """The model-free baseline: look up the name the question asks about, submit the number it shows."""

    name = "phonebook-heuristic"

    def reset(self, task_info: dict[str, Any]) -> None:
        self._asked = False

    def act(self, obs: str, info: dict[str, Any]) -> ToolCall:
        if not self._asked:
            self._asked = True
            match = re.search(r"extension of (.+?)\?", obs)
            return ToolCall(name="lookup", arguments={"name": match.group(1) if match else ""})
        found = re.search(r"extension (\d+)", obs)
        return ToolCall(name="submit", arguments={"answer": found.group(1) if found else None})


locogym.register_family(PhonebookEnv)
