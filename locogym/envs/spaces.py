"""Observation and action spaces.

Observations are free Unicode text. The action space is a built-in fuzzer (:mod:`locogym.core.fuzz`):
``sample()`` returns a JSON string of a random tool call drawn from the env's tool schemas — mostly valid,
sometimes malformed in the ways real models get calls wrong — so that ``env.step(env.action_space.sample())``
exercises the error paths too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.spaces import Space

from locogym.core.fuzz import random_text, sample_action, sample_call
from locogym.core.types import ToolCall, ToolSpec

MAX_OBS_CHARS = 1 << 26


class UnicodeText(Space[str]):
    """Any Python string up to ``max_length`` characters (Gymnasium's ``Text`` only allows a fixed charset)."""

    def __init__(self, max_length: int = MAX_OBS_CHARS, seed: int | np.random.Generator | None = None) -> None:
        self.max_length = max_length
        super().__init__(shape=None, dtype=None, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and len(x) <= self.max_length

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        return random_text(self.np_random, 64)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"UnicodeText(max_length={self.max_length})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnicodeText) and other.max_length == self.max_length


class ToolCallSpace(Space[Any]):
    """Tool calls for a fixed tool set. ``sample()`` gives a JSON string; ``invalid_rate`` of them are broken."""

    def __init__(self, specs: list[ToolSpec], invalid_rate: float = 0.3,
                 seed: int | np.random.Generator | None = None) -> None:
        self.specs = list(specs)
        self.invalid_rate = invalid_rate
        super().__init__(shape=None, dtype=None, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, (str, bytes, dict, list, ToolCall))

    def sample_call(self) -> ToolCall:
        """A random call that validates against its tool's schema."""
        return sample_call(self.specs, self.np_random)

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        return sample_action(self.specs, self.np_random, self.invalid_rate)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"ToolCallSpace({[s.name for s in self.specs]})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ToolCallSpace) and other.specs == self.specs
