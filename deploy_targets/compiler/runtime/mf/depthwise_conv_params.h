// mcuforge runtime: the parameters of an int8 DEPTHWISE_CONV_2D, shared by the reference
// kernels (depthwise_conv.h) and the fast path (depthwise_conv_fast.h).
#ifndef MF_DEPTHWISE_CONV_PARAMS_H
#define MF_DEPTHWISE_CONV_PARAMS_H

#include <stdint.h>

#include "mf/fixed_point.h"

namespace mf {

struct DepthwiseConvParams {
  int32_t input_offset;
  int32_t output_offset;
  const int32_t* output_multiplier;
  const int32_t* output_shift;
  int32_t activation_min;
  int32_t activation_max;
  int32_t stride_height;
  int32_t stride_width;
  int32_t dilation_height;
  int32_t dilation_width;
  int32_t padding_height;
  int32_t padding_width;
  int32_t depth_multiplier;
  int32_t batches;
  int32_t input_height;
  int32_t input_width;
  int32_t input_depth;
  int32_t filter_height;
  int32_t filter_width;
  int32_t output_height;
  int32_t output_width;
  int32_t output_depth;  // input_depth * depth_multiplier
  // As in ConvParams: four words per output channel for the fast path, or 0 (also where
  // column_requantizers replace them).
  const int32_t* output_requantizers;
  // For the fast path's tap-pair steps (depth multiplier 1, output depth a multiple of 4, at
  // most 16 taps), or 0: per group of four channels, their bias plus input_offset times the
  // sum of each channel's taps (the steps multiply the input bytes without the offset), then
  // the filter as int16 pairs of taps, [tap / 2][channel % 4], each word tap 2k in the low
  // half, tap 2k + 1 (0 past the last tap) in the high half.
  const int32_t* filter_tap_pairs;
  // For the fast path's column loop (a 3x3 filter, depth multiplier 1, output depth a
  // multiple of 4, no dilation, stride 1 or 2 across), or 0: per group of four channels their biases, then for
  // each filter column the int16 pairs (row 0, row 1) of the four channels and row 2 as the
  // pairs (channel 0, 2) and (1, 3), low half first.
  const int32_t* filter_3x3_columns;
  // Where filter_3x3_columns holds twice each bias and weight, or 0: three words per channel,
  // the multiplier M, 2^(r-1) + output_offset 2^r and the right shift r (the column loop's
  // requantization, mf/depthwise_conv_fast.h, column_requantize).
  const int32_t* column_requantizers;
};

}  // namespace mf

#endif  // MF_DEPTHWISE_CONV_PARAMS_H
