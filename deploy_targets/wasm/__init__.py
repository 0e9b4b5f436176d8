"""The WebAssembly packager: the C++ SDK compiled with emscripten, with a small JavaScript API."""

from deploy_targets.wasm.build import (
    WasmBuild,
    build_wasm,
    emscripten_unavailable,
    wasm_folder_name,
)

__all__ = ["WasmBuild", "build_wasm", "emscripten_unavailable", "wasm_folder_name"]
