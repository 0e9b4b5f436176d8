// mcuforge runtime: integer requantization primitives shared by every int8 kernel.
// The arithmetic is TFLite's kernels/internal/common.h (TFLITE_SINGLE_ROUNDING unset, as in
// TFLite and TFLite Micro builds), so results match the interpreters bit for bit.
#ifndef MF_FIXED_POINT_H
#define MF_FIXED_POINT_H

#include <stdint.h>

// Forces inlining where a kernel's inner loop calls a small helper (gcc at -Os would call it).
#if defined(__GNUC__)
#define MF_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define MF_ALWAYS_INLINE inline
#endif

namespace mf {

static const int32_t kInt32Min = -2147483647 - 1;
static const int32_t kInt32Max = 2147483647;

MF_ALWAYS_INLINE int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
MF_ALWAYS_INLINE int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
MF_ALWAYS_INLINE int32_t clamp_i32(int32_t x, int32_t lo, int32_t hi) {
  return min_i32(max_i32(x, lo), hi);
}

// High 32 bits of 2*a*b, rounded to nearest; the one overflowing case saturates.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == kInt32Min && b == kInt32Min) return kInt32Max;
  const int64_t product = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int32_t nudge = product >= 0 ? (1 << 30) : (1 - (1 << 30));
  return static_cast<int32_t>((product + nudge) / (static_cast<int64_t>(1) << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero.
MF_ALWAYS_INLINE int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((static_cast<int64_t>(1) << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * multiplier * 2^(shift-31): the requantization step of every int8 kernel.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  // Shift as unsigned: the same bits TFLite's signed shift yields, without undefined behaviour.
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier),
                                right_shift);
}

// multiply_by_quantized_multiplier for a multiplier >= 0, the only kind TFLite derives (in
// [2^30, 2^31), or 0), in fewer instructions and with the same result: the reference's
// truncating division (product + nudge) / 2^31, nudge = 2^30 or 1 - 2^30 by the product's sign,
// equals floor((product + 2^30) / 2^31) for both signs, i.e. an arithmetic shift; and with
// multiplier >= 0 the one saturating case (both operands INT32_MIN) cannot occur.
MF_ALWAYS_INLINE int32_t multiply_by_nonnegative_quantized_multiplier(int32_t x,
                                                                      int32_t multiplier,
                                                                      int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  const int64_t product = static_cast<int64_t>(shifted) * static_cast<int64_t>(multiplier);
  const int32_t high = static_cast<int32_t>((product + (static_cast<int64_t>(1) << 30)) >> 31);
  return rounding_divide_by_pot(high, right_shift);
}

// The single-rounding variant (one rounding of the 64-bit product, TFLITE_SINGLE_ROUNDING).
// TFLite Micro does not use it; LiteRT's FULLY_CONNECTED does (see fully_connected.h).
inline int32_t multiply_by_quantized_multiplier_single_rounding(int32_t x, int32_t multiplier,
                                                                int shift) {
  const int total_shift = 31 - shift;
  const int64_t round = static_cast<int64_t>(1) << (total_shift - 1);
  return static_cast<int32_t>((static_cast<int64_t>(x) * multiplier + round) >> total_shift);
}

inline int32_t multiply_by_quantized_multiplier_greater_than_one(int32_t x, int32_t multiplier,
                                                                 int left_shift) {
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return saturating_rounding_doubling_high_mul(shifted, multiplier);
}

// x * 2^exponent for exponent > 0, saturating instead of overflowing.
inline int32_t saturating_multiply_by_pot(int32_t x, int exponent) {
  const int32_t threshold = static_cast<int32_t>((static_cast<int64_t>(1) << (31 - exponent)) - 1);
  if (x > threshold) return kInt32Max;
  if (x < -threshold) return kInt32Min;
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// gemmlowp's Rescale: a Q(src).(31-src) value as Q(dst).(31-dst).
inline int32_t rescale(int32_t raw, int src_integer_bits, int dst_integer_bits) {
  const int exponent = src_integer_bits - dst_integer_bits;
  if (exponent > 0) return saturating_multiply_by_pot(raw, exponent);
  if (exponent < 0) return rounding_divide_by_pot(raw, -exponent);
  return raw;
}

}  // namespace mf

#endif  // MF_FIXED_POINT_H
