import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import { loadWasmClassifier, wasmFilesOf } from './wasmClassifier';

// A stand-in for the emscripten module: it declares createMfClassifier as the real one does and
// reports the size of the .wasm bytes it was given, so the test sees they were passed on.
const FAKE_MODULE = `
var createMfClassifier = function (options) {
  return Promise.resolve({
    frameSize: options.wasmBinary.byteLength,
    labels: ['a', 'b'],
    classify: function (values) { return { a: values[0], b: 1 - values[0] }; },
  });
};
`;

function buildZip(files: Record<string, Uint8Array>): Uint8Array {
  return zipSync(files);
}

describe('wasmFilesOf', () => {
  it('finds the module and its WebAssembly in the build folder', () => {
    const zip = buildZip({
      'kws_wasm/kws_classifier.js': strToU8(FAKE_MODULE),
      'kws_wasm/kws_classifier.wasm': new Uint8Array([0, 97, 115, 109]),
    });
    const { js, wasm } = wasmFilesOf(zip);
    expect(js).toContain('createMfClassifier');
    expect(Array.from(wasm)).toEqual([0, 97, 115, 109]);
  });

  it('says what the zip holds when it is not a WebAssembly build', () => {
    const zip = buildZip({ 'kws_sdk/mf_classifier.h': strToU8('// header') });
    expect(() => wasmFilesOf(zip)).toThrow(/no \.js and \.wasm pair \(kws_sdk\/mf_classifier\.h\)/);
  });
});

describe('loadWasmClassifier', () => {
  it('starts the module with the .wasm bytes and leaves no global behind', async () => {
    const zip = buildZip({
      'x_wasm/x.js': strToU8(FAKE_MODULE),
      'x_wasm/x.wasm': new Uint8Array(5),
    });
    const classifier = await loadWasmClassifier(zip);
    expect(classifier.frameSize).toBe(5);
    expect(classifier.classify(new Float32Array([0.25]))).toEqual({ a: 0.25, b: 0.75 });
    expect('createMfClassifier' in globalThis).toBe(false);
  });

  it('refuses a module without the factory', async () => {
    const zip = buildZip({ 'x/x.js': strToU8('var other = 1;'), 'x/x.wasm': new Uint8Array(1) });
    await expect(loadWasmClassifier(zip)).rejects.toThrow('does not define createMfClassifier');
  });
});
