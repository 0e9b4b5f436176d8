// mcuforge runtime: int8 SVDF as TFLite Micro computes it (kernels/svdf_common.cc,
// EvalIntegerSvdfReference). The activation state holds the last `memory` feature products of
// every filter ([batch][filter][memory], oldest first); each invocation shifts it left by one,
// writes the new feature products in the last column, then each unit sums its `rank` filters'
// state rows weighted by weights_time, adds its bias and requantizes to int8. TFLite Micro's
// integer kernel applies no fused activation, so neither does this one. The state is int16 or
// int8 (the type of weights_time) and persists between invocations in a static array that the
// library's reset function returns to its zero point. The float32 kernel follows below.
#ifndef MF_SVDF_H
#define MF_SVDF_H

#include <stdint.h>
#include <string.h>

#include "mf/dot_product.h"
#include "mf/fixed_point.h"

namespace mf {

struct SvdfParams {
  int32_t batches;
  int32_t input_size;
  int32_t units;
  int32_t rank;    // filters per unit
  int32_t memory;  // feature products kept per filter
  const int8_t* weights_feature;  // [units * rank][input_size]
  const int32_t* bias;            // [units], or null: no bias
  int32_t input_offset;  // -(input zero point)
  int32_t state_zero_point;
  int32_t output_zero_point;
  // input x weights_feature -> activation state
  int32_t feature_multiplier;
  int32_t feature_shift;
  // activation state x weights_time (+ bias) -> output
  int32_t output_multiplier;
  int32_t output_shift;
};

// T is int16_t or int8_t: the type of weights_time ([units * rank][memory]) and of the state.
template <typename T>
inline void svdf(const SvdfParams& p, const int8_t* input, T* state, const T* weights_time,
                 int8_t* output) {
  const int32_t filters = p.units * p.rank;
  const int32_t state_min = sizeof(T) == 1 ? -128 : -32768;
  const int32_t state_max = sizeof(T) == 1 ? 127 : 32767;
  // The whole state moves one element left; each filter's last element is then overwritten.
  memmove(state, state + 1, static_cast<size_t>(p.batches * filters * p.memory - 1) * sizeof(T));
  for (int32_t b = 0; b < p.batches; ++b) {
    const int8_t* row = input + b * p.input_size;
    T* newest = state + b * filters * p.memory + p.memory - 1;
    for (int32_t f = 0; f < filters; ++f) {
      const int32_t product = clamp_i32(
          multiply_by_quantized_multiplier(
              dot_s8(row, p.weights_feature + f * p.input_size, p.input_size, p.input_offset),
              p.feature_multiplier, p.feature_shift),
          state_min, state_max);
      // The zero point is added after the clamp, without another: as TFLite Micro does, an
      // int8 state wraps when the sum leaves its range.
      newest[f * p.memory] = static_cast<T>(p.state_zero_point + product);
    }
  }
  for (int32_t b = 0; b < p.batches; ++b) {
    const T* history = state + b * filters * p.memory;
    for (int32_t u = 0; u < p.units; ++u) {
      int32_t acc = p.bias ? p.bias[u] : 0;
      for (int32_t f = u * p.rank; f < (u + 1) * p.rank; ++f) {
        const T* weights = weights_time + f * p.memory;
        const T* values = history + f * p.memory;
        for (int32_t m = 0; m < p.memory; ++m) {
          acc += static_cast<int32_t>(weights[m]) *
                 (static_cast<int32_t>(values[m]) - p.state_zero_point);
        }
      }
      const int32_t value = p.output_zero_point +
          multiply_by_quantized_multiplier(acc, p.output_multiplier, p.output_shift);
      output[b * p.units + u] = static_cast<int8_t>(clamp_i32(value, -128, 127));
    }
  }
}

// The float kernel (EvalFloatSvdfReference): the same steps in float, with the state's reset
// value 0, in TFLite Micro's summation order (each filter's time products from 0, then the
// bias plus the unit's filters in turn), then the fused activation.
struct FloatSvdfParams {
  int32_t batches;
  int32_t input_size;
  int32_t units;
  int32_t rank;
  int32_t memory;
  const float* weights_feature;
  const float* bias;  // or null
  int32_t activation;  // 0 none, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6
};

// ActivationValFloat's comparisons, which also decide what a NaN becomes.
inline float svdf_activation_f32(int32_t activation, float x) {
  switch (activation) {
    case 1:
      return 0.0f < x ? x : 0.0f;
    case 2: {
      const float high = 1.0f < x ? 1.0f : x;
      return -1.0f < high ? high : -1.0f;
    }
    case 3: {
      const float high = 6.0f < x ? 6.0f : x;
      return 0.0f < high ? high : 0.0f;
    }
    default:
      return x;
  }
}

inline void svdf_f32(const FloatSvdfParams& p, const float* input, float* state,
                     const float* weights_time, float* output) {
  const int32_t filters = p.units * p.rank;
  memmove(state, state + 1,
          static_cast<size_t>(p.batches * filters * p.memory - 1) * sizeof(float));
  for (int32_t b = 0; b < p.batches; ++b) {
    const float* row = input + b * p.input_size;
    float* newest = state + b * filters * p.memory + p.memory - 1;
    for (int32_t f = 0; f < filters; ++f) {
      const float* weights = p.weights_feature + f * p.input_size;
      float product = 0.0f;
      for (int32_t i = 0; i < p.input_size; ++i) product += weights[i] * row[i];
      newest[f * p.memory] = product;
    }
  }
  for (int32_t b = 0; b < p.batches; ++b) {
    const float* history = state + b * filters * p.memory;
    for (int32_t u = 0; u < p.units; ++u) {
      float total = p.bias ? p.bias[u] : 0.0f;
      for (int32_t f = u * p.rank; f < (u + 1) * p.rank; ++f) {
        const float* weights = weights_time + f * p.memory;
        const float* values = history + f * p.memory;
        float filter_total = 0.0f;
        for (int32_t m = 0; m < p.memory; ++m) filter_total += weights[m] * values[m];
        total += filter_total;
      }
      output[b * p.units + u] = svdf_activation_f32(p.activation, total);
    }
  }
}

}  // namespace mf

#endif  // MF_SVDF_H
