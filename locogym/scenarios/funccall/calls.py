"""Running one API call against a world and describing its result for scoring (shared by tools and the planner).

A call the API refuses (an unknown id, a date in the past, a sold-out room) comes back as
``ErrorKind.api_error`` with the JSON error body a real provider would send. Results carry, for scoring only, the
ids of the result set (``data["items"]``), a digest of it, and the ids/tokens the response introduced
(``data["values"]``).
"""

from __future__ import annotations

from typing import Any

import orjson

from locogym.core.types import ErrorKind, ToolResult, stable_hash
from locogym.scenarios.funccall.apis import ANCHORS, call_api
from locogym.scenarios.funccall.normalize import normalize_args
from locogym.scenarios.funccall.world import ApiError


def render(payload: Any) -> str:
    """Responses are compact JSON, as providers send them (key order as built, so byte-stable)."""
    return orjson.dumps(payload).decode()


def result_digest(name: str, params: dict[str, Any], items: list[str], payload: Any) -> str:
    """What "the same result set" means: the sorted ids a response listed for the same request-bound parameters
    (the same hotels for other dates are another result), or the whole body if it lists no ids."""
    if not items:
        return stable_hash(payload)
    normal = normalize_args(name, params)
    return stable_hash([sorted(items), {k: v for k, v in normal.items() if k in ANCHORS}])


def run_api(world: Any, name: str, params: dict[str, Any]) -> ToolResult:
    """Run validated parameters against a world; the shared path of the tools and of the task generator."""
    try:
        response = call_api(world, name, params)
    except ApiError as exc:
        body = {"status": False, "message": exc.message, "code": exc.code, "httpStatus": exc.status}
        return ToolResult(output=render(body), error=ErrorKind.api_error, data={"api": name, "api_code": exc.code})
    digest = result_digest(name, params, response.items, response.payload)
    data: dict[str, Any] = {"api": name, "items": response.items, "digest": digest, "values": response.values}
    return ToolResult(output=render(response.payload), data=data)
