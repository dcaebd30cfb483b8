"""The locogym error tree. Every error that reaches a user names the cause and the fix.

    LocoError                      base of everything locogym raises on purpose
    ├── ConfigError                bad options, env arguments, tournament configs, CLI flags
    │   └── TaskRefused            these options cannot make the task (a length too short for its core)
    ├── DataError                  a data file (corpus, dataset, trajectory) is malformed; names file, line, field
    ├── SandboxError               a sandbox backend failed
    │   ├── SandboxUnavailable     the backend cannot run here (engine down, bwrap missing, image not built)
    │   └── SandboxTimeout         a call ran past its limit and was killed
    ├── ProviderError              a model provider failed after retries (never recorded as a model answer)
    │   ├── AuthenticationError    the key is missing or rejected: fail fast
    │   └── BadRequestError        the request was refused as malformed: fail fast
    ├── ReplayMismatch             a replayed episode produced different observations
    └── ToolError                  the agent's call was wrong; raised inside a tool, never out of the env
        ├── ToolNotFound           it named something that does not exist (a file, an article, a definition)
        ├── ToolArgumentError      its arguments cannot be carried out (an empty command, a bad offset)
        └── ToolPermissionError    it reached outside what the task allows

Errors caused by the *agent's* actions are never raised out of the env: a tool raises a :class:`ToolError`
subclass and the env turns it into an observation with that :class:`~locogym.core.types.ErrorKind`. Anything else
that escapes a tool (a ``KeyError`` from a bug, say) is a defect of locogym, reported as ``internal``: the episode
ends as errored and is never scored as the agent's failure.
"""

from __future__ import annotations


class LocoError(Exception):
    """Base class. ``fix`` (optional) is appended to the message as a hint."""

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        self.message = message
        self.fix = fix
        super().__init__(f"{message} Fix: {fix}" if fix else message)


class ConfigError(LocoError, ValueError):
    """Bad configuration or options supplied by the user."""


class TaskRefused(ConfigError):
    """The options are valid but cannot make this task: a length too short to hold the task's core, a source with
    nothing askable at that length. A task is refused, never swapped for another one; a tournament records it as
    ``refused`` (not played, not retried) and its core drops out of the paired length statistics."""


class DataError(LocoError, ValueError):
    """A data file is malformed. The message names the file, the line or record, and the field."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None, fix: str | None = None) -> None:
        where = ", ".join(p for p in (path, f"line {line}" if line is not None else None,
                                      f"field {field!r}" if field else None) if p)
        super().__init__(f"{where}: {message}" if where else message, fix=fix)
        self.path, self.line, self.field = path, line, field


class SandboxError(LocoError, RuntimeError):
    """A sandbox backend failed."""


class SandboxUnavailable(SandboxError):
    """The backend cannot run on this machine; the message says why and what to do."""


class SandboxTimeout(SandboxError):
    """A call ran past its time limit and its process group was killed."""


class ProviderError(LocoError, RuntimeError):
    """A model provider failed after its retries were used up."""


class AuthenticationError(ProviderError):
    """The API key is missing or was rejected."""


class BadRequestError(ProviderError):
    """The provider refused the request as malformed."""


class ReplayMismatch(LocoError):
    """A replay produced an observation that differs from the recorded one."""


class ToolError(LocoError):
    """The agent's call cannot be carried out. ``kind`` is the :class:`~locogym.core.types.ErrorKind` value the
    observation reports; the message is what the agent reads."""

    kind = "invalid_arguments"


class ToolNotFound(ToolError):
    """The call named a file, article, definition or link that does not exist."""

    kind = "not_found"


class ToolArgumentError(ToolError):
    """The arguments pass the schema but cannot be carried out (an empty command, an offset past the end)."""

    kind = "invalid_arguments"


class ToolPermissionError(ToolError):
    """The call reached outside what the task allows."""

    kind = "permission"
