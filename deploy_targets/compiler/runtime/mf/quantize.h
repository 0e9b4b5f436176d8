// mcuforge runtime: QUANTIZE (float -> int8, int8 -> int8) and DEQUANTIZE (int8 -> float),
// as TFLite's AffineQuantize, Requantize and Dequantize reference kernels. The float paths are
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

inline void requantize(const RequantizeParams& p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    const int32_t value = static_cast<int32_t>(input[i]) - p.input_zero_point;
    const int32_t scaled = multiply_by_quantized_multiplier(value, p.multiplier, p.shift) +
                           p.output_zero_point;
    output[i] = static_cast<int8_t>(clamp_i32(scaled, -128, 127));
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
