// mcuforge runtime: the fast path's requantization of one accumulator, the bytes of
// multiply_by_quantized_multiplier plus the output offset in five Cortex-M4 instructions when
// the shift is to the right.
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

// One output channel's requantization constants, as the four words per channel of the table
// the compiler emits when every channel folds (ConvParams::output_requantizers;
// quantization.fast_requantizers in Python), or computed by the kernel when there is none.
// With the output offset o folded in, K = 2^30 + 2^(30+r) + o 2^(31+r) (the result moves by
// exactly o; |P + K| < 2^62 + 2^60 + 2^53 < 2^63 needs r <= 22 with |o| <= 128). Channels with
// a shift >= 0 or r > 22 take the reference's arithmetic: high_shift -1, round_high the shift.
struct ChannelRequantizer {
  int32_t multiplier;
  int32_t round_low;   // K for x >= 0, low word (bits)
  int32_t round_high;  // and high word; the shift when high_shift < 0
  int32_t high_shift;  // r - 1, or -1 for the reference's arithmetic
};

const int32_t kMaxFoldedRightShift = 22;

// multiplier >= 0 (TFLite derives [2^30, 2^31) or 0); shift in [-31, 30]; output_offset in
// [-128, 127].
MF_ALWAYS_INLINE ChannelRequantizer channel_requantizer(int32_t multiplier, int32_t shift,
                                                       int32_t output_offset) {
  ChannelRequantizer q;
  q.multiplier = multiplier;
  if (shift >= 0 || -shift > kMaxFoldedRightShift) {
    q.round_low = 0;
    q.round_high = shift;
    q.high_shift = -1;
    return q;
  }
  const int32_t r = -shift;
  const int64_t round = (static_cast<int64_t>(1) << 30) + (static_cast<int64_t>(1) << (30 + r)) +
                        static_cast<int64_t>(output_offset) * (static_cast<int64_t>(1) << (31 + r));
  q.round_low = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(round)));
  q.round_high = static_cast<int32_t>(round >> 32);
  q.high_shift = r - 1;
  return q;
}

// floor((x * multiplier + K) / 2^(31 + r)) for a channel with high_shift >= 0 (see the top).
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
  const uint64_t round_bits = (static_cast<uint64_t>(static_cast<uint32_t>(q.round_high)) << 32) |
                              static_cast<uint32_t>(q.round_low);
  const int64_t round = static_cast<int64_t>(round_bits) -
                        (x < 0 ? (static_cast<int64_t>(1) << 31) : 0);
  const int64_t sum = static_cast<int64_t>(x) * q.multiplier + round;
  return static_cast<int32_t>(sum >> 32) >> q.high_shift;
#endif
}

// multiply_by_quantized_multiplier(x, multiplier, shift) + output_offset.
MF_ALWAYS_INLINE int32_t multiply_add_offset(const ChannelRequantizer& q, int32_t x,
                                             int32_t output_offset) {
  if (q.high_shift >= 0) return multiply_right_shift(q, x);
  return multiply_by_nonnegative_quantized_multiplier(x, q.multiplier, q.round_high) +
         output_offset;
}

// multiply_add_offset for a channel of a table in which every channel folds (the compiler
// emits a table only then): the four words are read inside the sequence, seven instructions.
MF_ALWAYS_INLINE int32_t multiply_folded(const int32_t* words, int32_t x) {
#if MF_SIMD_ACLE
  int32_t multiplier, low, high, high_shift, sign;
  __asm__(
      "ldrd %[multiplier], %[low], [%[words]]\n\t"
      "ldrd %[high], %[high_shift], [%[words], #8]\n\t"
      "and %[sign], %[x], #0x80000000\n\t"
      "subs %[low], %[low], %[sign]\n\t"
      "sbc %[high], %[high], #0\n\t"
      "smlal %[low], %[high], %[x], %[multiplier]\n\t"
      "asr %[high], %[high], %[high_shift]\n\t"
      : [multiplier] "=&r"(multiplier), [low] "=&r"(low), [high] "=&r"(high),
        [high_shift] "=&r"(high_shift), [sign] "=&r"(sign)
      : [x] "r"(x), [words] "r"(words),
        [table] "m"(*reinterpret_cast<const int32_t(*)[4]>(words))
      : "cc");
  return high;
#else
  const ChannelRequantizer q = {words[0], words[1], words[2], words[3]};
  return multiply_right_shift(q, x);
#endif
}

// Multiplier, output offset and activation clamp of an accumulator that holds the bias.
MF_ALWAYS_INLINE int8_t requantize(const ChannelRequantizer& q, int32_t acc,
                                   int32_t output_offset, int32_t activation_min,
                                   int32_t activation_max) {
  return static_cast<int8_t>(
      clamp_i32(multiply_add_offset(q, acc, output_offset), activation_min, activation_max));
}

// multiply_folded of four accumulators of one channel, in place: the words are read once
// (22 instructions for four outputs).
MF_ALWAYS_INLINE void multiply_folded_four(const int32_t* words, int32_t* acc0, int32_t* acc1,
                                           int32_t* acc2, int32_t* acc3) {
#if MF_SIMD_ACLE
  int32_t multiplier, round_low, round_high, high_shift, low, high;
  const int32_t* sign = words;  // the pointer's register holds each sign once the words are in
  __asm__(
      "ldrd %[multiplier], %[round_low], [%[sign]]\n\t"
      "ldrd %[round_high], %[high_shift], [%[sign], #8]\n\t"
      "and %[sign], %[acc0], #0x80000000\n\t"
      "subs %[low], %[round_low], %[sign]\n\t"
      "sbc %[high], %[round_high], #0\n\t"
      "smlal %[low], %[high], %[acc0], %[multiplier]\n\t"
      "asr %[acc0], %[high], %[high_shift]\n\t"
      "and %[sign], %[acc1], #0x80000000\n\t"
      "subs %[low], %[round_low], %[sign]\n\t"
      "sbc %[high], %[round_high], #0\n\t"
      "smlal %[low], %[high], %[acc1], %[multiplier]\n\t"
      "asr %[acc1], %[high], %[high_shift]\n\t"
      "and %[sign], %[acc2], #0x80000000\n\t"
      "subs %[low], %[round_low], %[sign]\n\t"
      "sbc %[high], %[round_high], #0\n\t"
      "smlal %[low], %[high], %[acc2], %[multiplier]\n\t"
      "asr %[acc2], %[high], %[high_shift]\n\t"
      "and %[sign], %[acc3], #0x80000000\n\t"
      "subs %[low], %[round_low], %[sign]\n\t"
      "sbc %[high], %[round_high], #0\n\t"
      "smlal %[low], %[high], %[acc3], %[multiplier]\n\t"
      "asr %[acc3], %[high], %[high_shift]\n\t"
      : [acc0] "+r"(*acc0), [acc1] "+r"(*acc1), [acc2] "+r"(*acc2), [acc3] "+r"(*acc3),
        [sign] "+r"(sign), [multiplier] "=&r"(multiplier), [round_low] "=&r"(round_low),
        [round_high] "=&r"(round_high), [high_shift] "=&r"(high_shift), [low] "=&r"(low),
        [high] "=&r"(high)
      : [table] "m"(*reinterpret_cast<const int32_t(*)[4]>(words))
      : "cc");
#else
  *acc0 = multiply_folded(words, *acc0);
  *acc1 = multiply_folded(words, *acc1);
  *acc2 = multiply_folded(words, *acc2);
  *acc3 = multiply_folded(words, *acc3);
#endif
}

// requantize from a channel's four words in a table where every channel folds. With the
// activation range the whole of int8 (ReLU outputs whose zero point is -128, and no
// activation), the clamp is one SSAT: clamp_i32(x, -128, 127) is what SSAT #8 computes.
template <bool full_int8_range>
MF_ALWAYS_INLINE int8_t requantize_folded(const int32_t* words, int32_t acc,
                                          int32_t activation_min, int32_t activation_max) {
  const int32_t value = multiply_folded(words, acc);
  return static_cast<int8_t>(full_int8_range
                                 ? simd::saturate_s8(value)
                                 : clamp_i32(value, activation_min, activation_max));
}

MF_ALWAYS_INLINE bool is_full_int8_range(int32_t activation_min, int32_t activation_max) {
  return activation_min == -128 && activation_max == 127;
}

// The pair units' requantization (conv_fast.h, conv_channels_pair_units), five instructions
// with the SSAT where multiply_folded's sequence takes six, for accumulators the compiler
// has bounded: |x| < kPairAccumulatorLimit, multiplier M in [2^30, 2^31), r = -shift in
// [1, kMaxFoldedRightShift].
//
// Why it is exact. multiply_folded's result is floor((P + K) / 2^(31+r)) (see the top), the
// same as floor(2 (P + K) / 2^(32+r)). With M2 = 2M - 2^32 (in [-2^31, 0): an int32) and
// C = 2^(r-1) + o 2^r,
//   2 (P + K) = x M2 + 2^31 + (x + C - [x < 0]) 2^32,
// which is what SMMLAR computes with Ra = x + C - [x < 0] = x + C + (x >> 31) before it keeps
// the high word (floor(2 (P + K) / 2^32)); ASR by r finishes. In range: |C| < 2^29 + 2^22, so
// Ra fits an int32; |2 (P + K)| < 2^63, and its high word, about x M / 2^31 + C, fits too.
const int32_t kPairAccumulatorLimit = 1 << 30;

// Four words per channel: M2, C, r and a zero (16 bytes, as the other table, so that the same
// address arithmetic finds a channel's); false where the channel does not qualify.
inline bool pair_requantizer_words(int32_t multiplier, int32_t shift, int32_t output_offset,
                                   int32_t* words) {
  words[0] = words[1] = words[2] = words[3] = 0;
  if (multiplier < (1 << 30) || shift >= 0 || -shift > kMaxFoldedRightShift) return false;
  const int32_t r = -shift;
  words[0] = static_cast<int32_t>(2u * static_cast<uint32_t>(multiplier));
  words[1] = (1 << (r - 1)) + output_offset * (1 << r);
  words[2] = r;
  return true;
}

}  // namespace fast
}  // namespace mf

#endif  // MF_REQUANTIZE_FAST_H
