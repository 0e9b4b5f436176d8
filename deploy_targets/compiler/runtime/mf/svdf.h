// mcuforge runtime: int8 SVDF as TFLite Micro computes it (kernels/svdf_common.cc,
// EvalIntegerSvdfReference). The activation state holds the last `memory` feature products of
// every filter ([batch][filter][memory], oldest first); each invocation shifts it left by one,
// writes the new feature products in the last column, then each unit sums its `rank` filters'
// state rows weighted by weights_time, adds its bias and requantizes to int8. TFLite Micro's
// integer kernel applies no fused activation, so neither does this one. The state is int16 or
// int8 (the type of weights_time) and persists between invocations in a static array that the
// library's reset function returns to its zero point.
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
  int32_t input_offset;  // -(input zero point)
  int32_t state_zero_point;
  int32_t output_zero_point;
  // input x weights_feature -> activation state
  int32_t feature_multiplier;
  int32_t feature_shift;
  // activation state x weights_time (+ bias) -> output
  int32_t output_multiplier;
  int32_t output_shift;
  const int8_t* weights_feature;  // [units * rank][input_size]
  const int32_t* bias;            // [units], or null: no bias
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

}  // namespace mf

#endif  // MF_SVDF_H
