// mcuforge runtime: int8 SVDF as TFLite Micro computes it (kernels/svdf_common.cc,
// EvalIntegerSvdfReference). The activation state holds the last `memory` feature products of
// every filter; each invocation drops the oldest, adds the new feature products, then each unit
// sums its `rank` filters' state rows weighted by weights_time (oldest first), adds its bias and
// requantizes to int8. TFLite Micro's integer kernel applies no fused activation, so neither
// does this one. The state is int16 or int8 (the type of weights_time) and persists between
// invocations in a static array that the library's reset function returns to its zero point.
// The float kernel follows below.
//
// TFLite Micro shifts the whole state one element left each invocation; here each filter's
// row is a ring instead ([batch][filter][memory], one head for all rows), so an invocation
// writes one column instead of moving the whole state. `*head` is the column of the oldest
// products, which the new ones overwrite; the time dot product then walks the row in two
// segments, oldest first. After a reset every element holds the zero point, so any head gives
// the same ring.
#ifndef MF_SVDF_H
#define MF_SVDF_H

#include <stdint.h>
#include <string.h>

#include "mf/dot_product.h"
#include "mf/fixed_point.h"
#include "mf/fully_connected_fast.h"
#include "mf/fully_connected_params.h"
#include "mf/requantize_fast.h"
#include "mf/simd.h"

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

// The column after `column` in a ring of `memory`.
inline int32_t svdf_next_column(int32_t column, int32_t memory) {
  return column + 1 == memory ? 0 : column + 1;
}

// acc[k] += sum over m < count of weights[k stride + m] * (values[k stride + m] - zero_point)
// for the N (1 or 2) filters k, int16 or int8: two filters share the loop's counting.
template <typename T>
struct SvdfTimeSegment {
  template <int N>
  static MF_ALWAYS_INLINE void add(const T* weights, const T* values, int32_t stride,
                                   int32_t count, int32_t zero_point, int32_t* acc) {
    for (int32_t m = 0; m < count; ++m) {
      for (int32_t k = 0; k < N; ++k) {
        acc[k] += static_cast<int32_t>(weights[k * stride + m]) *
                  (static_cast<int32_t>(values[k * stride + m]) - zero_point);
      }
    }
  }
};

#if MF_FAST_KERNELS
// int16 pairs straight into SMLAD. values - zero_point may leave int16, so a zero point other
// than 0 (TFLite's int16 state has 0) takes the loop above. Unaligned word reads are allowed.
template <>
struct SvdfTimeSegment<int16_t> {
  template <int N>
  static MF_ALWAYS_INLINE void add(const int16_t* weights, const int16_t* values,
                                   int32_t stride, int32_t count, int32_t zero_point,
                                   int32_t* acc) {
    if (zero_point != 0) {
      for (int32_t m = 0; m < count; ++m) {
        for (int32_t k = 0; k < N; ++k) {
          acc[k] += weights[k * stride + m] * (values[k * stride + m] - zero_point);
        }
      }
      return;
    }
    int32_t m = 0;
    for (; m + 2 <= count; m += 2) {
      for (int32_t k = 0; k < N; ++k) {
        int32_t w, v;
        memcpy(&w, weights + k * stride + m, sizeof(w));
        memcpy(&v, values + k * stride + m, sizeof(v));
        acc[k] = simd::smlad(w, v, acc[k]);
      }
    }
    if (m < count) {
      for (int32_t k = 0; k < N; ++k) acc[k] += weights[k * stride + m] * values[k * stride + m];
    }
  }
};

// int8: four at a time, SXTB16-unpacked, the zero point taken off the values by SXTAB16 (the
// difference fits int16).
template <>
struct SvdfTimeSegment<int8_t> {
  template <int N>
  static MF_ALWAYS_INLINE void add(const int8_t* weights, const int8_t* values, int32_t stride,
                                   int32_t count, int32_t zero_point, int32_t* acc) {
    const int32_t offset_pair = simd::pack_s16x2(-zero_point, -zero_point);
    int32_t m = 0;
    for (; m + 4 <= count; m += 4) {
      for (int32_t k = 0; k < N; ++k) {
        const int32_t v = simd::read_s8x4(values + k * stride + m);
        const int32_t w = simd::read_s8x4(weights + k * stride + m);
        acc[k] = simd::smlad(simd::sxtab16(offset_pair, v), simd::sxtb16(w), acc[k]);
        acc[k] = simd::smlad(simd::sxtab16_odd(offset_pair, v), simd::sxtb16_odd(w), acc[k]);
      }
    }
    for (; m < count; ++m) {
      for (int32_t k = 0; k < N; ++k) {
        acc[k] += weights[k * stride + m] * (values[k * stride + m] - zero_point);
      }
    }
  }
};
#endif

// A feature product (the int32 dot product) as the state holds it: requantized, clamped to the
// state type's range, then the zero point added without another clamp: as TFLite Micro does,
// an int8 state wraps when the sum leaves its range.
template <typename T>
MF_ALWAYS_INLINE T svdf_state_value(const SvdfParams& p, const fast::ChannelRequantizer& q,
                                    int32_t dot) {
  const int32_t state_min = sizeof(T) == 1 ? -128 : -32768;
  const int32_t state_max = sizeof(T) == 1 ? 127 : 32767;
  return static_cast<T>(p.state_zero_point +
                        clamp_i32(fast::multiply_add_offset(q, dot, 0), state_min, state_max));
}

// Writes the new feature products of every filter into ring column `column`.
template <typename T>
MF_HOT_LOOP inline void svdf_features(const SvdfParams& p, const int8_t* input, T* state,
                                      int32_t column) {
  const int32_t filters = p.units * p.rank;
  const fast::ChannelRequantizer q =
      fast::channel_requantizer(p.feature_multiplier, p.feature_shift, 0);
#if MF_FAST_KERNELS
  // The feature product is a fully-connected product (filter offset 0): its fast dot product.
  FullyConnectedParams fc;
  memset(&fc, 0, sizeof(fc));
  fc.input_offset = p.input_offset;
  fc.accum_depth = p.input_size;
#endif
  for (int32_t b = 0; b < p.batches; ++b) {
    const int8_t* row = input + b * p.input_size;
    T* products = state + b * filters * p.memory + column;
    int32_t f = 0;
#if MF_FAST_KERNELS
    for (; f + 4 <= filters; f += 4) {
      int32_t acc[4] = {0, 0, 0, 0};
      fast::dot_s8_four(fc, row, p.weights_feature + f * p.input_size, acc);
      for (int32_t k = 0; k < 4; ++k) {
        products[(f + k) * p.memory] = svdf_state_value<T>(p, q, acc[k]);
      }
    }
#endif
    for (; f < filters; ++f) {
      const int32_t dot =
          dot_s8(row, p.weights_feature + f * p.input_size, p.input_size, p.input_offset);
      products[f * p.memory] = svdf_state_value<T>(p, q, dot);
    }
  }
}

// The time dot products of N filters in a row (rows and weights `memory` apart) over their
// rings, oldest (column `oldest`) first, added to acc.
template <int N, typename T>
MF_ALWAYS_INLINE void svdf_time_dots(const T* weights, const T* row, int32_t memory,
                                     int32_t oldest, int32_t zero_point, int32_t* acc) {
  const int32_t older = memory - oldest;  // products from the oldest to the row's end
  SvdfTimeSegment<T>::template add<N>(weights, row + oldest, memory, older, zero_point, acc);
  SvdfTimeSegment<T>::template add<N>(weights + older, row, memory, oldest, zero_point, acc);
}

// Each unit's time dot products over its filters' rings, bias, requantization to int8. With 8
// products per filter (keyword_scrambled) the per-filter work is as long as the dot product
// itself: rank 1 takes two units at a time, pointers walk the filters.
template <typename T>
MF_HOT_LOOP inline void svdf_outputs(const SvdfParams& p, const T* state, const T* weights_time,
                                     int32_t oldest, int8_t* output) {
  const fast::ChannelRequantizer q =
      fast::channel_requantizer(p.output_multiplier, p.output_shift, p.output_zero_point);
  const int32_t memory = p.memory;
  const int32_t zero_point = p.state_zero_point;
  const T* row = state;
  for (int32_t b = 0; b < p.batches; ++b) {
    const T* weights = weights_time;
    int32_t u = 0;
    if (p.rank == 1) {
      for (; u + 2 <= p.units; u += 2, weights += 2 * memory, row += 2 * memory) {
        int32_t acc[2] = {p.bias ? p.bias[u] : 0, p.bias ? p.bias[u + 1] : 0};
        svdf_time_dots<2>(weights, row, memory, oldest, zero_point, acc);
        for (int32_t k = 0; k < 2; ++k) {
          *output++ = static_cast<int8_t>(clamp_i32(
              fast::multiply_add_offset(q, acc[k], p.output_zero_point), -128, 127));
        }
      }
    }
    for (; u < p.units; ++u) {
      int32_t acc = p.bias ? p.bias[u] : 0;
      for (int32_t r = 0; r < p.rank; ++r, weights += memory, row += memory) {
        svdf_time_dots<1>(weights, row, memory, oldest, zero_point, &acc);
      }
      *output++ = static_cast<int8_t>(
          clamp_i32(fast::multiply_add_offset(q, acc, p.output_zero_point), -128, 127));
    }
  }
}

// T is int16_t or int8_t: the type of weights_time ([units * rank][memory]) and of the state.
template <typename T>
inline void svdf(const SvdfParams& p, const int8_t* input, T* state, int32_t* head,
                 const T* weights_time, int8_t* output) {
  svdf_features(p, input, state, *head);
  *head = svdf_next_column(*head, p.memory);
  svdf_outputs(p, state, weights_time, *head, output);
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

// The same ring as the integer kernel's; each filter's time products are still summed oldest
// first, so in TFLite Micro's order.
inline void svdf_f32(const FloatSvdfParams& p, const float* input, float* state, int32_t* head,
                     const float* weights_time, float* output) {
  const int32_t filters = p.units * p.rank;
  const int32_t column = *head;
  for (int32_t b = 0; b < p.batches; ++b) {
    const float* row = input + b * p.input_size;
    float* products = state + b * filters * p.memory + column;
    for (int32_t f = 0; f < filters; ++f) {
      const float* weights = p.weights_feature + f * p.input_size;
      float product = 0.0f;
      for (int32_t i = 0; i < p.input_size; ++i) product += weights[i] * row[i];
      products[f * p.memory] = product;
    }
  }
  const int32_t oldest = svdf_next_column(column, p.memory);
  *head = oldest;
  for (int32_t b = 0; b < p.batches; ++b) {
    const float* history = state + b * filters * p.memory;
    for (int32_t u = 0; u < p.units; ++u) {
      float total = p.bias ? p.bias[u] : 0.0f;
      for (int32_t f = u * p.rank; f < (u + 1) * p.rank; ++f) {
        const float* weights = weights_time + f * p.memory;
        const float* values = history + f * p.memory;
        float filter_total = 0.0f;
        for (int32_t m = 0; m < p.memory; ++m) {
          const int32_t at = oldest + m < p.memory ? oldest + m : oldest + m - p.memory;
          filter_total += weights[m] * values[at];
        }
        total += filter_total;
      }
      output[b * p.units + u] = svdf_activation_f32(p.activation, total);
    }
  }
}

}  // namespace mf

#endif  // MF_SVDF_H
