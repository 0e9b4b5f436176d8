// Test driver: reads float32 values from stdin until EOF, writes mf_quantize_feature of each.
#include <stdio.h>

#include "mf_classifier.h"

int main() {
    float value;
    while (fread(&value, sizeof(float), 1, stdin) == 1) {
        const int8_t quantized = mf_quantize_feature(value);
        fwrite(&quantized, 1, 1, stdout);
    }
    return 0;
}
