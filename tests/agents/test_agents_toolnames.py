"""Tool names every provider accepts: readable, unique, reversible."""

from __future__ import annotations

from locogym.agents.toolnames import VALID_NAME, ToolNames
from locogym.core.types import ToolCall, ToolSpec


def test_invalid_names_get_unique_valid_wire_names_and_map_back() -> None:
    names = ["read_file", "Get_Hotel_Reviews(Tips)", "Get_Hotel_Reviews_Tips_", "Get Hotel Reviews Tips?", "x" * 80,
             "hôtel.search"]
    tool_names = ToolNames(names)
    wire = [tool_names.wire(n) for n in names]
    assert all(VALID_NAME.match(w) for w in wire) and len(set(wire)) == len(names)
    assert wire[0] == "read_file" and wire[2] == "Get_Hotel_Reviews_Tips_"  # valid names are sent unchanged
    assert wire[1].startswith("Get_Hotel_Reviews_Tips_")  # readable, with a hash where it would collide
    assert [tool_names.local(w) for w in wire] == names
    assert tool_names.local("no_such_tool") == "no_such_tool"


def test_specs_and_every_native_call_shape_are_translated() -> None:
    tool_names = ToolNames(["Get_Hotel_Reviews(Tips)", "submit"])
    spec = ToolSpec(name="Get_Hotel_Reviews(Tips)", description="d", parameters={"type": "object"})
    sent = tool_names.wire_specs([spec, ToolSpec(name="submit", description="s", parameters={"type": "object"})])
    assert [s.name for s in sent] == ["Get_Hotel_Reviews_Tips_", "submit"] and spec.name == "Get_Hotel_Reviews(Tips)"
    chat = {"id": "c1", "type": "function", "function": {"name": "Get_Hotel_Reviews_Tips_", "arguments": "{}"}}
    responses = {"type": "function_call", "call_id": "c1", "name": "Get_Hotel_Reviews_Tips_", "arguments": "{}"}
    anthropic = {"type": "tool_use", "id": "t1", "name": "Get_Hotel_Reviews_Tips_", "input": {}}
    assert tool_names.restore(chat)["function"]["name"] == "Get_Hotel_Reviews(Tips)"
    assert tool_names.restore(responses)["name"] == "Get_Hotel_Reviews(Tips)"
    assert tool_names.restore(anthropic)["name"] == "Get_Hotel_Reviews(Tips)"
    assert chat["function"]["name"] == "Get_Hotel_Reviews_Tips_"  # the history keeps the wire name
    assert tool_names.restore(ToolCall(name="Get_Hotel_Reviews_Tips_")).name == "Get_Hotel_Reviews(Tips)"
    assert tool_names.restore("plain text") == "plain text"
