// mcuforge runtime: int8 FULLY_CONNECTED (TFLite's reference_integer_ops::FullyConnected),
// per-tensor or per-output-channel requantization.
#ifndef MF_FULLY_CONNECTED_H
#define MF_FULLY_CONNECTED_H

#include <stdint.h>

#include "mf/dot_product.h"
#include "mf/fully_connected_fast.h"
#include "mf/fully_connected_params.h"
#include "mf/fixed_point.h"

namespace mf {

// Filter layout is [output_depth][accum_depth].
inline void fully_connected(const FullyConnectedParams& p, const int8_t* input,
                            const int8_t* filter, const int32_t* bias, int8_t* output) {
#if MF_FAST_KERNELS
  fast::fully_connected(p, input, filter, bias, output);
  return;
#endif
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    for (int32_t out_channel = 0; out_channel < p.output_depth; ++out_channel) {
      int32_t acc = dot_s8_offsets(input + batch * p.accum_depth,
                                   filter + out_channel * p.accum_depth, p.accum_depth,
                                   p.input_offset, p.filter_offset);
      if (bias) acc += bias[out_channel];
      output[batch * p.output_depth + out_channel] =
          fully_connected_requantize(p, acc, out_channel);
    }
  }
}

// The weights of rows A, B (pair 0) or C, D (pair 1) of a block for input `k` (0..3) of a
// group, from the group's four words (ops/fully_connected.py: row_pair_words): words
// [AB: i, i+2] [AB: i+1, i+3] [CD: i, i+2] [CD: i+1, i+3], each int16 half holding A's (C's)
// weight in its high byte and B's (D's) plus 128 in its low byte.
inline void row_pair_weights(const int32_t* group_words, int32_t pair, int32_t k,
                             int32_t* first_row, int32_t* second_row) {
  const uint32_t word = static_cast<uint32_t>(group_words[2 * pair + k % 2]);
  const uint32_t half = (word >> (16 * (k / 2))) & 0xFFFFu;
  *first_row = static_cast<int8_t>(half >> 8);
  *second_row = static_cast<int8_t>((half & 0xFFu) ^ 0x80u);
}

// FULLY_CONNECTED with row-pair weight words (filter offset 0, output_depth and accum_depth
// multiples of 4) and the input offset folded into the bias at compile time: the sum over i
// of (x_i + input_offset) w_i plus the bias is the sum of x_i w_i plus folded_bias, modulo
// 2^32 as the reference's int32 accumulator.
inline void fully_connected_row_pairs(const FullyConnectedParams& p, const int8_t* input,
                                      const int32_t* weight_words, const int32_t* folded_bias,
                                      int8_t* output) {
#if MF_FAST_KERNELS
  fast::fully_connected_row_pairs(p, input, weight_words, folded_bias, output);
  return;
#endif
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    const int8_t* x = input + batch * p.accum_depth;
    const int32_t* words = weight_words;
    for (int32_t row = 0; row < p.output_depth; row += 4) {
      uint32_t acc[4];
      for (int32_t r = 0; r < 4; ++r) acc[r] = static_cast<uint32_t>(folded_bias[row + r]);
      for (int32_t i = 0; i < p.accum_depth; i += 4, words += 4) {
        for (int32_t k = 0; k < 4; ++k) {
          for (int32_t pair = 0; pair < 2; ++pair) {
            int32_t first, second;
            row_pair_weights(words, pair, k, &first, &second);
            acc[2 * pair] += static_cast<uint32_t>(x[i + k] * first);
            acc[2 * pair + 1] += static_cast<uint32_t>(x[i + k] * second);
          }
        }
      }
      for (int32_t r = 0; r < 4; ++r) {
        output[batch * p.output_depth + row + r] =
            fully_connected_requantize(p, static_cast<int32_t>(acc[r]), row + r);
      }
    }
  }
}

}  // namespace mf

#endif  // MF_FULLY_CONNECTED_H
