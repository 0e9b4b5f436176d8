"""`build_wasm`: a built C++ SDK compiled by emscripten into `<name>.js` + `<name>.wasm` with a
small JavaScript API (`classify(Float32Array) -> {label: score}`), the same code as the device's.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from deploy_targets.sdk import SdkBuild, SdkError

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
EXPORT_NAME = "createMfClassifier"
_EXPORTED = (
    "_mf_wasm_input_buffer", "_mf_wasm_frame_size", "_mf_wasm_label_count", "_mf_wasm_label",
    "_mf_wasm_has_anomaly", "_mf_wasm_classify", "_mf_wasm_score", "_mf_wasm_anomaly",
    "_mf_wasm_anomalous",
)


@dataclass(frozen=True)
class WasmBuild:
    js_path: Path
    wasm_path: Path


def emscripten_unavailable(compiler: str = "em++") -> str | None:
    """Why the WebAssembly target cannot be built here, or None when it can."""
    if shutil.which(compiler) is None:
        return f"{compiler} (emscripten) is not installed; install the Debian package emscripten"
    return None


def _run(command: list[str], cwd: Path, what: str) -> None:
    run = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        raise SdkError(f"{what} failed (exit {run.returncode}):\n{run.stderr[-3000:]}")


def build_wasm(sdk: SdkBuild, out_dir: Path, *, compiler: str = "em++") -> WasmBuild:
    """Compile the SDK in `sdk.out_dir` with the WebAssembly entry points into `out_dir`."""
    reason = emscripten_unavailable(compiler)
    if reason is not None:
        raise SdkError(reason)
    sdk_dir = sdk.out_dir
    name = f"{sdk.impulse.identifier}_classifier"
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = [
        *sorted(sdk_dir.glob("*.cpp")),
        *sorted((sdk_dir / "dsp").glob("*.cpp")),
        *sorted((sdk_dir / "model-parameters").glob("*.cpp")),
        RUNTIME_DIR / "mf_wasm.cpp",
    ]
    with tempfile.TemporaryDirectory(prefix="mf-wasm-") as scratch:
        objects = []
        for index, source in enumerate(sources):
            obj = Path(scratch) / f"{index:02d}_{source.stem}.o"
            _run([compiler, "-O2", "-std=c++11", f"-I{sdk_dir}", "-c", str(source), "-o",
                  str(obj)], sdk_dir, f"compiling {source.name} to WebAssembly")
            objects.append(str(obj))
        # -O1 at link: the Debian emscripten lacks the acorn module its -O2 JS minifier needs;
        # the WebAssembly itself was optimised at -O2 above.
        _run(
            [compiler, "-O1", *objects, "-sMODULARIZE=1", f"-sEXPORT_NAME={EXPORT_NAME}",
             "-sEXPORTED_FUNCTIONS=" + ",".join(_EXPORTED),
             "-sEXPORTED_RUNTIME_METHODS=UTF8ToString", "-sINITIAL_MEMORY=16777216",
             "--post-js", str(RUNTIME_DIR / "mf_wasm_api.js"), "-o", str(out_dir / f"{name}.js")],
            sdk_dir,
            "linking the WebAssembly module",
        )
    return WasmBuild(js_path=out_dir / f"{name}.js", wasm_path=out_dir / f"{name}.wasm")
