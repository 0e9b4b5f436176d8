"""Benchmark of the DSP blocks: our MFCC / MFE per clip vs librosa batched, and the C++ MFCC.

Run: .venv/bin/python bench/dsp.py [--clips 1000] [--repeats 5]
A batch of one-second 16 kHz clips (the shared clips tiled, each with its own noise) goes through
our extractor and through librosa called once on the whole 2-D batch with the same frame, hop,
mel count and coefficient count. Repeats alternate between the two and the best of each is kept,
because these machines are shared: the ratio is the figure, the absolute times are not.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import librosa  # noqa: E402

from dsp_blocks import cpp_emit  # noqa: E402
from dsp_blocks.cpp_export import config_header_name, cpp_sources, render_config  # noqa: E402
from dsp_blocks.mfcc import MFCC  # noqa: E402
from dsp_blocks.mfe import MFE  # noqa: E402

SAMPLE_RATE_HZ = 16000
SHARED_AUDIO = Path(os.environ.get("MCUFORGE_SHARED_DIR") or REPO_ROOT.parent / "shared") / "audio"
# BENCHMARKS.md: 13 coefficients, 32 mels, 20 ms frame and hop, n_fft 512.
MFCC_SETTINGS = {
    "n_coefficients": 13,
    "n_filters": 32,
    "frame_length_s": 0.02,
    "frame_stride_s": 0.02,
    "fft_length": 512,
    "normalization_window_frames": 0,
}
MFE_SETTINGS = {"n_filters": 40, "frame_length_s": 0.02, "frame_stride_s": 0.01, "fft_length": 512}

CPP_MAIN = """\
#define MF_DSP_MFCC_IMPLEMENTATION
#include "{header}"

#include <chrono>
#include <stdio.h>

/* Reads n_clips windows from stdin, extracts each `repeats` times, prints ns per clip (best). */
int main(int argc, char **argv) {{
    if (argc != 3) return 1;
    const int n_clips = atoi(argv[1]), repeats = atoi(argv[2]);
    static float clips[{n_clips}][MF_DSP_MFCC_INPUT_LEN];
    static float features[MF_DSP_MFCC_OUTPUT_LEN];
    if (fread(clips, sizeof(float), (size_t)n_clips * MF_DSP_MFCC_INPUT_LEN, stdin)
        != (size_t)n_clips * MF_DSP_MFCC_INPUT_LEN) return 1;
    double best_ns = 1e30, checksum = 0.0;
    for (int r = 0; r < repeats; ++r) {{
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < n_clips; ++i) {{
            mf_dsp_mfcc_extract(clips[i], features);
            checksum += features[0];
        }}
        const auto stop = std::chrono::steady_clock::now();
        const double ns = std::chrono::duration<double, std::nano>(stop - start).count();
        if (ns < best_ns) best_ns = ns;
    }}
    printf("%.1f %g\\n", best_ns / n_clips, checksum);
    return 0;
}}
"""


# Bare-metal Cortex-M4F program for QEMU mps2-an386: vector table, FPU on, semihosting output.
M4_STARTUP = """\
#include <stdint.h>
extern "C" int main();
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern "C" void reset_handler();
static void semihost(int operation, const void *argument) {
    register int r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
}
extern "C" void bench_write(const char *text) { semihost(0x04, text); }
extern "C" void reset_handler() {
    uint32_t *source = &_sidata, *target = &_sdata;
    while (target < &_edata) *target++ = *source++;
    for (target = &_sbss; target < &_ebss;) *target++ = 0;
    *(volatile uint32_t *)0xE000ED88 |= (0xFu << 20); /* CPACR: enable the FPU */
    __asm__ volatile("dsb\\n isb");
    main();
    semihost(0x18, (const void *)0x20026); /* SYS_EXIT, ADP_Stopped_ApplicationExit */
    for (;;) {}
}
__attribute__((section(".isr_vector"), used)) static void (*const vectors[])(void) = {
    (void (*)(void))(&_estack), reset_handler,
};
"""

M4_LINKER_SCRIPT = """\
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

# SysTick on the processor clock counts virtual time; with -icount shift=0 one instruction is
# one nanosecond, and a calibration loop of known length converts ticks into instructions.
M4_MAIN = """\
#define MF_DSP_MFCC_IMPLEMENTATION
#include "mf_dsp_mfcc_config.h"
#include "clip.h"
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
static float features[MF_DSP_MFCC_OUTPUT_LEN];
int main() {{
    volatile uint32_t *systick = (volatile uint32_t *)0xE000E010;
    systick[1] = 0xFFFFFF;
    systick[2] = 0;
    systick[0] = 5; /* enabled, processor clock, no interrupt */
    const uint32_t start = systick[2];
    for (int r = 0; r < {runs}; ++r) mf_dsp_mfcc_extract(clip, features);
    const uint32_t stop = systick[2];
    __asm__ volatile("ldr r0, =1000000\\n1: subs r0, r0, #1\\n bne 1b" ::: "r0", "cc");
    const uint32_t calibrated = systick[2];
    write_number("mfcc_ticks ", (start - stop) & 0xFFFFFF);
    write_number("calibration_ticks ", (stop - calibrated) & 0xFFFFFF);
    return 0;
}}
"""
M4_RUNS = 4
M4_CALIBRATION_INSTRUCTIONS = 2_000_000  # subs + bne, 1,000,000 times


def load_batch(n_clips: int, rng: np.random.Generator) -> np.ndarray:
    """`(n_clips, 16000)` float32: the shared clips in turn, plus noise at -40 dBFS each."""
    sources = []
    for path in sorted(SHARED_AUDIO.glob("*.wav")):
        with wave.open(str(path)) as clip:
            raw = np.frombuffer(clip.readframes(clip.getnframes()), dtype="<i2")
            samples = raw.reshape(-1, clip.getnchannels())[:SAMPLE_RATE_HZ, 0] / 32768.0
            sources.append(samples)
    if not sources:
        raise SystemExit(f"no clips in {SHARED_AUDIO}")
    tiled = np.stack([sources[i % len(sources)] for i in range(n_clips)])
    return (tiled + rng.normal(0.0, 0.01, tiled.shape)).astype(np.float32)


def best_of_alternating(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Best wall time of each run over `repeats` rounds; each round runs each once, in turn."""
    best = {name: float("inf") for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def cpp_mfcc_ns_per_clip(batch: np.ndarray, repeats: int) -> float:
    params = MFCC.parse_params(MFCC_SETTINGS)
    header = render_config(
        "mfcc", params, sample_rate_hz=SAMPLE_RATE_HZ, window_length=batch.shape[1], n_axes=1
    )
    n_clips = min(len(batch), 200)
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        header_name = config_header_name("mfcc")
        (work / header_name).write_text(header)
        (work / "main.cpp").write_text(
            "#include <stdlib.h>\n" + CPP_MAIN.format(header=header_name, n_clips=n_clips)
        )
        sources = [str(path) for path in cpp_sources() if path.suffix == ".cpp"]
        subprocess.run(
            [
                "g++",
                "-std=c++11",
                "-O2",
                "-I",
                str(cpp_sources()[0].parent),
                "-I",
                work_dir,
                str(work / "main.cpp"),
                *sources,
                "-o",
                str(work / "mfcc_bench"),
                "-lm",
            ],
            check=True,
        )
        result = subprocess.run(
            [str(work / "mfcc_bench"), str(n_clips), str(repeats)],
            input=np.ascontiguousarray(batch[:n_clips], dtype="<f4").tobytes(),
            capture_output=True,
            check=True,
        )
    return float(result.stdout.split()[0])


def m4_mfcc_instructions_per_clip(clip: np.ndarray) -> float | None:
    """Instructions of one MFCC extraction on an emulated Cortex-M4F (QEMU mps2-an386)."""
    if not (shutil.which("arm-none-eabi-g++") and shutil.which("qemu-system-arm")):
        print("Cortex-M4: skipped (gcc-arm-none-eabi or qemu-system-arm missing)")
        return None
    params = MFCC.parse_params(MFCC_SETTINGS)
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        (work / config_header_name("mfcc")).write_text(
            render_config(
                "mfcc", params, sample_rate_hz=SAMPLE_RATE_HZ, window_length=len(clip), n_axes=1
            )
        )
        (work / "clip.h").write_text(cpp_emit.array("float", "clip", clip) + "\n")
        (work / "startup.cpp").write_text(M4_STARTUP)
        (work / "m4.ld").write_text(M4_LINKER_SCRIPT)
        (work / "main.cpp").write_text(M4_MAIN.format(runs=M4_RUNS))
        sources = [str(path) for path in cpp_sources() if path.suffix == ".cpp"]
        subprocess.run(
            [
                "arm-none-eabi-g++",
                "-std=c++11",
                "-O2",
                "-mcpu=cortex-m4",
                "-mthumb",
                "-mfpu=fpv4-sp-d16",
                "-mfloat-abi=hard",
                "-fno-exceptions",
                "-fno-rtti",
                "-ffunction-sections",
                "-fdata-sections",
                "-nostartfiles",
                "-T",
                str(work / "m4.ld"),
                "-I",
                str(cpp_sources()[0].parent),
                "-I",
                work_dir,
                str(work / "startup.cpp"),
                str(work / "main.cpp"),
                *sources,
                "-o",
                str(work / "mfcc.elf"),
                "-Wl,--gc-sections",
                "--specs=nosys.specs",
                "-lm",
            ],
            check=True,
        )
        result = subprocess.run(
            [
                "qemu-system-arm",
                "-machine",
                "mps2-an386",
                "-cpu",
                "cortex-m4",
                "-nographic",
                "-monitor",
                "none",
                "-serial",
                "none",
                "-semihosting-config",
                "enable=on,target=native",
                "-icount",
                "shift=0",
                "-kernel",
                str(work / "mfcc.elf"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    # Semihosting output arrives on QEMU's stderr.
    lines = (result.stdout + result.stderr).splitlines()
    counts = dict(line.split() for line in lines if line.endswith(tuple("0123456789")))
    instructions_per_tick = M4_CALIBRATION_INSTRUCTIONS / int(counts["calibration_ticks"])
    return int(counts["mfcc_ticks"]) * instructions_per_tick / M4_RUNS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    batch = load_batch(args.clips, np.random.default_rng(0))
    windows = batch[:, :, None]
    mfcc_params = MFCC.parse_params(MFCC_SETTINGS)
    mfe_params = MFE.parse_params(MFE_SETTINGS)

    def librosa_mfcc() -> object:
        return librosa.feature.mfcc(
            y=batch,
            sr=SAMPLE_RATE_HZ,
            n_mfcc=13,
            n_fft=512,
            hop_length=320,
            win_length=320,
            n_mels=32,
            center=False,
            htk=True,
        )

    def librosa_mfe() -> object:
        mel = librosa.feature.melspectrogram(
            y=batch,
            sr=SAMPLE_RATE_HZ,
            n_fft=512,
            hop_length=160,
            win_length=320,
            n_mels=40,
            center=False,
            htk=True,
            norm=None,
        )
        return librosa.power_to_db(mel, top_db=None)

    best = best_of_alternating(
        {
            "ours_mfcc": lambda: MFCC.extract(
                windows, sample_rate_hz=SAMPLE_RATE_HZ, params=mfcc_params
            ),
            "librosa_mfcc": librosa_mfcc,
            "ours_mfe": lambda: MFE.extract(
                windows, sample_rate_hz=SAMPLE_RATE_HZ, params=mfe_params
            ),
            "librosa_mfe": librosa_mfe,
        },
        args.repeats,
    )
    per_clip_ms = {name: seconds * 1000.0 / args.clips for name, seconds in best.items()}
    print(f"batch: {args.clips} one-second 16 kHz clips, best of {args.repeats} alternating runs")
    for block in ("mfcc", "mfe"):
        ours, reference = per_clip_ms[f"ours_{block}"], per_clip_ms[f"librosa_{block}"]
        print(
            f"{block.upper():5s} ours {ours:.4f} ms/clip   librosa batched {reference:.4f} "
            f"ms/clip   ratio {ours / reference:.2f}x (target <= 0.5x)"
        )
    cpp_ns = cpp_mfcc_ns_per_clip(batch, args.repeats)
    print(f"C++ MFCC on the host (g++ -O2, one core): {cpp_ns / 1e6:.4f} ms/clip")
    instructions = m4_mfcc_instructions_per_clip(batch[0])
    if instructions is not None:
        print(
            f"C++ MFCC on Cortex-M4F (QEMU mps2-an386, -icount): {instructions / 1e6:.2f} M "
            "instructions per 1 s clip; Edge Impulse publishes 168 ms at 80 MHz "
            "(~13.4 M cycles)"
        )


if __name__ == "__main__":
    main()
