// mcuforge runtime: int8 AVERAGE_POOL_2D and MAX_POOL_2D (TFLite's reference_integer_ops).
// Windows are clipped at the borders; the average divides by the taps actually inside.
#ifndef MF_POOLING_H
#define MF_POOLING_H

#include <stdint.h>

#include "mf/fixed_point.h"
#include "mf/simd.h"

namespace mf {

struct PoolParams {
  int32_t stride_height;
  int32_t stride_width;
  int32_t filter_height;
  int32_t filter_width;
  int32_t padding_height;
  int32_t padding_width;
  int32_t activation_min;
  int32_t activation_max;
  int32_t batches;
  int32_t input_height;
  int32_t input_width;
  int32_t depth;
  int32_t output_height;
  int32_t output_width;
};

// Visits the window of one output position; returns the number of taps inside the input.
template <typename Reduce>
inline int32_t pool_window(const PoolParams& p, const int8_t* input, int32_t batch, int32_t out_y,
                           int32_t out_x, int32_t channel, Reduce& reduce) {
  const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
  const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
  const int32_t filter_y_start = max_i32(0, -in_y_origin);
  const int32_t filter_y_end = min_i32(p.filter_height, p.input_height - in_y_origin);
  const int32_t filter_x_start = max_i32(0, -in_x_origin);
  const int32_t filter_x_end = min_i32(p.filter_width, p.input_width - in_x_origin);
  int32_t count = 0;
  for (int32_t filter_y = filter_y_start; filter_y < filter_y_end; ++filter_y) {
    for (int32_t filter_x = filter_x_start; filter_x < filter_x_end; ++filter_x) {
      const int32_t in_y = in_y_origin + filter_y;
      const int32_t in_x = in_x_origin + filter_x;
      reduce(input[((batch * p.input_height + in_y) * p.input_width + in_x) * p.depth + channel]);
      ++count;
    }
  }
  return count;
}

struct SumReduce {
  int32_t sum;
  void operator()(int8_t v) { sum += v; }
};

struct MaxReduce {
  int32_t maximum;
  void operator()(int8_t v) { maximum = max_i32(maximum, v); }
};

// The average of `count` taps whose sum is `sum`, rounded half away from zero as the
// reference kernel does, clamped to the activation range.
MF_ALWAYS_INLINE int8_t rounded_average(const PoolParams& p, int32_t sum, int32_t count) {
  int32_t average = 0;
  if (count > 0) {
    average = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
  }
  return static_cast<int8_t>(clamp_i32(average, p.activation_min, p.activation_max));
}

namespace fast {

// Windows of at most this many taps: four channels' sums stay in int16 halves (|sum| <= 256 *
// 128 = 2^15).
const int32_t kMaxPackedAverageTaps = 256;

// AVERAGE_POOL_2D for a depth that is a multiple of 4 (the Cortex-M4/M7 fast path): four
// channels per 32-bit load, SXTAB16 adding bytes 0, 2 and 1, 3 into two pairs of int16 sums
// (three instructions per four values). The sums are the reference's integers.
MF_HOT_LOOP inline void average_pool_2d(const PoolParams& p, const int8_t* input,
                                        int8_t* output) {
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    const int8_t* batch_input = input + batch * p.input_height * p.input_width * p.depth;
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
      const int32_t y_start = max_i32(0, -in_y_origin);
      const int32_t y_end = min_i32(p.filter_height, p.input_height - in_y_origin);
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
        const int32_t x_start = max_i32(0, -in_x_origin);
        const int32_t x_end = min_i32(p.filter_width, p.input_width - in_x_origin);
        const int32_t count = max_i32(0, y_end - y_start) * max_i32(0, x_end - x_start);
        const int8_t* corner =
            batch_input + ((in_y_origin + y_start) * p.input_width + in_x_origin + x_start) *
                              p.depth;
        const int32_t row_bytes = p.input_width * p.depth;
        for (int32_t channel = 0; channel < p.depth; channel += 4) {
          int32_t even = 0, odd = 0;  // int16 sums of channels 0, 2 and 1, 3
          const int8_t* row = corner + channel;
          for (int32_t y = y_start; y < y_end; ++y, row += row_bytes) {
            const int8_t* tap = row;
            for (int32_t x = x_start; x < x_end; ++x, tap += p.depth) {
              const int32_t four = simd::read_s8x4(tap);
              even = simd::sxtab16(even, four);
              odd = simd::sxtab16_odd(odd, four);
            }
          }
          output[0] = rounded_average(p, simd::low_s16(even), count);
          output[1] = rounded_average(p, simd::low_s16(odd), count);
          output[2] = rounded_average(p, simd::high_s16(even), count);
          output[3] = rounded_average(p, simd::high_s16(odd), count);
          output += 4;
        }
      }
    }
  }
}

}  // namespace fast

inline void average_pool_2d(const PoolParams& p, const int8_t* input, int8_t* output) {
#if MF_FAST_KERNELS
  if (p.depth % 4 == 0 && p.filter_height * p.filter_width <= fast::kMaxPackedAverageTaps) {
    fast::average_pool_2d(p, input, output);
    return;
  }
#endif
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        for (int32_t channel = 0; channel < p.depth; ++channel) {
          SumReduce reduce = {0};
          const int32_t count = pool_window(p, input, batch, out_y, out_x, channel, reduce);
          *output++ = rounded_average(p, reduce.sum, count);
        }
      }
    }
  }
}

inline void max_pool_2d(const PoolParams& p, const int8_t* input, int8_t* output) {
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        for (int32_t channel = 0; channel < p.depth; ++channel) {
          MaxReduce reduce = {-128};
          pool_window(p, input, batch, out_y, out_x, channel, reduce);
          *output++ = static_cast<int8_t>(
              clamp_i32(reduce.maximum, p.activation_min, p.activation_max));
        }
      }
    }
  }
}

}  // namespace mf

#endif  // MF_POOLING_H
