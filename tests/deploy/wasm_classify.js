// Test driver: node wasm_classify.js MODULE WINDOWS.f32 -> one JSON line per window with the
// module's classify() result. MODULE (the .js, or the folder with its package.json) is loaded
// with a plain require, as a Node user of the unzipped build does: it finds its .wasm itself.
const fs = require('fs');
const [modulePath, windowsPath] = process.argv.slice(2);
const createMfClassifier = require(modulePath);

createMfClassifier().then((classifier) => {
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
