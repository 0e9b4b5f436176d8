// Test driver of image impulses: `host_classify_frame FORMAT` reads frame buffers in pixel format
// FORMAT (an mf_pixel_format_t number; mf_frame_bytes(FORMAT) bytes each) from stdin until EOF
// and writes, for each, the scores (MF_LABEL_COUNT float32) and the features.
#include <stdio.h>
#include <stdlib.h>

#include "mf_classifier.h"
#include "mf_image.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: host_classify_frame FORMAT\n");
        return 1;
    }
    const mf_pixel_format_t format = static_cast<mf_pixel_format_t>(atoi(argv[1]));
    static uint8_t pixels[MF_IMAGE_INPUT_WIDTH * MF_IMAGE_INPUT_HEIGHT * 3];
    const size_t frame_bytes = mf_frame_bytes(format);
    const mf_frame_t frame = {pixels, format};
    mf_signal_t signal;
    if (frame_bytes == 0 || mf_signal_from_frame(&frame, &signal) != MF_OK) {
        fprintf(stderr, "unknown pixel format %d\n", static_cast<int>(format));
        return 1;
    }
    mf_result_t result;
    while (fread(pixels, 1, frame_bytes, stdin) == frame_bytes) {
        const int err = mf_run_classifier(&signal, &result, false);
        if (err != MF_OK) {
            fprintf(stderr, "mf_run_classifier: %d\n", err);
            return 2;
        }
        for (int i = 0; i < MF_LABEL_COUNT; ++i) {
            fwrite(&result.classification[i].value, sizeof(float), 1, stdout);
        }
        fwrite(mf_last_features(), sizeof(float), MF_FEATURE_COUNT, stdout);
    }
    return 0;
}
