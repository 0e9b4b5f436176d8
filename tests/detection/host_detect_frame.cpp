// Test driver of object-detection SDKs: reads RGB888 frames (MF_IMAGE_INPUT_WIDTH x
// MF_IMAGE_INPUT_HEIGHT x 3 bytes each) from stdin until EOF and writes, for each, a line with the
// object count, then one line per object: label, x, y, width, height, value.
#include <stdio.h>

#include "mf_classifier.h"
#include "mf_image.h"

int main() {
    static uint8_t pixels[MF_IMAGE_INPUT_WIDTH * MF_IMAGE_INPUT_HEIGHT * 3];
    const mf_frame_t frame = {pixels, MF_PIXEL_RGB888};
    mf_signal_t signal;
    if (mf_signal_from_frame(&frame, &signal) != MF_OK) {
        return 1;
    }
    mf_result_t result;
    while (fread(pixels, 1, sizeof pixels, stdin) == sizeof pixels) {
        const int err = mf_run_classifier(&signal, &result, false);
        if (err != MF_OK) {
            fprintf(stderr, "mf_run_classifier: %d\n", err);
            return 2;
        }
        printf("%u\n", static_cast<unsigned>(result.bounding_boxes_count));
        for (size_t i = 0; i < result.bounding_boxes_count; ++i) {
            const mf_bounding_box_t &box = result.bounding_boxes[i];
            printf("%s %u %u %u %u %.9g\n", box.label, static_cast<unsigned>(box.x),
                   static_cast<unsigned>(box.y), static_cast<unsigned>(box.width),
                   static_cast<unsigned>(box.height), static_cast<double>(box.value));
        }
    }
    return 0;
}
