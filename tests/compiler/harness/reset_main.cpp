// Test harness for models that keep state: reads records of one control byte and one input of
// MF_MODEL_INPUT_BYTES from stdin; a control byte of 1 calls mf_model_reset() before the
// inference. Writes each output's MF_MODEL_OUTPUT_BYTES to stdout.
#include <stdio.h>

#include "mf_model.h"

int main() {
  static unsigned char input[MF_MODEL_INPUT_BYTES];
  static unsigned char output[MF_MODEL_OUTPUT_BYTES];
  int control;
  while ((control = fgetc(stdin)) != EOF) {
    if (fread(input, 1, sizeof(input), stdin) != sizeof(input)) return 1;
    if (control == 1) mf_model_reset();
    if (mf_model_invoke(input, output) != 0) return 2;
    if (fwrite(output, 1, sizeof(output), stdout) != sizeof(output)) return 3;
  }
  return 0;
}
