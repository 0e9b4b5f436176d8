// mcuforge runtime: the fast path's requantization of one accumulator, the bytes of
// multiply_by_quantized_multiplier in five Cortex-M4 instructions when the shift is to the right.
//
// Why it is exact. Let r = -shift >= 1, M = multiplier >= 0, P = x * M (|P| < 2^62). The
// reference computes h = floor((P + 2^30) / 2^31) (see multiply_by_nonnegative_quantized_
// multiplier) and then rounding_divide_by_pot(h, r) = floor((h + 2^(r-1) - [h < 0]) / 2^r):
// for h >= 0 it adds 1 when the remainder is >= 2^(r-1), for h < 0 when it is > 2^(r-1).
// An integer added to a floor moves inside it (floor(a / b) + k = floor((a + k b) / b)), and
// floor(floor(a / b) / c) = floor(a / (b c)), so
//   result = floor((P + K) / 2^(31 + r)),  K = 2^30 + 2^(30 + r) - 2^31 [h < 0].
// [h < 0] may be replaced by [x < 0]: x >= 0 gives P >= 0 and h >= 0; x < 0 gives P <= 0, so
// h <= 0, and where h = 0 both values of K give 0 (P + 2^30 lies in [0, 2^31), so P + K lies in
// [2^(30+r) - 2^31, 2^(30+r)) with either K, inside [0, 2^(31+r)) as r >= 1).
// P + K fits in int64 (|K| < 2^62 for r <= 31), and dividing by 2^(31+r) >= 2^32 is taking the
// high word and shifting it arithmetically right by r - 1. On Cortex-M4: the high:low pair
// starts at K (SUBS/SBC take 2^31 off for a negative x), SMLAL adds x * M, ASR finishes.
#ifndef MF_REQUANTIZE_FAST_H
#define MF_REQUANTIZE_FAST_H

#include <stdint.h>

#include "mf/fixed_point.h"
#include "mf/simd.h"

namespace mf {
namespace fast {

// One output channel's requantization constants; right_only is false for shifts >= 0, which
// take the reference's arithmetic.
struct ChannelRequantizer {
  int32_t multiplier;
  int32_t shift;
  uint32_t round_low;   // K for x >= 0, low word
  int32_t round_high;   // and high word
  int32_t high_shift;   // r - 1
  bool right_only;
};

// multiplier >= 0 (TFLite derives [2^30, 2^31) or 0); shift in [-31, 30].
MF_ALWAYS_INLINE ChannelRequantizer channel_requantizer(int32_t multiplier, int32_t shift) {
  ChannelRequantizer q;
  q.multiplier = multiplier;
  q.shift = shift;
  q.right_only = shift < 0;
  const int32_t r = shift < 0 ? -shift : 1;
  // K = 2^30 + 2^(30+r): for r = 1 the low word is 0xC0000000 and the high word 0; for r >= 2
  // the low word is 2^30 and the high word 2^(r-2).
  q.round_low = 0x40000000u + ((static_cast<uint32_t>(1) << r) << 30);
  q.round_high = static_cast<int32_t>((static_cast<uint32_t>(1) << r) >> 2);
  q.high_shift = r - 1;
  return q;
}

// multiply_by_quantized_multiplier(x, multiplier, shift) for a right shift (see the top).
MF_ALWAYS_INLINE int32_t multiply_right_shift(const ChannelRequantizer& q, int32_t x) {
#if MF_SIMD_ACLE
  uint32_t low;
  int32_t high, sign;
  __asm__(
      "and %[sign], %[x], #0x80000000\n\t"
      "subs %[low], %[round_low], %[sign]\n\t"
      "sbc %[high], %[round_high], #0\n\t"
      "smlal %[low], %[high], %[x], %[multiplier]\n\t"
      "asr %[high], %[high], %[high_shift]\n\t"
      : [low] "=&r"(low), [high] "=&r"(high), [sign] "=&r"(sign)
      : [x] "r"(x), [multiplier] "r"(q.multiplier), [round_low] "r"(q.round_low),
        [round_high] "r"(q.round_high), [high_shift] "r"(q.high_shift)
      : "cc");
  return high;
#else
  const int64_t round = static_cast<int64_t>((static_cast<uint64_t>(
                            static_cast<uint32_t>(q.round_high)) << 32) | q.round_low) -
                        (x < 0 ? (static_cast<int64_t>(1) << 31) : 0);
  const int64_t sum = static_cast<int64_t>(x) * q.multiplier + round;
  return static_cast<int32_t>(sum >> 32) >> q.high_shift;
#endif
}

MF_ALWAYS_INLINE int32_t multiply(const ChannelRequantizer& q, int32_t x) {
  return q.right_only ? multiply_right_shift(q, x)
                      : multiply_by_nonnegative_quantized_multiplier(x, q.multiplier, q.shift);
}

// Multiplier, output offset and activation clamp of an accumulator that holds the bias.
MF_ALWAYS_INLINE int8_t requantize(const ChannelRequantizer& q, int32_t acc,
                                   int32_t output_offset, int32_t activation_min,
                                   int32_t activation_max) {
  return static_cast<int8_t>(
      clamp_i32(multiply(q, acc) + output_offset, activation_min, activation_max));
}

}  // namespace fast
}  // namespace mf

#endif  // MF_REQUANTIZE_FAST_H
