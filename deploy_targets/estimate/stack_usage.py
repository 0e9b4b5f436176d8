"""Worst-case stack of a call chain, from gcc's `-fcallgraph-info=su` files (.ci).

Each function's frame comes from `-fstack-usage`; the stack of an entry point is the largest
sum of frames along any call path from it. Functions gcc did not compile here (libc, libgcc)
count as 0 bytes, and the result says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_NODE = re.compile(r'node: \{ title: "(?P<title>[^"]+)" label: "(?P<label>(?:[^"\\]|\\.)*)"')
_EDGE = re.compile(r'edge: \{ sourcename: "(?P<source>[^"]+)" targetname: "(?P<target>[^"]+)"')
_FRAME = re.compile(r"\\n(?P<bytes>\d+) bytes \((?P<kind>[a-z, ]+)\)")


@dataclass
class CallGraph:
    """Frames (bytes, by symbol) and call edges merged from several .ci files."""

    frame_bytes: dict[str, int] = field(default_factory=dict)
    dynamic_frames: set[str] = field(default_factory=set)
    calls: dict[str, set[str]] = field(default_factory=dict)
    display_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StackBound:
    """The deepest call path from an entry point and what the bound leaves out."""

    stack_bytes: int
    deepest_path: tuple[str, ...]
    unknown_callees: tuple[str, ...]
    has_recursion: bool
    has_dynamic_frames: bool


def read_call_graph(ci_paths: list[Path]) -> CallGraph:
    """Merge the nodes and edges of gcc's VCG call-graph files."""
    graph = CallGraph()
    for path in ci_paths:
        text = path.read_text()
        for node in _NODE.finditer(text):
            title = node["title"]
            label = node["label"]
            graph.display_names[title] = label.split("\\n", 1)[0]
            frame = _FRAME.search(label)
            if frame is not None:
                graph.frame_bytes[title] = int(frame["bytes"])
                if "dynamic" in frame["kind"] and "bounded" not in frame["kind"]:
                    graph.dynamic_frames.add(title)
        for edge in _EDGE.finditer(text):
            graph.calls.setdefault(edge["source"], set()).add(edge["target"])
    return graph


def find_symbol(graph: CallGraph, function_name: str) -> str:
    """The graph's symbol for `function_name`, whether mangled (C++) or not (extern "C")."""
    if function_name in graph.frame_bytes:
        return function_name
    for title, display in graph.display_names.items():
        if title in graph.frame_bytes and re.search(rf"\b{re.escape(function_name)}\(", display):
            return title
    known = ", ".join(sorted(graph.display_names[t] for t in graph.frame_bytes)) or "none"
    raise ValueError(
        f"function {function_name!r} is not in the call graph; functions compiled: {known}"
    )


def deepest_stack(graph: CallGraph, entry_symbol: str) -> StackBound:
    """Largest sum of frames along a call path from `entry_symbol` (recursion cut at the cycle)."""
    unknown: set[str] = set()
    dynamic = False
    recursion = False
    memo: dict[str, tuple[int, tuple[str, ...]]] = {}

    def visit(symbol: str, on_path: frozenset[str]) -> tuple[int, tuple[str, ...]]:
        nonlocal dynamic, recursion
        if symbol in memo:
            return memo[symbol]
        if symbol not in graph.frame_bytes:
            unknown.add(graph.display_names.get(symbol, symbol))
            return 0, (symbol,)
        if symbol in graph.dynamic_frames:
            dynamic = True
        best_bytes = 0
        best_path: tuple[str, ...] = ()
        for callee in sorted(graph.calls.get(symbol, ())):
            if callee in on_path:
                recursion = True
                continue
            callee_bytes, callee_path = visit(callee, on_path | {callee})
            if callee_bytes > best_bytes or not best_path:
                best_bytes, best_path = callee_bytes, callee_path
        result = graph.frame_bytes[symbol] + best_bytes, (symbol, *best_path)
        memo[symbol] = result
        return result

    stack_bytes, path = visit(entry_symbol, frozenset({entry_symbol}))
    return StackBound(
        stack_bytes=stack_bytes,
        deepest_path=tuple(graph.display_names.get(s, s) for s in path),
        unknown_callees=tuple(sorted(unknown)),
        has_recursion=recursion,
        has_dynamic_frames=dynamic,
    )
