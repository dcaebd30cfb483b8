"""Test helpers for users' tests and ours.

* :func:`check_family`: the contract every family keeps (Gymnasium's checker, determinism across processes,
  oracle 1.0 and noop 0, vector envs, fuzzed actions, every metric computed), one function per check.
* :class:`ScriptedServer`: a local model server that speaks the OpenAI and Anthropic wire protocols from a script.
  Point the real SDKs (or any locogym model agent) at it and script what the "model" says: tool calls, parallel
  calls, malformed arguments, 429 with ``Retry-After``, 500s, slow replies, usage numbers. No network and no
  mocking inside the SDKs, so tests exercise the same code paths as a real provider.
* :class:`ScriptedAgent`: an agent that plays a fixed list of actions.
"""

from locogym.testing.agents import PROTOCOLS, TEST_KEY, agent_for
from locogym.testing.check_family import FamilyCheckError, FamilyReport, check_family
from locogym.testing.script import Call, Delay, HttpError, Raw, Reply, Responder, ScriptItem, Usage
from locogym.testing.scripted_agent import ScriptedAgent
from locogym.testing.server import ScriptedServer
from locogym.testing.wire import RecordedRequest, usage_total

__all__ = ["PROTOCOLS", "TEST_KEY", "Call", "Delay", "FamilyCheckError", "FamilyReport", "HttpError", "Raw",
           "RecordedRequest", "Reply", "Responder", "ScriptItem", "ScriptedAgent", "ScriptedServer", "Usage",
           "agent_for", "check_family", "usage_total"]
