// mcuforge runtime: int8 CONV_2D with per-channel requantization (TFLite's ConvPerChannel),
// and the same convolution fused into the residual ADD that consumes it.
#ifndef MF_CONV_H
#define MF_CONV_H

#include <stdint.h>

#include "mf/conv_fast.h"
#include "mf/conv_params.h"
#include "mf/dot_product.h"
#include "mf/elementwise.h"
#include "mf/fixed_point.h"

namespace mf {

// Filter tap `tap` (an index into [out_ch][fy][fx][in_ch]) from the pre-expanded words
// (ConvParams::filter_pairs): group tap / 4, word [k, k+2] or [k+1, k+3], low half first.
inline int32_t filter_pair_tap(const int32_t* pairs, int32_t tap) {
  const int32_t word = pairs[tap / 4 * 2 + tap % 2];
  return simd::low_s16(tap % 4 < 2 ? word : simd::high_s16(word));
}

// dot_s8 of `count` input values with the filter's taps from `first` on: the int8 filter's,
// or where the compiler kept only the pre-expanded copy (filter 0), filter_pairs'.
inline int32_t conv_dot(const ConvParams& p, const int8_t* input, const int8_t* filter,
                        int32_t first, int32_t count) {
  if (filter) return dot_s8(input, filter + first, count, p.input_offset);
  int32_t acc = 0;
  for (int32_t i = 0; i < count; ++i) {
    acc += filter_pair_tap(p.filter_pairs, first + i) * (input[i] + p.input_offset);
  }
  return acc;
}

// One requantized output value: filter [out_ch][fy][fx][in_ch] against the NHWC input.
inline int8_t conv_output_value(const ConvParams& p, const int8_t* input, const int8_t* filter,
                                const int32_t* bias, int32_t batch, int32_t out_y,
                                int32_t out_x, int32_t out_channel) {
  const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
  const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
  int32_t acc = 0;
  for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y) {
    const int32_t in_y = in_y_origin + p.dilation_height * filter_y;
    if (in_y < 0 || in_y >= p.input_height) continue;  // padding contributes zero
    for (int32_t filter_x = 0; filter_x < p.filter_width; ++filter_x) {
      const int32_t in_x = in_x_origin + p.dilation_width * filter_x;
      if (in_x < 0 || in_x >= p.input_width) continue;
      const int8_t* input_pixel =
          input + ((batch * p.input_height + in_y) * p.input_width + in_x) * p.input_depth;
      const int32_t first_tap =
          ((out_channel * p.filter_height + filter_y) * p.filter_width + filter_x) *
          p.input_depth;
      acc += conv_dot(p, input_pixel, filter, first_tap, p.input_depth);
    }
  }
  return conv_requantize(p, acc, bias, out_channel);
}

// `scratch` (fast::column_words words, 4-byte aligned) is used by the fast path only.
inline void conv_2d(const ConvParams& p, const int8_t* input, const int8_t* filter,
                    const int32_t* bias, int8_t* output, int8_t* scratch) {
#if MF_FAST_KERNELS
  if (scratch) {
    const fast::StoreOutput store = {output};
    fast::conv_2d(p, input, filter, bias, scratch, store);
    return;
  }
#else
  (void)scratch;
#endif
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        for (int32_t out_channel = 0; out_channel < p.output_depth; ++out_channel) {
          *output++ = conv_output_value(p, input, filter, bias, batch, out_y, out_x, out_channel);
        }
      }
    }
  }
}

// CONV_2D whose only consumer is an ADD: each convolution output is added to the ADD's other
// operand `residual` and the sum written over `residual` (output == residual is allowed, since
// each residual value is read just before its own position is written). The convolution result
// is the same int8 value conv_2d would store, so the arithmetic is unchanged; only the
// convolution's output tensor never needs memory. `scaled_operands` (fast::residual_sum_table's
// 512 words, computed by the compiler) holds each operand's rescaled values for the fast path.
inline void conv_2d_add(const ConvParams& p, const int8_t* input, const int8_t* filter,
                        const int32_t* bias, const AddParams& add_params, int32_t conv_is_input1,
                        const int32_t* scaled_operands, const int8_t* residual, int8_t* output,
                        int8_t* scratch) {
#if MF_FAST_KERNELS
  if (scratch) {
    const fast::ResidualSum sum = fast::residual_sum(add_params, scaled_operands);
    const fast::StoreResidualSum store = {&sum, residual, output};
    fast::conv_2d(p, input, filter, bias, scratch, store);
    return;
  }
#else
  (void)scratch;
  (void)scaled_operands;
#endif
  int32_t index = 0;
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        for (int32_t out_channel = 0; out_channel < p.output_depth; ++out_channel) {
          const int8_t conv_value =
              conv_output_value(p, input, filter, bias, batch, out_y, out_x, out_channel);
          const int8_t other = residual[index];
          output[index] = conv_is_input1 ? add_value(add_params, conv_value, other)
                                         : add_value(add_params, other, conv_value);
          ++index;
        }
      }
    }
  }
}

// A 1x1, stride-1 CONV_2D writing over its own input (output_depth <= input_depth). Each input
// pixel is copied to `scratch` (input_depth bytes) before its output pixel is written; the
// output pixel's bytes lie at or before the input pixel's, so no unread input is overwritten.
// The fast path needs fast::column_words(input_depth) words of scratch, 4-byte aligned.
inline void conv_2d_1x1_in_place(const ConvParams& p, int8_t* data, const int8_t* filter,
                                 const int32_t* bias, int8_t* scratch) {
#if MF_FAST_KERNELS
  const fast::StoreOutput store = {data};
  fast::conv_2d(p, data, filter, bias, scratch, store);
  return;
#endif
  const int32_t pixels = p.batches * p.output_height * p.output_width;
  for (int32_t pixel = 0; pixel < pixels; ++pixel) {
    for (int32_t c = 0; c < p.input_depth; ++c) scratch[c] = data[pixel * p.input_depth + c];
    for (int32_t out_channel = 0; out_channel < p.output_depth; ++out_channel) {
      const int32_t acc =
          conv_dot(p, scratch, filter, out_channel * p.input_depth, p.input_depth);
      data[pixel * p.output_depth + out_channel] = conv_requantize(p, acc, bias, out_channel);
    }
  }
}

}  // namespace mf

#endif  // MF_CONV_H
