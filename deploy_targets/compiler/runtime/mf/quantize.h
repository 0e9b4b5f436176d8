// mcuforge runtime: QUANTIZE (float -> int8; int8 -> int8, int16 -> int8 and int16 -> int32
// requantization) and DEQUANTIZE (int8 -> float), as TFLite's AffineQuantize, Requantize and
// Dequantize reference kernels. The float paths are
// the only floating point in the runtime; they exist for models with float inputs/outputs.
#ifndef MF_QUANTIZE_H
#define MF_QUANTIZE_H

#include <math.h>
#include <stdint.h>

#include "mf/fixed_point.h"

namespace mf {

struct AffineQuantizeParams {
  float scale;
  int32_t zero_point;
  int32_t size;
};

inline void quantize_float(const AffineQuantizeParams& p, const float* input, int8_t* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t unclamped = static_cast<int32_t>(roundf(input[i] / p.scale)) + p.zero_point;
    output[i] = static_cast<int8_t>(clamp_i32(unclamped, -128, 127));
  }
}

struct DequantizeParams {
  double scale;  // the tensor's float scale, widened as TFLite does
  int32_t zero_point;
  int32_t size;
};

inline void dequantize(const DequantizeParams& p, const int8_t* input, float* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    output[i] = static_cast<float>(p.scale * (static_cast<int32_t>(input[i]) - p.zero_point));
  }
}

struct RequantizeParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier;
  int32_t shift;
  int32_t size;
};

// The range of an integer output type (no <limits>: not on every embedded toolchain).
template <typename T>
struct IntegerRange;
template <>
struct IntegerRange<int8_t> {
  static const int32_t kMin = -128, kMax = 127;
};
template <>
struct IntegerRange<int16_t> {
  static const int32_t kMin = -32768, kMax = 32767;
};
template <>
struct IntegerRange<int32_t> {
  static const int32_t kMin = INT32_MIN, kMax = INT32_MAX;
};

// In and Out are int8_t, int16_t or int32_t: TFLite Micro's Requantize<input_type,
// output_type>, the same arithmetic for every pair, saturating to Out.
template <typename In, typename Out>
inline void requantize(const RequantizeParams& p, const In* input, Out* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t value = static_cast<int32_t>(input[i]) - p.input_zero_point;
    const int32_t scaled = multiply_by_quantized_multiplier(value, p.multiplier, p.shift) +
                           p.output_zero_point;
    output[i] = static_cast<Out>(
        clamp_i32(scaled, IntegerRange<Out>::kMin, IntegerRange<Out>::kMax));
  }
}

// A plain byte copy, for a reshape between two tensors that cannot share memory.
inline void copy_bytes(const void* input, void* output, int32_t bytes) {
  const uint8_t* from = static_cast<const uint8_t*>(input);
  uint8_t* to = static_cast<uint8_t*>(output);
  if (from == to) return;
  for (int32_t i = 0; i < bytes; ++i) to[i] = from[i];
}

}  // namespace mf

#endif  // MF_QUANTIZE_H
