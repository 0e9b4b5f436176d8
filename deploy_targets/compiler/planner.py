"""Static memory plan: every intermediate tensor gets an offset in one arena.

Tensors that must share memory (RESHAPE/SQUEEZE aliases, element-wise ops writing over an input
that dies there, 1x1 and depthwise convolutions switched to their in-place kernels) are merged
into one buffer. Kernel scratch (of in-place kernels, and the Cortex-M fast convolution's
column buffer) is a one-step buffer. Buffers whose lifetimes overlap never overlap in memory. Buffers are placed largest first at the lowest offset that fits (greedy by size).
Model inputs and outputs live in the caller's memory and are not in the arena.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from deploy_targets.compiler.ir import DTYPE_BYTES, Graph
from deploy_targets.compiler.steps import Step

ARENA_ALIGNMENT_BYTES = 16


@dataclass
class Buffer:
    """Memory shared by one or more tensors; `first_step`..`last_step` inclusive is its life."""

    tensors: list[int]
    size_bytes: int
    alignment_bytes: int
    first_step: int
    last_step: int
    offset: int = -1
    external: str | None = None  # "input:K" or "output:K" for caller-owned memory

    def overlaps_in_time(self, other: Buffer) -> bool:
        return self.first_step <= other.last_step and other.first_step <= self.last_step


@dataclass
class MemoryPlan:
    buffers: list[Buffer]
    arena_bytes: int
    tensor_buffer: dict[int, int] = field(default_factory=dict)  # tensor -> buffer index
    scratch_buffer: dict[int, int] = field(default_factory=dict)  # step position -> buffer


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _align(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


def plan_memory(graph: Graph, steps: list[Step], in_place: bool = True) -> MemoryPlan:
    """Assign every activation tensor a buffer; turn aliases that cannot alias into copies.

    Mutates `steps`: an alias step whose input and output cannot share memory (a model input
    reshaped straight into a model output) becomes a real copy.
    """
    external: dict[int, str] = {}
    for k, t in enumerate(graph.inputs):
        external[t] = f"input:{k}"
    for k, t in enumerate(graph.outputs):
        external.setdefault(t, f"output:{k}")

    groups = _UnionFind()
    group_external: dict[int, str] = {}

    def external_of(tensor: int) -> str | None:
        return group_external.get(groups.find(tensor))

    def merge(a: int, b: int) -> None:
        ext = external_of(a) or external_of(b)
        groups.union(a, b)
        if ext:
            group_external[groups.find(a)] = ext

    for tensor, ext in external.items():
        group_external[groups.find(tensor)] = ext

    for step in steps:
        if step.alias:
            ext_in, ext_out = external_of(step.inputs[0]), external_of(step.output)
            if ext_in and ext_out and ext_in != ext_out:
                step.alias = False  # two caller buffers: copy between them
            else:
                merge(step.output, step.inputs[0])

    last_read: dict[int, int] = {}
    for position, step in enumerate(steps):
        for tensor in step.inputs:
            last_read[tensor] = position

    members: dict[int, set[int]] = {}
    all_tensors = {t for s in steps for t in [*s.inputs, s.output]}
    for tensor in all_tensors:
        members.setdefault(groups.find(tensor), set()).add(tensor)

    in_place_scratch: dict[int, int] = {}
    if in_place:
        for position, step in enumerate(steps):
            if step.alias or external_of(step.output):
                continue
            out_group = groups.find(step.output)
            for candidate in step.in_place_inputs:
                group = groups.find(candidate)
                if group == out_group or external_of(candidate):
                    continue
                dies_here = max(last_read.get(t, -1) for t in members[group]) == position
                in_bytes = graph.tensors[candidate].byte_count
                out_bytes = graph.tensors[step.output].byte_count
                # In-place kernels write a prefix of their input; element-wise ones all of it.
                fits = out_bytes <= in_bytes if step.in_place_function else out_bytes == in_bytes
                if dies_here and fits:
                    members[group] |= members.pop(out_group)
                    groups.union(out_group, group)
                    if step.in_place_function:
                        step.function = step.in_place_function
                        step.args = step.in_place_args
                        in_place_scratch[position] = step.scratch_bytes
                    break

    for position, step in enumerate(steps):
        if position not in in_place_scratch and step.work_scratch_bytes and "scratch" in step.args:
            in_place_scratch[position] = step.work_scratch_bytes

    buffers: list[Buffer] = []
    tensor_buffer: dict[int, int] = {}
    for group_members in members.values():
        group = groups.find(next(iter(group_members)))
        positions_written = [p for p, s in enumerate(steps) if s.output in group_members]
        positions_read = [p for p, s in enumerate(steps) if group_members & set(s.inputs)]
        all_positions = positions_written + positions_read
        size = max(graph.tensors[t].byte_count for t in group_members)
        alignment = max(DTYPE_BYTES[graph.tensors[t].dtype] for t in group_members)
        buffer = Buffer(sorted(group_members), size, alignment,
                        min(all_positions), max(all_positions), external=external_of(group))
        for t in group_members:
            tensor_buffer[t] = len(buffers)
        buffers.append(buffer)

    scratch_buffer: dict[int, int] = {}
    for position, size in in_place_scratch.items():
        scratch_buffer[position] = len(buffers)
        # Word-aligned: the fast kernels read their scratch as 32-bit words.
        buffers.append(Buffer([], size, 4, position, position))

    arena_bytes = 0
    placed: list[Buffer] = []
    for buffer in sorted((b for b in buffers if b.external is None),
                         key=lambda b: (-b.size_bytes, b.first_step)):
        conflicts = sorted((p for p in placed if p.overlaps_in_time(buffer)),
                           key=lambda p: p.offset)
        offset = 0
        for other in conflicts:
            if offset + buffer.size_bytes <= other.offset:
                break
            offset = max(offset, _align(other.offset + other.size_bytes, buffer.alignment_bytes))
        buffer.offset = offset
        placed.append(buffer)
        arena_bytes = max(arena_bytes, offset + buffer.size_bytes)
    return MemoryPlan(buffers, arena_bytes, tensor_buffer, scratch_buffer)
