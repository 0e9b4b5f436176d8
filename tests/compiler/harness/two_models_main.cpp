// Links two compiled models into one program (names model_a and model_b): both must build
// without duplicate symbols and run one after the other. Reads one input for each model from
// stdin (model_a's bytes then model_b's) and writes both outputs.
#include <stdio.h>

#include "model_a.h"
#include "model_b.h"

int main() {
  static unsigned char input_a[MODEL_A_INPUT_BYTES], output_a[MODEL_A_OUTPUT_BYTES];
  static unsigned char input_b[MODEL_B_INPUT_BYTES], output_b[MODEL_B_OUTPUT_BYTES];
  if (fread(input_a, 1, sizeof(input_a), stdin) != sizeof(input_a)) return 1;
  if (fread(input_b, 1, sizeof(input_b), stdin) != sizeof(input_b)) return 1;
  if (model_a_invoke(input_a, output_a) != 0 || model_b_invoke(input_b, output_b) != 0) return 2;
  fwrite(output_a, 1, sizeof(output_a), stdout);
  fwrite(output_b, 1, sizeof(output_b), stdout);
  return 0;
}
