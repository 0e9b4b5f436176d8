// Cortex-M test harness (QEMU mps2, semihosting): runs the generated model on each input of
// test_inputs.h (kInputCount x MF_MODEL_INPUT_BYTES, written by the test) and prints each
// output as lines of hex bytes, then "done". The test compares them with the host build.
#include <stdint.h>

#include "mf_model.h"
#include "test_inputs.h"

namespace {

void print_text(const char* text) {
  register int r0 __asm__("r0") = 0x04;  // SYS_WRITE0
  register const char* r1 __asm__("r1") = text;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

// Aligned for a float or int16 output (the M4 faults on unaligned float stores).
alignas(16) uint8_t output[MF_MODEL_OUTPUT_BYTES];

void print_hex(const uint8_t* data, uint32_t count) {
  const uint32_t kBytesPerLine = 32;
  char line[2 * kBytesPerLine + 2];
  for (uint32_t start = 0; start < count; start += kBytesPerLine) {
    uint32_t length = 0;
    for (uint32_t i = start; i < count && i < start + kBytesPerLine; ++i) {
      line[length++] = "0123456789abcdef"[data[i] >> 4];
      line[length++] = "0123456789abcdef"[data[i] & 0xFu];
    }
    line[length++] = '\n';
    line[length] = '\0';
    print_text(line);
  }
}

}  // namespace

// Called by the estimator's startup code with main's result: SYS_EXIT, application exit (0)
// or run-time error.
extern "C" void mf_semihost_exit(int success) {
  register int r0 __asm__("r0") = 0x18;
  register uint32_t r1 __asm__("r1") = success ? 0x20026u : 0x20023u;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

int main() {
  for (uint32_t k = 0; k < kInputCount; ++k) {
    if (mf_model_invoke(kInputs[k], output) != 0) return 1;
    print_hex(output, MF_MODEL_OUTPUT_BYTES);
  }
  print_text("done\n");
  return 0;
}
