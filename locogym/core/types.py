"""The shared vocabulary: every record that crosses a seam or touches disk.

All models are pydantic v2 and serialise with orjson through :func:`dumps` / :func:`loads`. Every record that is
written to disk carries ``schema_version`` so that a later release can read (and re-score) an old run.
"""

from __future__ import annotations

import hashlib
import random
from enum import StrEnum
from typing import Any, Literal, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = 1


def dumps(obj: Any) -> bytes:
    """Serialise a model or plain value to compact JSON bytes with sorted keys (stable for hashing)."""
    if isinstance(obj, BaseModel):
        obj = obj.model_dump(mode="json")
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


def stable_hash(obj: Any, length: int = 16) -> str:
    """A short hex digest of ``obj``'s canonical JSON: the same value always gives the same hash."""
    return hashlib.sha256(dumps(obj)).hexdigest()[:length]


class Model(BaseModel):
    """Base for every shared record: strict about unknown fields so that typos in data files are caught."""

    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True)


class ErrorKind(StrEnum):
    """Why a step did not do what the agent asked. Scoring counts invalid calls by kind."""

    parse = "parse"  # the action could not be read as a tool call
    unknown_tool = "unknown_tool"  # the tool name is not offered by this env
    invalid_arguments = "invalid_arguments"  # arguments failed the tool's schema
    not_found = "not_found"  # a file, article, id or symbol does not exist
    permission = "permission"  # the call tried to leave the workspace or touch what it may not
    timeout = "timeout"  # the call ran past its time limit and was killed
    output_limit = "output_limit"  # the output exceeded a hard limit (beyond the page cut)
    sandbox_unavailable = "sandbox_unavailable"  # the sandbox or its tool server died
    api_error = "api_error"  # a simulated API rejected the call
    internal = "internal"  # a defect in locogym itself; never the agent's fault


class ToolCall(Model):
    """What an agent asks for: a tool name and its arguments."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None


class ToolSpec(Model):
    """A tool as offered to a model: its JSON Schema is the pydantic argument model's."""

    name: str
    description: str
    parameters: dict[str, Any]

    def to_openai(self) -> dict[str, Any]:
        """Chat Completions ``tools`` entry."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def to_openai_responses(self) -> dict[str, Any]:
        """Responses API ``tools`` entry (flat function shape)."""
        return {"type": "function", "name": self.name, "description": self.description, "parameters": self.parameters}

    def to_anthropic(self) -> dict[str, Any]:
        """Messages API ``tools`` entry."""
        return {"name": self.name, "description": self.description, "input_schema": self.parameters}


class ToolResult(Model):
    """The outcome of one tool call. ``output`` is what the agent sees; ``data`` is for scoring only."""

    output: str
    error: ErrorKind | None = None
    truncated: bool = False
    tokens: int = 0
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


class Evidence(Model):
    """One unit of information the task needs the agent to see (a file span, an article, an API response)."""

    id: str
    kind: str
    locator: dict[str, Any] = Field(default_factory=dict)


class SessionSpec(Model):
    """One session of a multi-session task: its own prompt; context is reset between sessions."""

    index: int
    prompt: str
    oracle_plan: list[ToolCall] = Field(default_factory=list)


class Probe(Model):
    """A question asked in a given session whose true answer is known at that time (long-horizon consistency)."""

    id: str
    session: int
    question: str
    key: str  # probes with the same key ask about the same fact
    answer: Any
    changed_since_last: bool = False  # the world changed this fact since the previous probe with this key


class ScenarioConfig(Model):
    """Everything that determines a task. Same config gives the same Task, byte for byte.

    A task is a core plus a context (see :mod:`locogym.core.ladder`): draw the core from :meth:`core_seed` (every
    field but ``length`` and ``depth``), the context that grows with ``length`` from :meth:`fill_seed`, and place
    the evidence at :meth:`evidence_depth`.
    """

    family: str
    seed: int = 0
    length: int = 8192
    task: str | None = None
    difficulty: str = "medium"
    params: dict[str, Any] = Field(default_factory=dict)
    depth: float | None = None  # where the evidence sits, 0 (start) .. 1 (end); None: drawn from the core's seed

    def identity(self, *, without: tuple[str, ...] = ()) -> dict[str, Any]:
        """The fields that define the task as plain data (``depth`` only when set, so that configs written before
        it existed hash as they did), minus ``without``."""
        body = self.model_dump(mode="json")
        if body.get("depth") is None:
            body.pop("depth", None)
        for name in without:
            body.pop(name, None)
        return body

    def rng_seed(self) -> int:
        """A 64-bit seed derived from the whole config, for ``random.Random`` / numpy generators."""
        return int(stable_hash(self.identity(), 16), 16)

    def core_seed(self) -> int:
        """A 64-bit seed from everything but ``length`` and ``depth``: the stream a task's core is drawn from, so
        that the same seed gives the same core at every length (and at every depth)."""
        return int(stable_hash({"core": self.identity(without=("length", "depth"))}, 16), 16)

    def fill_seed(self) -> int:
        """A 64-bit seed from the whole config: the stream of the context that grows with ``length``."""
        return int(stable_hash({"fill": self.identity()}, 16), 16)

    def evidence_depth(self) -> float:
        """The depth asked for, or else the one drawn from the core's seed (the same at every length)."""
        return self.depth if self.depth is not None else drawn_depth(self.core_seed())


def drawn_depth(core_seed: int) -> float:
    """The depth of a task whose depth was not asked for: drawn from the core's seed (the same at every length),
    uniform over [0, 1] in steps of 0.05 so that reports can cut it into start, middle and end."""
    return random.Random(f"depth:{core_seed}").randint(0, 20) / 20


class Gold(Model):
    """Base of each family's typed gold: what its grader compares against. A gold holds nothing that depends on
    ``length``: the generator recomputes it on the full context and refuses a fill that moves it."""


GoldT = TypeVar("GoldT", bound=Gold)


class Task(Model):
    """A generated task: prompt, tools, gold answer, evidence and a shortest known solution."""

    schema_version: int = SCHEMA_VERSION
    task_id: str
    family: str
    prompt: str
    tool_names: list[str]
    workspace: dict[str, str] | None = None  # path -> content, materialised in the sandbox at reset
    gold: Any = None  # the family's typed gold (a Gold subclass) as plain data; the same at every length
    question: str = ""  # what the core asks, as the agent reads it; the same at every length
    core_hash: str = ""  # names the core (see core.ladder): the same at every length of a seed
    depth: float | None = None  # where the needed evidence sits in the context: 0 (start) .. 1 (end)
    evidence: list[Evidence] = Field(default_factory=list)
    oracle_plan: list[ToolCall] = Field(default_factory=list)
    sessions: list[SessionSpec] | None = None
    probes: list[Probe] | None = None
    length_tokens: int = 0
    content_hash: str = ""
    meta: dict[str, Any] = Field(default_factory=dict)

    def gold_as(self, model: type[GoldT]) -> GoldT:
        """The gold read as the family's typed model (raises pydantic's ValidationError on a malformed gold)."""
        return model.model_validate(self.gold)

    def with_hash(self) -> Task:
        """Return a copy whose ``content_hash`` covers every other field."""
        body = self.model_dump(mode="json", exclude={"content_hash"})
        return self.model_copy(update={"content_hash": stable_hash(body, 32)})


class ModelUsage(Model):
    """Token usage and cost as the provider reported them."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: ModelUsage) -> ModelUsage:
        return ModelUsage(
            input=self.input + other.input,
            output=self.output + other.output,
            cache_read=self.cache_read + other.cache_read,
            cache_write=self.cache_write + other.cache_write,
            reasoning=self.reasoning + other.reasoning,
            cost_usd=self.cost_usd + other.cost_usd,
        )

    @property
    def total_tokens(self) -> int:
        return self.input + self.output


class StepEvent(Model):
    """One step of an episode as recorded: the raw action, the parsed call, the result and its costs."""

    schema_version: int = SCHEMA_VERSION
    kind: Literal["step"] = "step"
    index: int
    session: int = 0
    action_raw: Any = None
    call: ToolCall | None = None
    result: ToolResult
    latency_ms: float = 0.0
    obs_tokens: int = 0
    context_tokens: int = 0
    evidence_seen: list[str] = Field(default_factory=list)
    usage: ModelUsage | None = None
    annotations: dict[str, Any] = Field(default_factory=dict)

    @field_validator("action_raw", mode="before")
    @classmethod
    def _jsonable(cls, value: Any) -> Any:
        """Keep the raw action recordable whatever the agent sent (bytes, SDK objects, ...)."""
        return to_jsonable(value)


class EpisodeScore(Model):
    """The family's verdict (success in [0, 1]) plus behaviour metrics and labels."""

    success: float = Field(ge=0.0, le=1.0)
    outcome: str
    metrics: dict[str, float] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)


# context_overflow: the provider refused a prompt longer than the model's window; scored 0 as the model's result.
Termination = Literal["submitted", "max_steps", "max_context_tokens", "max_wall_time", "max_cost", "context_overflow",
                      "error", "running"]


class Trajectory(Model):
    """A whole episode. Enough on its own to re-score the episode."""

    schema_version: int = SCHEMA_VERSION
    episode_key: str = ""
    env_id: str
    scenario: ScenarioConfig
    agent: str = "unknown"
    agent_settings: dict[str, Any] = Field(default_factory=dict)
    task: Task | None = None
    sandbox: str | None = None
    steps: list[StepEvent] = Field(default_factory=list)
    termination: Termination = "running"
    usage: ModelUsage = Field(default_factory=ModelUsage)
    score: EpisodeScore | None = None
    final_state: dict[str, Any] = Field(default_factory=dict)
    events: list[dict[str, Any]] = Field(default_factory=list)  # non-step events: compaction, session starts
    # Provenance (absent from files written before it existed, hence the defaults).
    agent_privileged: bool = False  # the agent was given the hidden task (a reference such as the oracle)
    core_hash: str = ""  # the task's core (see core.ladder): episodes that share it differ only in their context
    locogym_version: str = ""  # the release that generated the task and recorded the episode
    salt_hash: str | None = None  # fingerprint of the secret seed salt, when one was used (see core.salt)
    seal: str | None = None  # the recorder's digest of every line before the end line (see harness.seal)


def to_jsonable(value: Any, _depth: int = 0) -> Any:
    """Turn anything an agent might send into a JSON-safe value, for recording; never raises.

    Containers are cut at 1,000 items and 32 levels so that a hostile action cannot blow up the recorder.
    """
    if value is None or isinstance(value, (bool, int, str)):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            return str(value)
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else repr(value)
    if _depth >= 32:
        return "<nested too deep>"
    if isinstance(value, bytes):
        return {"__bytes__": value[:4096].hex(), "length": len(value)}
    if isinstance(value, dict):
        return {str(k)[:256]: to_jsonable(v, _depth + 1) for k, v in list(value.items())[:1000]}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, _depth + 1) for v in list(value)[:1000]]
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return to_jsonable(dump(), _depth + 1)
        except Exception:  # noqa: BLE001 - recording must never fail
            return repr(value)[:4096]
    if hasattr(value, "__dict__"):
        fields = {k: v for k, v in vars(value).items() if not k.startswith("_")}
        return {"__type__": type(value).__name__, **to_jsonable(fields, _depth + 1)}
    return repr(value)[:4096]


# refused: the task cannot be made with these options (a length too short for the core); never played, never
# retried, and its core drops out of the paired length statistics.
EpisodeStatus = Literal["done", "errored", "refused"]


class EpisodeResult(Model):
    """One line of a run folder's ``episodes.jsonl``: a finished (or errored) episode, keyed for resuming.

    ``errored`` episodes (provider down, sandbox died) are kept apart from the model's failures: they are never
    scored as a wrong answer and can be retried.
    """

    schema_version: int = SCHEMA_VERSION
    key: str
    agent: str
    env: str
    options: dict[str, Any] = Field(default_factory=dict)
    env_args: dict[str, Any] = Field(default_factory=dict)
    seed: int
    length: int
    trial: int = 0  # which attempt at the same task (trials of one task share everything else)
    status: EpisodeStatus = "done"
    error: str | None = None
    score: EpisodeScore | None = None
    termination: str = "running"
    usage: ModelUsage = Field(default_factory=ModelUsage)
    steps: int = 0
    wall_time_s: float = 0.0
    trajectory_path: str | None = None
    # Provenance, copied from the trajectory so that a run folder can be judged without opening every file.
    agent_privileged: bool = False
    sandbox: str | None = None  # the backend the episode actually ran in; None for families without one
    sandbox_isolated: bool | None = None  # False for ``local``: the agent's commands ran on the host
    task_kind: str | None = None
    locogym_version: str = ""
    content_hash: str = ""
    core_hash: str = ""  # episodes of one env sharing it played the same task at different lengths
    depth: float | None = None  # where the task's evidence sat in its context (0 start .. 1 end)
    context_truncated: int = 0  # model requests whose provider read far fewer prompt tokens than were sent
    salt_hash: str | None = None
    seal: str | None = None
