// mcuforge runtime: int8 operators that move or reduce values: PAD, CONCATENATION,
// STRIDED_SLICE and MEAN (TFLite Micro's QuantizedMeanOrSum). Shapes are padded to 4-D.
#ifndef MF_TENSOR_OPS_H
#define MF_TENSOR_OPS_H

#include <stdint.h>

#include "mf/fixed_point.h"

namespace mf {

struct PadParams {
  int32_t input_dims[4];
  int32_t output_dims[4];
  int32_t left_padding[4];
  int32_t pad_value;  // the output zero point unless the model gives a value
};

inline void pad(const PadParams& p, const int8_t* input, int8_t* output) {
  for (int32_t d0 = 0; d0 < p.output_dims[0]; ++d0) {
    for (int32_t d1 = 0; d1 < p.output_dims[1]; ++d1) {
      for (int32_t d2 = 0; d2 < p.output_dims[2]; ++d2) {
        for (int32_t d3 = 0; d3 < p.output_dims[3]; ++d3) {
          const int32_t i0 = d0 - p.left_padding[0], i1 = d1 - p.left_padding[1];
          const int32_t i2 = d2 - p.left_padding[2], i3 = d3 - p.left_padding[3];
          const bool inside = i0 >= 0 && i0 < p.input_dims[0] && i1 >= 0 &&
                              i1 < p.input_dims[1] && i2 >= 0 && i2 < p.input_dims[2] &&
                              i3 >= 0 && i3 < p.input_dims[3];
          *output++ = inside ? input[((i0 * p.input_dims[1] + i1) * p.input_dims[2] + i2) *
                                         p.input_dims[3] + i3]
                             : static_cast<int8_t>(p.pad_value);
        }
      }
    }
  }
}

// One input of a CONCATENATION: copies its `copy_size` values per outer index into the
// output slot that starts `output_offset` values into each output row of `output_row_size`.
struct ConcatPartParams {
  int32_t outer_size;
  int32_t copy_size;
  int32_t output_row_size;
  int32_t output_offset;
};

// Values are copied, never requantized, so one template serves every element type.
template <typename T>
inline void concatenation_part(const ConcatPartParams& p, const T* input, T* output) {
  for (int32_t outer = 0; outer < p.outer_size; ++outer) {
    for (int32_t i = 0; i < p.copy_size; ++i) {
      output[outer * p.output_row_size + p.output_offset + i] = input[outer * p.copy_size + i];
    }
  }
}

// Output element (o0..o3) reads input element start[k] + o_k * stride[k] on every axis.
struct StridedSliceParams {
  int32_t input_dims[4];
  int32_t output_dims[4];
  int32_t start[4];
  int32_t stride[4];
};

template <typename T>
inline void strided_slice(const StridedSliceParams& p, const T* input, T* output) {
  for (int32_t o0 = 0; o0 < p.output_dims[0]; ++o0) {
    const int32_t i0 = p.start[0] + o0 * p.stride[0];
    for (int32_t o1 = 0; o1 < p.output_dims[1]; ++o1) {
      const int32_t i1 = p.start[1] + o1 * p.stride[1];
      for (int32_t o2 = 0; o2 < p.output_dims[2]; ++o2) {
        const int32_t i2 = p.start[2] + o2 * p.stride[2];
        for (int32_t o3 = 0; o3 < p.output_dims[3]; ++o3) {
          const int32_t i3 = p.start[3] + o3 * p.stride[3];
          *output++ = input[((i0 * p.input_dims[1] + i1) * p.input_dims[2] + i2) *
                                p.input_dims[3] + i3];
        }
      }
    }
  }
}

// MEAN over a set of axes: reduce[k] is 1 for reduced axes. The multiplier already includes
// the division by the number of reduced elements, as QuantizedMeanOrSum folds it in.
struct MeanParams {
  int32_t input_dims[4];
  int32_t reduce[4];
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t reduced_count;
  int32_t multiplier;
  int32_t shift;
};

// T is int8_t or int16_t: the sum and requantization are TFLite Micro's QuantizedMeanOrSum for
// both, saturating to T's range.
template <typename T>
inline void mean(const MeanParams& p, const T* input, T* output) {
  const int32_t low = sizeof(T) == 1 ? -128 : -32768;
  const int32_t high = sizeof(T) == 1 ? 127 : 32767;
  int32_t out_dims[4];
  for (int k = 0; k < 4; ++k) out_dims[k] = p.reduce[k] ? 1 : p.input_dims[k];
  for (int32_t o0 = 0; o0 < out_dims[0]; ++o0) {
    for (int32_t o1 = 0; o1 < out_dims[1]; ++o1) {
      for (int32_t o2 = 0; o2 < out_dims[2]; ++o2) {
        for (int32_t o3 = 0; o3 < out_dims[3]; ++o3) {
          int32_t sum = 0;
          const int32_t n0 = p.reduce[0] ? p.input_dims[0] : 1;
          const int32_t n1 = p.reduce[1] ? p.input_dims[1] : 1;
          const int32_t n2 = p.reduce[2] ? p.input_dims[2] : 1;
          const int32_t n3 = p.reduce[3] ? p.input_dims[3] : 1;
          for (int32_t r0 = 0; r0 < n0; ++r0) {
            for (int32_t r1 = 0; r1 < n1; ++r1) {
              for (int32_t r2 = 0; r2 < n2; ++r2) {
                for (int32_t r3 = 0; r3 < n3; ++r3) {
                  const int32_t i0 = o0 + r0, i1 = o1 + r1, i2 = o2 + r2, i3 = o3 + r3;
                  sum += input[((i0 * p.input_dims[1] + i1) * p.input_dims[2] + i2) *
                                   p.input_dims[3] + i3];
                }
              }
            }
          }
          const int32_t shifted_sum = sum - p.input_zero_point * p.reduced_count;
          const int32_t value = multiply_by_quantized_multiplier(shifted_sum, p.multiplier,
                                                                 p.shift) + p.output_zero_point;
          *output++ = static_cast<T>(clamp_i32(value, low, high));
        }
      }
    }
  }
}

}  // namespace mf

#endif  // MF_TENSOR_OPS_H
