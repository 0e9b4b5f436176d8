"""How far longer convolution chains could lower a MobileNet's activation peak.

chain_fusion.py chains two convolutions, so the first one's output never exists whole. A chain
of k layers keeps k - 1 tensors out of memory; what is left is, for each chain, its input and
its output (the caller's input buffer is not in our arena). This splits the model's run of
convolutions into chains of at most k layers so that the largest (input + output) is smallest,
and prints that peak for k = 1 .. 6 beside the arena the compiler plans today.

It is a model, not a plan: it leaves out the chains' row windows and kernel scratch (a few KB)
and the planner's in-place kernels, so it tells whether a longer chain can pay, not the arena.

Run: .venv/bin/python bench/chain_depth.py [model.tflite ...]
    (default: the generated VWW and person_detect architectures, bench/mobilenet_models.py)
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from deploy_targets.compiler import prepare  # noqa: E402
from deploy_targets.compiler.reader import load_graph  # noqa: E402

CONVOLUTIONS = ("CONV_2D", "DEPTHWISE_CONV_2D")


def convolution_run_sizes(model_bytes: bytes) -> list[int]:
    """Bytes of the tensors between the model's leading run of convolutions: the run's input
    counted as 0 when it is the model's input (the caller's buffer), then each output."""
    graph = load_graph(model_bytes)
    sizes: list[int] = []
    previous = None
    for op in graph.operators:
        if op.kind not in CONVOLUTIONS or (previous is not None and op.inputs[0] != previous):
            break
        if previous is None:
            sizes.append(
                0 if op.inputs[0] in graph.inputs else graph.tensors[op.inputs[0]].byte_count
            )
        previous = op.outputs[0]
        sizes.append(graph.tensors[previous].byte_count)
    return sizes


def smallest_peak(sizes: list[int], longest_chain: int) -> int:
    """The smallest max(chain input + chain output) over splits into chains of at most
    `longest_chain` layers (sizes[i] is layer i's input, sizes[i + 1] its output)."""
    layers = len(sizes) - 1

    @cache
    def from_layer(start: int) -> int:
        if start == layers:
            return 0
        return min(
            max(sizes[start] + sizes[end], from_layer(end))
            for end in range(start + 1, min(layers, start + longest_chain) + 1)
        )

    return from_layer(0)


def main(argv: list[str]) -> int:
    if argv:
        models = [Path(a) for a in argv]
    else:
        from bench.mobilenet_models import ARCHITECTURES, cached_model

        models = [cached_model(a) for a in ARCHITECTURES]
    for path in models:
        model_bytes = path.read_bytes()
        sizes = convolution_run_sizes(model_bytes)
        arena = prepare(model_bytes).plan.arena_bytes
        peaks = ", ".join(f"<= {k}: {smallest_peak(sizes, k)}" for k in range(1, 7))
        print(f"{path.name}: {len(sizes) - 1} convolutions in a row; arena planned today {arena} B")
        print(f"    activation peak (chain input + output, B) with chains of {peaks}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
