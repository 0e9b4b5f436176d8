"""The call-graph stack bound follows the deepest path and says what it could not see."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy_targets.estimate.stack_usage import deepest_stack, find_symbol, read_call_graph

# The shape gcc 12 writes with -fcallgraph-info=su.
CALL_GRAPH = """graph: { title: "m.cpp"
node: { title: "_Z4leafv" label: "int leaf()\\nm.cpp:1:5\\n96 bytes (static)" }
node: { title: "_Z5smallv" label: "int small()\\nm.cpp:2:5\\n8 bytes (static)" }
node: { title: "_Z3midv" label: "int mid()\\nm.cpp:3:5\\n40 bytes (static)" }
edge: { sourcename: "_Z3midv" targetname: "_Z4leafv" label: "m.cpp:3:20" }
node: { title: "m_invoke" label: "int m_invoke(const void*, void*)\\nm.cpp:4:5\\n16 bytes (static)" }
edge: { sourcename: "m_invoke" targetname: "_Z3midv" label: "m.cpp:4:30" }
edge: { sourcename: "m_invoke" targetname: "_Z5smallv" label: "m.cpp:4:40" }
edge: { sourcename: "m_invoke" targetname: "memcpy" }
node: { title: "memcpy" label: "memcpy\\n<built-in>" shape : ellipse }
}
"""


def test_deepest_path_sums_frames(tmp_path: Path) -> None:
    ci = tmp_path / "m.ci"
    ci.write_text(CALL_GRAPH)
    graph = read_call_graph([ci])
    bound = deepest_stack(graph, find_symbol(graph, "m_invoke"))
    assert bound.stack_bytes == 16 + 40 + 96
    assert bound.deepest_path == ("int m_invoke(const void*, void*)", "int mid()", "int leaf()")
    assert bound.unknown_callees == ("memcpy",)
    assert not bound.has_recursion


def test_mangled_names_are_found_and_missing_ones_listed(tmp_path: Path) -> None:
    ci = tmp_path / "m.ci"
    ci.write_text(CALL_GRAPH)
    graph = read_call_graph([ci])
    assert find_symbol(graph, "mid") == "_Z3midv"
    with pytest.raises(ValueError, match="functions compiled: int leaf"):
        find_symbol(graph, "other_invoke")


def test_recursion_is_cut_and_reported(tmp_path: Path) -> None:
    ci = tmp_path / "r.ci"
    ci.write_text(
        'node: { title: "a" label: "a\\nr.cpp:1:1\\n10 bytes (static)" }\n'
        'node: { title: "b" label: "b\\nr.cpp:2:1\\n20 bytes (static)" }\n'
        'edge: { sourcename: "a" targetname: "b" }\n'
        'edge: { sourcename: "b" targetname: "a" }\n'
    )
    graph = read_call_graph([ci])
    bound = deepest_stack(graph, "a")
    assert bound.stack_bytes == 30
    assert bound.has_recursion
