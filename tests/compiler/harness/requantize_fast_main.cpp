// Checks the fast path's requantization (mf/requantize_fast.h) against the reference
// multiply_by_quantized_multiplier plus the output offset, over edge-case accumulators,
// multipliers, both ends of the output offset's range and every shift: the kernel-computed
// constants for every shift, and the compiler's table words (multiply_folded, one and four
// accumulators at a time) for the right shifts that fold;
// prints each mismatch (at most 20), "checked N mismatches M", then "done". Runs on the host
// and on Cortex-M4 in QEMU (semihosting, no printf), where the inline-assembly path is taken.
#include <stdint.h>

#include "mf/requantize_fast.h"

#if defined(__arm__)
namespace {
void print_text(const char* text) {
  register int r0 __asm__("r0") = 0x04;  // SYS_WRITE0
  register const char* r1 __asm__("r1") = text;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}
}  // namespace

// Called by the estimator's startup code with main's result (SYS_EXIT).
extern "C" void mf_semihost_exit(int success) {
  register int r0 __asm__("r0") = 0x18;
  register uint32_t r1 __asm__("r1") = success ? 0x20026u : 0x20023u;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}
#else
#include <stdio.h>
namespace {
void print_text(const char* text) { fputs(text, stdout); }
}  // namespace
#endif

namespace {

// " <value>" in decimal.
void print_number(int64_t value) {
  char text[24];
  int32_t at = 23;
  text[at] = '\0';
  const bool negative = value < 0;
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  do {
    text[--at] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (negative) text[--at] = '-';
  text[--at] = ' ';
  print_text(text + at);
}

uint32_t lcg_state = 12345u;
int32_t next_random() {
  lcg_state = lcg_state * 1664525u + 1013904223u;
  return static_cast<int32_t>(lcg_state);
}

}  // namespace

int main() {
  // Accumulators: both int32 ends, the 2^30 and 2^31 boundaries the doubling and the rounding
  // constants meet, small values around 0 and halves of powers of two, and random words.
  int32_t xs[400];
  int32_t count = 0;
  const int32_t edges[] = {mf::kInt32Min, mf::kInt32Min + 1, mf::kInt32Max, mf::kInt32Max - 1,
                           -(1 << 30) - 1, -(1 << 30), -(1 << 30) + 1, (1 << 30) - 1, 1 << 30,
                           (1 << 30) + 1, -2, -1, 0, 1, 2, 3, -3, 127, -128, 255, -255};
  for (int32_t e : edges) xs[count++] = e;
  for (int32_t bit = 0; bit < 31; ++bit) {
    xs[count++] = static_cast<int32_t>(1u << bit);
    xs[count++] = -static_cast<int32_t>(1u << bit);
    xs[count++] = static_cast<int32_t>((1u << bit) + (1u << bit) / 2);
    xs[count++] = -static_cast<int32_t>((1u << bit) + (1u << bit) / 2);
  }
  while (count < 400) xs[count++] = next_random() >> (next_random() & 31);
  const int32_t multipliers[] = {0, 1 << 30, (1 << 30) + 1, 1518500250, mf::kInt32Max - 1,
                                 mf::kInt32Max, 1234567891, 1 << 29, 3, 1};
  const int32_t offsets[] = {-128, 0, 127};
  int64_t checked = 0, mismatches = 0;
  for (int32_t shift = -31; shift <= 30; ++shift) {
    for (int32_t multiplier : multipliers) {
      for (int32_t offset : offsets) {
        const mf::fast::ChannelRequantizer q =
            mf::fast::channel_requantizer(multiplier, shift, offset);
        const int32_t words[4] = {q.multiplier, q.round_low, q.round_high, q.high_shift};
        const bool folds = q.high_shift >= 0;
        int32_t four[4];
        for (int32_t i = 0; i < count; ++i) {
          const int32_t x = xs[i];
          // Unsigned: the reference's result plus the offset, wrapping as the fast path's sum does
          // (only where the reference's result is within 128 of the int32 ends).
          const int32_t want = static_cast<int32_t>(
              static_cast<uint32_t>(mf::multiply_by_quantized_multiplier(x, multiplier, shift)) +
              static_cast<uint32_t>(offset));
          int32_t got = mf::fast::multiply_add_offset(q, x, offset);
          if (folds) {
            // Any disagreement of the table paths shows as a wrong `got`.
            if (mf::fast::multiply_folded(words, x) != got) got = ~want;
            four[i % 4] = x;
            if (i % 4 == 3) {
              int32_t results[4] = {four[0], four[1], four[2], four[3]};
              mf::fast::multiply_folded_four(words, &results[0], &results[1], &results[2],
                                             &results[3]);
              for (int32_t k = 0; k < 4; ++k) {
                if (results[k] != mf::fast::multiply_add_offset(q, four[k], offset)) got = ~want;
              }
            }
          }
          ++checked;
          if (got != want) {
            ++mismatches;
            if (mismatches <= 20) {
              print_text("x");
              print_number(x);
              print_text(" multiplier");
              print_number(multiplier);
              print_text(" offset");
              print_number(offset);
              print_text(" shift");
              print_number(shift);
              print_text(" want");
              print_number(want);
              print_text(" got");
              print_number(got);
              print_text("\n");
            }
          }
        }
      }
    }
  }
  print_text("checked");
  print_number(checked);
  print_text(" mismatches");
  print_number(mismatches);
  print_text("\ndone\n");
  return 0;
}
