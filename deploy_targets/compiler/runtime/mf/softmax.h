// mcuforge runtime: SOFTMAX from int8 to int8 or int16 as TFLite Micro computes it
// (reference_ops::Softmax<int8_t, OutputT>): fixed-point exp of (x - max) in Q5.26, a Q12.19
// sum, and a fixed-point reciprocal; the probability in OutputT's width, offset by its minimum.
#ifndef MF_SOFTMAX_H
#define MF_SOFTMAX_H

#include <stdint.h>

#include "mf/fixed_point.h"
#include "mf/fixed_point_math.h"

namespace mf {

struct SoftmaxParams {
  int32_t input_multiplier;  // beta * input scale in Q5.26 terms
  int32_t input_left_shift;
  int32_t diff_min;  // differences below this give exp() == 0 and output -128
  int32_t outer_size;
  int32_t depth;
};

inline int32_t count_leading_zeros(uint32_t x) {
  int32_t count = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++count;
  }
  return count;
}

template <typename OutputT>
inline void softmax(const SoftmaxParams& p, const int8_t* input, OutputT* output) {
  const int kScaledDiffIntegerBits = 5;
  const int kAccumulationIntegerBits = 12;
  const int kOutputBits = 8 * static_cast<int>(sizeof(OutputT));
  const int32_t output_min = -(static_cast<int32_t>(1) << (kOutputBits - 1));
  const int32_t output_max = -output_min - 1;
  for (int32_t row = 0; row < p.outer_size; ++row) {
    const int8_t* in = input + row * p.depth;
    OutputT* out = output + row * p.depth;
    int32_t max_in_row = -128;
    for (int32_t c = 0; c < p.depth; ++c) max_in_row = max_i32(max_in_row, in[c]);

    int32_t sum_of_exps = 0;  // Q12.19
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t diff = static_cast<int32_t>(in[c]) - max_in_row;
      if (diff >= p.diff_min) {
        const int32_t diff_q5 = multiply_by_quantized_multiplier_greater_than_one(
            diff, p.input_multiplier, p.input_left_shift);
        sum_of_exps += rescale(exp_on_negative_values(diff_q5, kScaledDiffIntegerBits), 0,
                               kAccumulationIntegerBits);
      }
    }

    // 1 / sum as a Q0 mantissa and a power of two (num_bits_over_unit).
    const int32_t headroom_plus_one = count_leading_zeros(static_cast<uint32_t>(sum_of_exps));
    const int32_t num_bits_over_unit = kAccumulationIntegerBits - headroom_plus_one;
    const int32_t shifted_sum_minus_one = static_cast<int32_t>(
        (static_cast<uint32_t>(sum_of_exps) << headroom_plus_one) - (static_cast<uint32_t>(1) << 31));
    const int32_t shifted_scale = one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);

    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t diff = static_cast<int32_t>(in[c]) - max_in_row;
      if (diff >= p.diff_min) {
        const int32_t diff_q5 = multiply_by_quantized_multiplier_greater_than_one(
            diff, p.input_multiplier, p.input_left_shift);
        const int32_t exp_q0 = exp_on_negative_values(diff_q5, kScaledDiffIntegerBits);
        const int32_t unsaturated =
            rounding_divide_by_pot(fp_mul(shifted_scale, exp_q0),
                                   num_bits_over_unit + 31 - kOutputBits);
        out[c] = static_cast<OutputT>(clamp_i32(unsaturated + output_min, output_min,
                                                output_max));
      } else {
        out[c] = static_cast<OutputT>(output_min);
      }
    }
  }
}

}  // namespace mf

#endif  // MF_SOFTMAX_H
