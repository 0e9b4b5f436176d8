// mcuforge runtime: the Cortex-M4/M7 fast path of FULLY_CONNECTED (fully_connected.h calls it
// when MF_FAST_KERNELS is set). Same bytes as the reference.
//
// Four output channels at a time (two for the last ones): four inputs per 32-bit load,
// unpacked once for all four channels with SXTAB16 adding the input offset; four weights per
// load, SXTB16-unpacked (SXTAB16 adding the filter offset when it is not 0); SMLAD
// accumulates two products per instruction. Requantization constants are computed once per
// layer when the weights are quantized per tensor.
#ifndef MF_FULLY_CONNECTED_FAST_H
#define MF_FULLY_CONNECTED_FAST_H

#include <stdint.h>
#include <string.h>

#include "mf/fully_connected_params.h"
#include "mf/requantize_fast.h"
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

// sum over i of filter_k[i] * (input[i] + input_offset) for the four rows filter0 + k * depth,
// filter offset 0 (TFLite's int8 weights are symmetric): 27 instructions per 16 MACs.
MF_HOT_LOOP inline void dot_s8_four(const FullyConnectedParams& p, const int8_t* input,
                                    const int8_t* filter0, int32_t* acc) {
  const int32_t input_pair = simd::pack_s16x2(p.input_offset, p.input_offset);
  const int32_t depth = p.accum_depth;
  const int8_t* f0 = filter0;           // rows 0 and 1 (at + depth)
  const int8_t* f2 = f0 + 2 * depth;    // rows 2 and 3
  int32_t sum0 = acc[0], sum1 = acc[1], sum2 = acc[2], sum3 = acc[3];
  const int8_t* const end = input + (depth & ~3);
  const int8_t* x_at = input;
#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
  // The loop below in Thumb-2: in C, gcc keeps neither the row pointers nor the end pointer
  // in registers (thirteen are live) and spills more than the two stack loads the loop
  // makes here: the offset pair and the end pointer are read from the stack each pass so
  // that it needs twelve registers, which gcc finds with a frame pointer too
  // (-fno-omit-frame-pointer). Not at -O0 (no register allocation to speak of).
  if (x_at != end) {
    int32_t x_even, x_odd, w, w_even;
    __asm__(
        "1:\n\t"
        "ldr %[x_odd], [%[x_at]], #4\n\t"
        "ldr %[w_even], %[pair]\n\t"
        "ldr %[w], [%[f0], %[depth]]\n\t"
        "sxtab16 %[x_even], %[w_even], %[x_odd]\n\t"
        "sxtab16 %[x_odd], %[w_even], %[x_odd], ror #8\n\t"
        "sxtb16 %[w_even], %[w]\n\t"
        "sxtb16 %[w], %[w], ror #8\n\t"
        "smlad %[sum1], %[x_even], %[w_even], %[sum1]\n\t"
        "smlad %[sum1], %[x_odd], %[w], %[sum1]\n\t"
        "ldr %[w], [%[f0]], #4\n\t"
        "sxtb16 %[w_even], %[w]\n\t"
        "sxtb16 %[w], %[w], ror #8\n\t"
        "smlad %[sum0], %[x_even], %[w_even], %[sum0]\n\t"
        "smlad %[sum0], %[x_odd], %[w], %[sum0]\n\t"
        "ldr %[w], [%[f2], %[depth]]\n\t"
        "sxtb16 %[w_even], %[w]\n\t"
        "sxtb16 %[w], %[w], ror #8\n\t"
        "smlad %[sum3], %[x_even], %[w_even], %[sum3]\n\t"
        "smlad %[sum3], %[x_odd], %[w], %[sum3]\n\t"
        "ldr %[w], [%[f2]], #4\n\t"
        "sxtb16 %[w_even], %[w]\n\t"
        "sxtb16 %[w], %[w], ror #8\n\t"
        "smlad %[sum2], %[x_even], %[w_even], %[sum2]\n\t"
        "smlad %[sum2], %[x_odd], %[w], %[sum2]\n\t"
        "ldr %[w_even], %[end]\n\t"
        "cmp %[x_at], %[w_even]\n\t"
        "bne 1b\n\t"
        : [sum0] "+r"(sum0), [sum1] "+r"(sum1), [sum2] "+r"(sum2), [sum3] "+r"(sum3),
          [x_at] "+r"(x_at), [f0] "+r"(f0), [f2] "+r"(f2), [x_even] "=&r"(x_even),
          [x_odd] "=&r"(x_odd), [w] "=&r"(w), [w_even] "=&r"(w_even)
        : [depth] "r"(depth), [end] "m"(end), [pair] "m"(input_pair)
        : "cc", "memory");
  }
#else
  while (x_at != end) {
    const int32_t x = simd::read_s8x4(x_at);
    x_at += 4;
    const int32_t x_even = simd::sxtab16(input_pair, x);
    const int32_t x_odd = simd::sxtab16_odd(input_pair, x);
    int32_t w = simd::read_s8x4(f0 + depth);
    sum1 = simd::smlad(x_even, simd::sxtb16(w), sum1);
    sum1 = simd::smlad(x_odd, simd::sxtb16_odd(w), sum1);
    w = simd::read_s8x4(f0);
    f0 += 4;
    sum0 = simd::smlad(x_even, simd::sxtb16(w), sum0);
    sum0 = simd::smlad(x_odd, simd::sxtb16_odd(w), sum0);
    w = simd::read_s8x4(f2 + depth);
    sum3 = simd::smlad(x_even, simd::sxtb16(w), sum3);
    sum3 = simd::smlad(x_odd, simd::sxtb16_odd(w), sum3);
    w = simd::read_s8x4(f2);
    f2 += 4;
    sum2 = simd::smlad(x_even, simd::sxtb16(w), sum2);
    sum2 = simd::smlad(x_odd, simd::sxtb16_odd(w), sum2);
  }
#endif
  for (int32_t i = depth & ~3; i < depth; ++i) {  // depth % 4
    const int32_t x = input[i] + p.input_offset;
    sum0 += filter0[i] * x;
    sum1 += filter0[depth + i] * x;
    sum2 += filter0[2 * depth + i] * x;
    sum3 += filter0[3 * depth + i] * x;
  }
  acc[0] = sum0;
  acc[1] = sum1;
  acc[2] = sum2;
  acc[3] = sum3;
}

// The output channels of one batch in blocks of four (filter offset 0); returns the first
// channel it left. Per-tensor requantization constants are computed once.
// `folded`: per-tensor weights whose one requantizer folds the rounding into SMLAL
// (requantize_fast.h), known before the loop so the loop has no branch on it.
template <bool folded>
MF_HOT_LOOP inline int32_t fully_connected_fours(const FullyConnectedParams& p,
                                                 const ChannelRequantizer& tensor_requantizer,
                                                 const int8_t* input, const int8_t* filter,
                                                 const int32_t* bias, int8_t* output) {
  const int32_t end = p.output_depth & ~3;
  const int32_t low = p.activation_min;
  const int32_t high = p.activation_max;
  for (int32_t channel = 0; channel < end; channel += 4) {
    int32_t acc[4] = {0, 0, 0, 0};
    if (bias) memcpy(acc, bias + channel, sizeof(acc));
    dot_s8_four(p, input, filter + channel * p.accum_depth, acc);
    int8_t results[4];
    for (int32_t k = 0; k < 4; ++k) {
#ifdef MF_LITERT_ROUNDING
      (void)tensor_requantizer;
      (void)low;
      (void)high;
      results[k] = fully_connected_requantize(p, acc[k], channel + k);
#else
      if (folded) {
        results[k] = static_cast<int8_t>(
            clamp_i32(multiply_right_shift(tensor_requantizer, acc[k]), low, high));
      } else {
        const ChannelRequantizer q =
            p.per_channel ? channel_requantizer(p.output_multiplier[channel + k],
                                                p.output_shift[channel + k], p.output_offset)
                          : tensor_requantizer;
        results[k] = requantize(q, acc[k], p.output_offset, low, high);
      }
#endif
    }
    // One store after the four are computed: a byte store may alias the parameters.
    memcpy(output + channel, results, sizeof(results));
  }
  return end;
}

// An odd last channel is computed twice and stored once. The accumulators start at the bias,
// which the reference adds after the sum (the same integers).
inline void fully_connected(const FullyConnectedParams& p, const int8_t* input,
                            const int8_t* filter, const int32_t* bias, int8_t* output) {
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    const int8_t* batch_input = input + batch * p.accum_depth;
    int8_t* batch_output = output + batch * p.output_depth;
    int32_t out_channel = 0;
    if (p.filter_offset == 0) {
      const ChannelRequantizer q =
          channel_requantizer(p.output_multiplier[0], p.output_shift[0], p.output_offset);
      if (!p.per_channel && q.high_shift >= 0) {
        out_channel = fully_connected_fours<true>(p, q, batch_input, filter, bias, batch_output);
      } else {
        out_channel = fully_connected_fours<false>(p, q, batch_input, filter, bias, batch_output);
      }
    }
    for (; out_channel < p.output_depth; out_channel += 2) {
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
