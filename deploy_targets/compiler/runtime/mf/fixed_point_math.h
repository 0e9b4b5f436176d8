// mcuforge runtime: exp, 1/(1+x), logistic and tanh on raw Q-format int32 values, with
// gemmlowp's algorithms and constants (the ones TFLite's integer softmax, logistic and tanh
// use). A value with I integer bits holds real = raw * 2^(I-31); products of Qa and Qb values
// are Q(a+b). Every function names the formats it takes and returns.
#ifndef MF_FIXED_POINT_MATH_H
#define MF_FIXED_POINT_MATH_H

#include <stdint.h>

#include "mf/fixed_point.h"

namespace mf {

inline int32_t fp_mul(int32_t a, int32_t b) { return saturating_rounding_doubling_high_mul(a, b); }

// (a + b) / 2 rounded half away from zero, without overflow.
inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + static_cast<int64_t>(b);
  const int64_t sign = sum >= 0 ? 1 : -1;
  return static_cast<int32_t>((sum + sign) / 2);
}

// exp(a) for a in [-1/4, 0): Q0 -> Q0. Taylor expansion around -1/8.
inline int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t exp_minus_one_eighth = 1895147668;  // exp(-1/8) in Q0
  const int32_t one_third = 715827883;              // 1/3 in Q0
  const int32_t x = a + (1 << 28);                  // a + 1/8
  const int32_t x2 = fp_mul(x, x);
  const int32_t x3 = fp_mul(x2, x);
  const int32_t x4 = fp_mul(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const int32_t x4_over_24_plus_x3_over_6_plus_x2_over_2 =
      rounding_divide_by_pot(fp_mul(x4_over_4 + x3, one_third) + x2, 1);
  return exp_minus_one_eighth +
         fp_mul(exp_minus_one_eighth, x + x4_over_24_plus_x3_over_6_plus_x2_over_2);
}

// exp(a) for a <= 0: Q(integer_bits) -> Q0. Splits a into a multiple of 1/4 (handled by a
// barrel of exp(-2^k) factors) and a remainder in [-1/4, 0).
inline int32_t exp_on_negative_values(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = static_cast<int32_t>(1) << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
  const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
  // exp(-2^k) in Q0 for k = -2 .. 4.
  static const int32_t kBarrel[7] = {1672461947, 1302514674, 790015084, 290630308,
                                     39332535,   720401,     242};
  for (int k = -2; k <= 4; ++k) {
    if (integer_bits > k) {
      const int shift = fractional_bits + k;
      if (remainder & (static_cast<int32_t>(1) << shift)) result = fp_mul(result, kBarrel[k + 2]);
    }
  }
  if (integer_bits > 5) {
    const int32_t minus_32 = -(static_cast<int32_t>(1) << (36 - integer_bits));
    if (a < minus_32) result = 0;
  }
  if (a == 0) result = kInt32Max;  // exp(0) = 1, the largest Q0 value
  return result;
}

// Newton-Raphson for 1 / (1 + a) / 2 ... returns x in Q2 approximating 1 / half_denominator.
inline int32_t reciprocal_newton_raphson_q2(int32_t half_denominator) {
  const int32_t forty_eight_over_17 = 1515870810;       // Q2
  const int32_t minus_thirty_two_over_17 = -1010580540;  // Q2
  const int32_t one_q2 = 1 << 29;
  int32_t x = forty_eight_over_17 + fp_mul(half_denominator, minus_thirty_two_over_17);
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = fp_mul(half_denominator, x);  // Q2
    const int32_t one_minus = one_q2 - half_denominator_times_x;            // Q2
    x = x + rescale(fp_mul(x, one_minus), 4, 2);
  }
  return x;
}

// 1 / (1 + a) for a in [0, 1]: Q0 -> Q0.
inline int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t half_denominator = rounding_half_sum(a, kInt32Max);
  const int32_t x = reciprocal_newton_raphson_q2(half_denominator);
  // x / 2 read as Q1 (same raw bits), then brought to Q0.
  return rescale(x, 1, 0);
}

// (1 - a) / (1 + a) for a in [0, 1]: Q0 -> Q0.
inline int32_t one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t half_denominator = rounding_half_sum(a, kInt32Max);
  const int32_t x = reciprocal_newton_raphson_q2(half_denominator);
  return rescale(x - (1 << 29), 2, 0);
}

// 1 / (1 + exp(-a)): Q(integer_bits) -> Q0.
inline int32_t logistic(int32_t a, int integer_bits) {
  if (a == 0) return 1 << 30;  // one half
  const int32_t abs_a = a > 0 ? a : -a;
  const int32_t result_if_positive =
      one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-abs_a, integer_bits));
  return a > 0 ? result_if_positive : kInt32Max - result_if_positive;
}

// tanh(a): Q(integer_bits) -> Q0.
inline int32_t tanh(int32_t a, int integer_bits) {
  if (a == 0) return 0;
  const int32_t neg_abs_a = a < 0 ? a : -a;
  // exp(-2|a|): -|a| read with one more integer bit is -2|a|.
  const int32_t t = one_minus_x_over_one_plus_x_for_x_in_0_1(
      exp_on_negative_values(neg_abs_a, integer_bits + 1));
  return a < 0 ? -t : t;
}

}  // namespace mf

#endif  // MF_FIXED_POINT_MATH_H
