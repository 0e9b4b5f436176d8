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

}  // namespace mf

#endif  // MF_ACTIVATIONS_H
