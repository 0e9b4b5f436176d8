// mcuforge runtime: the parameters of an int8 FULLY_CONNECTED and the requantization of one
// accumulator, shared by the reference kernel (fully_connected.h) and the fast path.
#ifndef MF_FULLY_CONNECTED_PARAMS_H
#define MF_FULLY_CONNECTED_PARAMS_H

#include <stdint.h>

#include "mf/fixed_point.h"

namespace mf {

struct FullyConnectedParams {
  int32_t input_offset;
  int32_t filter_offset;
  int32_t output_offset;
  const int32_t* output_multiplier;  // one value, or one per output channel
  const int32_t* output_shift;
  int32_t per_channel;  // 1 when output_multiplier/shift hold output_depth values
  int32_t activation_min;
  int32_t activation_max;
  int32_t batches;
  int32_t accum_depth;  // inputs per output
  int32_t output_depth;
};

// Output multiplier and shift (per channel or per tensor), output offset and activation
// clamp of an accumulator that holds the bias.
inline int8_t fully_connected_requantize(const FullyConnectedParams& p, int32_t acc,
                                         int32_t out_channel) {
  const int32_t q = p.per_channel ? out_channel : 0;
#ifdef MF_LITERT_ROUNDING
  // Reproduces the LiteRT (desktop TFLite) interpreter instead of TFLite Micro.
  acc = multiply_by_quantized_multiplier_single_rounding(acc, p.output_multiplier[q],
                                                         p.output_shift[q]);
#else
  acc = multiply_by_quantized_multiplier(acc, p.output_multiplier[q], p.output_shift[q]);
#endif
  acc += p.output_offset;
  return static_cast<int8_t>(clamp_i32(acc, p.activation_min, p.activation_max));
}

}  // namespace mf

#endif  // MF_FULLY_CONNECTED_PARAMS_H
