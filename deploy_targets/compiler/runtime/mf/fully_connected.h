// mcuforge runtime: int8 FULLY_CONNECTED (TFLite's reference_integer_ops::FullyConnected),
// per-tensor or per-output-channel requantization.
#ifndef MF_FULLY_CONNECTED_H
#define MF_FULLY_CONNECTED_H

#include <stdint.h>

#include "mf/dot_product.h"
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

// Filter layout is [output_depth][accum_depth].
inline void fully_connected(const FullyConnectedParams& p, const int8_t* input,
                            const int8_t* filter, const int32_t* bias, int8_t* output) {
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    for (int32_t out_channel = 0; out_channel < p.output_depth; ++out_channel) {
      int32_t acc = dot_s8_offsets(input + batch * p.accum_depth,
                                   filter + out_channel * p.accum_depth, p.accum_depth,
                                   p.input_offset, p.filter_offset);
      if (bias) acc += bias[out_channel];
      const int32_t q = p.per_channel ? out_channel : 0;
#ifdef MF_LITERT_ROUNDING
      // Reproduces the LiteRT (desktop TFLite) interpreter instead of TFLite Micro.
      acc = multiply_by_quantized_multiplier_single_rounding(acc, p.output_multiplier[q],
                                                             p.output_shift[q]);
#else
      acc = multiply_by_quantized_multiplier(acc, p.output_multiplier[q], p.output_shift[q]);
#endif
      acc += p.output_offset;
      output[batch * p.output_depth + out_channel] =
          static_cast<int8_t>(clamp_i32(acc, p.activation_min, p.activation_max));
    }
  }
}

}  // namespace mf

#endif  // MF_FULLY_CONNECTED_H
