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

// Weight (row, i) of the words the compiler lays out for fully_connected_row_pairs
// (ops/fully_connected.py: row_pair_words): blocks of four rows A B C D by groups of four
// inputs, words [AB: i, i+2] [AB: i+1, i+3] [CD: i, i+2] [CD: i+1, i+3], each int16 half
// holding A's (or C's) weight in its high byte and B's (D's) plus 128 in its low byte.
inline int32_t row_pair_weight(const int32_t* words, int32_t depth, int32_t row, int32_t i) {
  const int32_t word = ((row / 4) * (depth / 4) + i / 4) * 4 + 2 * ((row % 4) / 2) + i % 2;
  const bool high_byte = row % 2 == 0;
  const int32_t byte = 2 * ((i % 4) / 2) + (high_byte ? 1 : 0);
  const uint32_t bits = (static_cast<uint32_t>(words[word]) >> (8 * byte)) & 0xFFu;
  return static_cast<int8_t>(high_byte ? bits : bits ^ 0x80u);
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
    for (int32_t row = 0; row < p.output_depth; ++row) {
      uint32_t acc = static_cast<uint32_t>(folded_bias[row]);
      for (int32_t i = 0; i < p.accum_depth; ++i) {
        acc += static_cast<uint32_t>(x[i] * row_pair_weight(weight_words, p.accum_depth, row, i));
      }
      output[batch * p.output_depth + row] =
          fully_connected_requantize(p, static_cast<int32_t>(acc), row);
    }
  }
}

}  // namespace mf

#endif  // MF_FULLY_CONNECTED_H
