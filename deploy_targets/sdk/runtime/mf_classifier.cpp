/* The classifier: read the raw window, run the impulse's DSP, quantize the features to the
 * model's int8 input exactly as the platform does, invoke the compiled model, dequantize.
 * A float32 model (MF_MODEL_FLOAT32) takes the features and gives the scores as they are. */
#include "mf_classifier.h"

#include <math.h>
#include <string.h>

#include "model-parameters/mf_impulse.h"

// Libraries of int8 models generated before float32 ones existed do not define it.
#ifndef MF_MODEL_FLOAT32
#define MF_MODEL_FLOAT32 0
#endif

namespace {

#if !MF_IMAGE_INPUT  // image impulses read the frame a row at a time instead (classify_window)
float raw_window[MF_RAW_FRAME_SIZE];
#endif
float features[MF_FEATURE_COUNT];
#if MF_MODEL_FLOAT32
float model_output[MF_LABEL_COUNT];
#else
int8_t model_input[MF_FEATURE_COUNT];
int8_t model_output[MF_OUTPUT_VALUE_COUNT];
#if MF_OBJECT_DETECTION
// Scratch of the decoding: which cells belong to an object already, and those still to visit.
uint8_t cells_taken[MF_OUTPUT_ROWS * MF_OUTPUT_COLUMNS];
uint16_t cells_pending[MF_OUTPUT_ROWS * MF_OUTPUT_COLUMNS];
#endif
#endif

// Stream state of mf_run_classifier_continuous: the last window of raw data and the scores of
// the last MF_SLICES_PER_WINDOW windows (a ring) for the moving average.
float stream_window[MF_RAW_FRAME_SIZE];
// Whether `features` holds the features of stream_window's previous position, so the DSP can
// move the frames the windows share instead of computing them again. mf_run_classifier
// overwrites `features`, so it clears this.
bool stream_features_valid = false;
float score_history[MF_SLICES_PER_WINDOW][MF_LABEL_COUNT];
size_t score_history_next = 0;
size_t score_history_count = 0;

int buffer_get_data(void *context, size_t offset, size_t length, float *out) {
    const float *buffer = static_cast<const float *>(context);
    memcpy(out, buffer + offset, length * sizeof(float));
    return 0;
}

#if !MF_MODEL_FLOAT32  // a float32 model takes the features unquantized
// Round half to even, as numpy's np.round in the platform's int8 pipeline: exact for every
// float because value - floor(value) is exact below 2^23, and larger values are whole numbers.
float round_half_even(float value) {
    const float lower = floorf(value);
    const float fraction = value - lower;
    if (fraction > 0.5f) {
        return lower + 1.0f;
    }
    if (fraction < 0.5f) {
        return lower;
    }
    return fmodf(lower, 2.0f) == 0.0f ? lower : lower + 1.0f;
}
#endif

}  // namespace

#if !MF_MODEL_FLOAT32
extern "C" int8_t mf_quantize_feature(float value) {
    // Division (not a multiplication by 1/scale) and float32 throughout, as the platform does.
    const float scaled = value / MF_INPUT_SCALE + static_cast<float>(MF_INPUT_ZERO_POINT);
    if (scaled != scaled) {
        return static_cast<int8_t>(MF_INPUT_ZERO_POINT);  // NaN: the input's zero
    }
    const float rounded = round_half_even(scaled);
    if (rounded < -128.0f) {
        return -128;
    }
    if (rounded > 127.0f) {
        return 127;
    }
    return static_cast<int8_t>(rounded);
}
#endif

namespace {

// result->value: a regression model's one output, 0 for a classifier.
void set_value(mf_result_t *result) {
#if MF_IS_REGRESSION
    result->value = result->classification[0].value;
#else
    result->value = 0.0f;
#endif
}

// The features of `window` (MF_RAW_FRAME_SIZE floats); for image impulses, window null, of the
// frame `frame` gives, which each image block reads a row at a time: no float copy of the frame.
// shifted_samples > 0: `window` is the window of the previous call moved by that many samples,
// and `features` still holds that call's features.
int extract_features(const float *window, mf_signal_t *frame, int shifted_samples) {
#if MF_IMAGE_INPUT
    if (window == 0) {
        return mf_impulse_extract_frame(frame, features);
    }
#else
    (void)frame;
#endif
    if (shifted_samples > 0) {
        return mf_impulse_extract_shifted(window, shifted_samples, features);
    }
    return mf_impulse_extract(window, features);
}

#if MF_OBJECT_DETECTION
// The objects of the output map, decoded as the platform does; each label's classification is
// its highest cell probability, so "is there any" reads like a classifier's score.
void detect_objects(mf_result_t *result) {
    mf_detection_params_t params;
    params.rows = MF_OUTPUT_ROWS;
    params.columns = MF_OUTPUT_COLUMNS;
    params.label_count = MF_LABEL_COUNT;
    params.cell_width = MF_CELL_WIDTH;
    params.cell_height = MF_CELL_HEIGHT;
    params.threshold = MF_OBJECT_DETECTION_THRESHOLD;
    result->bounding_boxes_count = mf_decode_objects_int8(
        model_output, MF_OUTPUT_SCALE, MF_OUTPUT_ZERO_POINT, &params, mf_labels, cells_taken,
        cells_pending, result->bounding_boxes, MF_MAX_OBJECTS);
    for (size_t i = 0; i < MF_LABEL_COUNT; ++i) {
        int8_t highest = -128;
        for (size_t cell = 0; cell < MF_OUTPUT_ROWS * MF_OUTPUT_COLUMNS; ++cell) {
            const int8_t value = model_output[cell * (MF_LABEL_COUNT + 1) + i + 1];
            if (value > highest) highest = value;
        }
        result->classification[i].label = mf_labels[i];
        result->classification[i].value =
            static_cast<float>(static_cast<int32_t>(highest) - MF_OUTPUT_ZERO_POINT) *
            MF_OUTPUT_SCALE;
    }
}
#endif

int classify_window(const float *window, mf_signal_t *frame, mf_result_t *result, bool debug,
                    int shifted_samples = 0) {
    const uint64_t dsp_start_us = mf_timer_us();
    if (extract_features(window, frame, shifted_samples) != 0) {
        return MF_ERR_DSP;
    }
    result->timing.dsp_us = static_cast<int32_t>(mf_timer_us() - dsp_start_us);

    const uint64_t model_start_us = mf_timer_us();
#if MF_MODEL_FLOAT32
    if (mf_impulse_invoke(features, model_output) != 0) {
        return MF_ERR_MODEL;
    }
    for (size_t i = 0; i < MF_LABEL_COUNT; ++i) {
        result->classification[i].label = mf_labels[i];
        result->classification[i].value = model_output[i];
    }
#else
    for (size_t i = 0; i < MF_FEATURE_COUNT; ++i) {
        model_input[i] = mf_quantize_feature(features[i]);
    }
    if (mf_impulse_invoke(model_input, model_output) != 0) {
        return MF_ERR_MODEL;
    }
    // Dequantize as the platform does: (q - zero point) * scale in float32. The scores of a
    // classifier, or the one predicted value of a regression model (trained on the targets as
    // they are, so no further scaling).
#if MF_OBJECT_DETECTION
    detect_objects(result);
#else
    for (size_t i = 0; i < MF_LABEL_COUNT; ++i) {
        result->classification[i].label = mf_labels[i];
        result->classification[i].value =
            (static_cast<float>(model_output[i]) - static_cast<float>(MF_OUTPUT_ZERO_POINT)) *
            MF_OUTPUT_SCALE;
    }
#endif  // MF_OBJECT_DETECTION
#endif  // MF_MODEL_FLOAT32
    set_value(result);
    result->timing.classification_us = static_cast<int32_t>(mf_timer_us() - model_start_us);

    const uint64_t anomaly_start_us = mf_timer_us();
    result->anomaly = mf_impulse_anomaly(features);
    result->anomalous = MF_HAS_ANOMALY && result->anomaly > MF_ANOMALY_THRESHOLD;
    result->timing.anomaly_us = static_cast<int32_t>(mf_timer_us() - anomaly_start_us);

    if (debug) {
        mf_printf("DSP %ld us, classification %ld us\n", static_cast<long>(result->timing.dsp_us),
                  static_cast<long>(result->timing.classification_us));
        for (size_t i = 0; i < MF_LABEL_COUNT; ++i) {
            mf_printf("  %s: %.5f\n", result->classification[i].label,
                      static_cast<double>(result->classification[i].value));
        }
    }
    return MF_OK;
}

}  // namespace

extern "C" int mf_signal_from_buffer(const float *buffer, size_t length, mf_signal_t *signal) {
    if (buffer == 0 || signal == 0) {
        return MF_ERR_NULL;
    }
    signal->total_length = length;
    signal->get_data = buffer_get_data;
    signal->context = const_cast<float *>(buffer);
    return MF_OK;
}

extern "C" int mf_run_classifier(mf_signal_t *signal, mf_result_t *result, bool debug) {
    if (signal == 0 || result == 0 || signal->get_data == 0) {
        return MF_ERR_NULL;
    }
    if (signal->total_length != MF_RAW_FRAME_SIZE) {
        return MF_ERR_SIGNAL_LENGTH;
    }
    stream_features_valid = false;
#if MF_IMAGE_INPUT
    return classify_window(0, signal, result, debug);
#else
    if (signal->get_data(signal->context, 0, MF_RAW_FRAME_SIZE, raw_window) != 0) {
        return MF_ERR_SIGNAL_READ;
    }
    return classify_window(raw_window, 0, result, debug);
#endif
}

extern "C" void mf_run_classifier_init(void) {
    memset(stream_window, 0, sizeof(stream_window));
    memset(score_history, 0, sizeof(score_history));
    stream_features_valid = false;
    score_history_next = 0;
    score_history_count = 0;
}

extern "C" int mf_run_classifier_continuous(mf_signal_t *signal, mf_result_t *result, bool debug) {
    if (signal == 0 || result == 0 || signal->get_data == 0) {
        return MF_ERR_NULL;
    }
    if (signal->total_length != MF_SLICE_FRAME_SIZE) {
        return MF_ERR_SIGNAL_LENGTH;
    }
    // Slide the window by one slice and append the new one at its end.
    memmove(stream_window, stream_window + MF_SLICE_FRAME_SIZE,
            (MF_RAW_FRAME_SIZE - MF_SLICE_FRAME_SIZE) * sizeof(float));
    float *slice = stream_window + (MF_RAW_FRAME_SIZE - MF_SLICE_FRAME_SIZE);
    if (signal->get_data(signal->context, 0, MF_SLICE_FRAME_SIZE, slice) != 0) {
        return MF_ERR_SIGNAL_READ;
    }
    // The first window after init (or after mf_run_classifier) is computed whole; later ones
    // reuse the frames the previous window shares with it.
    const int status = classify_window(stream_window, 0, result, false,
                                       stream_features_valid ? MF_SLICE_SAMPLE_COUNT : 0);
    stream_features_valid = status == MF_OK;
    if (status != MF_OK) {
        return status;
    }
    for (size_t i = 0; i < MF_LABEL_COUNT; ++i) {
        score_history[score_history_next][i] = result->classification[i].value;
    }
    score_history_next = (score_history_next + 1) % MF_SLICES_PER_WINDOW;
    if (score_history_count < MF_SLICES_PER_WINDOW) {
        ++score_history_count;
    }
    for (size_t i = 0; i < MF_LABEL_COUNT; ++i) {
        float sum = 0.0f;
        for (size_t k = 0; k < score_history_count; ++k) {
            sum += score_history[k][i];
        }
        result->classification[i].value = sum / static_cast<float>(score_history_count);
    }
    set_value(result);
    if (debug) {
        for (size_t i = 0; i < MF_LABEL_COUNT; ++i) {
            mf_printf("  %s: %.5f (average of %u windows)\n", result->classification[i].label,
                      static_cast<double>(result->classification[i].value),
                      static_cast<unsigned>(score_history_count));
        }
    }
    return MF_OK;
}

extern "C" const float *mf_last_features(void) { return features; }
