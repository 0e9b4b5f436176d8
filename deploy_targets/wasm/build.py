"""`build_wasm`: a built C++ SDK compiled by emscripten into `<name>.js` + `<name>.wasm` with a
small JavaScript API (`classify(Float32Array) -> {label: score}`), the same code as the device's,
loadable in a browser and by Node (`require`/`import`), with a README and a package.json.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2

from deploy_targets.sdk import SdkBuild, SdkError, render_template

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
    autoescape=False,
)
EXPORT_NAME = "createMfClassifier"
_EXPORTED = (
    "_mf_wasm_input_buffer", "_mf_wasm_frame_size", "_mf_wasm_label_count", "_mf_wasm_label",
    "_mf_wasm_has_anomaly", "_mf_wasm_classify", "_mf_wasm_score", "_mf_wasm_anomaly",
    "_mf_wasm_anomalous", "_mf_wasm_object_count", "_mf_wasm_object_label",
    "_mf_wasm_object_box", "_mf_wasm_object_value", "_mf_wasm_image_shape",
)


@dataclass(frozen=True)
class WasmBuild:
    js_path: Path
    wasm_path: Path
    readme_path: Path


def emscripten_unavailable(compiler: str = "em++") -> str | None:
    """Why the WebAssembly target cannot be built here, or None when it can."""
    if shutil.which(compiler) is None:
        return f"{compiler} (emscripten) is not installed; install the Debian package emscripten"
    return None


def _run(command: list[str], cwd: Path, what: str) -> None:
    run = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        raise SdkError(f"{what} failed (exit {run.returncode}):\n{run.stderr[-3000:]}")


def wasm_folder_name(sdk: SdkBuild) -> str:
    """The folder (and zip root) the build is shipped in: `<project>_wasm`."""
    return f"{sdk.impulse.identifier}_wasm"


def _write_package_files(sdk: SdkBuild, out_dir: Path, name: str) -> Path:
    """README.md (browser and Node usage) and package.json (`require` of the folder; CommonJS
    even inside a project whose package.json says "type": "module")."""
    impulse = sdk.impulse
    package = {
        "name": name.replace("_", "-"),
        "version": "1.0.0",
        "description": f"{impulse.display_name}: the mcuforge classifier in WebAssembly",
        "main": f"{name}.js",
        "type": "commonjs",
        "license": "Apache-2.0",
    }
    (out_dir / "package.json").write_text(json.dumps(package, indent=2) + "\n")
    readme = out_dir / "README.md"
    readme.write_text(render_template(
        _TEMPLATES,
        "README.md.j2",
        project_name=impulse.display_name,
        dsp_block=sdk.dsp_block,
        window_length=impulse.window_length,
        axes=list(impulse.axes),
        frequency_hz=f"{impulse.frequency_hz:g}",
        frame_size=sdk.raw_frame_size,
        labels=sdk.labels,
        arena_bytes=sdk.model.arena_bytes,
        precision=sdk.precision,
        js_name=f"{name}.js",
        wasm_name=f"{name}.wasm",
        folder_name=wasm_folder_name(sdk),
    ))
    return readme


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
             "-sENVIRONMENT=web,worker,node", "--pre-js", str(RUNTIME_DIR / "mf_wasm_node.js"),
             "-sEXPORTED_FUNCTIONS=" + ",".join(_EXPORTED),
             "-sEXPORTED_RUNTIME_METHODS=UTF8ToString", "-sINITIAL_MEMORY=16777216",
             "--post-js", str(RUNTIME_DIR / "mf_wasm_api.js"), "-o", str(out_dir / f"{name}.js")],
            sdk_dir,
            "linking the WebAssembly module",
        )
    readme = _write_package_files(sdk, out_dir, name)
    return WasmBuild(
        js_path=out_dir / f"{name}.js", wasm_path=out_dir / f"{name}.wasm", readme_path=readme
    )
