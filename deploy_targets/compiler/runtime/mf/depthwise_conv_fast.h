// mcuforge runtime: the Cortex-M4/M7 fast path of DEPTHWISE_CONV_2D (depthwise_conv.h calls it
// when MF_FAST_KERNELS is set). Same bytes as the reference.
//
// Four output channels at a time. With depth multiplier 1, one 32-bit load brings four input
// bytes of a tap and SXTAB16 adds the input offset while unpacking them into two int16 pairs;
// with a multiple of 4, the four outputs share one input value. SMLABB / SMLATT multiply each
// with its channel's weight (four per load, SXTB16-unpacked) into four accumulators.
#ifndef MF_DEPTHWISE_CONV_FAST_H
#define MF_DEPTHWISE_CONV_FAST_H

#include <stdint.h>
#include <string.h>

#include "mf/depthwise_conv_params.h"
#include "mf/requantize_fast.h"
#include "mf/simd.h"

namespace mf {
namespace fast {

// Rows of one batch of a tensor that is only read.
struct InputRows {
  const int8_t* batch;
  int32_t row_bytes;
  MF_ALWAYS_INLINE const int8_t* operator()(int32_t y) const { return batch + y * row_bytes; }
};

// Rows of a tensor being overwritten row by row: rows up to `current_y` come from the ring of
// saved originals (see depthwise_conv_2d_in_place), rows below it are still intact.
struct InPlaceRows {
  const int8_t* data;
  const int8_t* ring;
  int32_t ring_rows;
  int32_t row_bytes;
  int32_t current_y;
  MF_ALWAYS_INLINE const int8_t* operator()(int32_t y) const {
    return y > current_y ? data + y * row_bytes : ring + (y % ring_rows) * row_bytes;
  }
};

// Rows of a tensor kept in a ring of `rows` rows (row y in slot y % rows): a chain's window
// (conv_chain.h, WindowedRows).
struct RingRows {
  const int8_t* ring;
  int32_t rows;
  int32_t row_bytes;
  MF_ALWAYS_INLINE const int8_t* operator()(int32_t y) const {
    return ring + y % rows * row_bytes;
  }
};

// Output channels from `first_channel` on, one at a time (the channels the four-wide loops
// leave, and pixels with more than kMaxTapRows filter rows).
template <class Rows>
inline void depthwise_pixel_generic(const DepthwiseConvParams& p, const Rows& rows,
                                    int32_t out_y, int32_t out_x, const int8_t* filter,
                                    const int32_t* bias, int8_t* out_pixel,
                                    int32_t first_channel);

// Requantization of an accumulator that already holds the bias (the accumulators start at
// the bias, which the reference adds after the sum: the same integers).
MF_ALWAYS_INLINE int8_t depthwise_requantize(const DepthwiseConvParams& p, int32_t acc,
                                             int32_t channel) {
  if (p.output_requantizers) {
    return requantize_folded<false>(p.output_requantizers + 4 * channel, acc,
                                    p.activation_min, p.activation_max);
  }
  return requantize(
      channel_requantizer(p.output_multiplier[channel], p.output_shift[channel], p.output_offset),
      acc, p.output_offset, p.activation_min, p.activation_max);
}

// Channels channel..channel+3 of one pixel: all four results are computed before the first
// byte store, after which the compiler would have to reload every parameter (an int8_t store
// may alias anything).
MF_ALWAYS_INLINE void requantize_four(const DepthwiseConvParams& p, int32_t channel,
                                      int32_t acc0, int32_t acc1, int32_t acc2, int32_t acc3,
                                      int8_t* out_pixel) {
  const int32_t* const table = p.output_requantizers;
  const int32_t low = p.activation_min;
  const int32_t high = p.activation_max;
  if (table) {
    const int32_t* words = table + 4 * channel;
    int8_t value0, value1, value2, value3;
    if (is_full_int8_range(low, high)) {
      value0 = requantize_folded<true>(words, acc0, low, high);
      value1 = requantize_folded<true>(words + 4, acc1, low, high);
      value2 = requantize_folded<true>(words + 8, acc2, low, high);
      value3 = requantize_folded<true>(words + 12, acc3, low, high);
    } else {
      value0 = requantize_folded<false>(words, acc0, low, high);
      value1 = requantize_folded<false>(words + 4, acc1, low, high);
      value2 = requantize_folded<false>(words + 8, acc2, low, high);
      value3 = requantize_folded<false>(words + 12, acc3, low, high);
    }
    out_pixel[channel] = value0;
    out_pixel[channel + 1] = value1;
    out_pixel[channel + 2] = value2;
    out_pixel[channel + 3] = value3;
    return;
  }
  const int8_t value0 = depthwise_requantize(p, acc0, channel);
  const int8_t value1 = depthwise_requantize(p, acc1, channel + 1);
  const int8_t value2 = depthwise_requantize(p, acc2, channel + 2);
  const int8_t value3 = depthwise_requantize(p, acc3, channel + 3);
  out_pixel[channel] = value0;
  out_pixel[channel + 1] = value1;
  out_pixel[channel + 2] = value2;
  out_pixel[channel + 3] = value3;
}

#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
// requantize_folded<true> of four channels (a requantizer table's words from `words` on),
// the four bytes packed into one word, channel 0 lowest: each channel's four words in one LDM
// (hence pinned to r8-r11, which LDM needs ascending), 31 instructions for the four channels
// (gcc's takes 43). Not at -O0 (eleven registers).
MF_ALWAYS_INLINE int32_t requantize_four_packed(const int32_t* words, int32_t acc0,
                                                int32_t acc1, int32_t acc2, int32_t acc3) {
  register int32_t multiplier __asm__("r8");
  register int32_t round_low __asm__("r9");
  register int32_t round_high __asm__("r10");
  register int32_t high_shift __asm__("r11");
  int32_t low, high;
#define MF_REQUANTIZE_ASM(acc)                                                 \
  "ldmia %[words]!, {%[multiplier], %[round_low], %[round_high], %[high_shift]}\n\t" \
  "and %[low], %[" acc "], #0x80000000\n\t"                                  \
  "subs %[low], %[round_low], %[low]\n\t"                                    \
  "sbc %[high], %[round_high], #0\n\t"                                       \
  "smlal %[low], %[high], %[" acc "], %[multiplier]\n\t"                     \
  "asr %[" acc "], %[high], %[high_shift]\n\t"                               \
  "ssat %[" acc "], #8, %[" acc "]\n\t"
  __asm__(
      MF_REQUANTIZE_ASM("acc0") MF_REQUANTIZE_ASM("acc1") MF_REQUANTIZE_ASM("acc2")
      MF_REQUANTIZE_ASM("acc3")
      "bfi %[acc0], %[acc1], #8, #8\n\t"
      "bfi %[acc0], %[acc2], #16, #8\n\t"
      "bfi %[acc0], %[acc3], #24, #8\n\t"
      : [acc0] "+r"(acc0), [acc1] "+r"(acc1), [acc2] "+r"(acc2), [acc3] "+r"(acc3),
        [words] "+r"(words), [multiplier] "=&r"(multiplier), [round_low] "=&r"(round_low),
        [round_high] "=&r"(round_high), [high_shift] "=&r"(high_shift), [low] "=&r"(low),
        [high] "=&r"(high)
      :
      : "cc", "memory");
#undef MF_REQUANTIZE_ASM
  return acc0;
}

// Four packed int8 values clamped bytewise to [low, high] (each given in all four bytes):
// SSUB8 sets a byte's GE flag where the first operand is at least the second, SEL picks by
// it.
MF_ALWAYS_INLINE int32_t clamp_s8x4(int32_t values, int32_t low, int32_t high) {
  int32_t difference;
  __asm__(
      "ssub8 %[difference], %[values], %[low]\n\t"
      "sel %[values], %[values], %[low]\n\t"
      "ssub8 %[difference], %[high], %[values]\n\t"
      "sel %[values], %[values], %[high]\n\t"
      : [values] "+r"(values), [difference] "=&r"(difference)
      : [low] "r"(low), [high] "r"(high)
      : "cc");
  return values;
}

#endif

// An int8 value in all four bytes of a word.
MF_ALWAYS_INLINE int32_t repeat_s8x4(int32_t value) {
  return static_cast<int32_t>(0x01010101u * (static_cast<uint32_t>(value) & 0xFFu));
}

// requantize_four out of line, for the loops with taps in rows: inlined, its registers would
// push those loops' pointers and counters to the stack.
#if defined(__GNUC__)
__attribute__((noinline))
#endif
inline void requantize_four_out_of_line(const DepthwiseConvParams& p, int32_t channel,
                                        int32_t acc0, int32_t acc1, int32_t acc2, int32_t acc3,
                                        int8_t* out_pixel) {
  requantize_four(p, channel, acc0, acc1, acc2, acc3, out_pixel);
}

MF_ALWAYS_INLINE int32_t bias_of(const int32_t* bias, int32_t channel) {
  return bias ? bias[channel] : 0;
}

// The filter taps of one output pixel that fall inside the input (padding contributes
// nothing): up to kMaxTapRows rows of `columns` taps, each row given by the address of its
// first input tap (channel 0) and of its first filter tap.
const int32_t kMaxTapRows = 16;
struct PixelTaps {
  const int8_t* input_rows[kMaxTapRows];
  const int8_t* filter_rows[kMaxTapRows];
  int32_t row_count;
  int32_t columns;
};

// Fills `taps`; false when more than kMaxTapRows rows are valid (the caller falls back).
template <class Rows>
MF_ALWAYS_INLINE bool pixel_taps(const DepthwiseConvParams& p, const Rows& rows, int32_t out_y,
                                 int32_t out_x, const int8_t* filter, PixelTaps* taps) {
  const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
  const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
  int32_t first_y = 0, end_y = p.filter_height, first_x = 0, end_x = p.filter_width;
  while (first_y < end_y && in_y_origin + p.dilation_height * first_y < 0) ++first_y;
  while (end_y > first_y && in_y_origin + p.dilation_height * (end_y - 1) >= p.input_height) {
    --end_y;
  }
  while (first_x < end_x && in_x_origin + p.dilation_width * first_x < 0) ++first_x;
  while (end_x > first_x && in_x_origin + p.dilation_width * (end_x - 1) >= p.input_width) {
    --end_x;
  }
  if (end_y - first_y > kMaxTapRows) return false;
  taps->row_count = 0;
  taps->columns = end_x - first_x;
  const int32_t in_x = in_x_origin + p.dilation_width * first_x;
  for (int32_t filter_y = first_y; filter_y < end_y; ++filter_y) {
    taps->input_rows[taps->row_count] =
        rows(in_y_origin + p.dilation_height * filter_y) + in_x * p.input_depth;
    taps->filter_rows[taps->row_count] =
        filter + (filter_y * p.filter_width + first_x) * p.output_depth;
    ++taps->row_count;
  }
  return true;
}

// Depth multiplier 1, at most kMaxTableTaps valid taps: all four-channel groups of one pixel,
// each as a single loop over a table of (input tap, filter tap) addresses. Returns the first
// channel it left (depth % 4 channels remain).
const int32_t kMaxTableTaps = 16;

MF_HOT_LOOP inline int32_t depthwise_groups_by_tap_table(const DepthwiseConvParams& p,
                                                         const PixelTaps& taps,
                                                         const int32_t* bias,
                                                         int8_t* out_pixel) {
  // Input tap, filter tap (for channel 0) per valid tap, then a null pair that ends the table
  // (the loop tests the next input address instead of keeping an end pointer in a register).
  const int8_t* table[2 * kMaxTableTaps + 2];
  int32_t entries = 0;
  const int32_t input_step = p.dilation_width * p.input_depth;
  for (int32_t row = 0; row < taps.row_count; ++row) {
    for (int32_t column = 0; column < taps.columns; ++column) {
      table[entries++] = taps.input_rows[row] + column * input_step;
      table[entries++] = taps.filter_rows[row] + column * p.output_depth;
    }
  }
  const int8_t* const* const table_end = table + entries;
  table[entries] = 0;
  table[entries + 1] = 0;
  const int32_t offset_pair = simd::pack_s16x2(p.input_offset, p.input_offset);
  int32_t channel = 0;
  for (; channel + 4 <= p.output_depth; channel += 4) {
    int32_t acc0 = bias_of(bias, channel), acc1 = bias_of(bias, channel + 1);
    int32_t acc2 = bias_of(bias, channel + 2), acc3 = bias_of(bias, channel + 3);
    const int8_t* const* entry = table;
#if MF_SIMD_ACLE
    // The loop below in Thumb-2: thirteen instructions per tap of four channels, no spills.
    if (entry != table_end) {
      const int8_t* x;
      const int8_t* w;
      int32_t x_even, w_even;
      __asm__(
          "ldrd %[x], %[w], [%[entry]], #8\n\t"
          "1:\n\t"
          "ldr %[x], [%[x], %[channel]]\n\t"
          "ldr %[w], [%[w], %[channel]]\n\t"
          "sxtab16 %[x_even], %[offset], %[x]\n\t"
          "sxtab16 %[x], %[offset], %[x], ror #8\n\t"
          "sxtb16 %[w_even], %[w]\n\t"
          "sxtb16 %[w], %[w], ror #8\n\t"
          "smlabb %[acc0], %[x_even], %[w_even], %[acc0]\n\t"
          "smlatt %[acc2], %[x_even], %[w_even], %[acc2]\n\t"
          "smlabb %[acc1], %[x], %[w], %[acc1]\n\t"
          "smlatt %[acc3], %[x], %[w], %[acc3]\n\t"
          "ldrd %[x], %[w], [%[entry]], #8\n\t"
          "cmp %[x], #0\n\t"
          "bne 1b\n\t"
          : [acc0] "+r"(acc0), [acc1] "+r"(acc1), [acc2] "+r"(acc2), [acc3] "+r"(acc3),
            [entry] "+r"(entry), [x] "=&r"(x), [w] "=&r"(w), [x_even] "=&r"(x_even),
            [w_even] "=&r"(w_even)
          : [channel] "r"(channel), [offset] "r"(offset_pair)
          : "cc", "memory");
    }
#else
    for (; entry != table_end; entry += 2) {
      const int32_t x = simd::read_s8x4(entry[0] + channel);
      const int32_t w = simd::read_s8x4(entry[1] + channel);
      const int32_t x_even = simd::sxtab16(offset_pair, x);  // channels 0, 2
      const int32_t x_odd = simd::sxtab16_odd(offset_pair, x);  // channels 1, 3
      const int32_t w_even = simd::sxtb16(w);
      const int32_t w_odd = simd::sxtb16_odd(w);
      acc0 = simd::smlabb(x_even, w_even, acc0);
      acc2 = simd::smlatt(x_even, w_even, acc2);
      acc1 = simd::smlabb(x_odd, w_odd, acc1);
      acc3 = simd::smlatt(x_odd, w_odd, acc3);
    }
#endif
    requantize_four(p, channel, acc0, acc1, acc2, acc3, out_pixel);
  }
  return channel;
}

// Depth multiplier 1 with the compiler's tap-pair filter (DepthwiseConvParams::
// filter_tap_pairs): all four-channel groups of one pixel, two taps per step, so each SMLAD
// does two of a channel's multiply-accumulates. The input words of taps a and b are
// interleaved with PKHBT/PKHTB into [a0 a1 b0 b1] and [a2 a3 b2 b3], which SXTB16 turns into
// the pairs (a_c, b_c); the weights are already such pairs, and the input offset is in the
// accumulators' start, the four words before each group's weights (DepthwiseConvParams::
// filter_tap_pairs). Every tap of the filter is in
// the table: one over the padding reads `padding_pixel`, input_depth bytes of the input zero
// point, whose product with the weight the folded offset cancels (the reference skips the
// tap). Returns the first channel it left.
const int32_t kMaxPairedTaps = 16;
const int32_t kMaxTapPairs = kMaxPairedTaps / 2;
const int32_t kMaxPaddingDepth = 256;  // the padding pixel lives on the stack

// Fills `table` (kMaxPairedTaps + 1 entries) with the input addresses (channel 0) of output
// pixel (out_y, out_x)'s taps, padding_pixel for those over the padding, an odd count padded
// with a repeat of the last (its weight half is 0); returns the number of tap pairs.
template <class Rows>
MF_ALWAYS_INLINE int32_t fill_tap_pair_table(const DepthwiseConvParams& p, const Rows& rows,
                                             int32_t out_y, int32_t out_x,
                                             const int8_t* padding_pixel,
                                             const int8_t** table) {
  int32_t entries = 0;
  const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
  const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
  // The filter columns [first_x, end_x) fall inside the input, the same for every row.
  int32_t first_x = 0, end_x = p.filter_width;
  while (first_x < end_x && in_x_origin + p.dilation_width * first_x < 0) ++first_x;
  while (end_x > first_x && in_x_origin + p.dilation_width * (end_x - 1) >= p.input_width) {
    --end_x;
  }
  const int32_t tap_step = p.dilation_width * p.input_depth;
  for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y) {
    const int32_t in_y = in_y_origin + p.dilation_height * filter_y;
    if (in_y < 0 || in_y >= p.input_height) {
      for (int32_t filter_x = 0; filter_x < p.filter_width; ++filter_x) {
        table[entries++] = padding_pixel;
      }
      continue;
    }
    int32_t filter_x = 0;
    for (; filter_x < first_x; ++filter_x) table[entries++] = padding_pixel;
    const int8_t* tap = rows(in_y) + (in_x_origin + p.dilation_width * first_x) * p.input_depth;
    for (; filter_x < end_x; ++filter_x, tap += tap_step) table[entries++] = tap;
    for (; filter_x < p.filter_width; ++filter_x) table[entries++] = padding_pixel;
  }
  if (entries % 2) {
    table[entries] = table[entries - 1];
    ++entries;
  }
  return entries / 2;
}

// All four-channel groups of one output pixel whose tap pairs are in `table`
// (fill_tap_pair_table). Returns the first channel it left.
MF_HOT_LOOP inline int32_t depthwise_groups_from_table(const DepthwiseConvParams& p,
                                                       const int8_t* const* table,
                                                       int32_t pairs, int8_t* out_pixel) {
  const int32_t* w = p.filter_tap_pairs;  // advanced by each group's steps
#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
  // Bytes of the pair steps the sequence below skips (see there).
  const int32_t skip_bytes = (kMaxTapPairs - pairs) * 60;
  const bool full_range = is_full_int8_range(p.activation_min, p.activation_max);
  const int32_t activation_low = repeat_s8x4(p.activation_min);
  const int32_t activation_high = repeat_s8x4(p.activation_max);
#endif
  int32_t channel = 0;
  for (; channel + 4 <= p.output_depth; channel += 4) {
    int32_t acc0, acc1, acc2, acc3;
    const int8_t* const* entry = table;
#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
    // The steps below in Thumb-2, fifteen instructions per two taps of four channels, for
    // kMaxTapPairs pairs; ADD PC enters past the ones this filter does not have (Duff's
    // device without a loop: each step is 60 bytes, 32-bit encodings checked by the
    // assembler). Twelve registers, which gcc finds with a frame pointer too; not at -O0 (no
    // register allocation to speak of).
#define MF_TAP_PAIR_ASM                                    \
  "ldrd %[a], %[b], [%[entry]], #8\n\t"                     \
  "ldr.w %[a], [%[a], %[channel]]\n\t"                      \
  "ldr.w %[b], [%[b], %[channel]]\n\t"                      \
  "pkhbt %[low], %[a], %[b], lsl #16\n\t"                   \
  "pkhtb %[a], %[b], %[a], asr #16\n\t"                     \
  "ldrd %[w0], %[w1], [%[w]], #8\n\t"                       \
  "sxtb16 %[b], %[low]\n\t"                                 \
  "smlad %[acc0], %[b], %[w0], %[acc0]\n\t"                 \
  "sxtb16 %[b], %[low], ror #8\n\t"                         \
  "smlad %[acc1], %[b], %[w1], %[acc1]\n\t"                 \
  "ldrd %[w0], %[w1], [%[w]], #8\n\t"                       \
  "sxtb16 %[b], %[a]\n\t"                                   \
  "smlad %[acc2], %[b], %[w0], %[acc2]\n\t"                 \
  "sxtb16 %[b], %[a], ror #8\n\t"                           \
  "smlad %[acc3], %[b], %[w1], %[acc3]\n\t"
    const int8_t* a;
    const int8_t* b;
    int32_t low, w0, w1;
    __asm__(
        "ldrd %[acc0], %[acc1], [%[w]], #8\n\t"
        "ldrd %[acc2], %[acc3], [%[w]], #8\n\t"
        "ldr %[a], %[skip]\n\t"
        "mf_tap_pairs_entry%=:\n\t"
        "add pc, %[a]\n\t"  // PC reads as this instruction + 4: the first step
        "nop.n\n\t"
        "mf_tap_pairs_first%=:\n\t"
        MF_TAP_PAIR_ASM
        "mf_tap_pairs_second%=:\n\t"
        MF_TAP_PAIR_ASM MF_TAP_PAIR_ASM MF_TAP_PAIR_ASM
        MF_TAP_PAIR_ASM MF_TAP_PAIR_ASM MF_TAP_PAIR_ASM MF_TAP_PAIR_ASM
        ".if (mf_tap_pairs_first%= - mf_tap_pairs_entry%=) != 4\n\t"
        ".error \"the tap pairs do not start 4 bytes after their ADD PC\"\n\t"
        ".endif\n\t"
        ".if (mf_tap_pairs_second%= - mf_tap_pairs_first%=) != 60\n\t"
        ".error \"a tap pair step is not 60 bytes\"\n\t"
        ".endif\n\t"
        : [acc0] "=&r"(acc0), [acc1] "=&r"(acc1), [acc2] "=&r"(acc2), [acc3] "=&r"(acc3),
          [entry] "+r"(entry), [w] "+r"(w), [a] "=&r"(a), [b] "=&r"(b), [low] "=&r"(low),
          [w0] "=&r"(w0), [w1] "=&r"(w1)
        : [channel] "r"(channel), [skip] "m"(skip_bytes)
        : "memory");
#undef MF_TAP_PAIR_ASM
#else
    acc0 = w[0];
    acc1 = w[1];
    acc2 = w[2];
    acc3 = w[3];
    w += 4;
    for (int32_t pair = 0; pair < pairs; ++pair, entry += 2, w += 4) {
      const uint32_t a = static_cast<uint32_t>(simd::read_s8x4(entry[0] + channel));
      const uint32_t b = static_cast<uint32_t>(simd::read_s8x4(entry[1] + channel));
      const int32_t low = static_cast<int32_t>((a & 0xFFFFu) | (b << 16));  // PKHBT
      const int32_t high = static_cast<int32_t>((b & 0xFFFF0000u) | (a >> 16));  // PKHTB
      acc0 = simd::smlad(simd::sxtb16(low), w[0], acc0);
      acc1 = simd::smlad(simd::sxtb16_odd(low), w[1], acc1);
      acc2 = simd::smlad(simd::sxtb16(high), w[2], acc2);
      acc3 = simd::smlad(simd::sxtb16_odd(high), w[3], acc3);
    }
#endif
#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
    if (p.output_requantizers) {
      int32_t values = requantize_four_packed(p.output_requantizers + 4 * channel, acc0, acc1,
                                              acc2, acc3);
      if (!full_range) values = clamp_s8x4(values, activation_low, activation_high);
      memcpy(out_pixel + channel, &values, sizeof(values));
      continue;
    }
#endif
    requantize_four(p, channel, acc0, acc1, acc2, acc3, out_pixel);
  }
  return channel;
}

template <class Rows>
MF_HOT_LOOP inline int32_t depthwise_groups_by_tap_pairs(const DepthwiseConvParams& p,
                                                         const Rows& rows, int32_t out_y,
                                                         int32_t out_x, int8_t* out_pixel,
                                                         const int8_t* padding_pixel) {
  const int8_t* table[kMaxPairedTaps + 1];
  const int32_t pairs = fill_tap_pair_table(p, rows, out_y, out_x, padding_pixel, table);
  return depthwise_groups_from_table(p, table, pairs, out_pixel);
}

// Every pixel of output row out_y by tap pairs (a layer padding_pixel_for gives a padding
// pixel, so every channel is in a group of four), to out_row. Between two pixels whose
// filter lies wholly inside the input's width the taps are the same, x_step bytes further:
// the table is moved instead of filled again.
template <class Rows>
MF_HOT_LOOP inline void depthwise_row_by_tap_pairs(const DepthwiseConvParams& p,
                                                   const Rows& rows, int32_t out_y,
                                                   int8_t* out_row, const int8_t* padding_pixel) {
  const int8_t* table[kMaxPairedTaps + 1];
  const int32_t x_step = p.stride_width * p.input_depth;
  const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
  // Whether some filter row lies over the top or bottom padding (its taps stay put).
  const bool padded_rows =
      in_y_origin < 0 || in_y_origin + p.dilation_height * (p.filter_height - 1) >= p.input_height;
  const int32_t x_reach = p.dilation_width * (p.filter_width - 1);
  int32_t pairs = 0;
  bool previous_inside = false;
  for (int32_t out_x = 0; out_x < p.output_width; ++out_x, out_row += p.output_depth) {
    const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
    const bool inside = in_x_origin >= 0 && in_x_origin + x_reach < p.input_width;
    if (inside && previous_inside) {
      const int8_t** const end = table + 2 * pairs;
      if (padded_rows) {
        for (const int8_t** entry = table; entry != end; ++entry) {
          if (*entry != padding_pixel) *entry += x_step;
        }
      } else {
        const int32_t step = x_step;  // a copy gcc keeps in a register
        for (const int8_t** entry = table; entry != end; ++entry) *entry += step;
      }
    } else {
      pairs = fill_tap_pair_table(p, rows, out_y, out_x, padding_pixel, table);
    }
    previous_inside = inside;
    depthwise_groups_from_table(p, table, pairs, out_row);
  }
}

// The padding pixel of depthwise_groups_by_tap_pairs in `buffer` (kMaxPaddingDepth bytes), or
// 0 where the layer has no tap-pair filter or too many channels for it.
inline const int8_t* padding_pixel_for(const DepthwiseConvParams& p, int8_t* buffer) {
  if (!p.filter_tap_pairs || p.depth_multiplier != 1 || p.output_depth % 4 != 0 ||
      p.filter_height * p.filter_width > kMaxPairedTaps || p.input_depth > kMaxPaddingDepth) {
    return 0;
  }
  memset(buffer, -p.input_offset, static_cast<size_t>(p.input_depth));
  return buffer;
}

// Every channel of output pixel (out_y, out_x), written to out_pixel.
template <class Rows>
MF_HOT_LOOP inline void depthwise_pixel(const DepthwiseConvParams& p, const Rows& rows,
                                        int32_t out_y, int32_t out_x, const int8_t* filter,
                                        const int32_t* bias, int8_t* out_pixel,
                                        const int8_t* padding_pixel) {
  if (padding_pixel) {
    const int32_t channel =
        depthwise_groups_by_tap_pairs(p, rows, out_y, out_x, out_pixel, padding_pixel);
    depthwise_pixel_generic(p, rows, out_y, out_x, filter, bias, out_pixel, channel);
    return;
  }
  PixelTaps taps;
  if (!pixel_taps(p, rows, out_y, out_x, filter, &taps)) {
    depthwise_pixel_generic(p, rows, out_y, out_x, filter, bias, out_pixel, 0);
    return;
  }
  const int32_t input_step = p.dilation_width * p.input_depth;  // between taps of a row
  const int32_t filter_step = p.output_depth;
  const int32_t offset_pair = simd::pack_s16x2(p.input_offset, p.input_offset);
  const int32_t out_depth = p.output_depth;
  int32_t channel = 0;
  if (p.depth_multiplier == 1 && taps.row_count * taps.columns <= kMaxTableTaps) {
    channel = depthwise_groups_by_tap_table(p, taps, bias, out_pixel);
  } else if (p.depth_multiplier == 1) {
    for (; channel + 4 <= out_depth; channel += 4) {
      int32_t acc0 = bias_of(bias, channel), acc1 = bias_of(bias, channel + 1);
      int32_t acc2 = bias_of(bias, channel + 2), acc3 = bias_of(bias, channel + 3);
      for (int32_t row = 0; row < taps.row_count; ++row) {
        const int8_t* input_tap = taps.input_rows[row] + channel;
        const int8_t* filter_tap = taps.filter_rows[row] + channel;
        for (int32_t n = taps.columns; n > 0; --n) {
          const int32_t x = simd::read_s8x4(input_tap);
          const int32_t w = simd::read_s8x4(filter_tap);
          input_tap += input_step;
          filter_tap += filter_step;
          const int32_t x_even = simd::sxtab16(offset_pair, x);  // channels 0, 2
          const int32_t x_odd = simd::sxtab16_odd(offset_pair, x);  // channels 1, 3
          const int32_t w_even = simd::sxtb16(w);
          const int32_t w_odd = simd::sxtb16_odd(w);
          acc0 = simd::smlabb(x_even, w_even, acc0);
          acc2 = simd::smlatt(x_even, w_even, acc2);
          acc1 = simd::smlabb(x_odd, w_odd, acc1);
          acc3 = simd::smlatt(x_odd, w_odd, acc3);
        }
      }
      requantize_four_out_of_line(p, channel, acc0, acc1, acc2, acc3, out_pixel);
    }
  } else if (p.depth_multiplier % 4 == 0) {
    // Four consecutive outputs read the same input channel: one input value, both halves.
    for (; channel + 4 <= out_depth; channel += 4) {
      int32_t acc0 = bias_of(bias, channel), acc1 = bias_of(bias, channel + 1);
      int32_t acc2 = bias_of(bias, channel + 2), acc3 = bias_of(bias, channel + 3);
      const int32_t in_channel = channel / p.depth_multiplier;
      for (int32_t row = 0; row < taps.row_count; ++row) {
        const int8_t* input_tap = taps.input_rows[row] + in_channel;
        const int8_t* filter_tap = taps.filter_rows[row] + channel;
        for (int32_t n = taps.columns; n > 0; --n) {
          const int32_t value = *input_tap + p.input_offset;
          const int32_t w = simd::read_s8x4(filter_tap);
          input_tap += input_step;
          filter_tap += filter_step;
          const int32_t x_pair = simd::pack_s16x2(value, value);
          const int32_t w_even = simd::sxtb16(w);
          const int32_t w_odd = simd::sxtb16_odd(w);
          acc0 = simd::smlabb(x_pair, w_even, acc0);
          acc2 = simd::smlatt(x_pair, w_even, acc2);
          acc1 = simd::smlabb(x_pair, w_odd, acc1);
          acc3 = simd::smlatt(x_pair, w_odd, acc3);
        }
      }
      requantize_four_out_of_line(p, channel, acc0, acc1, acc2, acc3, out_pixel);
    }
  }
  depthwise_pixel_generic(p, rows, out_y, out_x, filter, bias, out_pixel, channel);
}

template <class Rows>
inline void depthwise_pixel_generic(const DepthwiseConvParams& p, const Rows& rows,
                                    int32_t out_y, int32_t out_x, const int8_t* filter,
                                    const int32_t* bias, int8_t* out_pixel,
                                    int32_t first_channel) {
  const int32_t in_y_origin = out_y * p.stride_height - p.padding_height;
  const int32_t in_x_origin = out_x * p.stride_width - p.padding_width;
  for (int32_t channel = first_channel; channel < p.output_depth; ++channel) {
    const int32_t in_channel = channel / p.depth_multiplier;
    int32_t acc = bias_of(bias, channel);
    for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y) {
      const int32_t in_y = in_y_origin + p.dilation_height * filter_y;
      if (in_y < 0 || in_y >= p.input_height) continue;
      const int8_t* row = rows(in_y);
      for (int32_t filter_x = 0; filter_x < p.filter_width; ++filter_x) {
        const int32_t in_x = in_x_origin + p.dilation_width * filter_x;
        if (in_x < 0 || in_x >= p.input_width) continue;
        acc += filter[(filter_y * p.filter_width + filter_x) * p.output_depth + channel] *
               (row[in_x * p.input_depth + in_channel] + p.input_offset);
      }
    }
    out_pixel[channel] = depthwise_requantize(p, acc, channel);
  }
}

// A 3x3 filter without dilation, stride 1 or 2 across (DepthwiseConvParams::
// filter_3x3_columns): one output row by groups of four channels. Each input column the row
// reads is unpacked once into six words (the input offset added): filter rows 0 and 1 as one
// int16 pair per channel, for SMLAD, and row 2 as the pairs (channel 0, 2) and (1, 3), for
// SMLABB / SMLATT; at stride 1 the three outputs that read a column share its unpacking,
// which the tap-pair loop redoes for each. Rows over the padding unpack as 0. A row is
// done in chunks of the outputs whose columns fit the stack buffer (the chunks' edge columns
// unpacked twice).
const int32_t kColumnsBuffered = 32;  // input columns unpacked at a time
const int32_t kColumnWords = 6;

// Whether the column loop applies (the compiler emits filter_3x3_columns on the same
// conditions: ops/depthwise_conv.py, filter_3x3_column_arrays).
inline bool columns_apply(const DepthwiseConvParams& p) {
  return p.filter_3x3_columns && p.depth_multiplier == 1 && p.output_depth % 4 == 0 &&
         p.filter_height == 3 && p.filter_width == 3 && p.dilation_height == 1 &&
         p.dilation_width == 1 && (p.stride_width == 1 || p.stride_width == 2);
}

// The six words of one input column, from the words of channels channel..channel+3 in
// filter rows 0, 1 and 2.
MF_ALWAYS_INLINE void unpack_column(int32_t top, int32_t middle, int32_t bottom,
                                    int32_t offset_pair, int32_t* column) {
  const int32_t low = simd::low_halves(top, middle);  // channels 0, 1 of both rows
  const int32_t high = simd::high_halves(top, middle);  // channels 2, 3
  column[0] = simd::sxtab16(offset_pair, low);
  column[1] = simd::sxtab16_odd(offset_pair, low);
  column[2] = simd::sxtab16(offset_pair, high);
  column[3] = simd::sxtab16_odd(offset_pair, high);
  column[4] = simd::sxtab16(offset_pair, bottom);
  column[5] = simd::sxtab16_odd(offset_pair, bottom);
}

// Where `count` columns from padded column `first_column` on lie: `before` over the left
// padding, then `inside` input columns from byte `skip` of a row on, then the rest over the
// right padding; the same for every group of channels.
struct ColumnSpan {
  int32_t before;
  int32_t inside;
  int32_t after;
  int32_t skip;
};

inline ColumnSpan column_span(const DepthwiseConvParams& p, int32_t first_column,
                              int32_t count) {
  const int32_t start = p.padding_width - first_column;  // where input column 0 falls
  const int32_t first = start < 0 ? 0 : start < count ? start : count;
  int32_t end = start + p.input_width;
  if (end > count) end = count;
  if (end < first) end = first;
  const ColumnSpan span = {first, end - first, count - end, (first - start) * p.input_depth};
  return span;
}

MF_ALWAYS_INLINE int32_t* zero_columns(int32_t* column, int32_t count) {
  for (; count > 0; --count) {
#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
    // Three STRDs; gcc makes the loop a call to memset.
    const int32_t zero0 = 0, zero1 = 0;
    __asm__ volatile("strd %[zero0], %[zero1], [%[column]], #8\n\t"
                     "strd %[zero0], %[zero1], [%[column]], #8\n\t"
                     "strd %[zero0], %[zero1], [%[column]], #8\n\t"
                     : [column] "+r"(column)
                     : [zero0] "r"(zero0), [zero1] "r"(zero1)
                     : "memory");
#else
    for (int32_t k = 0; k < kColumnWords; ++k) column[k] = 0;
    column += kColumnWords;
#endif
  }
  return column;
}

// The columns of `span` for channels channel..channel+3; `row[r]` is filter row r's input
// row (at channel 0), or 0 over the padding, where a column reads four bytes of the input
// zero point, which the offset turns into 0 (as it does the padding columns, stored as 0).
// Out of line: inlined, its loop's twelve registers push the pixel loops' to the stack.
#if defined(__GNUC__)
__attribute__((noinline))
#endif
MF_HOT_LOOP inline void unpack_columns(const DepthwiseConvParams& p, const int8_t* const* row,
                                       int32_t channel, const ColumnSpan& span,
                                       int32_t* columns) {
  const int32_t offset_pair = simd::pack_s16x2(p.input_offset, p.input_offset);
  const int32_t depth = p.input_depth;
  int32_t* column = zero_columns(columns, span.before);
  const int32_t skip = span.skip + channel;
  if (row[0] && row[1] && row[2]) {
    const int8_t* top = row[0] + skip;
    const int8_t* middle = row[1] + skip;
    const int8_t* bottom = row[2] + skip;
#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
    // The loop below in Thumb-2, two columns a pass: sixteen instructions a column (gcc's
    // takes 25). An odd count enters at the second (its bytes, 24 a column, have bit 3 set).
    if (span.inside > 0) {
      int32_t* const columns_end = column + span.inside * kColumnWords;
      int32_t at = 0, a, b, c, t;
#define MF_UNPACK_COLUMN_ASM                             \
  "ldr %[a], [%[top], %[at]]\n\t"                       \
  "ldr %[b], [%[middle], %[at]]\n\t"                    \
  "ldr %[c], [%[bottom], %[at]]\n\t"                    \
  "add %[at], %[at], %[depth]\n\t"                      \
  "pkhbt %[t], %[a], %[b], lsl #16\n\t"                 \
  "pkhtb %[b], %[b], %[a], asr #16\n\t"                 \
  "sxtab16 %[a], %[offset], %[t]\n\t"                   \
  "sxtab16 %[t], %[offset], %[t], ror #8\n\t"           \
  "strd %[a], %[t], [%[column]], #8\n\t"                \
  "sxtab16 %[a], %[offset], %[b]\n\t"                   \
  "sxtab16 %[b], %[offset], %[b], ror #8\n\t"           \
  "strd %[a], %[b], [%[column]], #8\n\t"                \
  "sxtab16 %[a], %[offset], %[c]\n\t"                   \
  "sxtab16 %[c], %[offset], %[c], ror #8\n\t"           \
  "strd %[a], %[c], [%[column]], #8\n\t"
      __asm__ volatile(  // it only stores: volatile, or gcc may drop it
          "sub %[t], %[end], %[column]\n\t"
          "tst %[t], #8\n\t"
          "bne 2f\n\t"
          "1:\n\t"
          MF_UNPACK_COLUMN_ASM
          "2:\n\t"
          MF_UNPACK_COLUMN_ASM
          "cmp %[column], %[end]\n\t"
          "bne 1b\n\t"
          : [column] "+r"(column), [at] "+r"(at), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c),
            [t] "=&r"(t)
          : [top] "r"(top), [middle] "r"(middle), [bottom] "r"(bottom), [depth] "r"(depth),
            [offset] "r"(offset_pair), [end] "r"(columns_end)
          : "cc", "memory");
#undef MF_UNPACK_COLUMN_ASM
    }
#else
    for (int32_t j = 0; j < span.inside; ++j, column += kColumnWords) {
      unpack_column(simd::read_s8x4(top), simd::read_s8x4(middle), simd::read_s8x4(bottom),
                    offset_pair, column);
      top += depth;
      middle += depth;
      bottom += depth;
    }
#endif
  } else {
    const int32_t padding = repeat_s8x4(-p.input_offset);
    int32_t offset = skip;
    for (int32_t j = 0; j < span.inside; ++j, column += kColumnWords, offset += depth) {
      unpack_column(row[0] ? simd::read_s8x4(row[0] + offset) : padding,
                    row[1] ? simd::read_s8x4(row[1] + offset) : padding,
                    row[2] ? simd::read_s8x4(row[2] + offset) : padding, offset_pair, column);
    }
  }
  zero_columns(column, span.after);
}

// The column loop's requantization where the compiler doubled every word of
// filter_3x3_columns (DepthwiseConvParams::column_requantizers): `doubled` is 2 acc, |acc| <
// 2^30, and a channel's words are M, C = 2^(r-1) + o 2^r and r >= 1. C + floor((2 acc M +
// 2^31) / 2^32), what SMMLAR computes, is C + h for the reference's h = floor((acc M + 2^30) /
// 2^31); its rounding_divide_by_pot(h, r) + o is floor((h + C - [h < 0]) / 2^r), and [h < 0]
// may be [acc < 0] (mf/requantize_fast.h shows why), the sign of `doubled`. So four
// instructions a channel (SMMLAR, ADD of the sign, ASR, SSAT) instead of six, and three words.
MF_ALWAYS_INLINE int32_t column_requantize(const int32_t* words, int32_t doubled) {
  const int64_t sum = static_cast<int64_t>(doubled) * words[0] +
                      static_cast<int64_t>(words[1]) * (static_cast<int64_t>(1) << 32) +
                      (static_cast<int64_t>(1) << 31);
  const int32_t rounded = static_cast<int32_t>(sum >> 32) - (doubled < 0 ? 1 : 0);
  return rounded >> words[2];
}

#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
// The words of one channel (from `table`, which moves on) and its requantization of `acc`,
// into the full int8 range, for column_requantize_four_packed (LDM's registers ascend:
// pinned).
#define MF_COLUMN_REQUANTIZE_ASM(acc)                                   \
  "smmlar %[t], %[" acc "], %[multiplier], %[round]\n\t"              \
  "add %[" acc "], %[t], %[" acc "], asr #31\n\t"                     \
  "asr %[" acc "], %[" acc "], %[shift]\n\t"                          \
  "ssat %[" acc "], #8, %[" acc "]\n\t"
#define MF_COLUMN_WORDS_ASM "ldmia %[table]!, {%[multiplier], %[round], %[shift]}\n\t"

// column_requantize of four channels into the full int8 range, the bytes packed into one
// word, channel 0 lowest: 23 instructions (requantize_four_packed's 31).
MF_ALWAYS_INLINE int32_t column_requantize_four_packed(const int32_t* table, int32_t acc0,
                                                       int32_t acc1, int32_t acc2,
                                                       int32_t acc3) {
  register int32_t multiplier __asm__("r8");
  register int32_t round __asm__("r9");
  register int32_t shift __asm__("r10");
  int32_t t;
  __asm__(
      MF_COLUMN_WORDS_ASM MF_COLUMN_REQUANTIZE_ASM("acc0")
      MF_COLUMN_WORDS_ASM MF_COLUMN_REQUANTIZE_ASM("acc1")
      MF_COLUMN_WORDS_ASM MF_COLUMN_REQUANTIZE_ASM("acc2")
      MF_COLUMN_WORDS_ASM MF_COLUMN_REQUANTIZE_ASM("acc3")
      "bfi %[acc0], %[acc1], #8, #8\n\t"
      "bfi %[acc0], %[acc2], #16, #8\n\t"
      "bfi %[acc0], %[acc3], #24, #8\n\t"
      : [acc0] "+r"(acc0), [acc1] "+r"(acc1), [acc2] "+r"(acc2), [acc3] "+r"(acc3),
        [table] "+r"(table), [multiplier] "=&r"(multiplier), [round] "=&r"(round),
        [shift] "=&r"(shift), [t] "=&r"(t)
      :
      : "memory");
  return acc0;
}

#undef MF_COLUMN_WORDS_ASM
#undef MF_COLUMN_REQUANTIZE_ASM
#endif

// The four channels' sums of one output pixel: the group's biases plus its three input
// columns (from `column` on) times the group's filter columns.
MF_ALWAYS_INLINE void column_sums(const int32_t* column, const int32_t* group, int32_t* acc) {
#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
  // 44 instructions, every pair of words one LDRD (gcc loads them one at a time and keeps
  // the loop over the filter columns).
#define MF_FILTER_COLUMN_ASM(column, weights)                        \
  "ldrd %[x0], %[x1], [%[column], #" column "]\n\t"                  \
  "ldrd %[w0], %[w1], [%[group], #" weights "]\n\t"                  \
  "smlad %[acc0], %[x0], %[w0], %[acc0]\n\t"                         \
  "smlad %[acc1], %[x1], %[w1], %[acc1]\n\t"                         \
  "ldrd %[x0], %[x1], [%[column], #" column " + 8]\n\t"              \
  "ldrd %[w0], %[w1], [%[group], #" weights " + 8]\n\t"              \
  "smlad %[acc2], %[x0], %[w0], %[acc2]\n\t"                         \
  "smlad %[acc3], %[x1], %[w1], %[acc3]\n\t"                         \
  "ldrd %[x0], %[x1], [%[column], #" column " + 16]\n\t"             \
  "ldrd %[w0], %[w1], [%[group], #" weights " + 16]\n\t"             \
  "smlabb %[acc0], %[x0], %[w0], %[acc0]\n\t"                        \
  "smlatt %[acc2], %[x0], %[w0], %[acc2]\n\t"                        \
  "smlabb %[acc1], %[x1], %[w1], %[acc1]\n\t"                        \
  "smlatt %[acc3], %[x1], %[w1], %[acc3]\n\t"
  int32_t acc0, acc1, acc2, acc3, x0, x1, w0, w1;
  __asm__(
      "ldrd %[acc0], %[acc1], [%[group]]\n\t"
      "ldrd %[acc2], %[acc3], [%[group], #8]\n\t"
      MF_FILTER_COLUMN_ASM("0", "16") MF_FILTER_COLUMN_ASM("24", "40")
      MF_FILTER_COLUMN_ASM("48", "64")
      : [acc0] "=&r"(acc0), [acc1] "=&r"(acc1), [acc2] "=&r"(acc2), [acc3] "=&r"(acc3),
        [x0] "=&r"(x0), [x1] "=&r"(x1), [w0] "=&r"(w0), [w1] "=&r"(w1)
      : [column] "r"(column), [group] "r"(group)
      : "memory");
#undef MF_FILTER_COLUMN_ASM
  acc[0] = acc0;
  acc[1] = acc1;
  acc[2] = acc2;
  acc[3] = acc3;
#else
  for (int32_t k = 0; k < 4; ++k) acc[k] = group[k];
  const int32_t* w = group + 4;
  for (int32_t k = 0; k < 3; ++k, w += kColumnWords, column += kColumnWords) {
    acc[0] = simd::smlad(column[0], w[0], acc[0]);
    acc[1] = simd::smlad(column[1], w[1], acc[1]);
    acc[2] = simd::smlad(column[2], w[2], acc[2]);
    acc[3] = simd::smlad(column[3], w[3], acc[3]);
    acc[0] = simd::smlabb(column[4], w[4], acc[0]);
    acc[2] = simd::smlatt(column[4], w[4], acc[2]);
    acc[1] = simd::smlabb(column[5], w[5], acc[1]);
    acc[3] = simd::smlatt(column[5], w[5], acc[3]);
  }
#endif
}

#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
// column_sums of two neighbouring pixels at stride `Stride` (their first columns `column`
// and Stride columns on): each pair of filter words is loaded once for both, 82
// instructions for the two (88 by column_sums). Fourteen registers, every one but SP and PC:
// where gcc keeps a frame pointer in r7 it offers only thirteen, so the other thirteen are
// named here and r7, saved on the stack, holds `group`. Only where gcc optimizes.
template <int32_t Stride>
MF_ALWAYS_INLINE void column_sums_two(const int32_t* column, const int32_t* group,
                                      int32_t* first, int32_t* second) {
#define MF_WORD_PAIR_ASM(column, weights, mac_first, mac_second)                   \
  "ldrd %[w0], %[w1], [r7, #" weights "]\n\t"                                     \
  "ldrd %[x0], %[x1], [%[column], #" column "]\n\t"                                \
  mac_first "ldrd %[x0], %[x1], [%[column], #" column " + %c[second]]\n\t" mac_second
#define MF_SMLAD_ASM(acc_even, acc_odd)                                            \
  "smlad %[" acc_even "], %[x0], %[w0], %[" acc_even "]\n\t"                      \
  "smlad %[" acc_odd "], %[x1], %[w1], %[" acc_odd "]\n\t"
#define MF_SMLAXY_ASM(acc0, acc1, acc2, acc3)                                      \
  "smlabb %[" acc0 "], %[x0], %[w0], %[" acc0 "]\n\t"                             \
  "smlatt %[" acc2 "], %[x0], %[w0], %[" acc2 "]\n\t"                             \
  "smlabb %[" acc1 "], %[x1], %[w1], %[" acc1 "]\n\t"                             \
  "smlatt %[" acc3 "], %[x1], %[w1], %[" acc3 "]\n\t"
#define MF_FILTER_COLUMN_TWO_ASM(column, weights)                                  \
  MF_WORD_PAIR_ASM(column, weights, MF_SMLAD_ASM("a0", "a1"), MF_SMLAD_ASM("b0", "b1")) \
  MF_WORD_PAIR_ASM(column " + 8", weights " + 8", MF_SMLAD_ASM("a2", "a3"),            \
                   MF_SMLAD_ASM("b2", "b3"))                                          \
  MF_WORD_PAIR_ASM(column " + 16", weights " + 16", MF_SMLAXY_ASM("a0", "a1", "a2", "a3"), \
                   MF_SMLAXY_ASM("b0", "b1", "b2", "b3"))
  register int32_t a0 __asm__("r0") = static_cast<int32_t>(reinterpret_cast<intptr_t>(group));
  register int32_t a1 __asm__("r1");
  register int32_t a2 __asm__("r2");
  register int32_t a3 __asm__("r3");
  register int32_t b0 __asm__("r4");
  register int32_t b1 __asm__("r5");
  register int32_t b2 __asm__("r6");
  register int32_t b3 __asm__("r8");
  register int32_t x0 __asm__("r9");
  register int32_t x1 __asm__("r10");
  register int32_t w0 __asm__("r11");
  register int32_t w1 __asm__("r12");
  register const int32_t* column_pointer __asm__("lr") = column;
  __asm__(
      "push {r7}\n\t"
      "mov r7, %[a0]\n\t"
      "ldrd %[a0], %[a1], [r7]\n\t"
      "ldrd %[a2], %[a3], [r7, #8]\n\t"
      "ldrd %[b0], %[b1], [r7]\n\t"
      "ldrd %[b2], %[b3], [r7, #8]\n\t"
      MF_FILTER_COLUMN_TWO_ASM("0", "16") MF_FILTER_COLUMN_TWO_ASM("24", "40")
      MF_FILTER_COLUMN_TWO_ASM("48", "64")
      "pop {r7}\n\t"
      : [a0] "+r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [b0] "=&r"(b0),
        [b1] "=&r"(b1), [b2] "=&r"(b2), [b3] "=&r"(b3), [x0] "=&r"(x0), [x1] "=&r"(x1),
        [w0] "=&r"(w0), [w1] "=&r"(w1)
      : [column] "r"(column_pointer), [second] "i"(Stride * kColumnWords * 4)
      : "memory");
#undef MF_FILTER_COLUMN_TWO_ASM
#undef MF_SMLAXY_ASM
#undef MF_SMLAD_ASM
#undef MF_WORD_PAIR_ASM
  first[0] = a0;
  first[1] = a1;
  first[2] = a2;
  first[3] = a3;
  second[0] = b0;
  second[1] = b1;
  second[2] = b2;
  second[3] = b3;
}
#endif

#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
// requantize_four_packed of two pixels (`first` and `second`, packed into their first
// words) with one table: the rounding words double as the 64-bit sum, so the eight
// accumulators, the table's four words, its pointer and one temporary fit the fourteen
// registers (two calls of requantize_four_packed spill three accumulators between them).
// Named, the temporary r7 saved on the stack, as in column_sums_two.
MF_ALWAYS_INLINE void requantize_two_four_packed(const int32_t* words, int32_t* first,
                                                 int32_t* second) {
  register int32_t a0 __asm__("r0") = first[0];
  register int32_t a1 __asm__("r1") = first[1];
  register int32_t a2 __asm__("r2") = first[2];
  register int32_t a3 __asm__("r3") = first[3];
  register int32_t b0 __asm__("r4") = second[0];
  register int32_t b1 __asm__("r5") = second[1];
  register int32_t b2 __asm__("r6") = second[2];
  register int32_t b3 __asm__("r12") = second[3];
  register const int32_t* table __asm__("lr") = words;
  register int32_t multiplier __asm__("r8");
  register int32_t round_low __asm__("r9");
  register int32_t round_high __asm__("r10");
  register int32_t high_shift __asm__("r11");
#define MF_REQUANTIZE_IN_PLACE_ASM(acc)                                          \
  "ldmia %[table]!, {%[multiplier], %[round_low], %[round_high], %[high_shift]}\n\t" \
  "and r7, %[" acc "], #0x80000000\n\t"                                       \
  "subs %[round_low], %[round_low], r7\n\t"                                   \
  "sbc %[round_high], %[round_high], #0\n\t"                                  \
  "smlal %[round_low], %[round_high], %[" acc "], %[multiplier]\n\t"          \
  "asr %[" acc "], %[round_high], %[high_shift]\n\t"                          \
  "ssat %[" acc "], #8, %[" acc "]\n\t"
  __asm__(
      "push {r7}\n\t"
      MF_REQUANTIZE_IN_PLACE_ASM("a0") MF_REQUANTIZE_IN_PLACE_ASM("a1")
      MF_REQUANTIZE_IN_PLACE_ASM("a2") MF_REQUANTIZE_IN_PLACE_ASM("a3")
      "sub %[table], %[table], #64\n\t"
      MF_REQUANTIZE_IN_PLACE_ASM("b0") MF_REQUANTIZE_IN_PLACE_ASM("b1")
      MF_REQUANTIZE_IN_PLACE_ASM("b2") MF_REQUANTIZE_IN_PLACE_ASM("b3")
      "pop {r7}\n\t"
      "bfi %[a0], %[a1], #8, #8\n\t"
      "bfi %[a0], %[a2], #16, #8\n\t"
      "bfi %[a0], %[a3], #24, #8\n\t"
      "bfi %[b0], %[b1], #8, #8\n\t"
      "bfi %[b0], %[b2], #16, #8\n\t"
      "bfi %[b0], %[b3], #24, #8\n\t"
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0),
        [b1] "+r"(b1), [b2] "+r"(b2), [b3] "+r"(b3), [table] "+r"(table),
        [multiplier] "=&r"(multiplier), [round_low] "=&r"(round_low),
        [round_high] "=&r"(round_high), [high_shift] "=&r"(high_shift)
      :
      : "cc", "memory");
#undef MF_REQUANTIZE_IN_PLACE_ASM
  first[0] = a0;
  second[0] = b0;
}

// The pixels of columns_to_pixels two at a time, requantized without a clamp.
template <int32_t Stride>
MF_ALWAYS_INLINE void pixel_pairs_full_range(const int32_t* words, const int32_t* group,
                                             const int32_t* column,
                                             const int32_t* columns_end, int32_t depth,
                                             int8_t* out) {
  int32_t acc[4], next[4];
  for (; column != columns_end; column += 2 * Stride * kColumnWords, out += 2 * depth) {
    column_sums_two<Stride>(column, group, acc, next);
    requantize_two_four_packed(words, acc, next);
    memcpy(out, &acc[0], sizeof(acc[0]));
    memcpy(out + depth, &next[0], sizeof(next[0]));
  }
}

// pixel_pairs_full_range by the column requantizers (DepthwiseConvParams::
// column_requantizers), the whole loop in one asm: column_sums_two's sums, then
// column_requantize of both pixels with each channel's three words loaded once, then the two
// stores. The loop's state (group, words, out, depth, end) waits on the stack, where gcc's
// loop reloaded and stored it around the two asm blocks, and b3 stays in r8 (gcc moved it):
// 12 instructions a pair besides the sums and requantization (about 21 before). r7, maybe the
// frame pointer, is saved with the state. At least one pair (column != columns_end).
template <int32_t Stride>
MF_ALWAYS_INLINE void column_pixel_pairs(const int32_t* words, const int32_t* group,
                                         const int32_t* column, const int32_t* columns_end,
                                         int32_t depth, int8_t* out) {
  register const int32_t* group_register __asm__("r0") = group;
  register const int32_t* words_register __asm__("r1") = words;
  register int8_t* out_register __asm__("r2") = out;
  register int32_t depth_register __asm__("r3") = depth;
  register const int32_t* end_register __asm__("r4") = columns_end;
  register const int32_t* column_register __asm__("lr") = column;
  // Sums: a0-a3 r0-r3, b0-b3 r4, r5, r6, r8; input words r9, r10, filter words r11, r12;
  // group r7, column lr.
#define MF_PAIR_WORDS_ASM(column, weights, mac_first, mac_second)  \
  "ldrd r11, r12, [r7, #" weights "]\n\t"                          \
  "ldrd r9, r10, [lr, #" column "]\n\t"                            \
  mac_first "ldrd r9, r10, [lr, #" column " + %c[second]]\n\t" mac_second
#define MF_PAIR_SMLAD_ASM(even, odd)                               \
  "smlad " even ", r9, r11, " even "\n\t"                          \
  "smlad " odd ", r10, r12, " odd "\n\t"
#define MF_PAIR_SMLAXY_ASM(acc0, acc1, acc2, acc3)                 \
  "smlabb " acc0 ", r9, r11, " acc0 "\n\t"                         \
  "smlatt " acc2 ", r9, r11, " acc2 "\n\t"                         \
  "smlabb " acc1 ", r10, r12, " acc1 "\n\t"                        \
  "smlatt " acc3 ", r10, r12, " acc3 "\n\t"
#define MF_PAIR_COLUMN_ASM(column, weights)                                                \
  MF_PAIR_WORDS_ASM(column, weights, MF_PAIR_SMLAD_ASM("r0", "r1"),                          \
                    MF_PAIR_SMLAD_ASM("r4", "r5"))                                           \
  MF_PAIR_WORDS_ASM(column " + 8", weights " + 8", MF_PAIR_SMLAD_ASM("r2", "r3"),            \
                    MF_PAIR_SMLAD_ASM("r6", "r8"))                                           \
  MF_PAIR_WORDS_ASM(column " + 16", weights " + 16",                                         \
                    MF_PAIR_SMLAXY_ASM("r0", "r1", "r2", "r3"),                              \
                    MF_PAIR_SMLAXY_ASM("r4", "r5", "r6", "r8"))
  // Requantization: the channel's words r9-r11 (LDM's ascending order), r12 temporary,
  // table lr.
#define MF_PAIR_REQUANTIZE_ASM(acc)                                \
  "smmlar r12, " acc ", r9, r10\n\t"                               \
  "add " acc ", r12, " acc ", asr #31\n\t"                         \
  "asr " acc ", " acc ", r11\n\t"                                  \
  "ssat " acc ", #8, " acc "\n\t"
#define MF_PAIR_CHANNEL_ASM(first, second)                         \
  "ldmia lr!, {r9, r10, r11}\n\t"                                  \
  MF_PAIR_REQUANTIZE_ASM(first) MF_PAIR_REQUANTIZE_ASM(second)
  __asm__ volatile(  // it only stores: volatile
      "push {r0, r1, r2, r3, r4, r7}\n\t"  // group, words, out, depth, end at sp + 0..16
      "1:\n\t"
      "ldr r7, [sp]\n\t"
      "ldrd r0, r1, [r7]\n\t"
      "ldrd r2, r3, [r7, #8]\n\t"
      "ldrd r4, r5, [r7]\n\t"
      "ldrd r6, r8, [r7, #8]\n\t"
      MF_PAIR_COLUMN_ASM("0", "16") MF_PAIR_COLUMN_ASM("24", "40")
      MF_PAIR_COLUMN_ASM("48", "64")
      "mov r7, lr\n\t"
      "ldr lr, [sp, #4]\n\t"
      MF_PAIR_CHANNEL_ASM("r0", "r4") MF_PAIR_CHANNEL_ASM("r1", "r5")
      MF_PAIR_CHANNEL_ASM("r2", "r6") MF_PAIR_CHANNEL_ASM("r3", "r8")
      "bfi r0, r1, #8, #8\n\t"
      "bfi r0, r2, #16, #8\n\t"
      "bfi r0, r3, #24, #8\n\t"
      "bfi r4, r5, #8, #8\n\t"
      "bfi r4, r6, #16, #8\n\t"
      "bfi r4, r8, #24, #8\n\t"
      "ldrd lr, r9, [sp, #8]\n\t"
      "str r0, [lr]\n\t"
      "str r4, [lr, r9]\n\t"
      "add lr, lr, r9, lsl #1\n\t"
      "str lr, [sp, #8]\n\t"
      "add lr, r7, %[step]\n\t"
      "ldr r9, [sp, #16]\n\t"
      "cmp lr, r9\n\t"
      "bne 1b\n\t"
      "pop {r0, r1, r2, r3, r4, r7}\n\t"
      : "+r"(group_register), "+r"(words_register), "+r"(out_register), "+r"(depth_register),
        "+r"(end_register), "+r"(column_register)
      : [second] "i"(Stride * kColumnWords * 4), [step] "i"(2 * Stride * kColumnWords * 4)
      : "r5", "r6", "r8", "r9", "r10", "r11", "r12", "cc", "memory");
#undef MF_PAIR_CHANNEL_ASM
#undef MF_PAIR_REQUANTIZE_ASM
#undef MF_PAIR_COLUMN_ASM
#undef MF_PAIR_SMLAXY_ASM
#undef MF_PAIR_SMLAD_ASM
#undef MF_PAIR_WORDS_ASM
}
#endif

#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
// The two ways columns_by_way requantizes four channels' sums: by the compiler's column
// requantizers on doubled sums (3 words a channel), or by the output requantizers (4 words).
struct ColumnRequantizers {
  static MF_ALWAYS_INLINE int32_t four(const int32_t* words, const int32_t* acc) {
    return column_requantize_four_packed(words, acc[0], acc[1], acc[2], acc[3]);
  }
  template <int32_t Stride>
  static MF_ALWAYS_INLINE void pairs(const int32_t* words, const int32_t* group,
                                     const int32_t* column, const int32_t* columns_end,
                                     int32_t depth, int8_t* out) {
    column_pixel_pairs<Stride>(words, group, column, columns_end, depth, out);
  }
};

struct OutputRequantizers {
  static MF_ALWAYS_INLINE int32_t four(const int32_t* words, const int32_t* acc) {
    return requantize_four_packed(words, acc[0], acc[1], acc[2], acc[3]);
  }
  template <int32_t Stride>
  static MF_ALWAYS_INLINE void pairs(const int32_t* words, const int32_t* group,
                                     const int32_t* column, const int32_t* columns_end,
                                     int32_t depth, int8_t* out) {
    pixel_pairs_full_range<Stride>(words, group, column, columns_end, depth, out);
  }
};

// columns_to_pixels' loops with one way of requantizing (`words`: channel's first).
template <typename Way>
MF_ALWAYS_INLINE void columns_by_way(const DepthwiseConvParams& p, const int32_t* words,
                                     const int32_t* group, const int32_t* column,
                                     int32_t outputs, const int32_t* columns_end,
                                     int32_t column_step, int8_t* out) {
  const int32_t depth = p.output_depth;
  int32_t acc[4];
  if (is_full_int8_range(p.activation_min, p.activation_max)) {
    // An odd pixel first, then two at a time to the end (the other order costs gcc
    // fourteen instructions between the loops).
    if (outputs & 1) {
      column_sums(column, group, acc);
      const int32_t values = Way::four(words, acc);
      memcpy(out, &values, sizeof(values));
      column += column_step;
      out += depth;
    }
    if (column == columns_end) return;
    if (column_step == kColumnWords) {
      Way::template pairs<1>(words, group, column, columns_end, depth, out);
    } else {
      Way::template pairs<2>(words, group, column, columns_end, depth, out);
    }
    return;
  }
  const int32_t low = repeat_s8x4(p.activation_min);
  const int32_t high = repeat_s8x4(p.activation_max);
  for (; column != columns_end; column += column_step, out += depth) {
    column_sums(column, group, acc);
    const int32_t values = clamp_s8x4(Way::four(words, acc), low, high);
    memcpy(out, &values, sizeof(values));
  }
}
#endif

// The `outputs` pixels of channels channel..channel+3 whose first columns are column,
// column + column_step, ... up to columns_end, to out, out + output_depth, ...
MF_ALWAYS_INLINE void columns_to_pixels(const DepthwiseConvParams& p, int32_t channel,
                                        const int32_t* group, const int32_t* column,
                                        int32_t outputs, const int32_t* columns_end,
                                        int32_t column_step, int8_t* out) {
  (void)outputs;  // read by the Cortex-M path only
  const int32_t depth = p.output_depth;
  int32_t acc[4];
#if MF_SIMD_ACLE && defined(__OPTIMIZE__)
  // One loop per way of requantizing, the test outside them.
  if (p.column_requantizers) {
    columns_by_way<ColumnRequantizers>(p, p.column_requantizers + 3 * channel, group, column,
                                       outputs, columns_end, column_step, out);
    return;
  }
  if (p.output_requantizers) {
    columns_by_way<OutputRequantizers>(p, p.output_requantizers + 4 * channel, group, column,
                                       outputs, columns_end, column_step, out);
    return;
  }
#endif
  for (; column != columns_end; column += column_step, out += depth) {
    column_sums(column, group, acc);
    if (p.column_requantizers) {
      for (int32_t k = 0; k < 4; ++k) {
        const int32_t value =
            column_requantize(p.column_requantizers + 3 * (channel + k), acc[k]);
        out[k] = static_cast<int8_t>(clamp_i32(value, p.activation_min, p.activation_max));
      }
    } else {
      requantize_four(p, channel, acc[0], acc[1], acc[2], acc[3], out - channel);
    }
  }
}

// Output row out_y (every channel) by the column loop, to out_row.
template <class Rows>
MF_HOT_LOOP inline void depthwise_row_by_columns(const DepthwiseConvParams& p,
                                                 const Rows& rows, int32_t out_y,
                                                 int8_t* out_row) {
  int32_t columns[kColumnsBuffered * kColumnWords];
  const int32_t top = out_y * p.stride_height - p.padding_height;
  const int8_t* row[3];
  for (int32_t r = 0; r < 3; ++r) {
    row[r] = top + r >= 0 && top + r < p.input_height ? rows(top + r) : 0;
  }
  const int32_t column_step = p.stride_width * kColumnWords;
  const int32_t depth = p.output_depth;
  // The fewest chunks, of equal size but the last (the unpacking per chunk costs more than
  // per column).
  const int32_t most = (kColumnsBuffered - 3) / p.stride_width + 1;
  const int32_t chunks = (p.output_width + most - 1) / most;
  const int32_t chunk = (p.output_width + chunks - 1) / chunks;
  for (int32_t out_x = 0; out_x < p.output_width; out_x += chunk) {
    const int32_t outputs = p.output_width - out_x < chunk ? p.output_width - out_x : chunk;
    const int32_t* const columns_end = columns + outputs * column_step;
    const int32_t* group = p.filter_3x3_columns;
    const ColumnSpan span =
        column_span(p, out_x * p.stride_width, (outputs - 1) * p.stride_width + 3);
    for (int32_t channel = 0; channel < depth; channel += 4, group += 22) {
      unpack_columns(p, row, channel, span, columns);
      columns_to_pixels(p, channel, group, columns, outputs, columns_end, column_step,
                        out_row + out_x * depth + channel);
    }
  }
}

// The layers the column loop does not take, out of line: their padding pixel is not on the
// column loop's stack.
#if defined(__GNUC__)
__attribute__((noinline))
#endif
inline void depthwise_conv_2d_by_taps(const DepthwiseConvParams& p, const int8_t* input,
                                      const int8_t* filter, const int32_t* bias,
                                      int8_t* output) {
  const int32_t row_bytes = p.input_width * p.input_depth;
  int8_t padding_buffer[kMaxPaddingDepth];
  const int8_t* const padding_pixel = padding_pixel_for(p, padding_buffer);
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    const InputRows rows = {input + batch * p.input_height * row_bytes, row_bytes};
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      if (padding_pixel) {
        depthwise_row_by_tap_pairs(p, rows, out_y, output, padding_pixel);
        output += p.output_width * p.output_depth;
        continue;
      }
      for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
        depthwise_pixel(p, rows, out_y, out_x, filter, bias, output, padding_pixel);
        output += p.output_depth;
      }
    }
  }
}

// DEPTHWISE_CONV_2D, any depth multiplier.
inline void depthwise_conv_2d(const DepthwiseConvParams& p, const int8_t* input,
                              const int8_t* filter, const int32_t* bias, int8_t* output) {
  if (!columns_apply(p)) {
    depthwise_conv_2d_by_taps(p, input, filter, bias, output);
    return;
  }
  const int32_t row_bytes = p.input_width * p.input_depth;
  for (int32_t batch = 0; batch < p.batches; ++batch) {
    // A ring as tall as the tensor is the tensor: the column loop compiled once for it and
    // for the chains' windows (conv_chain.h).
    const RingRows rows = {input + batch * p.input_height * row_bytes, p.input_height,
                           row_bytes};
    for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
      depthwise_row_by_columns(p, rows, out_y, output);
      output += p.output_width * p.output_depth;
    }
  }
}

// Input row out_y into the ring before output row out_y overwrites it.
MF_ALWAYS_INLINE void save_row(int8_t* scratch, int32_t out_y, InPlaceRows* rows) {
  const int32_t bytes = rows->row_bytes;
  memcpy(scratch + (out_y % rows->ring_rows) * bytes, rows->data + out_y * bytes,
         static_cast<size_t>(bytes));
  rows->current_y = out_y;
}

// The in-place variant (conditions and ring as in mf::depthwise_conv_2d_in_place), by taps.
#if defined(__GNUC__)
__attribute__((noinline))
#endif
inline void depthwise_conv_2d_in_place_by_taps(const DepthwiseConvParams& p, int8_t* data,
                                               const int8_t* filter, const int32_t* bias,
                                               int8_t* scratch) {
  const int32_t row_bytes = p.input_width * p.input_depth;
  InPlaceRows rows = {data, scratch, p.padding_height + 1, row_bytes, 0};
  int8_t padding_buffer[kMaxPaddingDepth];
  const int8_t* const padding_pixel = padding_pixel_for(p, padding_buffer);
  for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
    save_row(scratch, out_y, &rows);
    if (padding_pixel) {
      depthwise_row_by_tap_pairs(p, rows, out_y, data + out_y * row_bytes, padding_pixel);
      continue;
    }
    for (int32_t out_x = 0; out_x < p.output_width; ++out_x) {
      depthwise_pixel(p, rows, out_y, out_x, filter, bias,
                      data + out_y * row_bytes + out_x * p.output_depth, padding_pixel);
    }
  }
}

// The in-place variant (conditions and ring as in mf::depthwise_conv_2d_in_place).
inline void depthwise_conv_2d_in_place(const DepthwiseConvParams& p, int8_t* data,
                                       const int8_t* filter, const int32_t* bias,
                                       int8_t* scratch) {
  if (!columns_apply(p)) {
    depthwise_conv_2d_in_place_by_taps(p, data, filter, bias, scratch);
    return;
  }
  const int32_t row_bytes = p.input_width * p.input_depth;
  InPlaceRows rows = {data, scratch, p.padding_height + 1, row_bytes, 0};
  for (int32_t out_y = 0; out_y < p.output_height; ++out_y) {
    save_row(scratch, out_y, &rows);
    depthwise_row_by_columns(p, rows, out_y, data + out_y * row_bytes);
  }
}

}  // namespace fast
}  // namespace mf

#endif  // MF_DEPTHWISE_CONV_FAST_H
