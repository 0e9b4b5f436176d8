// mcuforge runtime: the Cortex-M4/M7 fast path of FULLY_CONNECTED (fully_connected.h calls it
// when MF_FAST_KERNELS is set). Same bytes as the reference.
//
// Two output channels at a time: four inputs per 32-bit load, unpacked once for both channels
// with SXTAB16 adding the input offset; four weights per load, SXTAB16 adding the filter
// offset; SMLAD accumulates two products per instruction.
#ifndef MF_FULLY_CONNECTED_FAST_H
#define MF_FULLY_CONNECTED_FAST_H

#include <stdint.h>

#include "mf/fully_connected_params.h"
#include "mf/simd.h"

namespace mf {
namespace fast {

// sum over i of (filter0[i] + filter_offset) * (input[i] + input_offset), and with filter1.
MF_HOT_LOOP inline void dot_s8_pair(const FullyConnectedParams& p, const int8_t* input,
                                    const int8_t* filter0, const int8_t* filter1,
                                    int32_t* acc0, int32_t* acc1) {
  const int32_t input_pair = simd::pack_s16x2(p.input_offset, p.input_offset);
  const int32_t filter_pair = simd::pack_s16x2(p.filter_offset, p.filter_offset);
  const int32_t depth = p.accum_depth;
  int32_t sum0 = *acc0, sum1 = *acc1;
  int32_t i = 0;
  for (; i + 4 <= depth; i += 4) {
    const int32_t x = simd::read_s8x4(input + i);
    const int32_t x_even = simd::sxtab16(input_pair, x);
    const int32_t x_odd = simd::sxtab16_odd(input_pair, x);
    const int32_t w0 = simd::read_s8x4(filter0 + i);
    sum0 = simd::smlad(x_even, simd::sxtab16(filter_pair, w0), sum0);
    sum0 = simd::smlad(x_odd, simd::sxtab16_odd(filter_pair, w0), sum0);
    const int32_t w1 = simd::read_s8x4(filter1 + i);
    sum1 = simd::smlad(x_even, simd::sxtab16(filter_pair, w1), sum1);
    sum1 = simd::smlad(x_odd, simd::sxtab16_odd(filter_pair, w1), sum1);
  }
  for (; i < depth; ++i) {  // depth % 4
    const int32_t x = input[i] + p.input_offset;
    sum0 += (filter0[i] + p.filter_offset) * x;
    sum1 += (filter1[i] + p.filter_offset) * x;
  }
  *acc0 = sum0;
  *acc1 = sum1;
}

// An odd last channel is computed twice and stored once. The accumulators start at the bias,
// which the reference adds after the sum (the same integers).
inline void fully_connected(const FullyConnectedParams& p, const int8_t* input,
                            const int8_t* filter, const int32_t* bias, int8_t* output) {
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    const int8_t* batch_input = input + batch * p.accum_depth;
    int8_t* batch_output = output + batch * p.output_depth;
    for (int32_t out_channel = 0; out_channel < p.output_depth; out_channel += 2) {
      const int32_t next = out_channel + 1 < p.output_depth ? out_channel + 1 : out_channel;
      int32_t acc0 = bias ? bias[out_channel] : 0;
      int32_t acc1 = bias ? bias[next] : 0;
      dot_s8_pair(p, batch_input, filter + out_channel * p.accum_depth,
                  filter + next * p.accum_depth, &acc0, &acc1);
      batch_output[out_channel] = fully_connected_requantize(p, acc0, out_channel);
      if (next != out_channel) batch_output[next] = fully_connected_requantize(p, acc1, next);
    }
  }
}

}  // namespace fast
}  // namespace mf

#endif  // MF_FULLY_CONNECTED_FAST_H
