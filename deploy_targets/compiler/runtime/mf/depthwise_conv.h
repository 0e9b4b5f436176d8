// mcuforge runtime: int8 DEPTHWISE_CONV_2D with per-channel requantization
// (TFLite's DepthwiseConvPerChannel): each input channel feeds depth_multiplier outputs.
#ifndef MF_DEPTHWISE_CONV_H
#define MF_DEPTHWISE_CONV_H

#include <stdint.h>

#include "mf/depthwise_conv_fast.h"
#include "mf/depthwise_conv_params.h"
#include "mf/fixed_point.h"

namespace mf {

// Filter layout is [1][fy][fx][output_depth]: the taps of one channel are output_depth apart.
inline void depthwise_conv_2d(const DepthwiseConvParams& p, const int8_t* input,
                              const int8_t* filter, const int32_t* bias, int8_t* output) {
#if MF_FAST_KERNELS
  fast::depthwise_conv_2d(p, input, filter, bias, output);
  return;
#endif
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
        for (int32_t in_channel = 0; in_channel < p.input_depth; ++in_channel) {
          for (int32_t m = 0; m < p.depth_multiplier; ++m) {
            const int32_t out_channel = in_channel * p.depth_multiplier + m;
            int32_t acc = 0;
            for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y) {
              const int32_t in_y = in_y_origin + p.dilation_height * filter_y;
              if (in_y < 0 || in_y >= p.input_height) continue;
              for (int32_t filter_x = 0; filter_x < p.filter_width; ++filter_x) {
                const int32_t in_x = in_x_origin + p.dilation_width * filter_x;
                if (in_x < 0 || in_x >= p.input_width) continue;
                const int32_t input_value =
                    input[((batch * p.input_height + in_y) * p.input_width + in_x) *
                              p.input_depth + in_channel];
                const int32_t filter_value =
                    filter[(filter_y * p.filter_width + filter_x) * p.output_depth + out_channel];
                acc += filter_value * (input_value + p.input_offset);
              }
            }
            if (bias) acc += bias[out_channel];
            acc = multiply_by_quantized_multiplier(acc, p.output_multiplier[out_channel],
                                                   p.output_shift[out_channel]);
            acc += p.output_offset;
            output[((batch * p.output_height + out_y) * p.output_width + out_x) * p.output_depth +
                   out_channel] = static_cast<int8_t>(clamp_i32(acc, p.activation_min,
                                                                p.activation_max));
          }
        }
      }
    }
  }
}

// A stride-1, undilated, depth-multiplier-1 DEPTHWISE_CONV_2D with output shape == input shape
// (SAME padding), writing over its own input. Output row y needs input rows y - padding_height
// .. y - padding_height + filter_height - 1; the rows at or above y are overwritten (row y while
// it is being written), so their originals are kept in `scratch`, a ring of
// padding_height + 1 rows of input_width * input_depth bytes. Rows below y are still intact.
inline void depthwise_conv_2d_in_place(const DepthwiseConvParams& p, int8_t* data,
                                       const int8_t* filter, const int32_t* bias,
                                       int8_t* scratch) {
#if MF_FAST_KERNELS
  fast::depthwise_conv_2d_in_place(p, data, filter, bias, scratch);
  return;
#endif
  const int32_t row_bytes = p.input_width * p.input_depth;
  const int32_t ring_rows = p.padding_height + 1;
  for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
    int8_t* saved_row = scratch + (out_y % ring_rows) * row_bytes;
    for (int32_t i = 0; i < row_bytes; ++i) saved_row[i] = data[out_y * row_bytes + i];
    for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
      const int32_t in_x_origin = out_x - p.padding_width;
      for (int32_t channel = 0; channel < p.input_depth; ++channel) {
        int32_t acc = 0;
        for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y) {
          const int32_t in_y = out_y - p.padding_height + filter_y;
          if (in_y < 0 || in_y >= p.input_height) continue;
          const int8_t* row = in_y > out_y ? data + in_y * row_bytes
                                           : scratch + (in_y % ring_rows) * row_bytes;
          for (int32_t filter_x = 0; filter_x < p.filter_width; ++filter_x) {
            const int32_t in_x = in_x_origin + filter_x;
            if (in_x < 0 || in_x >= p.input_width) continue;
            const int32_t input_value = row[in_x * p.input_depth + channel];
            const int32_t filter_value =
                filter[(filter_y * p.filter_width + filter_x) * p.output_depth + channel];
            acc += filter_value * (input_value + p.input_offset);
          }
        }
        if (bias) acc += bias[channel];
        acc = multiply_by_quantized_multiplier(acc, p.output_multiplier[channel],
                                               p.output_shift[channel]);
        acc += p.output_offset;
        data[out_y * row_bytes + out_x * p.output_depth + channel] =
            static_cast<int8_t>(clamp_i32(acc, p.activation_min, p.activation_max));
      }
    }
  }
}

}  // namespace mf

#endif  // MF_DEPTHWISE_CONV_H
