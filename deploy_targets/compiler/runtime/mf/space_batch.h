// mcuforge runtime: SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND on NHWC tensors of int8, int16
// (16x8 quantization) or float (the float32 path, see mf/float32.h) values (a 3-D
// [batch, height, depth] tensor is passed as [batch, height, 1, depth] with block width 1).
// Keras writes a dilated convolution as SPACE_TO_BATCH_ND, CONV_2D, BATCH_TO_SPACE_ND; these
// move values only, in the loop order of TFLite's reference kernels.
#ifndef MF_SPACE_BATCH_H
#define MF_SPACE_BATCH_H

#include <stdint.h>
#include <string.h>

namespace mf {

struct SpaceBatchParams {
  int32_t input_dims[4];
  int32_t output_dims[4];
  int32_t block_height;
  int32_t block_width;
  int32_t pad_top;   // SPACE_TO_BATCH_ND: padding before the first row; BATCH_TO_SPACE_ND: crop
  int32_t pad_left;  // the same for columns
  int32_t pad_value;  // SPACE_TO_BATCH_ND only: the value written into the padding
};

// Output batch b holds the pixels (h * block_height + shift_h, w * block_width + shift_w) of
// the padded input batch b % input_batches, where the shifts come from b / input_batches.
// The padding is filled bytewise with pad_value: exact for int8, and for wider T only with 0
// (the int16 zero point, the float path's 0.0f).
template <typename T>
inline void space_to_batch_nd(const SpaceBatchParams& p, const T* input, T* output) {
  const int32_t in_batches = p.input_dims[0], in_h = p.input_dims[1], in_w = p.input_dims[2];
  const int32_t depth = p.input_dims[3];
  for (int32_t out_b = 0; out_b < p.output_dims[0]; ++out_b) {
    const int32_t in_b = out_b % in_batches;
    const int32_t shift_w = (out_b / in_batches) % p.block_width;
    const int32_t shift_h = (out_b / in_batches) / p.block_width;
    for (int32_t out_y = 0; out_y < p.output_dims[1]; ++out_y) {
      const int32_t in_y = out_y * p.block_height + shift_h - p.pad_top;
      for (int32_t out_x = 0; out_x < p.output_dims[2]; ++out_x) {
        const int32_t in_x = out_x * p.block_width + shift_w - p.pad_left;
        T* out = output + ((out_b * p.output_dims[1] + out_y) * p.output_dims[2] + out_x) *
                              depth;
        if (in_y < 0 || in_y >= in_h || in_x < 0 || in_x >= in_w) {
          memset(out, static_cast<int8_t>(p.pad_value), static_cast<size_t>(depth) * sizeof(T));
        } else {
          memcpy(out, input + ((in_b * in_h + in_y) * in_w + in_x) * depth,
                 static_cast<size_t>(depth) * sizeof(T));
        }
      }
    }
  }
}

// The inverse: input batch b scatters to the pixels offset by b / output_batches within each
// block of output batch b % output_batches; pixels that land in the crop are dropped.
template <typename T>
inline void batch_to_space_nd(const SpaceBatchParams& p, const T* input, T* output) {
  const int32_t out_batches = p.output_dims[0], out_h = p.output_dims[1];
  const int32_t out_w = p.output_dims[2], depth = p.input_dims[3];
  for (int32_t in_b = 0; in_b < p.input_dims[0]; ++in_b) {
    const int32_t out_b = in_b % out_batches;
    const int32_t block_offset = in_b / out_batches;
    for (int32_t in_y = 0; in_y < p.input_dims[1]; ++in_y) {
      const int32_t out_y = in_y * p.block_height + block_offset / p.block_width - p.pad_top;
      if (out_y < 0 || out_y >= out_h) continue;
      for (int32_t in_x = 0; in_x < p.input_dims[2]; ++in_x) {
        const int32_t out_x = in_x * p.block_width + block_offset % p.block_width - p.pad_left;
        if (out_x < 0 || out_x >= out_w) continue;
        memcpy(output + ((out_b * out_h + out_y) * out_w + out_x) * depth,
               input + ((in_b * p.input_dims[1] + in_y) * p.input_dims[2] + in_x) * depth,
               static_cast<size_t>(depth) * sizeof(T));
      }
    }
  }
}

}  // namespace mf

#endif  // MF_SPACE_BATCH_H
