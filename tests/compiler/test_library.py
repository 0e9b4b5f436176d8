"""The generated library as users see it: header API, two models in one program, the CLI, and
a golden copy of hello_world's output that makes generator changes reviewable."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from backend.cli import main as mcuforge_main
from deploy_targets.compiler import compile_tflite
from deploy_targets.compiler.emit import BANNER
from tests.compiler.reference import GXX_FLAGS, run_tflm

GOLDEN_DIR = Path(__file__).parent / "golden" / "hello_world"
HARNESS_DIR = Path(__file__).parent / "harness"


def test_header_declares_the_c_api(shared_models: Path, tmp_path: Path) -> None:
    model = (shared_models / "mlperf_kws_dscnn_int8.tflite").read_bytes()
    library = compile_tflite(model, tmp_path, "kws")
    header = library.header_path.read_text()
    assert header.startswith(f"// {BANNER}")
    assert f"#define KWS_INPUT_BYTES {library.input_bytes} " in header
    assert f"#define KWS_OUTPUT_BYTES {library.output_bytes} " in header
    assert f"#define KWS_ARENA_BYTES {library.arena_bytes} " in header
    assert "int kws_invoke(const void *input, void *output);" in header
    assert "#define KWS_INPUT0_SHAPE { 1, 49, 10, 1 }" in header
    assert re.search(r"#define KWS_OUTPUT_ZERO_POINT -128\b", header)
    assert library.input_bytes == 490 and library.output_bytes == 12
    assert library.inputs[0].shape == (1, 49, 10, 1) and library.inputs[0].dtype == "int8"
    assert library.mac_count == 2656768  # conv 25*5*64*40 + 4*(dw 25*5*64*9 + pw 25*5*64*64) + fc
    for path in library.sources:
        assert path.is_relative_to(tmp_path)
        if path.suffix == ".cpp":
            assert path.read_text().startswith(f"// {BANNER}")
            subprocess.run(["g++", *GXX_FLAGS, "-c", "-I", str(tmp_path), str(path), "-o",
                            str(tmp_path / "x.o")], check=True)


def test_two_models_link_into_one_program(shared_models: Path, tmp_path: Path) -> None:
    models = {name: (shared_models / f"{file}.tflite").read_bytes()
              for name, file in (("model_a", "hello_world_int8"),
                                 ("model_b", "mlperf_kws_dscnn_int8"))}
    sources = []
    for name, model in models.items():
        library = compile_tflite(model, tmp_path / name, name)
        sources += [str(p) for p in library.sources if p.suffix == ".cpp"]
    executable = tmp_path / "both"
    subprocess.run(["g++", *GXX_FLAGS, "-I", str(tmp_path / "model_a"), "-I",
                    str(tmp_path / "model_b"), *sources,
                    str(HARNESS_DIR / "two_models_main.cpp"), "-o", str(executable)], check=True)
    rng = np.random.default_rng(7)
    input_a = rng.integers(-128, 128, size=(1, 1), dtype=np.int8)
    input_b = rng.integers(-128, 128, size=(1, 49, 10, 1), dtype=np.int8)
    out = subprocess.run([str(executable)], input=input_a.tobytes() + input_b.tobytes(),
                         capture_output=True, check=True).stdout
    assert out[:1] == run_tflm(models["model_a"], [input_a])[0].tobytes()
    assert out[1:] == run_tflm(models["model_b"], [input_b])[0].tobytes()


def test_cli_compiles_a_model(shared_models: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    model = shared_models / "micro_speech_int8.tflite"
    assert mcuforge_main(["compile", str(model), "--out", str(tmp_path), "--name", "speech"]) == 0
    assert (tmp_path / "speech.h").exists() and (tmp_path / "speech.cpp").exists()
    assert "arena 180 B" in capsys.readouterr().out  # the depthwise conv streamed into the FC


def test_cli_reports_errors_without_a_traceback(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bogus = tmp_path / "bogus.tflite"
    bogus.write_bytes(b"not a model at all")
    assert mcuforge_main(["compile", str(bogus), "--out", str(tmp_path / "out")]) == 1
    assert "not a TFLite flatbuffer" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def regenerate_golden(shared_models: Path, out_dir: Path) -> dict[str, str]:
    model = (shared_models / "hello_world_int8.tflite").read_bytes()
    compile_tflite(model, out_dir)
    return {name: (out_dir / name).read_text() for name in ("mf_model.h", "mf_model.cpp")}


def test_golden_hello_world_is_unchanged(shared_models: Path, tmp_path: Path) -> None:
    """If this fails after an intended generator change, run
    `python -m tests.compiler.test_library` to refresh the golden files and review the diff."""
    for name, text in regenerate_golden(shared_models, tmp_path).items():
        assert text == (GOLDEN_DIR / name).read_text(), f"{name} differs from the golden copy"


if __name__ == "__main__":
    import tempfile

    from tests.conftest import SHARED_DIR

    with tempfile.TemporaryDirectory() as scratch:
        for name, text in regenerate_golden(SHARED_DIR / "models", Path(scratch)).items():
            (GOLDEN_DIR / name).write_text(text)
    sys.exit(0)


def test_every_runtime_header_compiles_on_its_own(tmp_path: Path) -> None:
    from deploy_targets.compiler.emit import KERNEL_HEADERS, RUNTIME_DIR

    for header in sorted(RUNTIME_DIR.glob("*.h")):
        source = tmp_path / f"{header.stem}_alone.cpp"
        source.write_text(f'#include "mf/{header.name}"\n')
        subprocess.run(["g++", *GXX_FLAGS, "-c", "-I", str(RUNTIME_DIR.parent), str(source),
                        "-o", str(tmp_path / "alone.o")], check=True)
    for function, header in KERNEL_HEADERS.items():
        # A template named with its arguments (mf::requantize<int16_t, int16_t>) is its template.
        name = function.removeprefix("mf::").split("<")[0]
        assert re.search(rf"\binline void {name}\(", (RUNTIME_DIR / header).read_text()), \
            f"{function} is not defined in mf/{header}"


def test_weights_bytes_counts_every_emitted_constant(shared_models: Path, tmp_path: Path) -> None:
    model = (shared_models / "hello_world_int8.tflite").read_bytes()
    library = compile_tflite(model, tmp_path)
    # FC 1->16->16->1: weights 16+256+16, biases 4*(16+16+1), one multiplier and shift each.
    assert library.weights_bytes == (16 + 256 + 16) + 4 * (16 + 16 + 1) + 3 * (4 + 4)
