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

/* An image impulse's frame, part 0 height, 1 width, 2 channels: the browser scales its camera to
 * it (the frame size alone does not say the aspect). 0 for a time-series impulse. */
int mf_wasm_image_shape(int part) {
#if MF_IMAGE_INPUT
    const int parts[3] = {MF_IMAGE_INPUT_HEIGHT, MF_IMAGE_INPUT_WIDTH, MF_IMAGE_INPUT_CHANNELS};
    return part >= 0 && part < 3 ? parts[part] : 0;
#else
    (void)part;
    return 0;
#endif
}

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

/* Object detection (MF_OBJECT_DETECTION): the objects of the last frame; -1 without detection. */
int mf_wasm_object_count(void) {
#if MF_OBJECT_DETECTION
    return static_cast<int>(last_result.bounding_boxes_count);
#else
    return -1;
#endif
}

const char *mf_wasm_object_label(int index) {
#if MF_OBJECT_DETECTION
    if (index >= 0 && index < static_cast<int>(last_result.bounding_boxes_count)) {
        return last_result.bounding_boxes[index].label;
    }
#else
    (void)index;
#endif
    return "";
}

/* Part `part` of object `index`'s box in input pixels: 0 x, 1 y, 2 width, 3 height. */
int mf_wasm_object_box(int index, int part) {
#if MF_OBJECT_DETECTION
    if (index >= 0 && index < static_cast<int>(last_result.bounding_boxes_count)) {
        const mf_bounding_box_t &box = last_result.bounding_boxes[index];
        const uint32_t parts[4] = {box.x, box.y, box.width, box.height};
        return part >= 0 && part < 4 ? static_cast<int>(parts[part]) : 0;
    }
#else
    (void)index;
    (void)part;
#endif
    return 0;
}

float mf_wasm_object_value(int index) {
#if MF_OBJECT_DETECTION
    if (index >= 0 && index < static_cast<int>(last_result.bounding_boxes_count)) {
        return last_result.bounding_boxes[index].value;
    }
#else
    (void)index;
#endif
    return 0.0f;
}

}  // extern "C"
