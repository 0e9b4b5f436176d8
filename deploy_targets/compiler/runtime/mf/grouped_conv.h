// mcuforge runtime: int8 grouped CONV_2D, where the filter's depth divides the input's: output
// channel c of `groups` groups reads only input channels [g * filter_depth, (g + 1) *
// filter_depth) of its group g (TFLite's ConvPerChannel with groups). Per-channel
// requantization with TFLite Micro's rounding, which LiteRT's reference kernel shares.
#ifndef MF_GROUPED_CONV_H
#define MF_GROUPED_CONV_H

#include <stdint.h>

#include "mf/fixed_point.h"

namespace mf {

struct GroupedConvParams {
  int32_t input_offset;
  int32_t output_offset;
  const int32_t* output_multiplier;  // per output channel
  const int32_t* output_shift;
  int32_t activation_min;
  int32_t activation_max;
  int32_t stride_height;
  int32_t stride_width;
  int32_t dilation_height;
  int32_t dilation_width;
  int32_t padding_height;
  int32_t padding_width;
  int32_t batches;
  int32_t input_height;
  int32_t input_width;
  int32_t input_depth;
  int32_t filter_height;
  int32_t filter_width;
  int32_t filter_depth;  // input channels per group
  int32_t output_height;
  int32_t output_width;
  int32_t output_depth;
  int32_t filters_per_group;  // output channels per group
};

// filter is [output_depth][filter_height][filter_width][filter_depth]; bias may be null.
inline void grouped_conv_2d(const GroupedConvParams& p, const int8_t* input,
                            const int8_t* filter, const int32_t* bias, int8_t* output) {
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
        for (int32_t oc = 0; oc < p.output_depth; ++oc) {
          const int32_t first_channel = (oc / p.filters_per_group) * p.filter_depth;
          int32_t acc = 0;
          for (int32_t fy = 0; fy < p.filter_height; ++fy) {
            const int32_t in_y = in_y_origin + p.dilation_height * fy;
            if (in_y < 0 || in_y >= p.input_height) continue;
            for (int32_t fx = 0; fx < p.filter_width; ++fx) {
              const int32_t in_x = in_x_origin + p.dilation_width * fx;
              if (in_x < 0 || in_x >= p.input_width) continue;
              const int8_t* in = input +
                                 ((b * p.input_height + in_y) * p.input_width + in_x) *
                                     p.input_depth + first_channel;
              const int8_t* f = filter + ((oc * p.filter_height + fy) * p.filter_width + fx) *
                                             p.filter_depth;
              for (int32_t ic = 0; ic < p.filter_depth; ++ic) {
                acc += f[ic] * (in[ic] + p.input_offset);
              }
            }
          }
          if (bias) acc += bias[oc];
          acc = multiply_by_quantized_multiplier(acc, p.output_multiplier[oc], p.output_shift[oc]);
          acc += p.output_offset;
          acc = acc < p.activation_min ? p.activation_min : acc;
          acc = acc > p.activation_max ? p.activation_max : acc;
          *output++ = static_cast<int8_t>(acc);
        }
      }
    }
  }
}

}  // namespace mf

#endif  // MF_GROUPED_CONV_H
