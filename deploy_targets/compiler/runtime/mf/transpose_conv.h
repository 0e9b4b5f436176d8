// mcuforge runtime: int8 TRANSPOSE_CONV with per-channel requantization (TFLite's
// reference_integer_ops::TransposeConv). Each input value is scattered through the filter into
// an int32 accumulator per output value (the scratch), which is then biased and requantized.
#ifndef MF_TRANSPOSE_CONV_H
#define MF_TRANSPOSE_CONV_H

#include <stdint.h>
#include <string.h>

#include "mf/fixed_point.h"

namespace mf {

struct TransposeConvParams {
  int32_t input_offset;
  int32_t output_offset;
  const int32_t* output_multiplier;  // per output channel
  const int32_t* output_shift;
  int32_t activation_min;
  int32_t activation_max;
  int32_t stride_height;
  int32_t stride_width;
  int32_t padding_height;
  int32_t padding_width;
  int32_t batches;
  int32_t input_height;
  int32_t input_width;
  int32_t input_depth;
  int32_t filter_height;
  int32_t filter_width;
  int32_t output_height;
  int32_t output_width;
  int32_t output_depth;
};

// filter is [output_depth][filter_height][filter_width][input_depth]; bias may be null;
// scratch holds one int32 per output value (word-aligned).
inline void transpose_conv(const TransposeConvParams& p, const int8_t* input,
                           const int8_t* filter, const int32_t* bias, int8_t* output,
                           int8_t* scratch) {
  int32_t* acc = reinterpret_cast<int32_t*>(scratch);
  const int32_t output_size = p.batches * p.output_height * p.output_width * p.output_depth;
  memset(acc, 0, static_cast<size_t>(output_size) * sizeof(int32_t));
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t in_y = 0; in_y < p.input_height; ++in_y) {
      for (int32_t in_x = 0; in_x < p.input_width; ++in_x) {
        const int8_t* in = input + ((b * p.input_height + in_y) * p.input_width + in_x) *
                                       p.input_depth;
        const int32_t out_y_origin = in_y * p.stride_height - p.padding_height;
        const int32_t out_x_origin = in_x * p.stride_width - p.padding_width;
        for (int32_t fy = 0; fy < p.filter_height; ++fy) {
          const int32_t out_y = out_y_origin + fy;
          if (out_y < 0 || out_y >= p.output_height) continue;
          for (int32_t fx = 0; fx < p.filter_width; ++fx) {
            const int32_t out_x = out_x_origin + fx;
            if (out_x < 0 || out_x >= p.output_width) continue;
            int32_t* out = acc + ((b * p.output_height + out_y) * p.output_width + out_x) *
                                     p.output_depth;
            for (int32_t oc = 0; oc < p.output_depth; ++oc) {
              const int8_t* f = filter + ((oc * p.filter_height + fy) * p.filter_width + fx) *
                                             p.input_depth;
              int32_t sum = 0;
              for (int32_t ic = 0; ic < p.input_depth; ++ic) {
                sum += (in[ic] + p.input_offset) * f[ic];
              }
              out[oc] += sum;
            }
          }
        }
      }
    }
  }
  for (int32_t i = 0; i < output_size; ++i) {
    const int32_t oc = i % p.output_depth;
    int32_t value = acc[i] + (bias ? bias[oc] : 0);
    value = multiply_by_quantized_multiplier(value, p.output_multiplier[oc], p.output_shift[oc]);
    value += p.output_offset;
    value = value < p.activation_min ? p.activation_min : value;
    value = value > p.activation_max ? p.activation_max : value;
    output[i] = static_cast<int8_t>(value);
  }
}

}  // namespace mf

#endif  // MF_TRANSPOSE_CONV_H
