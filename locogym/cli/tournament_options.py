"""The options of ``locogym tournament`` and ``locogym score``, one named type each, so that the commands' own
signatures stay one line per option."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ConfigOpt = Annotated[Path | None, typer.Option(help="TOML tournament file (flags below override its fields).")]
AgentsOpt = Annotated[list[str] | None, typer.Option(help="Agents: oracle, heuristic, grep, random, noop, abstain, "
                                                         "openai/MODEL, anthropic/MODEL, "
                                                         "openai-compatible/NAME.")]
EnvsOpt = Annotated[list[str] | None, typer.Option(help="Environment ids (default: every registered env).")]
LengthsOpt = Annotated[list[str] | None, typer.Option(help="Target lengths, e.g. 8k,32k.")]
SeedsOpt = Annotated[int | None, typer.Option(help="Seeds 0..N-1 per cell.")]
DepthsOpt = Annotated[list[str] | None, typer.Option(help="Evidence depths as a controlled axis, e.g. "
                                                         "start,middle,end or 0,0.5,1 (default: each seed draws "
                                                         "one).")]
TrialsOpt = Annotated[int | None, typer.Option(min=1, help="Independent attempts per task (default 1); with 2 or "
                                                          "more the report shows pass^k and the flip rate.")]
TaskOpt = Annotated[list[str] | None, typer.Option(help="Task kinds for every env (default: each family's).")]
SandboxOpt = Annotated[str | None, typer.Option(help="Sandbox backend: auto, docker, bwrap, local, fake.")]
EnvArgOpt = Annotated[list[str] | None, typer.Option("--env-arg", help="ENV_ID:KEY=VALUE family argument "
                                                                        "(repeatable).")]
BaseUrlOpt = Annotated[str | None, typer.Option(help="Base URL for every model agent (openai/, anthropic/, "
                                                     "openai-compatible/).")]
AgentArgOpt = Annotated[list[str] | None, typer.Option("--agent-arg", help="Model agent setting KEY=VALUE for every "
                                                                        "model agent, or AGENT:KEY=VALUE for one "
                                                                        "(repeatable), e.g. tool_choice=required."
                                                       )]
ConcurrencyOpt = Annotated[list[str] | None, typer.Option(help="PROVIDER=N episodes in flight (repeatable), "
                                                              "e.g. openai=16.")]
WorkersOpt = Annotated[int | None, typer.Option(help="Worker processes (default: the CPU count).")]
MaxStepsOpt = Annotated[int | None, typer.Option(help="Step budget per episode.")]
MaxCostOpt = Annotated[float | None, typer.Option(help="Spending cap in USD for the run folder, across invocations: "
                                                       "every model request is booked against it; the run stops "
                                                       "at it and exits 3.")]
OutOpt = Annotated[Path | None, typer.Option(help="Run folder, default runs/main (resumes when it "
                                                 "already holds episodes).")]
BackendOpt = Annotated[str | None, typer.Option(help="local or ray.")]
RayAddressOpt = Annotated[str | None, typer.Option(help="Ray cluster address (default: a local instance).")]
ImportsOpt = Annotated[list[str] | None, typer.Option("--import", help="Module that registers extra envs.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print the schedule and the cost estimate; "
                                                           "run nothing.")]
RetryErroredOpt = Annotated[bool, typer.Option("--retry-errored", help="Run errored episodes again.")]
NoReportOpt = Annotated[bool, typer.Option("--no-report", help="Skip writing report.md and report.html.")]
SeedSaltOpt = Annotated[str | None, typer.Option(help="Secret mixed into task generation, so that only its holder "
                                                      "can regenerate the tasks "
                                                      "(default: $LOCOGYM_SEED_SALT).")]

RunDirArg = Annotated[Path, typer.Argument(help="A tournament's run folder (its --out).")]
ScoreSaltOpt = Annotated[str | None, typer.Option(help="The secret seed salt the run was generated with "
                                                       "(default: $LOCOGYM_SEED_SALT).")]
ScoreSandboxOpt = Annotated[str | None, typer.Option(help="Replay in this sandbox backend instead of the recorded "
                                                          "one.")]
RegradeTestsOpt = Annotated[bool, typer.Option("--regrade-tests", help="Also re-play LoCo-RepoPatch episodes and "
                                               "re-run their hidden tests.")]
AcceptVersionOpt = Annotated[bool, typer.Option("--accept-version", help="Do not count a trajectory recorded by "
                                                "another locogym release as a difference.")]
ToleranceOpt = Annotated[float, typer.Option(help="Largest difference between numbers that still counts as "
                                                  "equal.")]
VerifyOpt = Annotated[Path | None, typer.Option(help="A lab's public key (.pub): also check the run's signature "
                                                     "(signature.json) over its plan and rows.")]
