"""The Cortex-M4/M7 fast path of the convolution kernels gives the reference kernels' bytes:
on the host (portable twins of the DSP instructions) and on emulated Cortex-M4/M7 cores."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.boards import get_board
from deploy_targets.compiler import compile_tflite
from deploy_targets.compiler.emit import RUNTIME_DIR
from tests.compiler.cortex_m import (
    ARM_TOOLS,
    HARNESS,
    build_arm,
    disassembly,
    parse_hex_outputs,
    run_arm,
    write_inputs_header,
)
from tests.compiler.reference import build_harness, random_inputs, run_compiled
from tests.conftest import require

KERNELS_MAIN = HARNESS / "kernels_main.cpp"
RUNTIME_INCLUDE = RUNTIME_DIR.parent
SHARED_MODELS = ("hello_world_int8", "micro_speech_int8", "mlperf_ad_autoencoder_int8",
                 "mlperf_ic_resnet8_int8", "mlperf_kws_dscnn_int8")
# Generated models: random stacks, residual blocks (CONV_2D fused into ADD), dilated and
# separable convolutions (in-place depthwise and pointwise), pooled depthwise.
GENERATED_MODELS = ((0, None), (1, None), (3, None), (100, ["residual", "residual"]),
                    (200, ["dilated_conv"]), (218, ["pool", "depthwise"]),
                    (400, ["separable", "separable"]))


@pytest.fixture(scope="module")
def arm_toolchain() -> None:
    for tool in ARM_TOOLS:
        require(shutil.which(tool) is not None, f"{tool} is not installed")


def host_kernel_lines(fast: int, tmp_path: Path, defines: tuple[str, ...] = ()) -> list[str]:
    executable = tmp_path / f"kernels_host_{fast}_{'_'.join(defines)}"
    subprocess.run(["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror",
                    f"-DMF_FAST_KERNELS={fast}", *(f"-D{d}" for d in defines),
                    f"-I{RUNTIME_INCLUDE}", str(KERNELS_MAIN), "-o", str(executable)],
                   check=True)
    return subprocess.run([str(executable)], capture_output=True, text=True,
                          check=True).stdout.splitlines()


def checksums(lines: list[str], name: str) -> dict[str, str]:
    return {line.split()[1]: line.split()[2] for line in lines if line.split()[0] == name}


def test_fast_kernels_equal_reference_kernels_on_the_host(tmp_path: Path) -> None:
    reference = host_kernel_lines(0, tmp_path)
    fast = host_kernel_lines(1, tmp_path)
    assert reference[-1] == "done" and len(reference) == 24 * 4 + 4 + 13 * 2 + 28 + 10 + 4 + 9 * 2 + 1
    assert fast == reference
    # The table covers in-place and out-of-place kernels; the in-place ones equal the others.
    assert checksums(fast, "conv_2d_1x1_in_place") == checksums(fast, "conv_2d_1x1_expected")
    assert len(checksums(fast, "depthwise_conv_2d_in_place")) == 10
    # The lean pointwise shapes with pre-expanded weights and no int8 filter (configs 7, 13,
    # 15, 23) give what the int8 filter gives. 17 and 21 are lean too, but a bias of 2^30 takes
    # their pairs away, as the compiler does (ops/conv.py, pair_requantizer_table).
    pairs_only = checksums(fast, "conv_2d_int8_filter")
    assert sorted(pairs_only, key=int) == ["07", "13", "15", "23"]
    assert all(checksums(fast, "conv_2d")[config] == pairs_only[config] for config in pairs_only)
    # Different shapes give different outputs: the checksums are not of something constant.
    assert len(set(checksums(fast, "conv_2d").values())) == len(checksums(fast, "conv_2d"))


def test_fast_kernels_equal_reference_kernels_with_litert_rounding(tmp_path: Path) -> None:
    # Both paths requantize fully connected outputs through one function, which the option
    # switches to single rounding; the fast build must compile and agree under it too.
    reference = host_kernel_lines(0, tmp_path, ("MF_LITERT_ROUNDING",))
    assert reference[-1] == "done"
    assert host_kernel_lines(1, tmp_path, ("MF_LITERT_ROUNDING",)) == reference


@pytest.mark.toolchain
@pytest.mark.parametrize("board_name", ["nano33ble", "stm32f7"])
def test_fast_kernels_on_cortex_m_equal_host_reference(board_name: str, arm_toolchain: None,
                                                       tmp_path: Path) -> None:
    board = get_board(board_name)
    reference = host_kernel_lines(0, tmp_path)
    fast_elf = build_arm([KERNELS_MAIN], [RUNTIME_INCLUDE], board, tmp_path / "fast.elf")
    assert "smlad" in disassembly(fast_elf)  # the DSP path was compiled in, not the reference
    assert run_arm(board, fast_elf).splitlines() == reference
    if board_name == "nano33ble":
        reference_elf = build_arm([KERNELS_MAIN], [RUNTIME_INCLUDE], board,
                                  tmp_path / "reference.elf", defines=["MF_FAST_KERNELS=0"])
        assert "smlad" not in disassembly(reference_elf)
        assert run_arm(board, reference_elf).splitlines() == reference


@pytest.mark.toolchain
@pytest.mark.parametrize("optimization", ["-O0", "-O2", "-O3"])
def test_fast_kernels_on_cortex_m4_at_other_optimization_levels(optimization: str,
                                                                arm_toolchain: None,
                                                                tmp_path: Path) -> None:
    # The SMLAD loop is inline assembly with pinned registers; every -O level must keep it right.
    board = get_board("nano33ble")
    elf = build_arm([KERNELS_MAIN], [RUNTIME_INCLUDE], board, tmp_path / "fast.elf",
                    extra_flags=[optimization])
    assert run_arm(board, elf).splitlines() == host_kernel_lines(0, tmp_path)


def assert_cortex_m4_equals_host(model_bytes: bytes, out_dir: Path, seed: int,
                                 count: int = 3, defines: tuple[str, ...] = ()) -> Path:
    """The library built for Cortex-M4 (fast path) gives the host reference build's bytes;
    returns the ELF."""
    library = compile_tflite(model_bytes, out_dir)
    spec, output = library.inputs[0], library.outputs[0]
    inputs = random_inputs(np.random.default_rng(seed), np.dtype(spec.dtype), spec.shape, count)
    host = run_compiled(build_harness(out_dir, ("MF_FAST_KERNELS=0",)), inputs,
                        np.dtype(output.dtype), output.shape)
    write_inputs_header(out_dir / "test_inputs.h", inputs)
    board = get_board("nano33ble")
    elf = build_arm([*sorted(out_dir.glob("*.cpp")), HARNESS / "arm_model_main.cpp"], [out_dir],
                    board, out_dir / "model.elf", defines)
    on_device = parse_hex_outputs(run_arm(board, elf), count, library.output_bytes)
    for got, want in zip(on_device, host, strict=True):
        assert got == want.tobytes()
    return elf


def symbols(binary: Path) -> str:
    return subprocess.run(["arm-none-eabi-objdump", "-t", str(binary)], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.toolchain
def test_weight_pairs_only_where_the_fast_path_reads_them(shared_models: Path,
                                                          arm_toolchain: None,
                                                          tmp_path: Path) -> None:
    # The DS-CNN's pointwise layers are lean: the library carries their pairs and their int8
    # filters, each on its side of MF_WEIGHT_PAIRS (mf/conv_params.h).
    model_bytes = (shared_models / "mlperf_kws_dscnn_int8.tflite").read_bytes()
    library = compile_tflite(model_bytes, tmp_path / "lib")
    assert library.compact_weights_bytes < library.weights_bytes
    source = library.out_dir / f"{library.name}.cpp"
    objects = {}
    for label, board_name, defines in (("m4", "nano33ble", ()),
                                       ("m4_compact", "nano33ble", ("MF_COMPACT_WEIGHTS=1",)),
                                       ("m0plus", "rp2040", ())):
        objects[label] = tmp_path / f"{label}.o"
        subprocess.run(["arm-none-eabi-g++", *get_board(board_name).gcc_flags, "-std=c++11",
                        "-Os", "-Wall", "-Wextra", "-Werror", *(f"-D{d}" for d in defines),
                        f"-I{library.out_dir}", "-c", str(source), "-o", str(objects[label])],
                       check=True)
    assert "filter_pairs" in symbols(objects["m4"])
    for label in ("m4_compact", "m0plus"):
        assert "filter_pairs" not in symbols(objects[label])
        assert objects[label].stat().st_size < objects["m4"].stat().st_size
    # Without the pairs the M4's lean loop unpacks the int8 filter: still TFLite Micro's bytes.
    elf = assert_cortex_m4_equals_host(model_bytes, tmp_path / "compact", seed=5,
                                       defines=("MF_COMPACT_WEIGHTS=1",))
    assert "filter_pairs" not in symbols(elf)


@pytest.mark.toolchain
@pytest.mark.parametrize("name", SHARED_MODELS)
def test_shared_model_on_cortex_m4_equals_host_reference(name: str, shared_models: Path,
                                                        arm_toolchain: None,
                                                        tmp_path: Path) -> None:
    model_bytes = (shared_models / f"{name}.tflite").read_bytes()
    assert_cortex_m4_equals_host(model_bytes, tmp_path, seed=SHARED_MODELS.index(name))


@pytest.mark.toolchain
@pytest.mark.parametrize(("seed", "blocks"), GENERATED_MODELS,
                         ids=[f"{s}-{'_'.join(b or ['any'])}" for s, b in GENERATED_MODELS])
def test_generated_model_on_cortex_m4_equals_host_reference(
        seed: int, blocks: list[str] | None, int8_model: Callable[..., bytes],
        arm_toolchain: None, tmp_path: Path) -> None:
    assert_cortex_m4_equals_host(int8_model(seed, blocks), tmp_path, seed)


@pytest.mark.parametrize(("seed", "blocks"), GENERATED_MODELS[3:],
                         ids=[f"{s}-{'_'.join(b or ['any'])}" for s, b in GENERATED_MODELS[3:]])
def test_generated_model_fast_path_equals_reference_on_the_host(
        seed: int, blocks: list[str], int8_model: Callable[..., bytes], tmp_path: Path) -> None:
    library = compile_tflite(int8_model(seed, blocks), tmp_path)
    spec, output = library.inputs[0], library.outputs[0]
    inputs = random_inputs(np.random.default_rng(seed), np.dtype(spec.dtype), spec.shape, 4)
    outputs = [run_compiled(build_harness(tmp_path, (f"MF_FAST_KERNELS={fast}",), f"h{fast}"),
                            inputs, np.dtype(output.dtype), output.shape) for fast in (0, 1)]
    for reference, fast in zip(*outputs, strict=True):
        assert fast.tobytes() == reference.tobytes()


@pytest.mark.toolchain
@pytest.mark.parametrize("name", ["mlperf_kws_dscnn_int8", "mlperf_ad_autoencoder_int8",
                                  "mlperf_ic_resnet8_int8"])
@pytest.mark.parametrize("flags", [["-O2", "-fno-omit-frame-pointer"],
                                   ["-Os", "-fno-omit-frame-pointer"], ["-Og"], ["-O3"]])
def test_library_compiles_for_cortex_m_with_other_flags(name: str, flags: list[str],
                                                        shared_models: Path,
                                                        arm_toolchain: None,
                                                        tmp_path: Path) -> None:
    # The Thumb-2 loops ask gcc for registers; with a frame pointer (r7) taken, a loop that
    # needs more than twelve fails to compile ("asm operand has impossible constraints").
    library = compile_tflite((shared_models / f"{name}.tflite").read_bytes(), tmp_path)
    for board_name in ("nano33ble", "stm32f7"):
        result = subprocess.run(
            ["arm-none-eabi-g++", *get_board(board_name).gcc_flags, "-std=c++11", *flags,
             "-Wall", "-Wextra", "-Werror", f"-I{library.out_dir}", "-c",
             str(library.out_dir / f"{library.name}.cpp"), "-o", str(tmp_path / "model.o")],
            capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]


def test_padded_filter_puts_each_rows_whole_groups_first() -> None:
    # 3x3x3 (an image model's first layer): rows of 9 taps, 8 of them whole groups, the 9th
    # of each row in the last group with one zero. kernels_main.cpp's padded_filter builds the
    # same order, which the checksum tests above run through the fast path.
    from deploy_targets.compiler.ir import Tensor
    from deploy_targets.compiler.ops.conv import padded_filter_arrays, padded_tap_order

    order = padded_tap_order(3, 3, 3)
    assert order == [*range(0, 8), *range(9, 17), *range(18, 26), 8, 17, 26]
    taps = np.arange(2 * 27, dtype=np.int8).reshape(2, 3, 3, 3)
    flt = Tensor(index=1, name="filter", dtype="int8", shape=taps.shape, data=taps)
    op = type("Op", (), {"index": 7})()
    arrays, arg = padded_filter_arrays(op, flt)  # type: ignore[arg-type]
    assert arg == "const:op7_filter_padded"
    padded = arrays[0].values.reshape(2, 28)
    assert list(padded[1]) == [27 + t for t in order] + [0]
    # A depth that is a multiple of 4 keeps the plain filter.
    whole = Tensor(
        index=2, name="f", dtype="int8", shape=(1, 1, 1, 8), data=np.zeros((1, 1, 1, 8), np.int8)
    )
    assert padded_filter_arrays(op, whole)[1] == "0"  # type: ignore[arg-type]


def layer_constants(channels: int, bias: int = 1000) -> list:  # type: ignore[type-arg]
    """op3's bias, multipliers and shifts, as prepare_conv emits them."""
    from deploy_targets.compiler.steps import ConstArray

    return [ConstArray("op3_bias", "int32_t", np.full(channels, bias, np.int64), ""),
            ConstArray("op3_output_multiplier", "int32_t",
                       np.full(channels, 1_500_000_000, np.int64), ""),
            ConstArray("op3_output_shift", "int32_t", np.full(channels, -9, np.int64), "")]


def test_filter_pairs_hold_each_groups_taps_as_int16_pairs_for_lean_pointwise_layers() -> None:
    # kernels_main.cpp's pair_filter builds the same words, which the checksum tests above run
    # through the fast path; here the compiler's words and its choice of layers.
    from deploy_targets.compiler.ir import Tensor
    from deploy_targets.compiler.ops.conv import filter_pairs_arrays, padded_filter_arrays

    taps = np.array([[-128, 127, -1, 5, 0, -7, 9, -100]], dtype=np.int8).reshape(1, 1, 1, 8)
    flt = Tensor(index=1, name="filter", dtype="int8", shape=taps.shape, data=taps)
    op = type("Op", (), {"index": 3})()
    lean = {"output_requantizers": "const:op3_output_requantizers", "input_offset": "128",
            "output_offset": "-5", "activation_min": "-128", "activation_max": "127"}
    one = layer_constants(1)
    arrays, arg = filter_pairs_arrays(op, flt, lean, "const:op3_bias", [], one)  # type: ignore[arg-type]
    assert arg == "const:op3_filter_pairs"
    words = [int(w) for w in arrays[0].values]
    assert all(-(2**31) <= w < 2**31 for w in words)
    halves = [(np.uint16(w & 0xFFFF).view(np.int16), w >> 16) for w in words[:4]]
    # [k, k+2] [k+1, k+3] per group, the low half first.
    assert halves == [(-128, -1), (127, 5), (0, 9), (-7, -100)]
    # Then the channel's pair requantizer: 2M - 2^32, 2^(r-1) + o 2^r, r, 0.
    assert words[4:] == [3_000_000_000 - 2**32, 2**8 - 5 * 2**9, 9, 0]
    # Not lean (ReLU with a zero point above -128, no table, no bias) or not 1x1: no copy.
    for fields, bias in (({**lean, "activation_min": "-5"}, "const:op3_bias"),
                         ({**lean, "output_requantizers": "0"}, "const:op3_bias"), (lean, "0")):
        assert filter_pairs_arrays(op, flt, fields, bias, [], one)[1] == "0"  # type: ignore[arg-type]
    # An accumulator that may reach 2^30 (bias + 377 * 255 here) or a multiplier below 2^30:
    # no pair requantizer, so no copy.
    near = layer_constants(1, 2**30 - 377 * 255)
    assert filter_pairs_arrays(op, flt, lean, "const:op3_bias", [], near)[1] == "0"  # type: ignore[arg-type]
    below = layer_constants(1, 2**30 - 377 * 255 - 1)
    assert filter_pairs_arrays(op, flt, lean, "const:op3_bias", [], below)[1] != "0"  # type: ignore[arg-type]
    small = layer_constants(1)
    small[1].values[:] = 2**30 - 1
    assert filter_pairs_arrays(op, flt, lean, "const:op3_bias", [], small)[1] == "0"  # type: ignore[arg-type]
    wide = Tensor(index=2, name="f", dtype="int8", shape=(1, 1, 2, 4),
                  data=np.zeros((1, 1, 2, 4), np.int8))
    bias = "const:op3_bias"
    assert filter_pairs_arrays(op, wide, lean, bias, [], one)[1] == "0"  # type: ignore[arg-type]
    # A padded filter (3x3x3: 28 taps a channel) gets pairs in the padded filter's order.
    first = np.arange(2 * 27, dtype=np.int8).reshape(2, 3, 3, 3)
    image = Tensor(index=4, name="f", dtype="int8", shape=first.shape, data=first)
    padded, _ = padded_filter_arrays(op, image)  # type: ignore[arg-type]
    arrays, arg = filter_pairs_arrays(op, image, lean, bias, padded,  # type: ignore[arg-type]
                                      layer_constants(2))
    assert arg == "const:op3_filter_pairs"
    taps = padded[0].values.reshape(2, 28)
    words = [int(w) for w in arrays[0].values]
    assert len(words) == 28 + 2 * 4
    assert (words[14] & 0xFFFF, words[14] >> 16) == (taps[1][0], taps[1][2])
    assert (words[15] & 0xFFFF, words[15] >> 16) == (taps[1][1], taps[1][3])


def test_pair_requantization_equals_the_reference_below_the_accumulator_limit() -> None:
    # What conv_channels_pair_units computes (requantize_fast.h: ADD, ADD, SMMLAR, ASR) from the
    # compiler's words, against TFLite's arithmetic, at the range's ends and on rounding ties.
    from deploy_targets.compiler import quantization as q
    from deploy_targets.compiler.ops.conv import PAIR_ACCUMULATOR_LIMIT, pair_requantizer_words

    def int32(value: int) -> int:
        assert -(2**31) <= value < 2**31
        return value

    rng = np.random.default_rng(7)
    for _ in range(3000):
        multiplier = int(rng.integers(2**30, 2**31))
        if rng.integers(0, 4) == 0:
            multiplier = int(rng.choice([2**30, 2**31 - 1]))
        right = int(rng.integers(1, q.MAX_FOLDED_RIGHT_SHIFT + 1))
        offset = int(rng.integers(-128, 128))
        words = pair_requantizer_words([multiplier], [-right], offset)
        assert words is not None
        m2, c, r, _ = words
        xs = [int(x) for x in rng.integers(-PAIR_ACCUMULATOR_LIMIT + 1, PAIR_ACCUMULATOR_LIMIT,
                                           8)]
        xs += [PAIR_ACCUMULATOR_LIMIT - 1, -PAIR_ACCUMULATOR_LIMIT + 1, 0, 1, -1]
        # x whose product lands on a tie of either rounding, and the values next to them.
        for k in (1, 3, -1, -3):
            tie = (k * 2 ** (30 + right)) // multiplier
            xs += [tie - 1, tie, tie + 1]
        for x in xs:
            if abs(x) >= PAIR_ACCUMULATOR_LIMIT:
                continue
            addend = int32(int32(c + x) + (x >> 31))
            high = int32(((addend << 32) + x * m2 + 2**31) >> 32)
            got = high >> r
            assert got == q.multiply_by_quantized_multiplier(x, multiplier, -right) + offset
