// Test driver of the SDK's FOMO decoding: `host_detect ROWS COLUMNS LABELS THRESHOLD MAX KIND
// [SCALE ZERO]` reads output maps (ROWS x COLUMNS x (LABELS + 1) values; KIND "float": float32,
// "int8": int8 dequantized with SCALE and ZERO) from stdin until EOF and writes, for each, a line
// with the object count, then one line per object: label index, x, y, width, height, value.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mf_detection.h"

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: host_detect ROWS COLUMNS LABELS THRESHOLD MAX KIND [SCALE ZERO]\n");
        return 1;
    }
    mf_detection_params_t params;
    params.rows = static_cast<uint16_t>(atoi(argv[1]));
    params.columns = static_cast<uint16_t>(atoi(argv[2]));
    params.label_count = static_cast<uint16_t>(atoi(argv[3]));
    params.cell_width = 8;
    params.cell_height = 8;
    params.threshold = strtof(argv[4], NULL);
    const size_t max_objects = static_cast<size_t>(atoi(argv[5]));
    const bool int8 = strcmp(argv[6], "int8") == 0;
    const float scale = argc > 7 ? strtof(argv[7], NULL) : 1.0f;
    const int32_t zero = argc > 8 ? atoi(argv[8]) : 0;

    static const char *names[64];
    static char storage[64][4];
    for (int i = 0; i < 64; ++i) {
        snprintf(storage[i], sizeof storage[i], "%d", i);
        names[i] = storage[i];
    }
    const size_t cells = static_cast<size_t>(params.rows) * params.columns;
    const size_t values = cells * (params.label_count + 1u);
    static float floats[1 << 16];
    static int8_t quantized[1 << 16];
    static uint8_t taken[1 << 14];
    static uint16_t pending[1 << 14];
    static mf_bounding_box_t objects[256];
    if (values > (1u << 16) || cells > (1u << 14) || max_objects > 256 || params.label_count > 63) {
        fprintf(stderr, "map too large for the driver\n");
        return 1;
    }
    for (;;) {
        size_t count;
        if (int8) {
            if (fread(quantized, 1, values, stdin) != values) break;
            count = mf_decode_objects_int8(quantized, scale, zero, &params, names, taken, pending,
                                           objects, max_objects);
        } else {
            if (fread(floats, sizeof(float), values, stdin) != values) break;
            count = mf_decode_objects(floats, &params, names, taken, pending, objects,
                                      max_objects);
        }
        printf("%u\n", static_cast<unsigned>(count));
        for (size_t i = 0; i < count; ++i) {
            printf("%s %u %u %u %u %.9g\n", objects[i].label, objects[i].x, objects[i].y,
                   objects[i].width, objects[i].height, objects[i].value);
        }
    }
    return 0;
}
