// mcuforge runtime: the Cortex-M4/M7 fast path of CONV_2D (conv.h calls it when
// MF_FAST_KERNELS is set). Same bytes as the reference: the same integer sums, reordered.
//
// Two output positions are computed together. Their im2col columns (the input values under the
// filter, plus the input offset, 0 where the filter hangs over the padding) are written to the
// scratch as int16 pairs, then every pair of output channels is one SMLAD loop: four int8
// weights per 32-bit load, SXTB16 to two int16 pairs, four accumulators in registers.
#ifndef MF_CONV_FAST_H
#define MF_CONV_FAST_H

#include <stdint.h>

#include "mf/conv_params.h"
#include "mf/elementwise.h"
#include "mf/simd.h"

namespace mf {
namespace fast {

// Scratch layout of a column pair (32-bit words). For each group of four taps k..k+3:
//   [A k,k+2] [A k+1,k+3] [B k,k+2] [B k+1,k+3]   (int16 pairs, the low half first)
// which is the order SXTB16 / SXTB16 ROR #8 unpack four weights into. The depth % 4 tail taps
// follow as plain int32 values: A's (up to three words), then B's (three words further).
inline int32_t column_pair_words(int32_t depth) {
  return 4 * (depth / 4) + (depth % 4 ? 6 : 0);
}

// Collects one position's column values four at a time into its slot (0 = A, 2 = B).
class ColumnWriter {
 public:
  ColumnWriter(int32_t* words, int32_t slot, int32_t depth)
      : group_(words + slot), tail_(words + 4 * (depth / 4) + (slot ? 3 : 0)), count_(0) {}

  void push(int32_t value) {
    staged_[count_++] = value;
    if (count_ == 4) {
      group_[0] = simd::pack_s16x2(staged_[0], staged_[2]);
      group_[1] = simd::pack_s16x2(staged_[1], staged_[3]);
      group_ += 4;
      count_ = 0;
    }
  }

  void finish() {
    for (int32_t i = 0; i < count_; ++i) tail_[i] = staged_[i];
  }

 private:
  int32_t* group_;
  int32_t* tail_;
  int32_t staged_[4];
  int32_t count_;
};

// The column of output position `position` (batch, y, x flattened) into slot 0 or 2.
MF_HOT_LOOP inline void gather_column(const ConvParams& p, const int8_t* input,
                                      int32_t position, int32_t* words, int32_t slot) {
  const int32_t depth = p.filter_height * p.filter_width * p.input_depth;
  const int32_t out_x = position % p.output_width;
  const int32_t out_y = (position / p.output_width) % p.output_height;
  const int32_t batch = position / (p.output_width * p.output_height);
  const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
  const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
  const bool pointwise = p.filter_height == 1 && p.filter_width == 1 && in_y_origin >= 0 &&
                         in_y_origin < p.input_height && in_x_origin >= 0 &&
                         in_x_origin < p.input_width && p.input_depth % 4 == 0;
  if (pointwise) {
    // One pixel, four channels per load: SXTAB16 adds the offset while it unpacks.
    const int8_t* pixel =
        input + ((batch * p.input_height + in_y_origin) * p.input_width + in_x_origin) *
                    p.input_depth;
    const int32_t offset_pair = simd::pack_s16x2(p.input_offset, p.input_offset);
    int32_t* group = words + slot;
    for (int32_t c = 0; c < p.input_depth; c += 4) {
      const int32_t four = simd::read_s8x4(pixel + c);
      group[0] = simd::sxtab16(offset_pair, four);
      group[1] = simd::sxtab16_odd(offset_pair, four);
      group += 4;
    }
    return;
  }
  ColumnWriter writer(words, slot, depth);
  for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y) {
    const int32_t in_y = in_y_origin + p.dilation_height * filter_y;
    const bool row_inside = in_y >= 0 && in_y < p.input_height;
    for (int32_t filter_x = 0; filter_x < p.filter_width; ++filter_x) {
      const int32_t in_x = in_x_origin + p.dilation_width * filter_x;
      if (!row_inside || in_x < 0 || in_x >= p.input_width) {
        // Padding: the reference skips the tap, i.e. adds 0.
        for (int32_t c = 0; c < p.input_depth; ++c) writer.push(0);
        continue;
      }
      const int8_t* pixel =
          input + ((batch * p.input_height + in_y) * p.input_width + in_x) * p.input_depth;
      for (int32_t c = 0; c < p.input_depth; ++c) writer.push(pixel[c] + p.input_offset);
    }
  }
  writer.finish();
}

// Writes a convolution result to the output tensor.
struct StoreOutput {
  int8_t* output;
  MF_ALWAYS_INLINE void operator()(int32_t index, int8_t value) const { output[index] = value; }
};

// Adds a convolution result to the residual operand (conv_2d_add); output may be residual.
struct StoreResidualSum {
  const AddParams* add_params;
  int32_t conv_is_input1;
  const int8_t* residual;
  int8_t* output;
  MF_ALWAYS_INLINE void operator()(int32_t index, int8_t value) const {
    const int8_t other = residual[index];
    output[index] = conv_is_input1 ? add_value(*add_params, value, other)
                                   : add_value(*add_params, other, value);
  }
};

// Output multiplier and shift, output offset and activation clamp of one accumulator whose
// bias is already added: the arithmetic of conv_requantize.
MF_ALWAYS_INLINE int8_t requantize(int32_t acc, int32_t multiplier, int32_t shift,
                                   int32_t output_offset, int32_t activation_min,
                                   int32_t activation_max) {
  acc = multiply_by_nonnegative_quantized_multiplier(acc, multiplier, shift) + output_offset;
  return static_cast<int8_t>(clamp_i32(acc, activation_min, activation_max));
}

// All output channels of positions A and B (B is skipped when has_b is false: an odd last one).
// Channels go two at a time; an odd last channel is computed twice and stored once. The
// accumulators start at the bias, which the reference adds after the sum (the same integers).
template <bool has_b, class Store>
MF_HOT_LOOP inline void conv_position_pair(const ConvParams& p, const int32_t* words,
                                           const int8_t* filter, const int32_t* bias,
                                           int32_t index_a, const Store& store) {
  const int32_t depth = p.filter_height * p.filter_width * p.input_depth;
  const int32_t groups = depth / 4;
  const int32_t tail = depth % 4;
  const int32_t* tail_a = words + 4 * groups;
  const int32_t* const columns_end = words + 4 * groups;
  const int32_t output_depth = p.output_depth;
  const int32_t output_offset = p.output_offset;
  const int32_t activation_min = p.activation_min;
  const int32_t activation_max = p.activation_max;
  const int32_t index_b = index_a + output_depth;
  for (int32_t out_channel = 0; out_channel < output_depth; out_channel += 2) {
    const int32_t next_channel = out_channel + 1 < output_depth ? out_channel + 1 : out_channel;
    const int8_t* filter0 = filter + out_channel * depth;
    const int8_t* filter1 = filter + next_channel * depth;
    int32_t acc_a0 = bias ? bias[out_channel] : 0;
    int32_t acc_a1 = bias ? bias[next_channel] : 0;
    int32_t acc_b0 = acc_a0, acc_b1 = acc_a1;
    // Written so that four accumulators, four unpacked weights, one column word and four
    // pointers fit the thirteen free registers: no spills in the loop.
    const int32_t* column = words;
    while (column != columns_end) {
      const int32_t w0 = simd::read_s8x4(filter0);
      const int32_t w1 = simd::read_s8x4(filter1);
      filter0 += 4;
      filter1 += 4;
      const int32_t w0_even = simd::sxtb16(w0), w0_odd = simd::sxtb16_odd(w0);
      const int32_t w1_even = simd::sxtb16(w1), w1_odd = simd::sxtb16_odd(w1);
      int32_t x = column[0];  // A, taps k and k+2
      acc_a0 = simd::smlad(x, w0_even, acc_a0);
      acc_a1 = simd::smlad(x, w1_even, acc_a1);
      x = column[1];  // A, taps k+1 and k+3
      acc_a0 = simd::smlad(x, w0_odd, acc_a0);
      acc_a1 = simd::smlad(x, w1_odd, acc_a1);
      x = column[2];
      acc_b0 = simd::smlad(x, w0_even, acc_b0);
      acc_b1 = simd::smlad(x, w1_even, acc_b1);
      x = column[3];
      acc_b0 = simd::smlad(x, w0_odd, acc_b0);
      acc_b1 = simd::smlad(x, w1_odd, acc_b1);
      column += 4;
    }
    for (int32_t t = 0; t < tail; ++t) {
      acc_a0 += tail_a[t] * filter0[t];
      acc_a1 += tail_a[t] * filter1[t];
      acc_b0 += tail_a[3 + t] * filter0[t];
      acc_b1 += tail_a[3 + t] * filter1[t];
    }
    // Positions A and B of one channel share its multiplier and shift.
    const int32_t multiplier0 = p.output_multiplier[out_channel];
    const int32_t shift0 = p.output_shift[out_channel];
    store(index_a + out_channel, requantize(acc_a0, multiplier0, shift0, output_offset,
                                            activation_min, activation_max));
    if (has_b) {
      store(index_b + out_channel, requantize(acc_b0, multiplier0, shift0, output_offset,
                                              activation_min, activation_max));
    }
    if (next_channel != out_channel) {
      const int32_t multiplier1 = p.output_multiplier[next_channel];
      const int32_t shift1 = p.output_shift[next_channel];
      store(index_a + next_channel, requantize(acc_a1, multiplier1, shift1, output_offset,
                                               activation_min, activation_max));
      if (has_b) {
        store(index_b + next_channel, requantize(acc_b1, multiplier1, shift1, output_offset,
                                                 activation_min, activation_max));
      }
    }
  }
}

// The whole convolution. `scratch` holds column_pair_words(depth) words, 4-byte aligned.
// For a 1x1 stride-1 convolution with output_depth <= input_depth, input may equal output:
// both positions of a pair are gathered before any of their outputs is written, and those
// outputs end at or before the next pair's input.
template <class Store>
inline void conv_2d(const ConvParams& p, const int8_t* input, const int8_t* filter,
                    const int32_t* bias, int8_t* scratch, const Store& store) {
  int32_t* words = reinterpret_cast<int32_t*>(scratch);
  const int32_t positions = p.batches * p.output_height * p.output_width;
  for (int32_t position = 0; position < positions; position += 2) {
    const int32_t has_b = position + 1 < positions;
    gather_column(p, input, position, words, 0);
    // An odd last position is paired with itself; its twin's results are not stored.
    gather_column(p, input, has_b ? position + 1 : position, words, 2);
    if (has_b) {
      conv_position_pair<true>(p, words, filter, bias, position * p.output_depth, store);
    } else {
      conv_position_pair<false>(p, words, filter, bias, position * p.output_depth, store);
    }
  }
}

}  // namespace fast
}  // namespace mf

#endif  // MF_CONV_FAST_H
