// Host runner for a generated library: reads whole inputs from stdin, one after another, runs
// MF_INVOKE on each and writes each output to stdout. Exits 2 if an invoke fails.
// Built with -DMF_HEADER="name.h" -DMF_INVOKE=name_invoke -DMF_INPUT_BYTES=... -DMF_OUTPUT_BYTES=...
#include <stdint.h>
#include <stdio.h>

#include MF_HEADER

int main() {
    static uint8_t input_buffer[MF_INPUT_BYTES];
    static uint8_t output_buffer[MF_OUTPUT_BYTES];
    while (fread(input_buffer, 1, sizeof input_buffer, stdin) == sizeof input_buffer) {
#ifdef MF_PREPARE
        // What the library's caller does to each input first (the DSP estimate's window).
        MF_PREPARE(input_buffer);
#endif
        if (MF_INVOKE(input_buffer, output_buffer) != 0) {
            fprintf(stderr, "invoke returned nonzero\n");
            return 2;
        }
        fwrite(output_buffer, 1, sizeof output_buffer, stdout);
    }
    return 0;
}
