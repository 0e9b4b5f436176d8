// The JavaScript API of the mcuforge WebAssembly build (appended to the emscripten module):
//   const classifier = await createMfClassifier();
//   classifier.classify(new Float32Array(classifier.frameSize))  // -> {label: score, ...}
Module['frameSize'] = 0;
Module['labels'] = [];
// [height, width, channels] of an image impulse's frame (pixels row by row, channels together,
// 0..255); null for a time-series impulse.
Module['imageShape'] = null;
Module['onRuntimeInitialized'] = function () {
  Module['frameSize'] = Module['_mf_wasm_frame_size']();
  const labels = [];
  for (let i = 0; i < Module['_mf_wasm_label_count'](); ++i) {
    labels.push(UTF8ToString(Module['_mf_wasm_label'](i)));
  }
  Module['labels'] = labels;
  if (Module['_mf_wasm_image_shape'](0) > 0) {
    Module['imageShape'] = [0, 1, 2].map(function (part) {
      return Module['_mf_wasm_image_shape'](part);
    });
  }
};

// Classifies one raw window (frameSize values, axes interleaved); returns {label: score} ({value:
// v} for a regression impulse) and, when the impulse has an anomaly block, `anomaly` (the score)
// and `anomalous` (above the threshold); for an object-detection impulse, `bounding_boxes`: the
// objects found, [{label, x, y, width, height, value}] in input pixels. Throws on a wrong length.
Module['classify'] = function (values) {
  const frameSize = Module['frameSize'];
  if (values.length !== frameSize) {
    throw new RangeError('classify takes ' + frameSize + ' values (samples x axes); got ' +
                         values.length);
  }
  const start = Module['_mf_wasm_input_buffer']() >> 2;
  HEAPF32.set(Float32Array.from(values), start);
  const status = Module['_mf_wasm_classify']();
  if (status !== 0) {
    throw new Error('mf_run_classifier failed with ' + status);
  }
  const result = {};
  Module['labels'].forEach(function (label, i) { result[label] = Module['_mf_wasm_score'](i); });
  if (Module['_mf_wasm_has_anomaly']()) {
    result['anomaly'] = Module['_mf_wasm_anomaly']();
    result['anomalous'] = Module['_mf_wasm_anomalous']() === 1;
  }
  const objects = Module['_mf_wasm_object_count']();
  if (objects >= 0) {
    const boxes = [];
    for (let i = 0; i < objects; ++i) {
      boxes.push({
        label: UTF8ToString(Module['_mf_wasm_object_label'](i)),
        x: Module['_mf_wasm_object_box'](i, 0),
        y: Module['_mf_wasm_object_box'](i, 1),
        width: Module['_mf_wasm_object_box'](i, 2),
        height: Module['_mf_wasm_object_box'](i, 3),
        value: Module['_mf_wasm_object_value'](i),
      });
    }
    result['bounding_boxes'] = boxes;
  }
  return result;
};
