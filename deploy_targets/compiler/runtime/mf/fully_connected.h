// mcuforge runtime: int8 FULLY_CONNECTED (TFLite's reference_integer_ops::FullyConnected),
// per-tensor or per-output-channel requantization.
#ifndef MF_FULLY_CONNECTED_H
#define MF_FULLY_CONNECTED_H

#include <stdint.h>

#include "mf/dot_product.h"
#include "mf/fully_connected_fast.h"
#include "mf/fully_connected_params.h"
#include "mf/fixed_point.h"

namespace mf {

// Filter layout is [output_depth][accum_depth].
inline void fully_connected(const FullyConnectedParams& p, const int8_t* input,
                            const int8_t* filter, const int32_t* bias, int8_t* output) {
#if MF_FAST_KERNELS
  fast::fully_connected(p, input, filter, bias, output);
  return;
#endif
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    for (int32_t out_channel = 0; out_channel < p.output_depth; ++out_channel) {
      int32_t acc = dot_s8_offsets(input + batch * p.accum_depth,
                                   filter + out_channel * p.accum_depth, p.accum_depth,
                                   p.input_offset, p.filter_offset);
      if (bias) acc += bias[out_channel];
      output[batch * p.output_depth + out_channel] =
          fully_connected_requantize(p, acc, out_channel);
    }
  }
}

}  // namespace mf

#endif  // MF_FULLY_CONNECTED_H
