// Test driver: node wasm_classify.js MODULE.js MODULE.wasm WINDOWS.f32 -> one JSON line per
// window with the module's classify() result. Node reads the .wasm itself (wasmBinary), as a
// server-side user of the module would; a browser fetches it next to the .js.
const fs = require('fs');
const [modulePath, wasmPath, windowsPath] = process.argv.slice(2);
const createMfClassifier = require(modulePath);

createMfClassifier({ wasmBinary: fs.readFileSync(wasmPath) }).then((classifier) => {
  const bytes = fs.readFileSync(windowsPath);
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const frameSize = classifier.frameSize;
  for (let start = 0; start + frameSize <= values.length; start += frameSize) {
    console.log(JSON.stringify(classifier.classify(values.subarray(start, start + frameSize))));
  }
  try {
    classifier.classify(new Float32Array(frameSize - 1));
    console.log('"no error for a short window"');
  } catch (error) {
    console.log(JSON.stringify({ error: error.message }));
  }
});
