// mcuforge runtime: int8 activation functions as TFLite Micro computes them: RELU (requantizing),
// RELU6 (a clamp in the input's scale), RELU_N1_TO_1, LEAKY_RELU, LOGISTIC and TANH.
#ifndef MF_ACTIVATIONS_H
#define MF_ACTIVATIONS_H

#include <stdint.h>

#include "mf/fixed_point.h"
#include "mf/fixed_point_math.h"

namespace mf {

// RELU and RELU_N1_TO_1: requantize to the output scale, then clamp to the activation range.
struct ReluParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t activation_min;
  int32_t activation_max;
  int32_t size;
};

inline void relu(const ReluParams& p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t value = multiply_by_quantized_multiplier(
        static_cast<int32_t>(input[i]) - p.input_zero_point, p.output_multiplier,
        p.output_shift) + p.output_zero_point;
    output[i] = static_cast<int8_t>(clamp_i32(value, p.activation_min, p.activation_max));
  }
}

// RELU6 in TFLite Micro clamps the stored values between the input's quantized 0 and 6
// without requantizing (the output is expected to share the input's quantization).
struct ClampParams {
  int32_t lower;
  int32_t upper;
  int32_t size;
};

inline void clamp(const ClampParams& p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    output[i] = static_cast<int8_t>(clamp_i32(input[i], p.lower, p.upper));
  }
}

struct LeakyReluParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier_identity;  // input scale / output scale, for x >= 0
  int32_t shift_identity;
  int32_t multiplier_alpha;  // alpha * input scale / output scale, for x < 0
  int32_t shift_alpha;
  int32_t size;
};

inline void leaky_relu(const LeakyReluParams& p, const int8_t* input, int8_t* output) {
  const bool alpha_negative = p.multiplier_alpha < 0;
  const int32_t alpha_magnitude = alpha_negative ? -p.multiplier_alpha : p.multiplier_alpha;
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t value = static_cast<int32_t>(input[i]) - p.input_zero_point;
    int32_t result = p.output_zero_point;
    if (value >= 0) {
      result += multiply_by_quantized_multiplier(value, p.multiplier_identity, p.shift_identity);
    } else {
      const int32_t scaled = multiply_by_quantized_multiplier(value, alpha_magnitude,
                                                              p.shift_alpha);
      result += alpha_negative ? -scaled : scaled;
    }
    output[i] = static_cast<int8_t>(clamp_i32(result, -128, 127));
  }
}

// LOGISTIC and TANH: the input is brought to Q4.27, the function evaluated in fixed point.
struct SigmoidParams {
  int32_t input_zero_point;
  int32_t input_range_radius;  // |x| at or beyond this saturates the output
  int32_t input_multiplier;
  int32_t input_left_shift;
  int32_t size;
};

inline void logistic(const SigmoidParams& p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t value = static_cast<int32_t>(input[i]) - p.input_zero_point;
    if (value <= -p.input_range_radius) {
      output[i] = -128;
    } else if (value >= p.input_range_radius) {
      output[i] = 127;
    } else {
      const int32_t value_q4 =
          multiply_by_quantized_multiplier(value, p.input_multiplier, p.input_left_shift);
      const int32_t result_q0 = logistic(value_q4, 4);
      // Output scale 1/256, zero point -128.
      const int32_t result = rounding_divide_by_pot(result_q0, 31 - 8) - 128;
      output[i] = static_cast<int8_t>(clamp_i32(result, -128, 127));
    }
  }
}

inline void tanh(const SigmoidParams& p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t value = static_cast<int32_t>(input[i]) - p.input_zero_point;
    if (value <= -p.input_range_radius) {
      output[i] = -128;
    } else if (value >= p.input_range_radius) {
      output[i] = 127;
    } else {
      const int32_t value_q4 =
          multiply_by_quantized_multiplier(value, p.input_multiplier, p.input_left_shift);
      // Output scale 1/128, zero point 0.
      const int32_t result = rounding_divide_by_pot(tanh(value_q4, 4), 31 - 7);
      output[i] = static_cast<int8_t>(clamp_i32(result, -128, 127));
    }
  }
}

// HARD_SWISH: x * relu6(x + 3) / 6 in 16-bit fixed point (TFLite's reference HardSwish).
// The input is lifted to a 2^7 finer scale; "reluish" is relu6(x + 3) / 6 mapped to [0, 1]
// in Q0.15; the product uses a non-rounding doubling high multiply, as TFLite does, to cancel
// the bias of the rounding one.
struct HardSwishParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t reluish_multiplier;  // Q0.15
  int32_t reluish_exponent;
  int32_t output_multiplier;  // Q0.15
  int32_t output_exponent;
  int32_t size;
};

inline int16_t saturating_rounding_doubling_high_mul_16(int16_t a, int16_t b) {
  if (a == b && a == -32768) return 32767;
  const int32_t product = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  const int32_t nudge = product >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((product + nudge) / (1 << 15));
}

inline int16_t saturating_doubling_high_mul_16(int16_t a, int16_t b) {
  if (a == b && a == -32768) return 32767;
  return static_cast<int16_t>((static_cast<int32_t>(a) * static_cast<int32_t>(b)) / (1 << 15));
}

inline int16_t saturating_left_shift_16(int16_t value, int amount) {
  return static_cast<int16_t>(clamp_i32(static_cast<int32_t>(value) * (1 << amount), -32768,
                                        32767));
}

inline void hard_swish(const HardSwishParams& p, const int8_t* input, int8_t* output) {
  const int16_t reluish_multiplier = static_cast<int16_t>(p.reluish_multiplier);
  const int16_t output_multiplier = static_cast<int16_t>(p.output_multiplier);
  for (int32_t i = 0; i < p.size; ++i) {
    const int16_t value = static_cast<int16_t>(input[i] - p.input_zero_point);
    const int16_t value_hires = static_cast<int16_t>(value * (1 << 7));
    const int16_t value_preshift_output =
        saturating_rounding_doubling_high_mul_16(value_hires, output_multiplier);
    int16_t reluish = value_hires;
    if (p.reluish_exponent > 0) {
      reluish = saturating_left_shift_16(reluish, p.reluish_exponent - 1);
    }
    reluish = saturating_rounding_doubling_high_mul_16(reluish, reluish_multiplier);
    if (p.reluish_exponent > 0) reluish = saturating_left_shift_16(reluish, 1);
    if (p.reluish_exponent < 0) {
      reluish = static_cast<int16_t>(rounding_divide_by_pot(reluish, -p.reluish_exponent));
    }
    reluish = static_cast<int16_t>((reluish + (1 << 15)) >> 1);  // [-1, 1] -> [0, 1]
    const int16_t preshift_output = saturating_doubling_high_mul_16(reluish, value_preshift_output);
    const int32_t result =
        rounding_divide_by_pot(preshift_output, -p.output_exponent) + p.output_zero_point;
    output[i] = static_cast<int8_t>(clamp_i32(result, -128, 127));
  }
}

}  // namespace mf

#endif  // MF_ACTIVATIONS_H
