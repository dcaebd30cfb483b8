"""A live terminal view of an episode: one line per step as it happens.

For a model agent the line shows what the model saw and how long it took, from the ``model_request`` events
that precede the step: the provider's own prompt tokens (``prompt``), the model's latency (``model``, summed
over the requests behind the action, ``cached`` when every one came from the response cache), besides the tool's
latency and the env's own context count.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from locogym.core.types import StepEvent, Trajectory, dumps


class StepPrinter:
    """An episode listener that prints each step (tool, arguments, error, tokens) to a rich console."""

    def __init__(self, console: Console, width: int = 100) -> None:
        self.console = console
        self.width = width
        self._requests: list[dict[str, Any]] = []  # model_request events since the last step

    def on_reset(self, trajectory: Trajectory) -> None:
        task = trajectory.task
        self.console.rule(f"{trajectory.env_id} · {task.task_id if task else '?'} · {trajectory.agent}")
        if task is not None:
            self.console.print(f"[dim]{task.length_tokens:,} tokens · sandbox {trajectory.sandbox or 'none'} · "
                               f"content {task.content_hash[:12]}[/]")

    def on_step(self, step: StepEvent) -> None:
        if step.call is not None:
            args = dumps(step.call.arguments).decode()
            action = f"{step.call.name}({args[: self.width]}{'…' if len(args) > self.width else ''})"
        else:
            action = "<unreadable action>"
        status = f"[red]{step.result.error.value}[/]" if step.result.error else "[green]ok[/]"
        first = step.result.output.strip().splitlines()[0][: self.width] if step.result.output.strip() else ""
        model = ""
        if self._requests:
            prompt = max(int(r.get("prompt_tokens", 0)) for r in self._requests)
            latency = sum(float(r.get("latency_ms", 0.0)) for r in self._requests)
            cached = " cached" if all(r.get("cache_hit") for r in self._requests) else ""
            model = f"prompt {prompt:,} · model {latency:.0f} ms{cached} · "
            self._requests = []
        self.console.print(f"[bold]{step.index:>3}[/] s{step.session} {escape(action)} → {status} "
                           f"[dim]{model}{step.obs_tokens:,} tok · ctx {step.context_tokens:,} · "
                           f"tool {step.latency_ms:.0f} ms[/]")
        if first:
            self.console.print(f"      [dim]{escape(first)}[/]")

    def on_event(self, event: dict[str, Any]) -> None:
        if event.get("kind") == "model_request":
            self._requests.append(event)
            return
        self.console.print(f"[yellow]event[/] {escape(dumps(event).decode()[:200])}")

    def on_end(self, trajectory: Trajectory) -> None:
        score = trajectory.score
        if trajectory.termination == "error":  # an infrastructure failure says nothing about the model
            self.console.rule("errored · not scored")
        elif score is not None:
            self.console.rule(f"{trajectory.termination} · success {score.success:.3f} · {score.outcome}")
