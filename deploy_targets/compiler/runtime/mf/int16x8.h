// mcuforge runtime: 16x8 quantization, int16 activations (zero point 0) with int8 weights and
// int64 (or int32) biases: FULLY_CONNECTED, CONV_2D, ADD/SUB and SOFTMAX as TFLite's
// reference kernels compute them for int16 (int64 accumulators, the 64-bit
// MultiplyByQuantizedMultiplier, a 15-bit ADD headroom, a table-driven SOFTMAX); MUL, MEAN,
// QUANTIZE (int16 -> int16), PAD, CONCATENATION, STRIDED_SLICE, RESIZE_NEAREST_NEIGHBOR,
// MINIMUM/MAXIMUM, RELU, RELU6 and LEAKY_RELU as the int8 kernels, on int16 values; and
// TRANSPOSE_CONV with int64 accumulators. CONV_2D may be grouped.
#ifndef MF_INT16X8_H
#define MF_INT16X8_H

#include <math.h>
#include <stdint.h>

#include "mf/activations.h"
#include "mf/elementwise.h"
#include "mf/fixed_point.h"
#include "mf/quantize.h"
#include "mf/resize.h"
#include "mf/tensor_ops.h"

namespace mf {

// x * multiplier * 2^(shift - 31) for a 64-bit accumulator: the multiplier is first rounded to
// 16 bits, then one rounding shift (TFLite's MultiplyByQuantizedMultiplier(int64_t, ...), the
// same with and without TFLITE_SINGLE_ROUNDING).
inline int32_t multiply_by_quantized_multiplier_64(int64_t x, int32_t multiplier, int shift) {
  const int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t round = static_cast<int64_t>(1) << (total_shift - 1);
  return static_cast<int32_t>((x * static_cast<int64_t>(reduced) + round) >> total_shift);
}

inline int16_t clamp_to_int16(int32_t value, int32_t low, int32_t high) {
  value = value < low ? low : value;
  return static_cast<int16_t>(value > high ? high : value);
}

struct FullyConnected16x8Params {
  const int32_t* output_multiplier;  // one per output, or one for all (per_channel 0)
  const int32_t* output_shift;
  int32_t per_channel;
  // Per channel, input scale * filter scale / output scale: LiteRT's reference kernel rescales
  // a per-channel int16 accumulator in double (MF_LITERT_ROUNDING); TFLite Micro does not.
  const double* litert_output_scale;
  int32_t activation_min;
  int32_t activation_max;
  int32_t batches;
  int32_t accum_depth;
  int32_t output_depth;
};

// weights [output_depth][accum_depth]; Bias is int64_t or int32_t, or null.
template <typename Bias>
inline void fully_connected_16x8(const FullyConnected16x8Params& p, const int16_t* input,
                                 const int8_t* weights, const Bias* bias, int16_t* output) {
  for (int32_t b = 0; b < p.batches; ++b) {
    const int16_t* in = input + b * p.accum_depth;
    for (int32_t oc = 0; oc < p.output_depth; ++oc) {
      const int8_t* w = weights + oc * p.accum_depth;
      int64_t acc = 0;
      for (int32_t d = 0; d < p.accum_depth; ++d) acc += static_cast<int32_t>(w[d]) * in[d];
      if (bias) acc += bias[oc];
#ifdef MF_LITERT_ROUNDING
      const int32_t value =
          p.per_channel
              ? static_cast<int32_t>(round(static_cast<double>(acc) * p.litert_output_scale[oc]))
              : multiply_by_quantized_multiplier_64(acc, p.output_multiplier[0],
                                                    p.output_shift[0]);
#else
      const int32_t channel = p.per_channel ? oc : 0;
      const int32_t value = multiply_by_quantized_multiplier_64(
          acc, p.output_multiplier[channel], p.output_shift[channel]);
#endif
      *output++ = clamp_to_int16(value, p.activation_min, p.activation_max);
    }
  }
}

struct Conv16x8Params {
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
  int32_t output_height;
  int32_t output_width;
  int32_t output_depth;
  int32_t filter_depth;  // of a CONV_2D: input_depth / groups (input_depth elsewhere)
};

// filter [output_depth][filter_height][filter_width][filter_depth] (ConvPerChannel, int16). A
// grouped convolution (filter_depth < input_depth) splits the input channels into
// input_depth / filter_depth groups, each read by output_depth / groups consecutive filters.
template <typename Bias>
inline void conv_2d_16x8(const Conv16x8Params& p, const int16_t* input, const int8_t* filter,
                         const Bias* bias, int16_t* output) {
  const int32_t filters_per_group = p.output_depth / (p.input_depth / p.filter_depth);
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
        for (int32_t oc = 0; oc < p.output_depth; ++oc) {
          const int32_t group = oc / filters_per_group;
          int64_t acc = 0;
          for (int32_t fy = 0; fy < p.filter_height; ++fy) {
            const int32_t in_y = in_y_origin + p.dilation_height * fy;
            if (in_y < 0 || in_y >= p.input_height) continue;
            for (int32_t fx = 0; fx < p.filter_width; ++fx) {
              const int32_t in_x = in_x_origin + p.dilation_width * fx;
              if (in_x < 0 || in_x >= p.input_width) continue;
              const int16_t* in = input + ((b * p.input_height + in_y) * p.input_width + in_x) *
                                              p.input_depth + group * p.filter_depth;
              const int8_t* f = filter + ((oc * p.filter_height + fy) * p.filter_width + fx) *
                                             p.filter_depth;
              for (int32_t ic = 0; ic < p.filter_depth; ++ic) {
                acc += static_cast<int32_t>(f[ic]) * in[ic];
              }
            }
          }
          if (bias) acc += bias[oc];
          const int32_t value = multiply_by_quantized_multiplier_64(
              acc, p.output_multiplier[oc], p.output_shift[oc]);
          *output++ = clamp_to_int16(value, p.activation_min, p.activation_max);
        }
      }
    }
  }
}

// filter [1][filter_height][filter_width][output_depth]; output channel
// ic * depth_multiplier + m reads input channel ic (DepthwiseConvPerChannel, int16).
template <typename Bias>
inline void depthwise_conv_2d_16x8(const Conv16x8Params& p, const int16_t* input,
                                   const int8_t* filter, const Bias* bias, int16_t* output) {
  const int32_t depth_multiplier = p.output_depth / p.input_depth;
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        for (int32_t ic = 0; ic < p.input_depth; ++ic) {
          for (int32_t m = 0; m < depth_multiplier; ++m) {
            const int32_t oc = m + ic * depth_multiplier;
            const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
            const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
            int64_t acc = 0;
            for (int32_t fy = 0; fy < p.filter_height; ++fy) {
              for (int32_t fx = 0; fx < p.filter_width; ++fx) {
                const int32_t in_x = in_x_origin + p.dilation_width * fx;
                const int32_t in_y = in_y_origin + p.dilation_height * fy;
                if (in_x >= 0 && in_x < p.input_width && in_y >= 0 && in_y < p.input_height) {
                  acc += static_cast<int64_t>(
                             filter[(fy * p.filter_width + fx) * p.output_depth + oc]) *
                         input[((b * p.input_height + in_y) * p.input_width + in_x) *
                                   p.input_depth + ic];
                }
              }
            }
            if (bias) acc += bias[oc];
            const int32_t value = multiply_by_quantized_multiplier_64(
                acc, p.output_multiplier[oc], p.output_shift[oc]);
            output[((b * p.output_height + out_y) * p.output_width + out_x) * p.output_depth +
                   oc] = clamp_to_int16(value, p.activation_min, p.activation_max);
          }
        }
      }
    }
  }
}

// AVERAGE_POOL_2D / MAX_POOL_2D on int16 (AveragePool16, MaxPool16); Conv16x8Params carries
// the window (no multipliers), output_depth == input_depth.
inline void pool_2d_int16(const Conv16x8Params& p, int32_t average, const int16_t* input,
                          int16_t* output) {
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        for (int32_t c = 0; c < p.output_depth; ++c) {
          const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
          const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
          const int32_t fx_start = in_x_origin < 0 ? -in_x_origin : 0;
          const int32_t fx_end = p.filter_width < p.input_width - in_x_origin
                                     ? p.filter_width : p.input_width - in_x_origin;
          const int32_t fy_start = in_y_origin < 0 ? -in_y_origin : 0;
          const int32_t fy_end = p.filter_height < p.input_height - in_y_origin
                                     ? p.filter_height : p.input_height - in_y_origin;
          int32_t acc = average ? 0 : -32768;
          int32_t count = 0;
          for (int32_t fy = fy_start; fy < fy_end; ++fy) {
            for (int32_t fx = fx_start; fx < fx_end; ++fx) {
              const int32_t value = input[((b * p.input_height + in_y_origin + fy) *
                                               p.input_width + in_x_origin + fx) *
                                              p.input_depth + c];
              acc = average ? acc + value : (value > acc ? value : acc);
              ++count;
            }
          }
          if (average && count > 0) {
            // Rounded half away from zero, as TFLite's AveragePool.
            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          }
          *output++ = clamp_to_int16(acc, p.activation_min, p.activation_max);
        }
      }
    }
  }
}

// QUANTIZE float -> int16 and DEQUANTIZE int16 -> float (AffineQuantize, Dequantize).
inline void quantize_float_int16(const AffineQuantizeParams& p, const float* input,
                                 int16_t* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t unclamped = static_cast<int32_t>(roundf(input[i] / p.scale)) + p.zero_point;
    output[i] = clamp_to_int16(unclamped, -32768, 32767);
  }
}

inline void dequantize_int16(const DequantizeParams& p, const int16_t* input, float* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    output[i] = static_cast<float>(p.scale * (static_cast<int32_t>(input[i]) - p.zero_point));
  }
}

// ADD/SUB on int16: the int8 arithmetic of mf::add with 15 bits of headroom (left_shift).
inline void add_int16(const AddParams& p, const BroadcastShape& shape, const int16_t* input1,
                      const int16_t* input2, int16_t* output) {
  int32_t out_index = 0;
  for (int32_t d0 = 0; d0 < shape.output_dims[0]; ++d0) {
    for (int32_t d1 = 0; d1 < shape.output_dims[1]; ++d1) {
      for (int32_t d2 = 0; d2 < shape.output_dims[2]; ++d2) {
        for (int32_t d3 = 0; d3 < shape.output_dims[3]; ++d3) {
          const int32_t i1 = d0 * shape.input1_strides[0] + d1 * shape.input1_strides[1] +
                             d2 * shape.input1_strides[2] + d3 * shape.input1_strides[3];
          const int32_t i2 = d0 * shape.input2_strides[0] + d1 * shape.input2_strides[1] +
                             d2 * shape.input2_strides[2] + d3 * shape.input2_strides[3];
          const int32_t shifted1 = (input1[i1] + p.input1_offset) * (1 << p.left_shift);
          const int32_t shifted2 = (input2[i2] + p.input2_offset) * (1 << p.left_shift);
          const int32_t scaled1 =
              multiply_by_quantized_multiplier(shifted1, p.input1_multiplier, p.input1_shift);
          const int32_t scaled2 =
              multiply_by_quantized_multiplier(shifted2, p.input2_multiplier, p.input2_shift);
          const int32_t raw_sum = p.subtract ? scaled1 - scaled2 : scaled1 + scaled2;
          const int32_t raw_output =
              multiply_by_quantized_multiplier(raw_sum, p.output_multiplier, p.output_shift) +
              p.output_offset;
          output[out_index++] = clamp_to_int16(raw_output, p.activation_min, p.activation_max);
        }
      }
    }
  }
}

// SOFTMAX int16 -> int16 (SoftmaxInt16): exp of the scaled difference to the row maximum and
// the reciprocal of the sum, both read from 513-entry tables with linear interpolation.
struct Softmax16Params {
  int32_t input_multiplier;
  int32_t input_left_shift;
  int32_t outer_size;
  int32_t depth;
  const int16_t* exp_table;               // exp(x) on [-10, 0]
  const int16_t* one_over_one_plus_x_table;  // 1 / (1 + x) on [0, 1]
};

inline int16_t table_lookup_int16(int16_t value, const int16_t* table) {
  const uint16_t index = static_cast<uint16_t>(256 + (value >> 7));
  const int16_t offset = value & 0x7f;
  const int16_t base = table[index];
  const int16_t slope = table[index + 1] - table[index];
  return static_cast<int16_t>(base + ((slope * offset + 64) >> 7));
}

inline void softmax_int16(const Softmax16Params& p, const int16_t* input, int16_t* output) {
  for (int32_t row = 0; row < p.outer_size; ++row) {
    const int16_t* in = input + row * p.depth;
    int16_t* out = output + row * p.depth;
    int16_t max_in_row = -32768;
    for (int32_t c = 0; c < p.depth; ++c) max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
    int32_t sum_of_exps = 0;  // Q16.15
    for (int32_t c = 0; c < p.depth; ++c) {
      // [-65535, 0] stands for [-10, 0]; recentred on [-32768, 32767] for the table. LiteRT's
      // reference SoftmaxInt16 rounds twice here as well (MF_LITERT_ROUNDING changes nothing).
      const int32_t scaled = multiply_by_quantized_multiplier(in[c] - max_in_row,
                                                              p.input_multiplier,
                                                              p.input_left_shift) + 32767;
      out[c] = table_lookup_int16(clamp_to_int16(scaled, -32768, 32767), p.exp_table);
      sum_of_exps += out[c];
    }
    int32_t headroom_plus_one = 0;
    for (uint32_t bits = static_cast<uint32_t>(sum_of_exps); !(bits & 0x80000000u) && bits;
         bits <<= 1) {
      ++headroom_plus_one;
    }
    if (sum_of_exps == 0) headroom_plus_one = 32;
    // The sum in [1, 2) as Q1.14 less 1.5, recentred for the 1/(1+x) table.
    const int32_t shifted_sum = static_cast<int32_t>(
        ((static_cast<int64_t>(sum_of_exps) << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    const int16_t reciprocal = table_lookup_int16(
        clamp_to_int16(shifted_sum - ((1 << 15) + (1 << 16)), -32768, 32767),
        p.one_over_one_plus_x_table);
    const int32_t right_shift = 31 - headroom_plus_one;
    const int64_t round = static_cast<int64_t>(1) << (right_shift - 1);
    for (int32_t c = 0; c < p.depth; ++c) {
      const int32_t value = static_cast<int32_t>(
          (static_cast<int64_t>(out[c]) * reciprocal + round) >> right_shift);
      out[c] = clamp_to_int16(value, 0, 32767);
    }
  }
}

// MUL: reference_integer_ops::Mul on int16 (zero points 0, so no offsets): the product of two
// int16 values fits int32 and is requantized once.
inline void mul_int16(const MulParams& p, const BroadcastShape& shape, const int16_t* input1,
                      const int16_t* input2, int16_t* output) {
  int32_t out_index = 0;
  for (int32_t d0 = 0; d0 < shape.output_dims[0]; ++d0) {
    for (int32_t d1 = 0; d1 < shape.output_dims[1]; ++d1) {
      for (int32_t d2 = 0; d2 < shape.output_dims[2]; ++d2) {
        for (int32_t d3 = 0; d3 < shape.output_dims[3]; ++d3) {
          const int32_t a = input1[d0 * shape.input1_strides[0] + d1 * shape.input1_strides[1] +
                                   d2 * shape.input1_strides[2] + d3 * shape.input1_strides[3]];
          const int32_t b = input2[d0 * shape.input2_strides[0] + d1 * shape.input2_strides[1] +
                                   d2 * shape.input2_strides[2] + d3 * shape.input2_strides[3]];
          const int32_t raw =
              multiply_by_quantized_multiplier(a * b, p.output_multiplier, p.output_shift);
          output[out_index++] = clamp_to_int16(raw, p.activation_min, p.activation_max);
        }
      }
    }
  }
}

// PAD on int16 values (mf::PadParams; pad_value is the model's constant or 0).
inline void pad_int16(const PadParams& p, const int16_t* input, int16_t* output) {
  for (int32_t d0 = 0; d0 < p.output_dims[0]; ++d0) {
    for (int32_t d1 = 0; d1 < p.output_dims[1]; ++d1) {
      for (int32_t d2 = 0; d2 < p.output_dims[2]; ++d2) {
        for (int32_t d3 = 0; d3 < p.output_dims[3]; ++d3) {
          const int32_t i0 = d0 - p.left_padding[0], i1 = d1 - p.left_padding[1];
          const int32_t i2 = d2 - p.left_padding[2], i3 = d3 - p.left_padding[3];
          const bool inside = i0 >= 0 && i0 < p.input_dims[0] && i1 >= 0 &&
                              i1 < p.input_dims[1] && i2 >= 0 && i2 < p.input_dims[2] &&
                              i3 >= 0 && i3 < p.input_dims[3];
          *output++ = inside ? input[((i0 * p.input_dims[1] + i1) * p.input_dims[2] + i2) *
                                         p.input_dims[3] + i3]
                             : static_cast<int16_t>(p.pad_value);
        }
      }
    }
  }
}

// One input of an int16 CONCATENATION (mf::ConcatPartParams): values are copied, never
// requantized; TFLite requires every input to share the output's scale.
inline void concatenation_part_int16(const ConcatPartParams& p, const int16_t* input,
                                     int16_t* output) {
  concatenation_part(p, input, output);
}

// MEAN on int16 values: TFLite Micro's QuantizedMeanOrSum as mf::mean, saturating to int16.
inline void mean_int16(const MeanParams& p, const int16_t* input, int16_t* output) {
  mean(p, input, output);
}

// STRIDED_SLICE on int16 values (mf::StridedSliceParams).
inline void strided_slice_int16(const StridedSliceParams& p, const int16_t* input,
                                int16_t* output) {
  strided_slice(p, input, output);
}

// RESIZE_NEAREST_NEIGHBOR on int16 values (mf::ResizeNearestParams, tables from the compiler).
inline void resize_nearest_neighbor_int16(const ResizeNearestParams& p, const int16_t* input,
                                          int16_t* output) {
  resize_nearest_neighbor(p, input, output);
}

// MINIMUM/MAXIMUM on int16 values: the stored integers are compared (one shared scale).
inline void min_max_int16(const MinMaxParams& p, const BroadcastShape& shape,
                          const int16_t* input1, const int16_t* input2, int16_t* output) {
  int32_t out_index = 0;
  for (int32_t d0 = 0; d0 < shape.output_dims[0]; ++d0) {
    for (int32_t d1 = 0; d1 < shape.output_dims[1]; ++d1) {
      for (int32_t d2 = 0; d2 < shape.output_dims[2]; ++d2) {
        for (int32_t d3 = 0; d3 < shape.output_dims[3]; ++d3) {
          const int16_t a = input1[d0 * shape.input1_strides[0] + d1 * shape.input1_strides[1] +
                                   d2 * shape.input1_strides[2] + d3 * shape.input1_strides[3]];
          const int16_t b = input2[d0 * shape.input2_strides[0] + d1 * shape.input2_strides[1] +
                                   d2 * shape.input2_strides[2] + d3 * shape.input2_strides[3]];
          output[out_index++] = p.take_maximum ? (a > b ? a : b) : (a < b ? a : b);
        }
      }
    }
  }
}

// RELU on int16 values (mf::ReluParams): requantized, then clamped at 0.
inline void relu_int16(const ReluParams& p, const int16_t* input, int16_t* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t value = multiply_by_quantized_multiplier(
        static_cast<int32_t>(input[i]) - p.input_zero_point, p.output_multiplier,
        p.output_shift) + p.output_zero_point;
    output[i] = clamp_to_int16(value, p.activation_min, p.activation_max);
  }
}

// RELU6 on int16 values (mf::ClampParams): the stored values clamped to the input's quantized
// [0, 6], as TFLite Micro's Relu6Quantized<int16_t>.
inline void clamp_int16(const ClampParams& p, const int16_t* input, int16_t* output) {
  for (int32_t i = 0; i < p.size; ++i) output[i] = clamp_to_int16(input[i], p.lower, p.upper);
}

// LEAKY_RELU on int16 values (mf::LeakyReluParams), as mf::leaky_relu: a negative alpha's
// multiplier is applied by magnitude and the result negated.
inline void leaky_relu_int16(const LeakyReluParams& p, const int16_t* input, int16_t* output) {
  const bool alpha_negative = p.multiplier_alpha < 0;
  const int32_t alpha_magnitude = alpha_negative ? -p.multiplier_alpha : p.multiplier_alpha;
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t value = static_cast<int32_t>(input[i]) - p.input_zero_point;
    int32_t result = p.output_zero_point;
    if (value >= 0) {
      result += multiply_by_quantized_multiplier(value, p.multiplier_identity, p.shift_identity);
    } else {
      const int32_t scaled = multiply_by_quantized_multiplier(value, alpha_magnitude,
                                                              p.shift_alpha);
      result += alpha_negative ? -scaled : scaled;
    }
    output[i] = clamp_to_int16(result, -32768, 32767);
  }
}

// TRANSPOSE_CONV (reference_integer_ops::TransposeConv on int16 with 64-bit accumulators).
// TFLite scatters each input value into per-output int64 sums; the same exact integer sums are
// gathered here per output value instead, so no scratch is needed: output (out_y, out_x) takes
// input (in_y, in_x) through filter tap (fy, fx) where in_y * stride + fy = out_y + padding.
// filter [output_depth][filter_height][filter_width][input_depth]; dilations are 1.
template <typename Bias>
inline void transpose_conv_16x8(const Conv16x8Params& p, const int16_t* input,
                                const int8_t* filter, const Bias* bias, int16_t* output) {
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        for (int32_t oc = 0; oc < p.output_depth; ++oc) {
          int64_t acc = 0;
          for (int32_t fy = 0; fy < p.filter_height; ++fy) {
            const int32_t y = out_y + p.padding_height - fy;
            if (y < 0 || y % p.stride_height != 0 || y / p.stride_height >= p.input_height) {
              continue;
            }
            const int32_t in_y = y / p.stride_height;
            for (int32_t fx = 0; fx < p.filter_width; ++fx) {
              const int32_t x = out_x + p.padding_width - fx;
              if (x < 0 || x % p.stride_width != 0 || x / p.stride_width >= p.input_width) {
                continue;
              }
              const int32_t in_x = x / p.stride_width;
              const int16_t* in = input + ((b * p.input_height + in_y) * p.input_width + in_x) *
                                              p.input_depth;
              const int8_t* f = filter + ((oc * p.filter_height + fy) * p.filter_width + fx) *
                                             p.input_depth;
              for (int32_t ic = 0; ic < p.input_depth; ++ic) {
                acc += static_cast<int32_t>(f[ic]) * in[ic];
              }
            }
          }
          if (bias) acc += bias[oc];
          const int32_t value = multiply_by_quantized_multiplier_64(
              acc, p.output_multiplier[oc], p.output_shift[oc]);
          *output++ = clamp_to_int16(value, p.activation_min, p.activation_max);
        }
      }
    }
  }
}

}  // namespace mf

#endif  // MF_INT16X8_H
