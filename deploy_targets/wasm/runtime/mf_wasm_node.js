// Loading under Node.js (prepended to the emscripten module): read the .wasm beside this .js
// from the file system. Emscripten 3.1's loader would otherwise fetch() it, since Node 18+
// has fetch, and fetch takes no file name ("Failed to parse URL from ...classifier.wasm").
// A browser keeps fetching it next to the .js; a caller's own wasmBinary or locateFile wins.
if (typeof process == 'object' && typeof process.versions == 'object' &&
    typeof process.versions.node == 'string' && !Module['wasmBinary'] &&
    typeof __filename == 'string') {
  var mfWasmName = require('path').basename(__filename).replace(/\.c?js$/, '') + '.wasm';
  var mfWasmPath = Module['locateFile']
    ? Module['locateFile'](mfWasmName, __dirname + '/')
    : require('path').join(__dirname, mfWasmName);
  Module['wasmBinary'] = require('fs').readFileSync(mfWasmPath);
}
