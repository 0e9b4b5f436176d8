"""Python twins of what the estimator's harness does on the device: its input bytes, its checksum."""

from __future__ import annotations


def harness_input(count: int) -> bytes:
    """The bytes harness_main.cpp fills the input with (32-bit LCG, top byte of each state)."""
    state = 12345
    data = []
    for _ in range(count):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        data.append(state >> 24)
    return bytes(data)


def fnv1a(data: bytes) -> int:
    """32-bit FNV-1a, the checksum the harness prints over the output bytes."""
    value = 2166136261
    for byte in data:
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value
