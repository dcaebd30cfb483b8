"""LoCo-FuncCall-v0: multi-step, constrained function calling in a stateful travel-booking world.

The world is an in-process object (no sandbox): ``build_world`` rebuilds it from the task, tools act on it, and
grading reads its final bookings plus the submitted answer. ``data="complexfuncbench:PATH"`` replays the samples
of a ComplexFuncBench file instead. Each sample brings its own function list: reset swaps in that sample's tools
(and an action space over them), so ``info["tools"]`` lists exactly the functions the sample offers and a call to
another sample's function is an unknown tool.

Length is a controlled variable: a seed is the same request, gold and answer item at every rung of ``ladder``
(drawn to fit the first, 4k), and only the context around it grows: near-miss entries in the list the answer is
read from, then bigger responses. ``depth`` places the answer's item in that list. A replayed ComplexFuncBench
sample is a fixed conversation: every length gives the same sample (see docs/envs/LoCo-FuncCall-v0.md).
"""

from __future__ import annotations

from typing import Any, ClassVar

from locogym.core.errors import ConfigError
from locogym.core.types import (
    EpisodeScore,
    ModelUsage,
    ScenarioConfig,
    Task,
    ToolCall,
    ToolResult,
    Trajectory,
)
from locogym.envs.base import LocoEnv
from locogym.envs.spaces import ToolCallSpace
from locogym.scenarios.funccall import complexfuncbench as cfb
from locogym.scenarios.funccall import generator, grading
from locogym.tools.api import build_api_tools
from locogym.tools.base import Tool, ToolContext, ToolSet
from locogym.tools.replay import build_sample_tools


class FuncCallEnv(LocoEnv):
    """See the module docstring and docs/envs/LoCo-FuncCall-v0.md."""

    env_id = "LoCo-FuncCall-v0"
    family = "funccall"
    summary = "Multi-step constrained function calling in a stateful travel-booking world."
    heuristic_policy = "locogym.agents.heuristic.funccall:Policy"
    uses_sandbox = False
    option_names = frozenset({"response_size"})
    default_length = 16384
    ladder: ClassVar[tuple[str, ...]] = ("4k", "8k", "32k", "128k")

    def configure(self, data: str = "synthetic", response_size: int | str = "auto", **kwargs: Any) -> dict[str, Any]:
        if kwargs:
            raise ConfigError(f"LoCo-FuncCall-v0 takes no argument(s) {sorted(kwargs)}.",
                              fix="Arguments: data=, response_size= (plus sandbox=, max_steps=, ...).")
        generator.parse_response_size(response_size)
        self._sample_toolsets: dict[str, ToolSet] = {}
        if data == "synthetic":
            self._samples: tuple[cfb.Sample, ...] | None = None
        elif isinstance(data, str) and data.startswith(cfb.PREFIX):
            self._samples = cfb.load(cfb.resolve_path(data))
        else:
            raise ConfigError(f"data={data!r} is not a known source.",
                              fix='Use "synthetic" (default) or "complexfuncbench:/path/to/file.jsonl".')
        return {"data": data, "response_size": response_size}

    def build_tools(self) -> list[Tool]:
        if self._samples is not None:  # until the first reset: the first sample's tools
            return build_sample_tools(self._samples[0].functions)
        return build_api_tools()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        obs, info = super().reset(seed=seed, options=options)
        if self._samples is not None and self.task is not None:
            self._use_sample_tools(self.task)
            info["tools"] = self.toolset.spec_dicts()
        return obs, info

    def report_usage(self, usage: ModelUsage | None) -> None:
        """Also tells a replayed sample where an assistant message starts (see ``begin_step``)."""
        super().report_usage(usage)
        self._reported = (True, usage is not None)

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        reported, from_model = getattr(self, "_reported", (False, False))
        self._reported = (False, False)
        if self.ctx is not None and isinstance(self.ctx.world, cfb.ReplayWorld):
            self.ctx.world.begin_step(from_model=from_model, queued=reported and not from_model)
        return super().step(action)

    def _use_sample_tools(self, task: Task) -> None:
        """Make the sample's own functions the tool set and the action space (built once per sample)."""
        key = str(task.meta["sample_id"])
        toolset = self._sample_toolsets.get(key)
        if toolset is None:
            toolset = self._sample_toolsets[key] = ToolSet(build_sample_tools(task.meta["functions"]))
        if toolset is not self.toolset:
            self.toolset = toolset
            self.action_space = ToolCallSpace(toolset.specs())

    def generate(self, config: ScenarioConfig) -> Task:
        if self._samples is not None:
            return cfb.generate(config, self._samples)
        return generator.generate(config)

    def build_world(self, task: Task) -> Any:
        if task.meta.get("source") == "complexfuncbench":
            return cfb.build_world(task)
        return generator.make_world(task.meta["world"], task.meta.get("initial_bookings", []))

    def annotate(self, call: ToolCall | None, result: ToolResult, ctx: ToolContext) -> dict[str, Any]:
        if ctx.task.meta.get("source") == "complexfuncbench":
            return cfb.verdict(call, result, ctx.task, ctx.world)
        return grading.verdict(ctx.task, call, result, ctx.world, ctx.state)

    def grade(self, task: Task, trajectory: Trajectory, ctx: ToolContext) -> EpisodeScore:
        if task.meta.get("source") == "complexfuncbench":
            return cfb.grade(task, trajectory)
        return grading.grade(task, trajectory, ctx.world)

    def final_state(self, ctx: ToolContext) -> dict[str, Any]:
        if isinstance(ctx.world, cfb.ReplayWorld):
            return {"matched_calls": sorted(ctx.world.matched), "open_turn": ctx.world.current_turn()}
        return ctx.world.snapshot()
