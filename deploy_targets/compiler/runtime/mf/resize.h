// mcuforge runtime: RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR on int8 NHWC tensors, as
// TFLite's reference kernels (ResizeNearestNeighbor, ResizeBilinearInteger). Input and output
// share one quantization: values are picked or interpolated, never requantized.
#ifndef MF_RESIZE_H
#define MF_RESIZE_H

#include <stdint.h>
#include <string.h>

namespace mf {

// The input row and column each output row and column copies; the compiler computes them with
// TFLite's float arithmetic (GetNearestNeighbor), so no float runs here.
struct ResizeNearestParams {
  int32_t batches;
  int32_t input_height;
  int32_t input_width;
  int32_t depth;
  int32_t output_height;
  int32_t output_width;
  const int32_t* source_rows;     // output_height entries
  const int32_t* source_columns;  // output_width entries
};

// Pixels are copied whole, so one template serves int8, int16 and float tensors.
template <typename T>
inline void resize_nearest_neighbor(const ResizeNearestParams& p, const T* input, T* output) {
  const int32_t row_size = p.input_width * p.depth;
  for (int32_t b = 0; b < p.batches; ++b) {
    const T* batch = input + b * p.input_height * row_size;
    for (int32_t y = 0; y < p.output_height; ++y) {
      const T* row = batch + p.source_rows[y] * row_size;
      for (int32_t x = 0; x < p.output_width; ++x) {
        memcpy(output, row + p.source_columns[x] * p.depth,
               static_cast<size_t>(p.depth) * sizeof(T));
        output += p.depth;
      }
    }
  }
}

// Positions are in 1/1024ths of an input pixel: scale_10 is input size / output size in that
// unit, rounded (ResizeBilinearInteger).
struct ResizeBilinearParams {
  int32_t batches;
  int32_t input_height;
  int32_t input_width;
  int32_t depth;
  int32_t output_height;
  int32_t output_width;
  int32_t height_scale_10;
  int32_t width_scale_10;
  int32_t half_pixel_centers;
};

// The position of output pixel `value` in the input, and the two input pixels around it.
inline void resize_bilinear_position(int32_t value, int32_t scale_10, int32_t half_pixel_centers,
                                     int32_t input_size, int32_t* scaled, int32_t* lower,
                                     int32_t* upper) {
  *scaled = half_pixel_centers ? value * scale_10 + scale_10 / 2 - (1 << 9) : value * scale_10;
  const int32_t low = *scaled / (1 << 10);  // truncates toward zero, as TFLite's does
  *lower = low > 0 ? low : 0;
  const int32_t high = (*scaled + (1 << 10) - 1) / (1 << 10);
  *upper = high < input_size - 1 ? high : input_size - 1;
}

inline void resize_bilinear(const ResizeBilinearParams& p, const int8_t* input, int8_t* output) {
  const int32_t one = 1 << 10;
  for (int32_t b = 0; b < p.batches; ++b) {
    const int8_t* batch = input + b * p.input_height * p.input_width * p.depth;
    for (int32_t y = 0; y < p.output_height; ++y) {
      int32_t input_y, y0, y1;
      resize_bilinear_position(y, p.height_scale_10, p.half_pixel_centers, p.input_height,
                               &input_y, &y0, &y1);
      const int64_t dy = input_y - one * y0;  // weight of row y1, in 1/1024ths
      for (int32_t x = 0; x < p.output_width; ++x) {
        int32_t input_x, x0, x1;
        resize_bilinear_position(x, p.width_scale_10, p.half_pixel_centers, p.input_width,
                                 &input_x, &x0, &x1);
        const int64_t dx = input_x - one * x0;  // weight of column x1
        const int8_t* top_left = batch + (y0 * p.input_width + x0) * p.depth;
        const int8_t* bottom_left = batch + (y1 * p.input_width + x0) * p.depth;
        const int8_t* top_right = batch + (y0 * p.input_width + x1) * p.depth;
        const int8_t* bottom_right = batch + (y1 * p.input_width + x1) * p.depth;
        for (int32_t c = 0; c < p.depth; ++c) {
          const int64_t sum_20 = top_left[c] * (one - dy) * (one - dx) +
                                 bottom_left[c] * dy * (one - dx) +
                                 top_right[c] * (one - dy) * dx + bottom_right[c] * dy * dx;
          // Rounded half away from zero, as TFLite Micro and LiteRT's reference kernel do
          // (LiteRT's optimized kernel rounds half up).
          const int64_t round = sum_20 > 0 ? (1 << 19) : -(1 << 19);
          *output++ = static_cast<int8_t>((sum_20 + round) / (1 << 20));
        }
      }
    }
  }
}

}  // namespace mf

#endif  // MF_RESIZE_H
