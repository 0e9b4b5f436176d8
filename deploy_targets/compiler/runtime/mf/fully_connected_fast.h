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

// Requantizes output channels channel .. channel+3 and stores them with one store after the
// four are computed (a byte store may alias the parameters). `folded`: per-tensor weights
// whose one requantizer folds the rounding into SMLAL (requantize_fast.h), known before the
// loop so the loop has no branch on it.
template <bool folded>
MF_ALWAYS_INLINE void requantize_four_channels(const FullyConnectedParams& p,
                                               const ChannelRequantizer& tensor_requantizer,
                                               const int32_t* acc, int32_t channel,
                                               int8_t* output) {
  int8_t results[4];
  for (int32_t k = 0; k < 4; ++k) {
#ifdef MF_LITERT_ROUNDING
    (void)tensor_requantizer;
    results[k] = fully_connected_requantize(p, acc[k], channel + k);
#else
    if (folded) {
      results[k] = static_cast<int8_t>(clamp_i32(multiply_right_shift(tensor_requantizer, acc[k]),
                                                 p.activation_min, p.activation_max));
    } else {
      const ChannelRequantizer q =
          p.per_channel ? channel_requantizer(p.output_multiplier[channel + k],
                                              p.output_shift[channel + k], p.output_offset)
                        : tensor_requantizer;
      results[k] = requantize(q, acc[k], p.output_offset, p.activation_min, p.activation_max);
    }
#endif
  }
  memcpy(output + channel, results, sizeof(results));
}

// The output channels of one batch in blocks of four (filter offset 0); returns the first
// channel it left. Per-tensor requantization constants are computed once.
template <bool folded>
MF_HOT_LOOP inline int32_t fully_connected_fours(const FullyConnectedParams& p,
                                                 const ChannelRequantizer& tensor_requantizer,
                                                 const int8_t* input, const int8_t* filter,
                                                 const int32_t* bias, int8_t* output) {
  const int32_t end = p.output_depth & ~3;
  for (int32_t channel = 0; channel < end; channel += 4) {
    int32_t acc[4] = {0, 0, 0, 0};
    if (bias) memcpy(acc, bias + channel, sizeof(acc));
    dot_s8_four(p, input, filter + channel * p.accum_depth, acc);
    requantize_four_channels<folded>(p, tensor_requantizer, acc, channel, output);
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

// --- FULLY_CONNECTED with row-pair weight words (mf::fully_connected_row_pairs) -------------
//
// A word of weights holds two rows' weights for two inputs: int16 halves 256 A + B + 128
// (ops/fully_connected.py: row_pair_words). SMLAD of an input pair with the word adds
// 256 (A x) + B x + 128 x to a "mixed" accumulator; SXTB16 ROR #8 of the word gives A's
// weights alone, and a second SMLAD adds A x to A's accumulator. So three instructions do
// four multiply-accumulates (unpacking int8 weights the usual way takes four), and at the end
// B's sum is mixed - 256 A's sum - 128 (sum of x), exact modulo 2^32 like the reference's
// accumulator. The input offset is folded into the bias by the compiler, so the inputs are
// only sign-extended.

// The sum of n int8 values, n a multiple of 4.
MF_HOT_LOOP inline int32_t sum_s8(const int8_t* values, int32_t n) {
  const int32_t ones = simd::pack_s16x2(1, 1);
  int32_t sum = 0;
  for (int32_t i = 0; i < n; i += 4) {
    const int32_t four = simd::read_s8x4(values + i);
    sum = simd::smlad(simd::sxtb16(four), ones, sum);
    sum = simd::smlad(simd::sxtb16_odd(four), ones, sum);
  }
  return sum;
}

// acc = {A, mixed AB, C, mixed CD} += one block of four rows over `depth` inputs (a multiple
// of 4) from `words` on.
MF_HOT_LOOP inline void dot_row_pairs(const int8_t* input, int32_t depth, const int32_t* words,
                                      int32_t* acc) {
  int32_t sum_a = acc[0], mixed_ab = acc[1], sum_c = acc[2], mixed_cd = acc[3];
  const int8_t* x_at = input;
  const int8_t* const end = input + depth;
#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
  // The loop below in Thumb-2: sixteen instructions per four inputs of four rows, two
  // groups per pass (an odd group count runs one group first). LDM needs its registers in
  // ascending order, hence the four weight words pinned to r8-r11. Thirteen registers: not
  // at -O0 (no register allocation to speak of).
#define MF_ROW_PAIRS_GROUP_ASM                                  \
  "ldr %[x_odd], [%[x_at]], #4\n\t"                             \
  "ldmia %[words]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"           \
  "sxtb16 %[x_even], %[x_odd]\n\t"                              \
  "sxtb16 %[x_odd], %[x_odd], ror #8\n\t"                       \
  "smlad %[mixed_ab], %[x_even], %[w0], %[mixed_ab]\n\t"        \
  "sxtb16 %[w0], %[w0], ror #8\n\t"                             \
  "smlad %[sum_a], %[x_even], %[w0], %[sum_a]\n\t"              \
  "smlad %[mixed_ab], %[x_odd], %[w1], %[mixed_ab]\n\t"         \
  "sxtb16 %[w1], %[w1], ror #8\n\t"                             \
  "smlad %[sum_a], %[x_odd], %[w1], %[sum_a]\n\t"               \
  "smlad %[mixed_cd], %[x_even], %[w2], %[mixed_cd]\n\t"        \
  "sxtb16 %[w2], %[w2], ror #8\n\t"                             \
  "smlad %[sum_c], %[x_even], %[w2], %[sum_c]\n\t"              \
  "smlad %[mixed_cd], %[x_odd], %[w3], %[mixed_cd]\n\t"         \
  "sxtb16 %[w3], %[w3], ror #8\n\t"                             \
  "smlad %[sum_c], %[x_odd], %[w3], %[sum_c]\n\t"
  int32_t x_even, x_odd;
  register int32_t w0 __asm__("r8");
  register int32_t w1 __asm__("r9");
  register int32_t w2 __asm__("r10");
  register int32_t w3 __asm__("r11");
  if ((depth / 4) & 1) {
    __asm__(MF_ROW_PAIRS_GROUP_ASM
            : [sum_a] "+r"(sum_a), [mixed_ab] "+r"(mixed_ab), [sum_c] "+r"(sum_c),
              [mixed_cd] "+r"(mixed_cd), [x_at] "+r"(x_at), [words] "+r"(words),
              [x_even] "=&r"(x_even), [x_odd] "=&r"(x_odd), [w0] "=&r"(w0), [w1] "=&r"(w1),
              [w2] "=&r"(w2), [w3] "=&r"(w3)
            :
            : "memory");
  }
  if (x_at != end) {
    __asm__(
        "1:\n\t"
        MF_ROW_PAIRS_GROUP_ASM
        MF_ROW_PAIRS_GROUP_ASM
        "cmp %[x_at], %[end]\n\t"
        "bne 1b\n\t"
        : [sum_a] "+r"(sum_a), [mixed_ab] "+r"(mixed_ab), [sum_c] "+r"(sum_c),
          [mixed_cd] "+r"(mixed_cd), [x_at] "+r"(x_at), [words] "+r"(words),
          [x_even] "=&r"(x_even), [x_odd] "=&r"(x_odd), [w0] "=&r"(w0), [w1] "=&r"(w1),
          [w2] "=&r"(w2), [w3] "=&r"(w3)
        : [end] "r"(end)
        : "cc", "memory");
  }
#undef MF_ROW_PAIRS_GROUP_ASM
#else
  for (; x_at != end; x_at += 4, words += 4) {
    const int32_t four = simd::read_s8x4(x_at);
    const int32_t x_even = simd::sxtb16(four);      // inputs i, i+2
    const int32_t x_odd = simd::sxtb16_odd(four);   // inputs i+1, i+3
    mixed_ab = simd::smlad(x_even, words[0], mixed_ab);
    sum_a = simd::smlad(x_even, simd::sxtb16_odd(words[0]), sum_a);
    mixed_ab = simd::smlad(x_odd, words[1], mixed_ab);
    sum_a = simd::smlad(x_odd, simd::sxtb16_odd(words[1]), sum_a);
    mixed_cd = simd::smlad(x_even, words[2], mixed_cd);
    sum_c = simd::smlad(x_even, simd::sxtb16_odd(words[2]), sum_c);
    mixed_cd = simd::smlad(x_odd, words[3], mixed_cd);
    sum_c = simd::smlad(x_odd, simd::sxtb16_odd(words[3]), sum_c);
  }
#endif
  acc[0] = sum_a;
  acc[1] = mixed_ab;
  acc[2] = sum_c;
  acc[3] = mixed_cd;
}

// a + scale * b and a - scale * b, modulo 2^32 (as the reference's int32 accumulator).
MF_ALWAYS_INLINE int32_t wrapping_add(int32_t a, int32_t b, uint32_t scale) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b) * scale);
}
MF_ALWAYS_INLINE int32_t wrapping_sub(int32_t a, int32_t b, uint32_t scale) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b) * scale);
}

template <bool folded>
MF_HOT_LOOP inline void row_pair_blocks(const FullyConnectedParams& p,
                                        const ChannelRequantizer& tensor_requantizer,
                                        const int8_t* input, const int32_t* words,
                                        const int32_t* bias, int8_t* output) {
  const int32_t depth = p.accum_depth;
  // The mixed accumulators start at B's bias + 256 A's bias - 128 (sum of x): what the 128
  // in each weight half adds is taken off before the loop, 256 A's sum after it.
  const int32_t input_sum = sum_s8(input, depth);
  for (int32_t row = 0; row < p.output_depth; row += 4, words += depth) {
    int32_t acc[4] = {bias[row], wrapping_add(bias[row + 1], bias[row], 256),
                      bias[row + 2], wrapping_add(bias[row + 3], bias[row + 2], 256)};
    acc[1] = wrapping_sub(acc[1], input_sum, 128);
    acc[3] = wrapping_sub(acc[3], input_sum, 128);
    dot_row_pairs(input, depth, words, acc);
    acc[1] = wrapping_sub(acc[1], acc[0], 256);  // B's sum
    acc[3] = wrapping_sub(acc[3], acc[2], 256);  // D's sum
    requantize_four_channels<folded>(p, tensor_requantizer, acc, row, output);
  }
}

inline void fully_connected_row_pairs(const FullyConnectedParams& p, const int8_t* input,
                                      const int32_t* weight_words, const int32_t* folded_bias,
                                      int8_t* output) {
  const ChannelRequantizer q =
      channel_requantizer(p.output_multiplier[0], p.output_shift[0], p.output_offset);
  const bool folded = !p.per_channel && q.high_shift >= 0;
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    const int8_t* batch_input = input + batch * p.accum_depth;
    int8_t* batch_output = output + batch * p.output_depth;
    if (folded) {
      row_pair_blocks<true>(p, q, batch_input, weight_words, folded_bias, batch_output);
    } else {
      row_pair_blocks<false>(p, q, batch_input, weight_words, folded_bias, batch_output);
    }
  }
}

}  // namespace fast
}  // namespace mf

#endif  // MF_FULLY_CONNECTED_FAST_H
