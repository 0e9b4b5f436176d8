/* WebAssembly entry points of the SDK: JavaScript writes a raw window into the input buffer,
 * calls mf_wasm_classify, then reads labels and scores (see mf_wasm_api.js). */
#include "mf_classifier.h"
#include "model-parameters/mf_impulse.h"

namespace {

float input_window[MF_RAW_FRAME_SIZE];
mf_result_t last_result;

}  // namespace

extern "C" {

float *mf_wasm_input_buffer(void) { return input_window; }

int mf_wasm_frame_size(void) { return MF_RAW_FRAME_SIZE; }

int mf_wasm_label_count(void) { return MF_LABEL_COUNT; }

int mf_wasm_has_anomaly(void) { return MF_HAS_ANOMALY; }

int mf_wasm_classify(void) {
    mf_signal_t signal;
    mf_signal_from_buffer(input_window, MF_RAW_FRAME_SIZE, &signal);
    return mf_run_classifier(&signal, &last_result, false);
}

const char *mf_wasm_label(int index) {
    return index >= 0 && index < MF_LABEL_COUNT ? mf_labels[index] : "";
}

float mf_wasm_score(int index) {
    return index >= 0 && index < MF_LABEL_COUNT ? last_result.classification[index].value : 0.0f;
}

float mf_wasm_anomaly(void) { return last_result.anomaly; }

int mf_wasm_anomalous(void) { return last_result.anomalous ? 1 : 0; }

}  // extern "C"
