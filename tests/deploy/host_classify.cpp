// Test driver. Without arguments: reads raw windows (MF_RAW_FRAME_SIZE float32 each) from stdin
// until EOF and writes, for each, the scores (MF_LABEL_COUNT float32), the anomaly score, the
// anomalous flag (1.0 or 0.0), the regression value and the features. With "continuous": reads slices (MF_SLICE_FRAME_SIZE float32) and writes the
// averaged scores mf_run_classifier_continuous reports after each.
#include <stdio.h>
#include <string.h>

#include "mf_classifier.h"

int main(int argc, char **argv) {
    static float window[MF_RAW_FRAME_SIZE];
    mf_result_t result;
    mf_signal_t signal;
    if (argc > 1 && strcmp(argv[1], "continuous") == 0) {
        mf_run_classifier_init();
        while (fread(window, sizeof(float), MF_SLICE_FRAME_SIZE, stdin) == MF_SLICE_FRAME_SIZE) {
            mf_signal_from_buffer(window, MF_SLICE_FRAME_SIZE, &signal);
            const int err = mf_run_classifier_continuous(&signal, &result, false);
            if (err != MF_OK) {
                fprintf(stderr, "mf_run_classifier_continuous: %d\n", err);
                return 2;
            }
            for (int i = 0; i < MF_LABEL_COUNT; ++i) {
                fwrite(&result.classification[i].value, sizeof(float), 1, stdout);
            }
        }
        return 0;
    }
    while (fread(window, sizeof(float), MF_RAW_FRAME_SIZE, stdin) == MF_RAW_FRAME_SIZE) {
        mf_signal_from_buffer(window, MF_RAW_FRAME_SIZE, &signal);
        const int err = mf_run_classifier(&signal, &result, false);
        if (err != MF_OK) {
            fprintf(stderr, "mf_run_classifier: %d\n", err);
            return 2;
        }
        for (int i = 0; i < MF_LABEL_COUNT; ++i) {
            fwrite(&result.classification[i].value, sizeof(float), 1, stdout);
        }
        fwrite(&result.anomaly, sizeof(float), 1, stdout);
        const float anomalous = result.anomalous ? 1.0f : 0.0f;
        fwrite(&anomalous, sizeof(float), 1, stdout);
        fwrite(&result.value, sizeof(float), 1, stdout);
        fwrite(mf_last_features(), sizeof(float), MF_FEATURE_COUNT, stdout);
    }
    // A window of the wrong length is refused with MF_ERR_SIGNAL_LENGTH, not read past its end.
    mf_signal_from_buffer(window, MF_RAW_FRAME_SIZE - 1, &signal);
    return mf_run_classifier(&signal, &result, false) == MF_ERR_SIGNAL_LENGTH ? 0 : 3;
}
