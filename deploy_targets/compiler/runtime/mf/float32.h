// mcuforge runtime: the float32 reference path, for models that were not quantized. Each
// kernel is TFLite's float reference kernel in the same loop and summation order (so results
// match TFLite Micro's float kernels to rounding): CONV_2D, DEPTHWISE_CONV_2D,
// FULLY_CONNECTED, AVERAGE/MAX_POOL_2D, ADD/SUB/MUL/MINIMUM/MAXIMUM, SOFTMAX,
// RELU/RELU6/LOGISTIC/TANH/LEAKY_RELU/HARD_SWISH, MEAN, PAD, CONCATENATION, STRIDED_SLICE,
// RESIZE_NEAREST_NEIGHBOR/RESIZE_BILINEAR, TRANSPOSE_CONV, grouped CONV_2D and
// SPACE_TO_BATCH_ND/BATCH_TO_SPACE_ND.
#ifndef MF_FLOAT32_H
#define MF_FLOAT32_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mf/elementwise.h"
#include "mf/resize.h"
#include "mf/space_batch.h"
#include "mf/tensor_ops.h"

namespace mf {

inline float clamp_f32(float value, float low, float high) {
  return value < low ? low : (value > high ? high : value);
}

// The window, strides and shapes of a float convolution or pooling; activation bounds are
// the fused activation's (-FLT_MAX..FLT_MAX for none).
struct FloatWindowParams {
  float activation_min;
  float activation_max;
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
  int32_t filter_depth;  // of a convolution: input_depth / groups (input_depth elsewhere)
};

// filter [output_depth][filter_height][filter_width][filter_depth]; bias may be null. A grouped
// convolution (filter_depth < input_depth) splits the input channels into input_depth /
// filter_depth groups, each read by output_depth / groups consecutive filters.
inline void conv_2d_f32(const FloatWindowParams& p, const float* input, const float* filter,
                        const float* bias, float* output) {
  const int32_t filters_per_group = p.output_depth / (p.input_depth / p.filter_depth);
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
        for (int32_t oc = 0; oc < p.output_depth; ++oc) {
          const int32_t group = oc / filters_per_group;
          float total = 0.f;
          for (int32_t fy = 0; fy < p.filter_height; ++fy) {
            const int32_t in_y = in_y_origin + p.dilation_height * fy;
            for (int32_t fx = 0; fx < p.filter_width; ++fx) {
              const int32_t in_x = in_x_origin + p.dilation_width * fx;
              if (in_x < 0 || in_x >= p.input_width || in_y < 0 || in_y >= p.input_height) {
                continue;
              }
              const float* in = input + ((b * p.input_height + in_y) * p.input_width + in_x) *
                                            p.input_depth + group * p.filter_depth;
              const float* f = filter + ((oc * p.filter_height + fy) * p.filter_width + fx) *
                                            p.filter_depth;
              for (int32_t ic = 0; ic < p.filter_depth; ++ic) total += in[ic] * f[ic];
            }
          }
          const float bias_value = bias ? bias[oc] : 0.f;
          *output++ = clamp_f32(total + bias_value, p.activation_min, p.activation_max);
        }
      }
    }
  }
}

// filter [1][filter_height][filter_width][output_depth], output channel
// ic * depth_multiplier + m reads input channel ic.
inline void depthwise_conv_2d_f32(const FloatWindowParams& p, const float* input,
                                  const float* filter, const float* bias, float* output) {
  const int32_t depth_multiplier = p.output_depth / p.input_depth;
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        for (int32_t ic = 0; ic < p.input_depth; ++ic) {
          for (int32_t m = 0; m < depth_multiplier; ++m) {
            const int32_t oc = m + ic * depth_multiplier;
            const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
            const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
            float total = 0.f;
            for (int32_t fy = 0; fy < p.filter_height; ++fy) {
              for (int32_t fx = 0; fx < p.filter_width; ++fx) {
                const int32_t in_x = in_x_origin + p.dilation_width * fx;
                const int32_t in_y = in_y_origin + p.dilation_height * fy;
                if (in_x >= 0 && in_x < p.input_width && in_y >= 0 && in_y < p.input_height) {
                  total += input[((b * p.input_height + in_y) * p.input_width + in_x) *
                                     p.input_depth + ic] *
                           filter[(fy * p.filter_width + fx) * p.output_depth + oc];
                }
              }
            }
            const float bias_value = bias ? bias[oc] : 0.f;
            output[((b * p.output_height + out_y) * p.output_width + out_x) * p.output_depth +
                   oc] = clamp_f32(total + bias_value, p.activation_min, p.activation_max);
          }
        }
      }
    }
  }
}

inline void average_pool_2d_f32(const FloatWindowParams& p, const float* input, float* output) {
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
          float total = 0.f;
          float count = 0.f;
          for (int32_t fy = fy_start; fy < fy_end; ++fy) {
            for (int32_t fx = fx_start; fx < fx_end; ++fx) {
              total += input[((b * p.input_height + in_y_origin + fy) * p.input_width +
                               in_x_origin + fx) * p.input_depth + c];
              count += 1.f;
            }
          }
          *output++ = clamp_f32(total / count, p.activation_min, p.activation_max);
        }
      }
    }
  }
}

inline void max_pool_2d_f32(const FloatWindowParams& p, const float* input, float* output) {
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
          float max = -3.402823466e+38f;
          for (int32_t fy = fy_start; fy < fy_end; ++fy) {
            for (int32_t fx = fx_start; fx < fx_end; ++fx) {
              const float value = input[((b * p.input_height + in_y_origin + fy) *
                                             p.input_width + in_x_origin + fx) *
                                            p.input_depth + c];
              max = value > max ? value : max;
            }
          }
          *output++ = clamp_f32(max, p.activation_min, p.activation_max);
        }
      }
    }
  }
}

struct FloatFullyConnectedParams {
  float activation_min;
  float activation_max;
  int32_t batches;
  int32_t accum_depth;
  int32_t output_depth;
};

inline void fully_connected_f32(const FloatFullyConnectedParams& p, const float* input,
                                const float* weights, const float* bias, float* output) {
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t oc = 0; oc < p.output_depth; ++oc) {
      float total = 0.f;
      for (int32_t d = 0; d < p.accum_depth; ++d) {
        total += input[b * p.accum_depth + d] * weights[oc * p.accum_depth + d];
      }
      const float bias_value = bias ? bias[oc] : 0.f;
      output[oc + p.output_depth * b] =
          clamp_f32(total + bias_value, p.activation_min, p.activation_max);
    }
  }
}

// ADD, SUB, MUL, MINIMUM, MAXIMUM (operation 0..4) with 4-D broadcasting, then the fused
// activation (none for MINIMUM and MAXIMUM: their bounds are -FLT_MAX..FLT_MAX).
struct FloatBinaryParams {
  int32_t operation;
  float activation_min;
  float activation_max;
};

inline void binary_f32(const FloatBinaryParams& p, const BroadcastShape& shape,
                       const float* input1, const float* input2, float* output) {
  int32_t out_index = 0;
  for (int32_t d0 = 0; d0 < shape.output_dims[0]; ++d0) {
    for (int32_t d1 = 0; d1 < shape.output_dims[1]; ++d1) {
      for (int32_t d2 = 0; d2 < shape.output_dims[2]; ++d2) {
        for (int32_t d3 = 0; d3 < shape.output_dims[3]; ++d3) {
          const float a = input1[d0 * shape.input1_strides[0] + d1 * shape.input1_strides[1] +
                                 d2 * shape.input1_strides[2] + d3 * shape.input1_strides[3]];
          const float b = input2[d0 * shape.input2_strides[0] + d1 * shape.input2_strides[1] +
                                 d2 * shape.input2_strides[2] + d3 * shape.input2_strides[3]];
          float value;
          switch (p.operation) {
            case 0: value = a + b; break;
            case 1: value = a - b; break;
            case 2: value = a * b; break;
            case 3: value = a < b ? a : b; break;
            default: value = a > b ? a : b; break;
          }
          output[out_index++] = clamp_f32(value, p.activation_min, p.activation_max);
        }
      }
    }
  }
}

struct FloatSoftmaxParams {
  float beta;
  int32_t outer_size;
  int32_t depth;
};

inline void softmax_f32(const FloatSoftmaxParams& p, const float* input, float* output) {
  for (int32_t i = 0; i < p.outer_size; ++i) {
    const float* in = input + i * p.depth;
    float* out = output + i * p.depth;
    float max = -3.402823466e+38f;
    for (int32_t c = 0; c < p.depth; ++c) max = in[c] > max ? in[c] : max;
    float sum = 0.f;
    for (int32_t c = 0; c < p.depth; ++c) {
      const float exp_c = expf((in[c] - max) * p.beta);
      out[c] = exp_c;
      sum += exp_c;
    }
    for (int32_t c = 0; c < p.depth; ++c) out[c] = out[c] / sum;
  }
}

// RELU, RELU_N1_TO_1, RELU6 (a clamp), LOGISTIC, TANH (function 0..2 below).
struct FloatActivationParams {
  int32_t function;  // 0: clamp to [low, high], 1: logistic, 2: tanh
  float low;
  float high;
  int32_t size;
};

inline void activation_f32(const FloatActivationParams& p, const float* input, float* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    const float value = input[i];
    if (p.function == 0) {
      output[i] = clamp_f32(value, p.low, p.high);
    } else if (p.function == 1) {
      // TFLite's cut-offs: beyond them the float result is 1 or exp(value).
      output[i] = value > 16.619047164916992188f ? 1.0f
                  : value < -9.f                 ? expf(value)
                                                 : 1.f / (1.f + expf(-value));
    } else {
      output[i] = tanhf(value);
    }
  }
}

struct FloatLeakyReluParams {
  float alpha;
  int32_t size;
};

inline void leaky_relu_f32(const FloatLeakyReluParams& p, const float* input, float* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    const float value = input[i];
    // alpha may be above 1 or negative, so this is not a max().
    output[i] = value > 0.f ? value : value * p.alpha;
  }
}

struct FloatSizeParams {
  int32_t size;
};

// x * relu6(x + 3) / 6, multiplied before dividing as TFLite's reference HardSwish does.
inline void hard_swish_f32(const FloatSizeParams& p, const float* input, float* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    const float value = input[i];
    output[i] = value * clamp_f32(value + 3.f, 0.f, 6.f) / 6.f;
  }
}

// MEAN over the axes with reduce[k] = 1 (shapes padded to 4-D): each sum, then one division.
struct FloatMeanParams {
  int32_t input_dims[4];
  int32_t reduce[4];
  int32_t reduced_count;
};

inline void mean_f32(const FloatMeanParams& p, const float* input, float* output) {
  int32_t out_dims[4];
  for (int k = 0; k < 4; ++k) out_dims[k] = p.reduce[k] ? 1 : p.input_dims[k];
  const int32_t out_size = out_dims[0] * out_dims[1] * out_dims[2] * out_dims[3];
  for (int32_t i = 0; i < out_size; ++i) output[i] = 0.f;
  // Visit the input in order, adding each value to its output, as TFLite's ReduceSumImpl.
  for (int32_t i0 = 0; i0 < p.input_dims[0]; ++i0) {
    for (int32_t i1 = 0; i1 < p.input_dims[1]; ++i1) {
      for (int32_t i2 = 0; i2 < p.input_dims[2]; ++i2) {
        for (int32_t i3 = 0; i3 < p.input_dims[3]; ++i3) {
          const int32_t o0 = p.reduce[0] ? 0 : i0, o1 = p.reduce[1] ? 0 : i1;
          const int32_t o2 = p.reduce[2] ? 0 : i2, o3 = p.reduce[3] ? 0 : i3;
          output[((o0 * out_dims[1] + o1) * out_dims[2] + o2) * out_dims[3] + o3] +=
              *input++;
        }
      }
    }
  }
  for (int32_t i = 0; i < out_size; ++i) output[i] = output[i] / p.reduced_count;
}

// PAD with a float value (shapes padded to 4-D).
struct FloatPadParams {
  int32_t input_dims[4];
  int32_t output_dims[4];
  int32_t left_padding[4];
  float pad_value;
};

inline void pad_f32(const FloatPadParams& p, const float* input, float* output) {
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
                             : p.pad_value;
        }
      }
    }
  }
}

// One input of a float CONCATENATION (see mf::ConcatPartParams in tensor_ops.h).
struct FloatConcatPartParams {
  int32_t outer_size;
  int32_t copy_size;
  int32_t output_row_size;
  int32_t output_offset;
};

inline void concatenation_part_f32(const FloatConcatPartParams& p, const float* input,
                                   float* output) {
  for (int32_t outer = 0; outer < p.outer_size; ++outer) {
    memcpy(output + outer * p.output_row_size + p.output_offset, input + outer * p.copy_size,
           static_cast<size_t>(p.copy_size) * sizeof(float));
  }
}

// STRIDED_SLICE: output element (o0..o3) reads input element start[k] + o_k * stride[k].
inline void strided_slice_f32(const StridedSliceParams& p, const float* input, float* output) {
  strided_slice(p, input, output);
}

// RESIZE_NEAREST_NEIGHBOR: the source rows and columns are the int8 kernel's (mf/resize.h).
inline void resize_nearest_neighbor_f32(const ResizeNearestParams& p, const float* input,
                                        float* output) {
  resize_nearest_neighbor(p, input, output);
}

// RESIZE_BILINEAR in float, as TFLite's reference ResizeBilinear: the scales are input size /
// output size in float ((size - 1) / (output - 1) with align_corners).
struct FloatResizeBilinearParams {
  int32_t batches;
  int32_t input_height;
  int32_t input_width;
  int32_t depth;
  int32_t output_height;
  int32_t output_width;
  float height_scale;
  float width_scale;
  int32_t half_pixel_centers;
};

// ComputeInterpolationValues: the position of output pixel `value` in the input and the two
// input pixels around it.
inline void resize_bilinear_position_f32(int32_t value, float scale, int32_t half_pixel_centers,
                                         int32_t input_size, float* scaled, int32_t* lower,
                                         int32_t* upper) {
  *scaled = half_pixel_centers ? (static_cast<float>(value) + 0.5f) * scale - 0.5f
                               : static_cast<float>(value) * scale;
  const int32_t low = static_cast<int32_t>(floorf(*scaled));
  *lower = low > 0 ? low : 0;
  const int32_t high = static_cast<int32_t>(ceilf(*scaled));
  *upper = high < input_size - 1 ? high : input_size - 1;
}

inline void resize_bilinear_f32(const FloatResizeBilinearParams& p, const float* input,
                                float* output) {
  for (int32_t b = 0; b < p.batches; ++b) {
    const float* batch = input + b * p.input_height * p.input_width * p.depth;
    for (int32_t y = 0; y < p.output_height; ++y) {
      float input_y;
      int32_t y0, y1;
      resize_bilinear_position_f32(y, p.height_scale, p.half_pixel_centers, p.input_height,
                                   &input_y, &y0, &y1);
      const float dy = input_y - static_cast<float>(y0);  // weight of row y1
      for (int32_t x = 0; x < p.output_width; ++x) {
        float input_x;
        int32_t x0, x1;
        resize_bilinear_position_f32(x, p.width_scale, p.half_pixel_centers, p.input_width,
                                     &input_x, &x0, &x1);
        const float dx = input_x - static_cast<float>(x0);  // weight of column x1
        const float* top_left = batch + (y0 * p.input_width + x0) * p.depth;
        const float* bottom_left = batch + (y1 * p.input_width + x0) * p.depth;
        const float* top_right = batch + (y0 * p.input_width + x1) * p.depth;
        const float* bottom_right = batch + (y1 * p.input_width + x1) * p.depth;
        for (int32_t c = 0; c < p.depth; ++c) {
          // The reference's products and sums, in its order.
          *output++ = top_left[c] * (1.f - dy) * (1.f - dx) + bottom_left[c] * dy * (1.f - dx) +
                      top_right[c] * (1.f - dy) * dx + bottom_right[c] * dy * dx;
        }
      }
    }
  }
}

// TRANSPOSE_CONV as TFLite's reference: every input value is scattered, times each filter tap,
// onto the outputs it influences (accumulated in the output, which must not alias the input),
// then the bias and the fused activation are applied. filter [output_depth][filter_height]
// [filter_width][input_depth]; bias may be null; dilations are 1.
inline void transpose_conv_f32(const FloatWindowParams& p, const float* input,
                               const float* filter, const float* bias, float* output) {
  const int32_t output_size = p.batches * p.output_height * p.output_width * p.output_depth;
  for (int32_t i = 0; i < output_size; ++i) output[i] = 0.f;
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t in_y = 0; in_y < p.input_height; ++in_y) {
      for (int32_t in_x = 0; in_x < p.input_width; ++in_x) {
        for (int32_t ic = 0; ic < p.input_depth; ++ic) {
          const int32_t out_x_origin = in_x * p.stride_width - p.padding_width;
          const int32_t out_y_origin = in_y * p.stride_height - p.padding_height;
          const float input_value =
              input[((b * p.input_height + in_y) * p.input_width + in_x) * p.input_depth + ic];
          for (int32_t fy = 0; fy < p.filter_height; ++fy) {
            const int32_t out_y = out_y_origin + fy;
            for (int32_t fx = 0; fx < p.filter_width; ++fx) {
              const int32_t out_x = out_x_origin + fx;
              if (out_x < 0 || out_x >= p.output_width || out_y < 0 || out_y >= p.output_height) {
                continue;
              }
              float* out = output + ((b * p.output_height + out_y) * p.output_width + out_x) *
                                        p.output_depth;
              for (int32_t oc = 0; oc < p.output_depth; ++oc) {
                out[oc] += input_value *
                           filter[((oc * p.filter_height + fy) * p.filter_width + fx) *
                                      p.input_depth + ic];
              }
            }
          }
        }
      }
    }
  }
  for (int32_t i = 0; i < output_size; ++i) {
    const float total = bias ? output[i] + bias[i % p.output_depth] : output[i];
    output[i] = clamp_f32(total, p.activation_min, p.activation_max);
  }
}

// SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND move values only: the int8 kernels' loops on floats
// (the padding is 0.0f).
inline void space_to_batch_nd_f32(const SpaceBatchParams& p, const float* input, float* output) {
  space_to_batch_nd<float>(p, input, output);
}

inline void batch_to_space_nd_f32(const SpaceBatchParams& p, const float* input, float* output) {
  batch_to_space_nd<float>(p, input, output);
}

}  // namespace mf

#endif  // MF_FLOAT32_H
