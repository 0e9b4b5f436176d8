// Test harness: reads whole inputs of MF_MODEL_INPUT_BYTES from stdin, runs the generated
// model on each, and writes each output's MF_MODEL_OUTPUT_BYTES to stdout.
#include <stdio.h>

#include "mf_model.h"

int main() {
  static unsigned char input[MF_MODEL_INPUT_BYTES];
  static unsigned char output[MF_MODEL_OUTPUT_BYTES];
  while (fread(input, 1, sizeof(input), stdin) == sizeof(input)) {
    if (mf_model_invoke(input, output) != 0) return 2;
    if (fwrite(output, 1, sizeof(output), stdout) != sizeof(output)) return 3;
  }
  return 0;
}
