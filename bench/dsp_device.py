"""Benchmark of the audio DSP blocks' C++ twins on emulated microcontrollers.

Run: .venv/bin/python bench/dsp_device.py [--blocks mfcc mfe spectrogram] [--profile]
Per block, with the platform's default parameters on one 1 s 16 kHz clip (the shared 'yes'
clip): instructions of one extraction on a Cortex-M4F (QEMU mps2-an386, hard float; also with
the fixed-point path forced) and on no-FPU cores (Cortex-M3 on mps2-an385 and Cortex-M0+ code
run on the same M3), where the audio blocks build their fixed-point path (MF_DSP_FIXED_POINT);
a last row is the M3 with the float path forced, for reference. The DSP's RAM (its static buffers from the symbol table + the stack it used, found by
painting), and the largest difference between the device's features and the Python block's.
Built with -Os as the SDK's ARM Makefile and the estimator build (BENCH_OPT=-O2 in the
environment builds with that instead). Also per block: the instructions of one slice of the
SDK's continuous mode (the window moved by a slice, the previous features kept). With --profile, one
extraction on the Cortex-M4F (or --profile-core's row) is traced (QEMU -d in_asm,exec,nochain) and its instructions are
attributed to the functions they belong to.

With `-icount shift=0` one instruction advances QEMU's virtual clock by 1 ns; SysTick counts
that clock and a calibration loop of known length turns ticks into instructions.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from dsp_blocks import cpp_emit  # noqa: E402
from dsp_blocks.cpp_export import config_header_name, cpp_sources, render_config  # noqa: E402
from dsp_blocks.registry import get_block  # noqa: E402

SAMPLE_RATE_HZ = 16000
WINDOW_LENGTH = 16000
CLIP = (
    Path(os.environ.get("MCUFORGE_SHARED_DIR") or REPO_ROOT.parent / "shared")
    / "audio"
    / "yes_1000ms.wav"
)
GOALS_M = {"mfcc": (1.5, 3.0), "mfe": (1.5, 3.0), "spectrogram": (None, None)}
# What the reference at its best spends on an ARMv6-M core for the FFT alone: ARM's CMSIS-DSP
# (commit ec1bb75, its plain-C paths, as it builds for a Cortex-M0+) measured once with this
# file's harness, -Os, one 512-point real FFT of a 16-bit frame of the 'yes' clip; CMSIS-DSP is
# not part of this repository, so the figures are quoted, not rerun.
CMSIS_M0PLUS_RFFT_512 = {"arm_rfft_q15 (16-bit)": 73_720, "arm_rfft_q31 (32-bit)": 269_240}


@dataclass(frozen=True)
class Core:
    name: str
    flags: tuple[str, ...]
    machine: str
    cpu: str
    fpu: bool
    defines: tuple[str, ...] = ()


M4F_FLAGS = ("-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard")
M3_FLAGS = ("-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft")
# The audio blocks build their fixed-point path where the core has no FPU (MF_DSP_FIXED_POINT defaults
# on without __ARM_FP): those rows are the SDK's; the forced rows compare the two paths.
CORES = (
    Core("cortex-m4f", M4F_FLAGS, "mps2-an386", "cortex-m4", True),
    Core(
        "cortex-m4f (fixed point)",
        M4F_FLAGS,
        "mps2-an386",
        "cortex-m4",
        True,
        ("-DMF_DSP_FIXED_POINT=1",),
    ),
    Core("cortex-m3 (fixed point)", M3_FLAGS, "mps2-an385", "cortex-m3", False),
    # ARMv6-M code is a subset of ARMv7-M: an M0+ build runs as it is on the emulated M3.
    Core(
        "cortex-m0+ (fixed point)",
        ("-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft"),
        "mps2-an385",
        "cortex-m3",
        False,
    ),
    Core(
        "cortex-m3 (soft float)",
        M3_FLAGS,
        "mps2-an385",
        "cortex-m3",
        False,
        ("-DMF_DSP_FIXED_POINT=0",),
    ),
)
COMPILE_FLAGS = (
    os.environ.get("BENCH_OPT", "-Os"),
    "-std=c++11",
    "-ffunction-sections",
    "-fdata-sections",
    "-fno-exceptions",
    "-fno-rtti",
    "-fno-threadsafe-statics",
)

STARTUP = """\
#include <stdint.h>
extern "C" int main();
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern "C" void reset_handler();
static int semihost(int operation, const void *argument) {
    register int r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
extern "C" void bench_write(const char *text) { semihost(0x04, text); }
extern "C" void reset_handler() {
    uint32_t *source = &_sidata, *target = &_sdata;
    while (target < &_edata) *target++ = *source++;
    for (target = &_sbss; target < &_ebss;) *target++ = 0;
#if defined(__ARM_FP)
    *(volatile uint32_t *)0xE000ED88 |= (0xFu << 20); /* CPACR: enable the FPU */
    __asm__ volatile("dsb\\n isb");
#endif
    main();
    semihost(0x18, (const void *)0x20026); /* SYS_EXIT, ADP_Stopped_ApplicationExit */
    for (;;) {}
}
__attribute__((section(".isr_vector"), used)) static void (*const vectors[])(void) = {
    (void (*)(void))(&_estack), reset_handler,
};
"""

LINKER_SCRIPT = """\
MEMORY { FLASH (rx) : ORIGIN = 0x00000000, LENGTH = 4M
         RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 4M }
_estack = ORIGIN(RAM) + LENGTH(RAM);
SECTIONS {
  .text : { KEEP(*(.isr_vector)) *(.text*) *(.rodata*) . = ALIGN(4); } > FLASH
  .ARM.exidx : { *(.ARM.exidx*) } > FLASH
  _sidata = LOADADDR(.data);
  .data : { _sdata = .; *(.data*) . = ALIGN(4); _edata = .; } > RAM AT > FLASH
  .bss (NOLOAD) : { _sbss = .; *(.bss*) *(COMMON) . = ALIGN(4); _ebss = .; } > RAM
}
"""

MAIN = """\
#define {macro}_IMPLEMENTATION
#include "{header}"
#include "clip.h"
#include <stdint.h>
#include <string.h>
extern "C" void bench_write(const char *text);
static void write_number(const char *label, uint32_t value) {{
    char text[64];
    int n = 0;
    while (label[n]) {{ text[n] = label[n]; ++n; }}
    char digits[12];
    int d = 0;
    do {{ digits[d++] = (char)('0' + value % 10); value /= 10; }} while (value);
    while (d) text[n++] = digits[--d];
    text[n++] = '\\n';
    text[n] = 0;
    bench_write(text);
}}
static float bench_features[{macro}_OUTPUT_LEN];
#define PAINT_WORDS 8192
/* Fills the PAINT_WORDS words below the caller's frame with a pattern; returns how many of
 * them `run` overwrote (the stack it used beyond its caller's). */
__attribute__((noinline)) static uint32_t stack_used_by_extract() {{
    volatile uint32_t here = 0;
    uint32_t *top = (uint32_t *)&here - 64;
    for (int i = 0; i < PAINT_WORDS; ++i) top[-i] = 0xC0FFEE11u;
    {prefix}_extract(clip, bench_features);
    int deepest = 0;
    for (int i = 0; i < PAINT_WORDS; ++i) if (top[-i] != 0xC0FFEE11u) deepest = i;
    return (uint32_t)(deepest + 1 + 64) * 4u;
}}
int main() {{
    volatile uint32_t *systick = (volatile uint32_t *)0xE000E010;
    systick[1] = 0xFFFFFF;
    systick[2] = 0;
    systick[0] = 5; /* enabled, processor clock, no interrupt */
    const uint32_t start = systick[2];
    {prefix}_extract(clip, bench_features);
    const uint32_t stop = systick[2];
    __asm__ volatile(".syntax unified\\n ldr r0, =1000000\\n1: subs r0, r0, #1\\n bne 1b" ::: "r0", "cc");
    const uint32_t calibrated = systick[2];
    write_number("extract_ticks ", (start - stop) & 0xFFFFFF);
    write_number("calibration_ticks ", (stop - calibrated) & 0xFFFFFF);
    write_number("stack_bytes ", stack_used_by_extract());
#ifndef BENCH_PROFILE
    /* Streaming: the window moved by one slice, the previous features kept. */
    systick[2] = 0;
    const uint32_t shifted_start = systick[2];
    {prefix}_extract_shifted(clip + {shift}, {shift}, bench_features);
    const uint32_t shifted_stop = systick[2];
    write_number("shifted_ticks ", (shifted_start - shifted_stop) & 0xFFFFFF);
    {prefix}_extract(clip, bench_features);
#endif
    char line[16];
    for (int i = 0; i < {macro}_OUTPUT_LEN; ++i) {{
        uint32_t bits;
        memcpy(&bits, &bench_features[i], 4);
        for (int k = 0; k < 8; ++k) line[k] = "0123456789abcdef"[(bits >> (28 - 4 * k)) & 15];
        line[8] = '\\n';
        line[9] = 0;
        bench_write(line);
    }}
    return 0;
}}
"""
CALIBRATION_INSTRUCTIONS = 2_000_000  # subs + bne, 1,000,000 times


@dataclass
class DeviceRun:
    instructions: float
    shifted_instructions: float
    stream_history_bytes: int  # RAM only the continuous mode uses (MFCC with normalisation)
    static_ram_bytes: int
    stack_bytes: int
    features: np.ndarray


def slice_samples(block_name: str) -> int:
    """The slice of the SDK's continuous mode for the default impulse (deploy_targets/sdk)."""
    from deploy_targets.sdk.build import slices_per_window
    from deploy_targets.sdk.spec import DspSpec, ImpulseSpec

    impulse = ImpulseSpec("bench", ("audio",), SAMPLE_RATE_HZ, WINDOW_LENGTH)
    return WINDOW_LENGTH // slices_per_window(impulse, [DspSpec(block_name, {})])


def load_clip() -> np.ndarray:
    with wave.open(str(CLIP)) as clip:
        raw = np.frombuffer(clip.readframes(clip.getnframes()), dtype="<i2")
        # In 16-bit units, as the platform stores WAV uploads (the blocks' default full_scale
        # is 32768: divided by it, MFE would read the clip as 90 dB quieter, all zeros).
        samples = raw.reshape(-1, clip.getnchannels())[:WINDOW_LENGTH, 0].astype(np.float32)
    # Two copies: a window and what follows it in a stream.
    return np.tile(samples.astype(np.float32), 2)


def build(
    block: str, params: Any, clip: np.ndarray, core: Core, work: Path, defines: tuple[str, ...] = ()
) -> Path:
    """`clip`: the window, then one slice of the stream (see slice_samples)."""
    prefix = "bench_dsp"
    shift = len(clip) - WINDOW_LENGTH
    header = config_header_name(block, prefix)
    (work / header).write_text(
        render_config(
            block,
            params,
            sample_rate_hz=SAMPLE_RATE_HZ,
            window_length=WINDOW_LENGTH,
            n_axes=1,
            symbol_prefix=prefix,
        )
    )
    (work / "clip.h").write_text(cpp_emit.array("float", "clip", clip) + "\n")
    (work / "startup.cpp").write_text(STARTUP)
    (work / "device.ld").write_text(LINKER_SCRIPT)
    (work / "main.cpp").write_text(
        MAIN.format(
            macro=f"{prefix}_{block}".upper(),
            header=header,
            prefix=f"{prefix}_{block}",
            shift=shift,
        )
    )
    sources = [str(path) for path in cpp_sources() if path.suffix == ".cpp"]
    elf = work / f"{block}.elf"
    subprocess.run(
        [
            "arm-none-eabi-g++",
            *core.flags,
            *COMPILE_FLAGS,
            *core.defines,
            *defines,
            "-nostartfiles",
            "-T",
            str(work / "device.ld"),
            "-I",
            str(cpp_sources()[0].parent),
            "-I",
            str(work),
            str(work / "startup.cpp"),
            str(work / "main.cpp"),
            *sources,
            "-o",
            str(elf),
            "-Wl,--gc-sections",
            "--specs=nano.specs",
            "--specs=nosys.specs",
            "-lm",
        ],
        check=True,
    )
    return elf


def qemu(core: Core, elf: Path, *extra: str) -> str:
    result = subprocess.run(
        [
            "qemu-system-arm",
            "-machine",
            core.machine,
            "-cpu",
            core.cpu,
            "-nographic",
            "-monitor",
            "none",
            "-serial",
            "none",
            "-semihosting-config",
            "enable=on,target=native",
            "-icount",
            "shift=0",
            *extra,
            "-kernel",
            str(elf),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return result.stdout + result.stderr


def static_ram_bytes(elf: Path, suffix: str) -> int:
    """Bytes of .bss/.data the DSP owns: every RAM symbol but the bench's own; with `suffix`,
    only the symbols whose name ends so."""
    listing = subprocess.run(
        ["arm-none-eabi-nm", "-S", "-C", str(elf)], capture_output=True, text=True, check=True
    ).stdout
    total = 0
    for line in listing.splitlines():
        fields = line.split(maxsplit=3)
        if len(fields) == 4 and fields[2].lower() in {"b", "d"}:
            if "bench_features" not in fields[3] and not fields[3].startswith("_"):
                if fields[3].endswith(suffix):
                    total += int(fields[1], 16)
    return total


def run_on(block: str, params: Any, clip: np.ndarray, core: Core, work: Path) -> DeviceRun:
    elf = build(block, params, clip, core, work)
    printed = qemu(core, elf)
    lines = printed.splitlines()
    counts = dict(line.split() for line in lines if " " in line and line.split()[-1].isdigit())
    per_tick = CALIBRATION_INSTRUCTIONS / int(counts["calibration_ticks"])
    words = [line for line in lines if re.fullmatch(r"[0-9a-f]{8}", line)]
    features = np.array([int(w, 16) for w in words], dtype=np.uint32).view(np.float32)
    return DeviceRun(
        int(counts["extract_ticks"]) * per_tick,
        int(counts["shifted_ticks"]) * per_tick,
        static_ram_bytes(elf, "_history"),
        static_ram_bytes(elf, "") - static_ram_bytes(elf, "_history"),
        int(counts["stack_bytes"]),
        features,
    )


def profile(
    block: str, params: Any, clip: np.ndarray, work: Path, core: Core = CORES[0]
) -> list[tuple[str, int]]:
    """Instructions per function of one extraction on `core`, most first."""
    elf = build(block, params, clip, core, work, ("-DBENCH_PROFILE",))
    log = work / "trace.log"
    qemu(core, elf, "-d", "in_asm,exec,nochain", "-D", str(log))
    block_sizes: dict[int, int] = {}
    per_function: collections.Counter[str] = collections.Counter()
    current: tuple[int, int] | None = None
    symbol_at: dict[int, str] = {}
    symbols = subprocess.run(
        ["arm-none-eabi-nm", "-C", "--defined-only", "-n", str(elf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    starts = []
    for line in symbols.splitlines():
        fields = line.split(maxsplit=2)
        if len(fields) == 3 and fields[1] in "tTwW":
            starts.append((int(fields[0], 16) & ~1, fields[2]))
    starts.sort()
    addresses = [address for address, _ in starts]

    def function_of(pc: int) -> str:
        if pc not in symbol_at:
            import bisect

            index = bisect.bisect_right(addresses, pc) - 1
            symbol_at[pc] = starts[index][1] if index >= 0 else "?"
        return symbol_at[pc]

    trace = re.compile(r"Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")
    instruction = re.compile(r"^0x([0-9a-f]{8}):")
    with log.open() as lines:
        for line in lines:
            if line.startswith("IN:"):
                current = None
                continue
            match = instruction.match(line)
            if match:
                pc = int(match.group(1), 16)
                if current is None:
                    current = (pc, 0)
                current = (current[0], current[1] + 1)
                block_sizes[current[0]] = current[1]
                continue
            match = trace.match(line)
            if match:
                pc = int(match.group(1), 16)
                per_function[function_of(pc)] += block_sizes.get(pc, 0)
    # The program extracts twice (timed, then with the stack painted): halve; drop the harness.
    harness = {"main", "bench_write", "reset_handler"}
    rows = [
        (name, count // 2)
        for name, count in per_function.most_common()
        if name not in harness
        and "write_number" not in name
        and "stack_used_by_extract" not in name
    ]
    return rows[:15]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", nargs="+", default=["mfcc", "mfe", "spectrogram"])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--profile-core",
        type=int,
        default=0,
        help="which row of CORES --profile traces (0: M4F; 2: M3, 3: M0+, fixed point)",
    )
    parser.add_argument("--fpu-only", action="store_true", help="the Cortex-M4F rows only")
    parser.add_argument("--cores", nargs="+", type=int, help="only these rows of CORES")
    args = parser.parse_args()
    missing = [t for t in ("arm-none-eabi-g++", "qemu-system-arm") if not shutil.which(t)]
    if missing:
        raise SystemExit(f"needs {', '.join(missing)}")
    clip = load_clip()
    print("Audio DSP on emulated cores (QEMU -icount shift=0), platform defaults, 1 s at 16 kHz,")
    print(
        f"{COMPILE_FLAGS[0]} (as the SDK's ARM build; BENCH_OPT=-O2 to change); instructions per "
        "extraction (goal in brackets), RAM = static buffers + stack."
    )
    cores = CORES if not args.fpu_only else tuple(core for core in CORES if core.fpu)
    if args.cores is not None:
        cores = tuple(CORES[index] for index in args.cores)
    for block_name in args.blocks:
        block = get_block(block_name)
        params = block.defaults_for(
            window_length=WINDOW_LENGTH, sample_rate_hz=SAMPLE_RATE_HZ, n_axes=1
        )
        stream = clip[: WINDOW_LENGTH + slice_samples(block_name)]
        platform_features = block.extract(
            clip[None, :WINDOW_LENGTH, None], sample_rate_hz=SAMPLE_RATE_HZ, params=params
        )
        expected = platform_features.ravel()
        feature_range = float(expected.max() - expected.min())
        goals = GOALS_M[block_name]
        for core in cores:
            with tempfile.TemporaryDirectory() as work_dir:
                run = run_on(block_name, params, stream, core, Path(work_dir))
            difference = float(np.abs(run.features - expected).max())
            goal = goals[0] if core.fpu else goals[1]
            goal_text = f" [<= {goal:.1f} M]" if goal else ""
            print(
                f"{block_name:12s} {core.name:24s} {run.instructions / 1e6:6.3f} M{goal_text:11s}"
                f" RAM {run.static_ram_bytes + run.stack_bytes:6d} B"
                f" ({run.static_ram_bytes} static + {run.stack_bytes} stack)"
                f"  max |C++ - Python| {difference:.2e} ({difference / feature_range:.1e}"
                " of the range; tests allow 1e-3)"
            )
            history = (
                f", + {run.stream_history_bytes} B of kept cepstra"
                if run.stream_history_bytes
                else ""
            )
            print(
                f"{'':12s} {'':24s} {run.shifted_instructions / 1e6:6.3f} M per slice of "
                f"{len(stream) - WINDOW_LENGTH} samples in continuous mode "
                f"({run.shifted_instructions / run.instructions:.2f} of a window{history})"
            )
        if any(core.name.startswith("cortex-m0+") for core in cores):
            n_frames = platform_features.shape[1]
            for name, per_call in CMSIS_M0PLUS_RFFT_512.items():
                print(
                    f"{'':12s} reference, Cortex-M0+: CMSIS-DSP {name}, 512 points, "
                    f"{per_call / 1e3:.1f} k per frame, x {n_frames} frames = "
                    f"{per_call * n_frames / 1e6:.2f} M for the FFT alone"
                )
        if args.profile:
            with tempfile.TemporaryDirectory() as work_dir:
                core = CORES[args.profile_core]
                rows = profile(block_name, params, stream, Path(work_dir), core)
            print(f"  profile of {block_name} on {core.name} (instructions per function):")
            for name, count in rows:
                print(f"    {count:10d}  {name}")


if __name__ == "__main__":
    main()
