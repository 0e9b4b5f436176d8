// The WebAssembly device build (the deployment target "wasm") loaded into this page: the same
// C++ as the microcontroller's library, compiled by emscripten, classifying in the browser.
import { unzipSync } from 'fflate';

/** The JavaScript API of deploy_targets/wasm/runtime/mf_wasm_api.js. */
export interface WasmClassifier {
  frameSize: number;
  labels: string[];
  /** [height, width, channels] of an image impulse's frame; null or absent (older builds) else. */
  imageShape?: number[] | null;
  classify(values: Float32Array): Record<string, number>;
}

type ClassifierFactory = (options: { wasmBinary: ArrayBuffer }) => Promise<WasmClassifier>;

/** The emscripten module (.js) and its WebAssembly (.wasm) in a build's zip. */
export function wasmFilesOf(zip: Uint8Array): { js: string; wasm: Uint8Array } {
  const files = unzipSync(zip);
  const names = Object.keys(files);
  const js = names.find((name) => name.endsWith('.js'));
  const wasm = names.find((name) => name.endsWith('.wasm'));
  if (js === undefined || wasm === undefined) {
    throw new Error(
      `The zip is not a WebAssembly build: it holds no .js and .wasm pair (${names.join(', ') || 'no files'}).`,
    );
  }
  return { js: new TextDecoder().decode(files[js]), wasm: files[wasm]! };
}

/** Starts the module of a WebAssembly build's zip (the build's bytes, as downloaded). */
export async function loadWasmClassifier(zip: Uint8Array): Promise<WasmClassifier> {
  const { js, wasm } = wasmFilesOf(zip);
  // The module is a classic script that declares `createMfClassifier`; run in a function scope it
  // leaves no global behind, and given the .wasm bytes it fetches nothing.
  const factory = new Function(
    `${js}\nreturn typeof createMfClassifier === 'undefined' ? undefined : createMfClassifier;`,
  )() as unknown;
  if (typeof factory !== 'function') {
    throw new Error('The WebAssembly build does not define createMfClassifier.');
  }
  return (factory as ClassifierFactory)({ wasmBinary: wasm.slice().buffer });
}
