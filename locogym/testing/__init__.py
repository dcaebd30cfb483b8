"""Test helpers: a local model server that speaks the OpenAI and Anthropic wire protocols from a script.

Point the real SDKs (or any locogym model agent) at :class:`ScriptedServer` and script what the "model" says:
tool calls, parallel calls, malformed arguments, 429 with ``Retry-After``, 500s, slow replies, usage numbers.
No network and no mocking inside the SDKs, so tests exercise the same code paths as a real provider.
"""

from locogym.testing.agents import PROTOCOLS, TEST_KEY, agent_for
from locogym.testing.script import Call, Delay, HttpError, Raw, Reply, Responder, ScriptItem, Usage
from locogym.testing.scripted_agent import ScriptedAgent
from locogym.testing.server import ScriptedServer
from locogym.testing.wire import RecordedRequest, usage_total

__all__ = ["PROTOCOLS", "TEST_KEY", "agent_for", "Call", "Delay", "HttpError", "Raw", "RecordedRequest", "Reply", "Responder", "ScriptItem",
           "ScriptedAgent", "ScriptedServer", "Usage", "usage_total"]
