// mcuforge runtime: the parameters of an int8 CONV_2D and the requantization of one
// accumulator, shared by the reference kernels (conv.h) and the fast path (conv_fast.h).
#ifndef MF_CONV_PARAMS_H
#define MF_CONV_PARAMS_H

#include <stdint.h>

#include "mf/fixed_point.h"
#include "mf/simd.h"

// Whether the generated code carries the pointwise layers' weights as int16 pairs
// (ConvParams::filter_pairs) instead of the int8 filter: twice the flash, for two instructions
// fewer per group of four taps in the fast path's SMLAD loop, so by default only where that
// loop runs. -DMF_COMPACT_WEIGHTS=1 keeps the int8 filter on such a core too (the lean loop
// unpacks it with SXTB16 instead); the results are the same bytes either way.
#ifndef MF_COMPACT_WEIGHTS
#define MF_COMPACT_WEIGHTS 0
#endif
#ifndef MF_WEIGHT_PAIRS
#if MF_FAST_KERNELS && !MF_COMPACT_WEIGHTS
#define MF_WEIGHT_PAIRS 1
#else
#define MF_WEIGHT_PAIRS 0
#endif
#endif
// The generated code's argument for either side: `pairs` where MF_WEIGHT_PAIRS is set, `int8`
// elsewhere (the unused side may name an array that does not exist there).
#if MF_WEIGHT_PAIRS
#define MF_IF_PAIRS(pairs, int8) pairs
#else
#define MF_IF_PAIRS(pairs, int8) int8
#endif

namespace mf {

struct ConvParams {
  int32_t input_offset;   // -input zero point
  int32_t output_offset;  // output zero point
  const int32_t* output_multiplier;  // per output channel
  const int32_t* output_shift;       // per output channel
  int32_t activation_min;
  int32_t activation_max;
  int32_t stride_height;
  int32_t stride_width;
  int32_t dilation_height;
  int32_t dilation_width;
  int32_t padding_height;  // rows of implicit zero-point padding above the input
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
  // The fast path's requantization constants, four words per output channel (see
  // mf/requantize_fast.h), or 0 to compute them from the multipliers and shifts.
  const int32_t* output_requantizers;
  // The fast path's copy of the filter with each output channel's taps padded with zeros to a
  // multiple of 4 (the first layer of an image model: 3x3x3 = 27 taps, 28 here), so its
  // columns are whole groups of four; 0 where the depth is a multiple of 4 already.
  const int8_t* filter_padded;
  // The fast path's copy of the filter (or of filter_padded) of a layer whose SMLAD loop is
  // the bottleneck (the compiler's choice, ops/conv.py: pointwise layers and padded filters,
  // with a bias, a folded requantizer table and the whole int8 range): each output channel's
  // groups of four taps k..k+3 as two words of int16 pairs [k, k+2] [k+1, k+3], low half
  // first, the order SXTB16 would unpack them in, which spares the loop two instructions per
  // group; 0 for none, and wherever MF_WEIGHT_PAIRS is 0. For a pointwise layer with pairs the
  // compiler then passes a null int8 filter: every kernel reads the pairs (conv.h, conv_dot).
  // After the pairs (output_depth * depth / 2 words) come 4 words a channel of the fast
  // kernels' shorter requantization (requantize_fast.h, pair_requantizer_words), which the
  // compiler emits, with the pairs, only where it has bounded every accumulator below 2^30.
  const int32_t* filter_pairs;
};

// Bias, per-channel requantization, output offset and activation clamp of one accumulator.
inline int8_t conv_requantize(const ConvParams& p, int32_t acc, const int32_t* bias,
                              int32_t out_channel) {
  if (bias) acc += bias[out_channel];
  acc = multiply_by_quantized_multiplier(acc, p.output_multiplier[out_channel],
                                         p.output_shift[out_channel]);
  acc += p.output_offset;
  return static_cast<int8_t>(clamp_i32(acc, p.activation_min, p.activation_max));
}

}  // namespace mf

#endif  // MF_CONV_PARAMS_H
