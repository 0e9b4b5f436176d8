/* The classifier API of an mcuforge SDK: raw signal in, labels with scores out (or, for a
 * regression impulse, the predicted value).
 *
 *     mf_signal_t signal;
 *     mf_signal_from_buffer(raw, MF_RAW_FRAME_SIZE, &signal);
 *     mf_result_t result;
 *     int err = mf_run_classifier(&signal, &result, false);
 *     // classifier: result.classification[i].label / .value
 *     // regression (MF_IS_REGRESSION): result.value
 */
#ifndef MF_CLASSIFIER_H
#define MF_CLASSIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model-parameters/model_metadata.h"
#include "mf_detection.h"
#include "mf_porting.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    MF_OK = 0,
    MF_ERR_SIGNAL_LENGTH = -1, /* the signal is not MF_RAW_FRAME_SIZE (or one slice) long */
    MF_ERR_SIGNAL_READ = -2,   /* get_data returned nonzero */
    MF_ERR_DSP = -3,           /* the DSP block refused the window */
    MF_ERR_MODEL = -4,         /* the model's invoke failed */
    MF_ERR_NULL = -5           /* a null pointer was passed */
};

/* Where the classifier reads raw data from: total_length floats (samples x axes, interleaved),
 * fetched in pieces by get_data so the data need not sit in RAM as floats. */
typedef struct mf_signal {
    size_t total_length;
    int (*get_data)(void *context, size_t offset, size_t length, float *out);
    void *context;
} mf_signal_t;

typedef struct {
    const char *label;
    float value;
} mf_classification_t;

typedef struct {
    int32_t dsp_us;
    int32_t classification_us;
    int32_t anomaly_us;
} mf_timing_t;

typedef struct {
    /* Classifier: one score per label. Regression: one entry, label "value", holding `value`. */
    mf_classification_t classification[MF_LABEL_COUNT];
    float value;     /* regression (MF_IS_REGRESSION): the predicted value; 0 for a classifier */
    float anomaly;   /* anomaly score (0 when the impulse has no anomaly block) */
    bool anomalous;  /* anomaly > MF_ANOMALY_THRESHOLD (false without an anomaly block) */
#if MF_OBJECT_DETECTION
    /* The objects found (MF_OBJECT_DETECTION): the first bounding_boxes_count entries. */
    mf_bounding_box_t bounding_boxes[MF_MAX_OBJECTS];
    size_t bounding_boxes_count;
#endif
    mf_timing_t timing;
} mf_result_t;

/* A signal over a float buffer of `length` values; the buffer must outlive the signal. */
int mf_signal_from_buffer(const float *buffer, size_t length, mf_signal_t *signal);

/* Classifies one window (MF_RAW_FRAME_SIZE floats), or predicts its value for a regression
 * impulse. Returns MF_OK or an MF_ERR_ code. */
int mf_run_classifier(mf_signal_t *signal, mf_result_t *result, bool debug);

/* Streams: call with one slice (MF_SLICE_FRAME_SIZE floats) at a time; classifies the last
 * window and reports the moving average of the scores (or values) of the last
 * MF_SLICES_PER_WINDOW windows. */
int mf_run_classifier_continuous(mf_signal_t *signal, mf_result_t *result, bool debug);

/* Clears the stream state of mf_run_classifier_continuous (window history and averages). */
void mf_run_classifier_init(void);

/* One feature as the model's int8 input: round(value / scale + zero point), halves to even,
 * clamped to -128..127, in float32, as the platform's int8 pipeline quantizes. Only in
 * libraries of int8 models: a float32 model takes the features as they are. */
int8_t mf_quantize_feature(float value);

/* The features of the last window, MF_FEATURE_COUNT floats (for checks against the platform). */
const float *mf_last_features(void);

#ifdef __cplusplus
}
#endif

#endif /* MF_CLASSIFIER_H */
