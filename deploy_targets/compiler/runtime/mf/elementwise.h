// mcuforge runtime: int8 ADD, SUB, MUL, MINIMUM, MAXIMUM with 4-D broadcasting.
// ADD follows TFLite's reference_integer_ops::Add: both inputs are lifted by 2^left_shift,
// rescaled to a common scale, summed, and the sum requantized to the output.
#ifndef MF_ELEMENTWISE_H
#define MF_ELEMENTWISE_H

#include <stdint.h>

#include "mf/fixed_point.h"

namespace mf {

// Output dimensions (NHWC order, padded to 4) and each input's element strides per dimension;
// a stride of 0 repeats that input along a broadcast dimension.
struct BroadcastShape {
  int32_t output_dims[4];
  int32_t input1_strides[4];
  int32_t input2_strides[4];
};

struct AddParams {
  int32_t input1_offset;  // -input1 zero point
  int32_t input1_multiplier;
  int32_t input1_shift;
  int32_t input2_offset;
  int32_t input2_multiplier;
  int32_t input2_shift;
  int32_t left_shift;
  int32_t output_offset;  // output zero point
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t activation_min;
  int32_t activation_max;
  int32_t subtract;  // 1 for SUB: input2's rescaled value is subtracted
};

// One input of ADD/SUB (`input` 1 or 2) lifted by 2^left_shift and rescaled to the common
// scale, negated for SUB's input 2: the part of add_value that depends on that input alone,
// which the fast path reads from a 256-entry table per operand (conv_2d_add).
inline int32_t add_scaled_input(const AddParams& p, int32_t input, int8_t value) {
  const int32_t offset = input == 1 ? p.input1_offset : p.input2_offset;
  const int32_t shifted = (static_cast<int32_t>(value) + offset) * (1 << p.left_shift);
  const int32_t scaled = input == 1
                             ? multiply_by_quantized_multiplier(shifted, p.input1_multiplier,
                                                                p.input1_shift)
                             : multiply_by_quantized_multiplier(shifted, p.input2_multiplier,
                                                                p.input2_shift);
  return input == 2 && p.subtract ? -scaled : scaled;
}

// The sum of the two scaled inputs requantized to the output.
inline int8_t add_output(const AddParams& p, int32_t raw_sum) {
  const int32_t raw_output =
      multiply_by_quantized_multiplier(raw_sum, p.output_multiplier, p.output_shift) +
      p.output_offset;
  return static_cast<int8_t>(clamp_i32(raw_output, p.activation_min, p.activation_max));
}

inline int8_t add_value(const AddParams& p, int8_t a, int8_t b) {
  return add_output(p, add_scaled_input(p, 1, a) + add_scaled_input(p, 2, b));
}

struct MulParams {
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t output_offset;
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t activation_min;
  int32_t activation_max;
};

inline int8_t mul_value(const MulParams& p, int8_t a, int8_t b) {
  const int32_t product =
      (static_cast<int32_t>(a) + p.input1_offset) * (static_cast<int32_t>(b) + p.input2_offset);
  const int32_t raw =
      multiply_by_quantized_multiplier(product, p.output_multiplier, p.output_shift) +
      p.output_offset;
  return static_cast<int8_t>(clamp_i32(raw, p.activation_min, p.activation_max));
}

// MINIMUM/MAXIMUM compare the stored integers: TFLite requires equal quantization.
struct MinMaxParams {
  int32_t take_maximum;
};

inline int8_t min_max_value(const MinMaxParams& p, int8_t a, int8_t b) {
  if (p.take_maximum) return a > b ? a : b;
  return a < b ? a : b;
}

// Visits every output element once, in order; output may alias an input of the same shape.
template <typename Params, int8_t (*Op)(const Params&, int8_t, int8_t)>
inline void broadcast_binary(const Params& p, const BroadcastShape& shape, const int8_t* input1,
                             const int8_t* input2, int8_t* output) {
  int32_t out_index = 0;
  for (int32_t d0 = 0; d0 < shape.output_dims[0]; ++d0) {
    for (int32_t d1 = 0; d1 < shape.output_dims[1]; ++d1) {
      for (int32_t d2 = 0; d2 < shape.output_dims[2]; ++d2) {
        for (int32_t d3 = 0; d3 < shape.output_dims[3]; ++d3) {
          const int32_t i1 = d0 * shape.input1_strides[0] + d1 * shape.input1_strides[1] +
                             d2 * shape.input1_strides[2] + d3 * shape.input1_strides[3];
          const int32_t i2 = d0 * shape.input2_strides[0] + d1 * shape.input2_strides[1] +
                             d2 * shape.input2_strides[2] + d3 * shape.input2_strides[3];
          output[out_index++] = Op(p, input1[i1], input2[i2]);
        }
      }
    }
  }
}

inline void add(const AddParams& p, const BroadcastShape& shape, const int8_t* input1,
                const int8_t* input2, int8_t* output) {
  broadcast_binary<AddParams, add_value>(p, shape, input1, input2, output);
}

inline void mul(const MulParams& p, const BroadcastShape& shape, const int8_t* input1,
                const int8_t* input2, int8_t* output) {
  broadcast_binary<MulParams, mul_value>(p, shape, input1, input2, output);
}

inline void min_max(const MinMaxParams& p, const BroadcastShape& shape, const int8_t* input1,
                    const int8_t* input2, int8_t* output) {
  broadcast_binary<MinMaxParams, min_max_value>(p, shape, input1, input2, output);
}

}  // namespace mf

#endif  // MF_ELEMENTWISE_H
