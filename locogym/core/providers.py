"""What the command line knows about model providers before any provider SDK is imported.

The SDKs take seconds to import on a loaded machine; a run that lacks a key must say so before paying for them,
so the variable each provider reads its key from lives here, beside nothing heavier than a dict.
"""

from __future__ import annotations

# The variable each provider's key is read from, where a key is required (an OpenAI-compatible server may need
# none).
REQUIRED_KEYS: dict[str, str] = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}

__all__ = ["REQUIRED_KEYS"]
