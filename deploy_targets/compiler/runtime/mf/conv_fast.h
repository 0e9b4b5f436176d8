// mcuforge runtime: the Cortex-M4/M7 fast path of CONV_2D (conv.h calls it when
// MF_FAST_KERNELS is set). Same bytes as the reference: the same integer sums, reordered.
//
// Four output positions are computed together. Their im2col columns (the input values under
// the filter, plus the input offset, 0 where the filter hangs over the padding) are written to
// the scratch as int16 pairs; then for each output channel one SMLAD loop reads four weights
// per 32-bit load, unpacks them with SXTB16 into two int16 pairs and multiplies both into the
// four positions' accumulators, which stay in registers.
#ifndef MF_CONV_FAST_H
#define MF_CONV_FAST_H

#include <stdint.h>

#include "mf/conv_params.h"
#include "mf/elementwise.h"
#include "mf/requantize_fast.h"
#include "mf/simd.h"

namespace mf {
namespace fast {

const int32_t kPositions = 4;  // output positions computed together
static_assert(kPositions == 4, "the Thumb-2 loops step 2 * kPositions words = 32 bytes");

// Scratch layout of the four columns (32-bit words). For each group of four taps k..k+3, and
// for each position q = 0..3 in turn: [q: k,k+2] [q: k+1,k+3] (int16 pairs, the low half
// first), the order SXTB16 / SXTB16 ROR #8 unpack four weights into. The depth % 4 tail taps
// follow as plain int32 values, three words per position.
inline int32_t column_words(int32_t depth) {
  return 2 * kPositions * (depth / 4) + (depth % 4 ? 3 * kPositions : 0);
}

// The taps of one column in the fast path: the filter's, rounded up to a multiple of 4
// where the compiler padded the filter (ConvParams::filter_padded).
inline int32_t column_depth(const ConvParams& p) {
  const int32_t depth = p.filter_height * p.filter_width * p.input_depth;
  return p.filter_padded ? (depth + 3) / 4 * 4 : depth;
}

// Collects one position's column values four at a time into its slot q.
class ColumnWriter {
 public:
  ColumnWriter(int32_t* words, int32_t q, int32_t depth)
      : group_(words + 2 * q), tail_(words + 2 * kPositions * (depth / 4) + 3 * q), count_(0) {}

  void push(int32_t value) {
    staged_[count_++] = value;
    if (count_ == 4) {
      group_[0] = simd::pack_s16x2(staged_[0], staged_[2]);
      group_[1] = simd::pack_s16x2(staged_[1], staged_[3]);
      group_ += 2 * kPositions;
      count_ = 0;
    }
  }

  void finish() {
    for (int32_t i = 0; i < count_; ++i) tail_[i] = staged_[i];
  }

 private:
  int32_t* group_;
  int32_t* tail_;
  int32_t staged_[4];
  int32_t count_;
};

// `count` groups of zeros (taps over the padding: the reference skips them, i.e. adds 0) into
// one position's slots; returns the slot after the last.
MF_ALWAYS_INLINE int32_t* zero_groups(int32_t* group, int32_t count) {
  for (int32_t g = 0; g < count; ++g) {
    group[0] = 0;
    group[1] = 0;
    group += 2 * kPositions;
  }
  return group;
}

// `count` groups of four input bytes from `pixel` on, plus the input offset, unpacked into
// one position's slots; returns the slot after the last.
MF_ALWAYS_INLINE int32_t* unpack_groups(int32_t* group, const int8_t* pixel, int32_t count,
                                        int32_t offset_pair) {
#if MF_SIMD_ACLE
  // Five instructions per group, two groups per pass (gcc's loop takes ten per group: it
  // neither pairs the stores into STRD nor post-increments). volatile: its only effect may be
  // the stores (a caller that drops the returned pointer would otherwise let gcc delete it).
#define MF_UNPACK_GROUP_ASM                         \
  "ldr %[four], [%[pixel]], #4\n\t"                 \
  "sxtab16 %[even], %[offset], %[four]\n\t"         \
  "sxtab16 %[four], %[offset], %[four], ror #8\n\t" \
  "strd %[even], %[four], [%[group]], #32\n\t"
  int32_t four, even;
  if (count & 1) {
    __asm__ volatile(MF_UNPACK_GROUP_ASM
                     : [group] "+r"(group), [pixel] "+r"(pixel), [four] "=&r"(four),
                       [even] "=&r"(even)
                     : [offset] "r"(offset_pair)
                     : "memory");
  }
  int32_t pairs = count >> 1;
  if (pairs > 0) {
    __asm__ volatile(
        "1:\n\t"
        MF_UNPACK_GROUP_ASM
        MF_UNPACK_GROUP_ASM
        "subs %[pairs], %[pairs], #1\n\t"
        "bne 1b\n\t"
        : [group] "+r"(group), [pixel] "+r"(pixel), [pairs] "+r"(pairs), [four] "=&r"(four),
          [even] "=&r"(even)
        : [offset] "r"(offset_pair)
        : "cc", "memory");
  }
#undef MF_UNPACK_GROUP_ASM
  return group;
#else
  for (int32_t g = 0; g < count; ++g) {
    const int32_t four = simd::read_s8x4(pixel);
    pixel += 4;
    group[0] = simd::sxtab16(offset_pair, four);
    group[1] = simd::sxtab16_odd(offset_pair, four);
    group += 2 * kPositions;
  }
  return group;
#endif
}

// unpack_groups of four consecutive pixels of `depth` (a multiple of 4, at least 4) bytes from
// `pixel` on into slots 0..3, a group of each pixel per pass (16 instructions), without the
// setup of four calls of unpack_groups (0.11 M instructions of the VWW MobileNet's 9.4 M).
MF_ALWAYS_INLINE void unpack_four_pixels(int32_t* words, const int8_t* pixel, int32_t depth,
                                         int32_t offset_pair) {
#if MF_SIMD_ACLE
  // STM stores in register order: the four words of two positions pinned to r8-r11.
  register int32_t x0 __asm__("r8");
  register int32_t x1 __asm__("r9");
  register int32_t x2 __asm__("r10");
  register int32_t x3 __asm__("r11");
  const int32_t* const end = words + 2 * kPositions * (depth / 4);
  // Positions 1..3 from pixel 0's next group on (the first load post-increments).
  const int32_t step1 = depth - 4, step2 = 2 * depth - 4, step3 = 3 * depth - 4;
  __asm__ volatile(
      "1:\n\t"
      "ldr %[x1], [%[pixel]], #4\n\t"
      "ldr %[x3], [%[pixel], %[step1]]\n\t"
      "sxtab16 %[x0], %[offset], %[x1]\n\t"
      "sxtab16 %[x1], %[offset], %[x1], ror #8\n\t"
      "sxtab16 %[x2], %[offset], %[x3]\n\t"
      "sxtab16 %[x3], %[offset], %[x3], ror #8\n\t"
      "stmia %[words]!, {%[x0], %[x1], %[x2], %[x3]}\n\t"
      "ldr %[x1], [%[pixel], %[step2]]\n\t"
      "ldr %[x3], [%[pixel], %[step3]]\n\t"
      "sxtab16 %[x0], %[offset], %[x1]\n\t"
      "sxtab16 %[x1], %[offset], %[x1], ror #8\n\t"
      "sxtab16 %[x2], %[offset], %[x3]\n\t"
      "sxtab16 %[x3], %[offset], %[x3], ror #8\n\t"
      "stmia %[words]!, {%[x0], %[x1], %[x2], %[x3]}\n\t"
      "cmp %[words], %[end]\n\t"
      "bne 1b\n\t"
      : [words] "+r"(words), [pixel] "+r"(pixel), [x0] "=&r"(x0), [x1] "=&r"(x1),
        [x2] "=&r"(x2), [x3] "=&r"(x3)
      : [end] "r"(end), [step1] "r"(step1), [step2] "r"(step2), [step3] "r"(step3),
        [offset] "r"(offset_pair)
      : "cc", "memory");
#else
  for (int32_t q = 0; q < kPositions; ++q) {
    unpack_groups(words + 2 * q, pixel + q * depth, depth / 4, offset_pair);
  }
#endif
}

// Input bytes staged per call of gather_column_staged: unpack_groups reads them four at a time.
const int32_t kStagedBytes = 64;

// `count` bytes: four at a time with (unaligned) word loads and stores, which the Cortex-M4
// allows for LDR/STR.
MF_ALWAYS_INLINE void copy_bytes(int8_t* to, const int8_t* from, int32_t count) {
  int32_t i = 0;
  for (; i + 4 <= count; i += 4) __builtin_memcpy(to + i, from + i, 4);
  for (; i < count; ++i) to[i] = from[i];
}

// Unpacks the whole groups of the staged bytes into the column, keeps the rest (at most
// three bytes) at the front.
inline void flush_staged(int8_t* staged, int32_t* count, int32_t** group, int32_t offset_pair) {
  const int32_t whole = *count / 4;
  *group = unpack_groups(*group, staged, whole, offset_pair);
  for (int32_t i = 4 * whole; i < *count; ++i) staged[i - 4 * whole] = staged[i];
  *count -= 4 * whole;
}

// gather_column for a depth that is not a whole number of groups (the first layer of an
// image model: 3 channels): the window's bytes are copied into a staging buffer, taps over
// the padding as the input zero point (which the offset turns into the reference's 0), and
// unpacked four at a time as in the other cases; the last depth % 4 values go to the tail as
// int32. Per value this is a byte copy and a quarter of a group, where ColumnWriter takes
// some thirty instructions.
//
// gcc at -O2 turns its byte loops into calls of memcpy and memset, a call per tap of three
// bytes; the attribute keeps them loops.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("O2", "no-tree-loop-distribute-patterns")))
#endif
inline void gather_column_staged(const ConvParams& p, const int8_t* input,
                                             int32_t batch, int32_t in_y_origin,
                                             int32_t in_x_origin, int8_t padding_byte,
                                             int32_t* words, int32_t q) {
  const int32_t depth = column_depth(p);
  const int32_t offset_pair = simd::pack_s16x2(p.input_offset, p.input_offset);
  const int32_t input_depth = p.input_depth;
  // Word-aligned: unpack_groups reads it with 32-bit loads.
  int32_t staged_words[kStagedBytes / 4];
  int8_t* const staged = reinterpret_cast<int8_t*>(staged_words);
  int32_t* group = words + 2 * q;
  int32_t count = 0;  // bytes staged, always fewer than 4 after a flush
  // With dilation 1, a filter row whose taps are all inside the input is one run of bytes.
  const int32_t row_bytes = p.filter_width * input_depth;
  const bool runs = p.dilation_width == 1 && row_bytes <= kStagedBytes - 3 && in_x_origin >= 0 &&
                    in_x_origin + p.filter_width <= p.input_width;
  for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y) {
    const int32_t in_y = in_y_origin + p.dilation_height * filter_y;
    const bool row_inside = in_y >= 0 && in_y < p.input_height;
    const int8_t* const row =
        row_inside ? input + (batch * p.input_height + in_y) * p.input_width * input_depth
                   : input;
    if (runs && row_inside) {
      if (count + row_bytes > kStagedBytes) flush_staged(staged, &count, &group, offset_pair);
      copy_bytes(staged + count, row + in_x_origin * input_depth, row_bytes);
      count += row_bytes;
      continue;
    }
    for (int32_t filter_x = 0; filter_x < p.filter_width; ++filter_x) {
      if (count + input_depth > kStagedBytes) flush_staged(staged, &count, &group, offset_pair);
      const int32_t in_x = in_x_origin + p.dilation_width * filter_x;
      int8_t* to = staged + count;
      count += input_depth;
      if (!row_inside || in_x < 0 || in_x >= p.input_width) {
        for (int32_t c = 0; c < input_depth; ++c) to[c] = padding_byte;
        continue;
      }
      const int8_t* pixel = row + in_x * input_depth;
      for (int32_t c = 0; c < input_depth; ++c) to[c] = pixel[c];
    }
  }
  const int32_t whole = count / 4;
  unpack_groups(group, staged, whole, offset_pair);
  // The depth % 4 tail taps, three words per position after the groups.
  int32_t* tail = words + 2 * kPositions * (depth / 4) + 3 * q;
  for (int32_t i = 4 * whole; i < count; ++i) *tail++ = staged[i] + p.input_offset;
}

// The most taps per channel of a filter the compiler pads (ops/conv.py, MAX_PADDED_DEPTH):
// a whole column and its padding fit the staging buffer.
const int32_t kMaxPaddedDepth = kStagedBytes - 4;

// The column of a layer with a padded filter (ConvParams::filter_padded) in the compiler's tap
// order (ops/conv.py, padded_tap_order): each filter row's whole groups of four taps, unpacked
// straight from the input where the window lies inside it, then the rows' last
// row_bytes % 4 taps, row after row, with padding to a whole group (weight 0). The first
// layer of an image model (3x3x3: rows of 9 bytes) so needs no staging for most positions.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("O2", "no-tree-loop-distribute-patterns")))
#endif
inline void gather_padded_column(const ConvParams& p, const int8_t* input, int32_t batch,
                                 int32_t in_y_origin, int32_t in_x_origin,
                                 int8_t padding_byte, int32_t* words, int32_t q) {
  const int32_t row_bytes = p.filter_width * p.input_depth;
  const int32_t row_groups = row_bytes / 4;
  const int32_t offset_pair = simd::pack_s16x2(p.input_offset, p.input_offset);
  int32_t staged_words[kStagedBytes / 4];  // word-aligned for unpack_groups
  int8_t* const staged = reinterpret_cast<int8_t*>(staged_words);
  const int8_t* rows;  // the first filter row's bytes
  int32_t row_step;
  const bool inside = p.dilation_width == 1 && in_x_origin >= 0 &&
                      in_x_origin + p.filter_width <= p.input_width && in_y_origin >= 0 &&
                      in_y_origin + p.dilation_height * (p.filter_height - 1) < p.input_height;
  if (inside) {
    rows = input + ((batch * p.input_height + in_y_origin) * p.input_width + in_x_origin) *
                       p.input_depth;
    row_step = p.dilation_height * p.input_width * p.input_depth;
  } else {
    // The window in its natural order, taps over the padding as the zero point (0 once the
    // offset is added, as the reference's skipped taps).
    int8_t* to = staged;
    for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y) {
      const int32_t in_y = in_y_origin + p.dilation_height * filter_y;
      const bool row_inside = in_y >= 0 && in_y < p.input_height;
      for (int32_t filter_x = 0; filter_x < p.filter_width; ++filter_x) {
        const int32_t in_x = in_x_origin + p.dilation_width * filter_x;
        if (!row_inside || in_x < 0 || in_x >= p.input_width) {
          for (int32_t c = 0; c < p.input_depth; ++c) *to++ = padding_byte;
          continue;
        }
        const int8_t* pixel =
            input + ((batch * p.input_height + in_y) * p.input_width + in_x) * p.input_depth;
        for (int32_t c = 0; c < p.input_depth; ++c) *to++ = pixel[c];
      }
    }
    rows = staged;
    row_step = row_bytes;
  }
  int32_t* group = words + 2 * q;
  const int8_t* row = rows;
  for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y, row += row_step) {
    group = unpack_groups(group, row, row_groups, offset_pair);
  }
  int32_t rest_words[kStagedBytes / 4];
  int8_t* const rest = reinterpret_cast<int8_t*>(rest_words);
  int32_t count = 0;
  row = rows + 4 * row_groups;
  for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y, row += row_step) {
    for (int32_t i = 0; i < row_bytes - 4 * row_groups; ++i) rest[count++] = row[i];
  }
  while (count % 4 != 0) rest[count++] = padding_byte;
  unpack_groups(group, rest, count / 4, offset_pair);
}

// Where output position `position` (batch, y, x flattened) reads the input: its batch, its
// output column, and the input row and column of its window's top-left tap (negative over the
// padding).
struct WindowOrigin {
  int32_t batch;
  int32_t out_x;
  int32_t in_y;
  int32_t in_x;
};

MF_ALWAYS_INLINE WindowOrigin window_origin(const ConvParams& p, int32_t position) {
  const int32_t out_x = position % p.output_width;
  const int32_t rest = position / p.output_width;
  WindowOrigin origin;
  origin.batch = rest / p.output_height;
  origin.out_x = out_x;
  origin.in_y = rest % p.output_height * p.stride_height - p.padding_height;
  origin.in_x = out_x * p.stride_width - p.padding_width;
  return origin;
}

// The column of output position `position` (batch, y, x flattened) into slot q.
MF_HOT_LOOP inline void gather_column(const ConvParams& p, const int8_t* input,
                                      int32_t position, int32_t* words, int32_t q) {
  const int32_t depth = column_depth(p);
  const WindowOrigin origin = window_origin(p, position);
  const int32_t batch = origin.batch;
  const int32_t in_y_origin = origin.in_y;
  const int32_t in_x_origin = origin.in_x;
  const int32_t offset_pair = simd::pack_s16x2(p.input_offset, p.input_offset);
  const bool pointwise = p.filter_height == 1 && p.filter_width == 1 && in_y_origin >= 0 &&
                         in_y_origin < p.input_height && in_x_origin >= 0 &&
                         in_x_origin < p.input_width && p.input_depth % 4 == 0;
  if (pointwise) {
    // One pixel, four channels per load: SXTAB16 adds the offset while it unpacks.
    const int8_t* pixel =
        input + ((batch * p.input_height + in_y_origin) * p.input_width + in_x_origin) *
                    p.input_depth;
    unpack_groups(words + 2 * q, pixel, p.input_depth / 4, offset_pair);
    return;
  }
  if (p.filter_width * p.input_depth % 4 == 0 && p.dilation_width == 1 &&
      p.dilation_height == 1 && in_y_origin >= 0 &&
      in_y_origin + p.filter_height <= p.input_height && in_x_origin >= 0 &&
      in_x_origin + p.filter_width <= p.input_width) {
    // The whole window inside the input: each filter row is one run of input bytes, a whole
    // number of groups of four taps.
    const int32_t row_groups = p.filter_width * p.input_depth / 4;
    const int32_t row_step = p.input_width * p.input_depth;
    const int8_t* row =
        input + ((batch * p.input_height + in_y_origin) * p.input_width + in_x_origin) *
                    p.input_depth;
    int32_t* group = words + 2 * q;
    for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y, row += row_step) {
      group = unpack_groups(group, row, row_groups, offset_pair);
    }
    return;
  }
  if (p.input_depth % 4 == 0) {
    // Four channels per load, each tap's run of channels a whole number of groups. A filter
    // row is three runs: taps over the left padding (zeros), taps inside the input (with
    // dilation 1, one contiguous run of input bytes), taps over the right padding.
    const int32_t groups_per_tap = p.input_depth / 4;
    int32_t first_x = 0;
    while (first_x < p.filter_width && in_x_origin + p.dilation_width * first_x < 0) ++first_x;
    int32_t end_x = p.filter_width;
    while (end_x > first_x && in_x_origin + p.dilation_width * (end_x - 1) >= p.input_width) {
      --end_x;
    }
    const int32_t tap_step = p.dilation_width * p.input_depth;
    const int8_t* batch_input = input + batch * p.input_height * p.input_width * p.input_depth;
    int32_t* group = words + 2 * q;
    for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y) {
      const int32_t in_y = in_y_origin + p.dilation_height * filter_y;
      if (in_y < 0 || in_y >= p.input_height) {
        group = zero_groups(group, p.filter_width * groups_per_tap);
        continue;
      }
      group = zero_groups(group, first_x * groups_per_tap);
      const int8_t* pixel =
          batch_input + (in_y * p.input_width + in_x_origin + p.dilation_width * first_x) *
                            p.input_depth;
      if (p.dilation_width == 1) {
        group = unpack_groups(group, pixel, (end_x - first_x) * groups_per_tap, offset_pair);
      } else {
        for (int32_t filter_x = first_x; filter_x < end_x; ++filter_x) {
          group = unpack_groups(group, pixel, groups_per_tap, offset_pair);
          pixel += tap_step;
        }
      }
      group = zero_groups(group, (p.filter_width - end_x) * groups_per_tap);
    }
    return;
  }
  const int32_t padding_byte = -p.input_offset;  // the input zero point: adds up to 0
  if (p.filter_padded) {
    gather_padded_column(p, input, batch, in_y_origin, in_x_origin,
                         static_cast<int8_t>(padding_byte), words, q);
    return;
  }
  if (p.input_depth <= kStagedBytes - 3 && padding_byte >= -128 && padding_byte <= 127) {
    gather_column_staged(p, input, batch, in_y_origin, in_x_origin,
                         static_cast<int8_t>(padding_byte), words, q);
    return;
  }
  ColumnWriter writer(words, q, depth);
  for (int32_t filter_y = 0; filter_y < p.filter_height; ++filter_y) {
    const int32_t in_y = in_y_origin + p.dilation_height * filter_y;
    const bool row_inside = in_y >= 0 && in_y < p.input_height;
    for (int32_t filter_x = 0; filter_x < p.filter_width; ++filter_x) {
      const int32_t in_x = in_x_origin + p.dilation_width * filter_x;
      if (!row_inside || in_x < 0 || in_x >= p.input_width) {
        // Padding: the reference skips the tap, i.e. adds 0.
        for (int32_t c = 0; c < p.input_depth; ++c) writer.push(0);
        continue;
      }
      const int8_t* pixel =
          input + ((batch * p.input_height + in_y) * p.input_width + in_x) * p.input_depth;
      for (int32_t c = 0; c < p.input_depth; ++c) writer.push(pixel[c] + p.input_offset);
    }
  }
  writer.finish();
}

// One group of four int8 taps (a word, the first tap in the low byte) plus the input offset
// into a column slot; returns the slot of the next group.
MF_ALWAYS_INLINE int32_t* unpack_word(int32_t* group, int32_t four, int32_t offset_pair) {
  group[0] = simd::sxtab16(offset_pair, four);
  group[1] = simd::sxtab16_odd(offset_pair, four);
  return group + 2 * kPositions;
}

// gather_padded_column's column for a window of the first layer of most image models (3x3
// over 3 channels: rows of 9 bytes), `rows` its first row's first byte and its rows `row_step`
// bytes apart (in the input, or a staged copy of a window over the padding), in straight code: the rows' first eight bytes a word at a time, then the rows' ninth bytes and
// a padding byte (the zero point, in `padding_word`'s low byte) as the seventh group.
// gather_padded_column goes through staging buffers and unpack_groups' per-call setup, some
// 290 instructions a position with gather_column's dispatch; this and gather_padded_window's
// some 60.
MF_ALWAYS_INLINE void gather_rows_of_9(const int8_t* rows, int32_t row_step, int32_t* group,
                                       int32_t offset_pair, uint32_t padding_word) {
  const int8_t* row1 = rows + row_step;
  const int8_t* row2 = row1 + row_step;
  group = unpack_word(group, simd::read_s8x4(rows), offset_pair);
  group = unpack_word(group, simd::read_s8x4(rows + 4), offset_pair);
  group = unpack_word(group, simd::read_s8x4(row1), offset_pair);
  group = unpack_word(group, simd::read_s8x4(row1 + 4), offset_pair);
  group = unpack_word(group, simd::read_s8x4(row2), offset_pair);
  group = unpack_word(group, simd::read_s8x4(row2 + 4), offset_pair);
  const uint32_t last = static_cast<uint8_t>(rows[8]) |
                        static_cast<uint32_t>(static_cast<uint8_t>(row1[8])) << 8 |
                        static_cast<uint32_t>(static_cast<uint8_t>(row2[8])) << 16 |
                        padding_word << 24;
  unpack_word(group, static_cast<int32_t>(last), offset_pair);
}

// What gather_padded_window needs of a layer with a padded filter, computed once a call.
struct PaddedWindows {
  int32_t x_last;    // the last window origin x whose taps all lie inside the input
  int32_t y_last;    // and y
  int32_t row_step;  // bytes from one filter row's first tap to the next row's
  bool rows_of_9;    // 3x3 over 3 channels, dilation 1: gather_rows_of_9
};

inline PaddedWindows padded_windows(const ConvParams& p) {
  PaddedWindows w;
  w.x_last = p.input_width - p.filter_width;
  w.y_last = p.input_height - 1 - p.dilation_height * (p.filter_height - 1);
  w.row_step = p.dilation_height * p.input_width * p.input_depth;
  w.rows_of_9 = p.filter_height == 3 && p.filter_width == 3 && p.input_depth == 3 &&
                p.dilation_height == 1;
  return w;
}

// gather_column of a layer with a padded filter (ConvParams::filter_padded) and dilation_width
// 1: gather_rows_of_9 where the layer allows (from a staged copy of a window over the padding),
// else gather_column (gather_padded_column).
MF_ALWAYS_INLINE void gather_padded_window(const ConvParams& p, const PaddedWindows& w,
                                           const int8_t* input, int32_t position,
                                           int32_t* words, int32_t q, int32_t offset_pair,
                                           uint32_t padding_word) {
  const WindowOrigin origin = window_origin(p, position);
  const int32_t batch = origin.batch;
  const int32_t in_y_origin = origin.in_y;
  const int32_t in_x_origin = origin.in_x;
  if (w.rows_of_9 && in_x_origin >= 0 && in_x_origin <= w.x_last && in_y_origin >= 0 &&
      in_y_origin <= w.y_last) {
    const int8_t* rows =
        input + ((batch * p.input_height + in_y_origin) * p.input_width + in_x_origin) * 3;
    gather_rows_of_9(rows, w.row_step, words + 2 * q, offset_pair, padding_word);
    return;
  }
  if (w.rows_of_9) {
    // A window over the padding: its 27 bytes staged in their natural order, taps over the
    // padding as the zero point (0 once the offset is added, as the reference's skipped taps).
    int32_t staged_words[7];  // word-aligned for its word reads
    int8_t* const staged = reinterpret_cast<int8_t*>(staged_words);
    const int8_t padding_byte = static_cast<int8_t>(padding_word);
    for (int32_t filter_y = 0; filter_y < 3; ++filter_y) {
      const int32_t in_y = in_y_origin + filter_y;
      const bool row_inside = in_y >= 0 && in_y < p.input_height;
      for (int32_t filter_x = 0; filter_x < 3; ++filter_x) {
        const int32_t in_x = in_x_origin + filter_x;
        int8_t* to = staged + 9 * filter_y + 3 * filter_x;
        if (!row_inside || in_x < 0 || in_x >= p.input_width) {
          to[0] = to[1] = to[2] = padding_byte;
          continue;
        }
        const int8_t* pixel = input + ((batch * p.input_height + in_y) * p.input_width + in_x) * 3;
        to[0] = pixel[0];
        to[1] = pixel[1];
        to[2] = pixel[2];
      }
    }
    gather_rows_of_9(staged, 9, words + 2 * q, offset_pair, padding_word);
    return;
  }
  gather_column(p, input, position, words, q);
}

// gather_padded_window of the four positions from `position` on, for a layer with
// PaddedWindows::rows_of_9, where they lie on one output row and their windows inside the input:
// the division and the checks once, the windows stride_width pixels apart. False (nothing
// written) otherwise.
MF_ALWAYS_INLINE bool gather_four_rows_of_9(const ConvParams& p, const PaddedWindows& w,
                                            const int8_t* input, int32_t position,
                                            int32_t* words, int32_t offset_pair,
                                            uint32_t padding_word) {
  const WindowOrigin origin = window_origin(p, position);
  const int32_t out_x = origin.out_x;
  const int32_t batch = origin.batch;
  const int32_t in_y_origin = origin.in_y;
  const int32_t in_x_origin = origin.in_x;
  if (out_x + kPositions > p.output_width || in_x_origin < 0 ||
      in_x_origin + (kPositions - 1) * p.stride_width > w.x_last || in_y_origin < 0 ||
      in_y_origin > w.y_last) {
    return false;
  }
  const int8_t* rows =
      input + ((batch * p.input_height + in_y_origin) * p.input_width + in_x_origin) * 3;
  const int32_t step = 3 * p.stride_width;
  for (int32_t q = 0; q < kPositions; ++q, rows += step) {
    gather_rows_of_9(rows, w.row_step, words + 2 * q, offset_pair, padding_word);
  }
  return true;
}

// Writes a convolution result to the output tensor.
struct StoreOutput {
  static const bool kPlainOutput = true;  // conv_positions may store output[index] itself
  int8_t* output;
  MF_ALWAYS_INLINE void operator()(int32_t index, int8_t value) const {
    output[index] = value;
  }
  // Four results `stride` apart from `index` on (the same channel of four positions), each
  // in the low byte of its word: five instructions. In C, gcc keeps four output pointers
  // and spills them, loading, adding to and storing each back per channel.
  MF_ALWAYS_INLINE void store_four(int32_t index, int32_t stride, int32_t value0,
                                   int32_t value1, int32_t value2, int32_t value3) const {
#if MF_SIMD_ACLE
    int8_t* at = output + index;
    __asm__ volatile(
        "strb %[value0], [%[at]]\n\t"
        "strb %[value1], [%[at], %[stride]]\n\t"
        "add %[at], %[at], %[stride], lsl #1\n\t"
        "strb %[value2], [%[at]]\n\t"
        "strb %[value3], [%[at], %[stride]]\n\t"
        : [at] "+r"(at)
        : [value0] "r"(value0), [value1] "r"(value1), [value2] "r"(value2),
          [value3] "r"(value3), [stride] "r"(stride)
        : "memory");
#else
    output[index] = static_cast<int8_t>(value0);
    output[index + stride] = static_cast<int8_t>(value1);
    output[index + 2 * stride] = static_cast<int8_t>(value2);
    output[index + 3 * stride] = static_cast<int8_t>(value3);
#endif
  }
};

// The residual ADD's constants for its fused store. `scaled_operands` is the compiler's
// table (ops/add.py, residual_sum_table; residual_sum_table below builds the same one): 256
// int32 per operand, add_scaled_input of every int8 value from -128 on, first the
// convolution's operand, then the residual's. What is left per value is two loads, an add and
// one requantization, whose output offset folds into its rounding constant (requantize_fast.h)
// when the shift allows.
struct ResidualSum {
  const int32_t* conv_scaled;  // entry 0 is value 0: indexed by the int8 value itself
  const int32_t* residual_scaled;
  ChannelRequantizer output;
  int32_t output_offset;
  int32_t activation_min;
  int32_t activation_max;
  // The output requantization folds and the activation range is the whole of int8: four
  // values take residual_sum_store_four's 12 instructions each.
  bool lean;
};

inline ResidualSum residual_sum(const AddParams& p, const int32_t* scaled_operands) {
  ResidualSum r;
  r.conv_scaled = scaled_operands + 128;
  r.residual_scaled = scaled_operands + 256 + 128;
  r.output = channel_requantizer(p.output_multiplier, p.output_shift, p.output_offset);
  r.output_offset = p.output_offset;
  r.activation_min = p.activation_min;
  r.activation_max = p.activation_max;
  r.lean = r.output.high_shift >= 0 && is_full_int8_range(p.activation_min, p.activation_max);
  return r;
}

// Fills `table` (512 words) as the compiler does: the C++ twin of ops/add.py's
// residual_sum_table, for callers without a compiled table (the kernel tests).
inline void residual_sum_table(const AddParams& p, int32_t conv_is_input1, int32_t* table) {
  for (int32_t value = -128; value < 128; ++value) {
    const int8_t v = static_cast<int8_t>(value);
    table[value + 128] = add_scaled_input(p, conv_is_input1 ? 1 : 2, v);
    table[256 + value + 128] = add_scaled_input(p, conv_is_input1 ? 2 : 1, v);
  }
}

// add_value of a convolution result and a residual value, from the tables.
MF_ALWAYS_INLINE int8_t residual_sum_value(const ResidualSum& r, int32_t conv_value,
                                           int8_t other) {
  const int32_t raw_sum = r.conv_scaled[conv_value] + r.residual_scaled[other];
  const int32_t raw_output = multiply_add_offset(r.output, raw_sum, r.output_offset);
  return static_cast<int8_t>(clamp_i32(raw_output, r.activation_min, r.activation_max));
}

#if MF_SIMD_ACLE
// residual_sum_value of four convolution results (int8 values) of one channel, whose
// residuals and outputs lie `stride` apart from `residual` and `output` on, for a lean
// ResidualSum: 49 instructions (gcc's code for the same takes about 120, reloading the
// constants it spilled for every value). Every register but the stack pointer and one is
// taken (twelve, as requantize_store_four), so `output` is read from memory. Every residual is
// read before the first output is written, so output may be residual.
MF_ALWAYS_INLINE void residual_sum_store_four(const ResidualSum& r, const int8_t* residual,
                                              int8_t* output, int32_t stride, int32_t acc0,
                                              int32_t acc1, int32_t acc2, int32_t acc3) {
  const int32_t* conv_scaled = r.conv_scaled;  // then the residual's scaled value
  const int32_t* residual_scaled = r.residual_scaled;  // then the low word
  const ChannelRequantizer* q = &r.output;  // then the multiplier
  int32_t round_low, round_high, high_shift;
#define MF_RESIDUAL_ASM(acc, at)                                       \
  "ldrsb %[conv_scaled], " at "\n\t"                                   \
  "ldr %[conv_scaled], [%[residual_scaled], %[conv_scaled], lsl #2]\n\t" \
  "add %[" acc "], %[" acc "], %[conv_scaled]\n\t"
#define MF_REQUANTIZE_ASM(acc)                                     \
  "and %[residual], %[" acc "], #0x80000000\n\t"                   \
  "subs %[residual_scaled], %[round_low], %[residual]\n\t"         \
  "sbc %[conv_scaled], %[round_high], #0\n\t"                      \
  "smlal %[residual_scaled], %[conv_scaled], %[" acc "], %[q]\n\t" \
  "asr %[" acc "], %[conv_scaled], %[high_shift]\n\t"              \
  "ssat %[" acc "], #8, %[" acc "]\n\t"
  __asm__ volatile(
      "ldrd %[round_high], %[high_shift], [%[q], #8]\n\t"
      "ldrd %[q], %[round_low], [%[q]]\n\t"
      "ldr %[acc0], [%[conv_scaled], %[acc0], lsl #2]\n\t"
      "ldr %[acc1], [%[conv_scaled], %[acc1], lsl #2]\n\t"
      "ldr %[acc2], [%[conv_scaled], %[acc2], lsl #2]\n\t"
      "ldr %[acc3], [%[conv_scaled], %[acc3], lsl #2]\n\t"
      MF_RESIDUAL_ASM("acc0", "[%[residual]]")
      MF_RESIDUAL_ASM("acc1", "[%[residual], %[stride]]")
      "add %[residual], %[residual], %[stride], lsl #1\n\t"
      MF_RESIDUAL_ASM("acc2", "[%[residual]]")
      MF_RESIDUAL_ASM("acc3", "[%[residual], %[stride]]")
      MF_REQUANTIZE_ASM("acc0") MF_REQUANTIZE_ASM("acc1") MF_REQUANTIZE_ASM("acc2")
      MF_REQUANTIZE_ASM("acc3")
      "ldr %[residual], %[output]\n\t"
      "strb %[acc0], [%[residual]]\n\t"
      "strb %[acc1], [%[residual], %[stride]]\n\t"
      "add %[residual], %[residual], %[stride], lsl #1\n\t"
      "strb %[acc2], [%[residual]]\n\t"
      "strb %[acc3], [%[residual], %[stride]]\n\t"
      : [acc0] "+r"(acc0), [acc1] "+r"(acc1), [acc2] "+r"(acc2), [acc3] "+r"(acc3),
        [conv_scaled] "+r"(conv_scaled), [residual_scaled] "+r"(residual_scaled),
        [q] "+r"(q), [residual] "+r"(residual), [round_low] "=&r"(round_low),
        [round_high] "=&r"(round_high), [high_shift] "=&r"(high_shift)
      : [stride] "r"(stride), [output] "m"(output)
      : "cc", "memory");
#undef MF_RESIDUAL_ASM
#undef MF_REQUANTIZE_ASM
}
#endif

// Adds a convolution result to the residual operand (conv_2d_add); output may be residual.
struct StoreResidualSum {
  static const bool kPlainOutput = false;
  const ResidualSum* sum;
  const int8_t* residual;
  int8_t* output;
  MF_ALWAYS_INLINE void operator()(int32_t index, int8_t value) const {
    output[index] = residual_sum_value(*sum, value, residual[index]);
  }
  MF_ALWAYS_INLINE void store_four(int32_t index, int32_t stride, int32_t value0,
                                   int32_t value1, int32_t value2, int32_t value3) const {
#if MF_SIMD_ACLE
    if (sum->lean) {
      residual_sum_store_four(*sum, residual + index, output + index, stride, value0, value1,
                              value2, value3);
      return;
    }
#endif
    (*this)(index, static_cast<int8_t>(value0));
    (*this)(index + stride, static_cast<int8_t>(value1));
    (*this)(index + 2 * stride, static_cast<int8_t>(value2));
    (*this)(index + 3 * stride, static_cast<int8_t>(value3));
  }
};

// All output channels of `count` consecutive positions (count < 4 only for the last ones,
// whose missing columns repeat a real one and are not stored), from output index index0 on.
// The accumulators start at the bias, which the reference adds after the sum (the same
// integers).
#if MF_SIMD_ACLE
// multiply_folded_four, SSAT and StoreOutput::store_four of one channel's four positions in
// 37 instructions, the channel's requantizer words at *table_at and its first output at
// *out_at, both advanced to the next channel.
MF_ALWAYS_INLINE void requantize_store_four(const int32_t** table_at, int8_t** out_at,
                                            int32_t stride, int32_t acc0, int32_t acc1,
                                            int32_t acc2, int32_t acc3) {
  const int32_t* words;
  int32_t multiplier, round_low, round_high, high_shift, sign, low, high;
#define MF_REQUANTIZE_ASM(acc)                                  \
  "and %[sign], %[" acc "], #0x80000000\n\t"                    \
  "subs %[low], %[round_low], %[sign]\n\t"                      \
  "sbc %[high], %[round_high], #0\n\t"                          \
  "smlal %[low], %[high], %[" acc "], %[multiplier]\n\t"        \
  "asr %[" acc "], %[high], %[high_shift]\n\t"                  \
  "ssat %[" acc "], #8, %[" acc "]\n\t"
  __asm__ volatile(
      "ldr %[words], %[table_at]\n\t"
      "ldrd %[multiplier], %[round_low], [%[words]]\n\t"
      "ldrd %[round_high], %[high_shift], [%[words], #8]\n\t"
      "add %[words], %[words], #16\n\t"
      "str %[words], %[table_at]\n\t"
      MF_REQUANTIZE_ASM("acc0") MF_REQUANTIZE_ASM("acc1") MF_REQUANTIZE_ASM("acc2")
      MF_REQUANTIZE_ASM("acc3")
      "ldr %[words], %[out_at]\n\t"
      "strb %[acc0], [%[words]]\n\t"
      "strb %[acc1], [%[words], %[stride]]\n\t"
      "add %[low], %[words], %[stride], lsl #1\n\t"
      "strb %[acc2], [%[low]]\n\t"
      "strb %[acc3], [%[low], %[stride]]\n\t"
      "add %[words], %[words], #1\n\t"
      "str %[words], %[out_at]\n\t"
      : [acc0] "+r"(acc0), [acc1] "+r"(acc1), [acc2] "+r"(acc2), [acc3] "+r"(acc3),
        [words] "=&r"(words), [multiplier] "=&r"(multiplier), [round_low] "=&r"(round_low),
        [round_high] "=&r"(round_high), [high_shift] "=&r"(high_shift), [sign] "=&r"(sign),
        [low] "=&r"(low), [high] "=&r"(high), [table_at] "+m"(*table_at), [out_at] "+m"(*out_at)
      : [stride] "r"(stride)
      : "cc", "memory");
#undef MF_REQUANTIZE_ASM
}
#endif

// One group's weights as the two int16 pairs SMLAD takes (taps k, k+2 and k+1, k+3): from
// four int8 weights, or from the compiler's pre-expanded words (ConvParams::filter_pairs).
MF_ALWAYS_INLINE void next_weight_pairs(const int8_t*& weights, int32_t& even, int32_t& odd) {
  const int32_t w = simd::read_s8x4(weights);
  weights += 4;
  even = simd::sxtb16(w);
  odd = simd::sxtb16_odd(w);
}
MF_ALWAYS_INLINE void next_weight_pairs(const int32_t*& weights, int32_t& even, int32_t& odd) {
  even = weights[0];
  odd = weights[1];
  weights += 2;
}

// Bytes of one group of accumulate_four_positions' Thumb-2 loop: int8 weights take a load and
// two SXTB16 (13 instructions), pre-expanded ones one LDRD (11).
template <class Weight>
struct GroupBytes {
  static const int32_t kValue = sizeof(Weight) == 1 ? 52 : 44;
};

#if MF_SIMD_ACLE
// accumulate_four_positions in Thumb-2: gcc neither merges the column loads into LDM nor
// keeps the end pointer in a register, which costs eight instructions per sixteen MACs. LDM
// needs its registers in ascending order, hence the four column words pinned to r8-r11. The
// loop body is eight groups of four taps (13 or 11 instructions per 16 MACs, and two per
// pass); the first pass enters it past the groups it does not do (groups % 8 of them, Duff's
// device): every group is GroupBytes long (32-bit encodings, checked by the assembler), and
// ADD PC jumps that many bytes from the loop's start.
#define MF_CONV_GROUP_ASM                                       \
  ".if %c[pairs]\n\t"                                            \
  "ldrd %[w_even], %[w], [%[weights]], #8\n\t"                   \
  "ldmia.w %[column]!, {%[x0], %[x1], %[x2], %[x3]}\n\t"         \
  ".else\n\t"                                                    \
  "ldr.w %[w], [%[weights]], #4\n\t"                             \
  "ldmia.w %[column]!, {%[x0], %[x1], %[x2], %[x3]}\n\t"         \
  "sxtb16 %[w_even], %[w]\n\t"                                   \
  "sxtb16 %[w], %[w], ror #8\n\t"                                \
  ".endif\n\t"                                                   \
  "smlad %[acc0], %[x0], %[w_even], %[acc0]\n\t"                 \
  "smlad %[acc0], %[x1], %[w], %[acc0]\n\t"                      \
  "smlad %[acc1], %[x2], %[w_even], %[acc1]\n\t"                 \
  "smlad %[acc1], %[x3], %[w], %[acc1]\n\t"                      \
  "ldmia.w %[column]!, {%[x0], %[x1], %[x2], %[x3]}\n\t"         \
  "smlad %[acc2], %[x0], %[w_even], %[acc2]\n\t"                 \
  "smlad %[acc2], %[x1], %[w], %[acc2]\n\t"                      \
  "smlad %[acc3], %[x2], %[w_even], %[acc3]\n\t"                 \
  "smlad %[acc3], %[x3], %[w], %[acc3]\n\t"
// Adds the products of one output channel's weights (from `weights` on) with the four
// positions' columns (from `column` to `columns_end`, at least one group) to acc0..acc3;
// `skip_bytes` (in memory: every register is taken) is (8 - groups % 8) % 8 * GroupBytes.
template <class Weight>
MF_ALWAYS_INLINE void accumulate_four_positions(const int32_t*& column, const Weight*& weights,
                                                const int32_t* columns_end,
                                                const int32_t& skip_bytes, int32_t& acc0,
                                                int32_t& acc1, int32_t& acc2, int32_t& acc3) {
  int32_t w, w_even;
  register int32_t x0 __asm__("r8");
  register int32_t x1 __asm__("r9");
  register int32_t x2 __asm__("r10");
  register int32_t x3 __asm__("r11");
  __asm__(
      "ldr %[w], %[skip]\n\t"
      "mf_conv_entry%=:\n\t"
      "add pc, %[w]\n\t"  // PC reads as this instruction + 4: the loop's start
      "nop.n\n\t"
      "mf_conv_loop%=:\n\t"
      MF_CONV_GROUP_ASM
      "mf_conv_second%=:\n\t"
      MF_CONV_GROUP_ASM MF_CONV_GROUP_ASM MF_CONV_GROUP_ASM
      MF_CONV_GROUP_ASM MF_CONV_GROUP_ASM MF_CONV_GROUP_ASM MF_CONV_GROUP_ASM
      "cmp %[column], %[end]\n\t"
      "bne mf_conv_loop%=\n\t"
      ".if (mf_conv_loop%= - mf_conv_entry%=) != 4\n\t"
      ".error \"the conv loop does not start 4 bytes after its ADD PC\"\n\t"
      ".endif\n\t"
      ".if (mf_conv_second%= - mf_conv_loop%=) != %c[group_bytes]\n\t"
      ".error \"a group of the conv loop is not GroupBytes long\"\n\t"
      ".endif\n\t"
      : [acc0] "+r"(acc0), [acc1] "+r"(acc1), [acc2] "+r"(acc2), [acc3] "+r"(acc3),
        [column] "+r"(column), [weights] "+r"(weights), [w] "=&r"(w),
        [w_even] "=&r"(w_even), [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2),
        [x3] "=&r"(x3)
      : [end] "r"(columns_end), [skip] "m"(skip_bytes),
        [pairs] "i"(sizeof(Weight) == 1 ? 0 : 1), [group_bytes] "i"(GroupBytes<Weight>::kValue)
      : "cc", "memory");
}

// What conv_channels_pairs reads from memory (its SMLAD loop takes every register), laid out
// so that one LDRD reads each pair it needs: (words, columns_end), (out_at, bias_base),
// (table_base, out_at) and (stride, pairs_end). The bases are offset by the first output's
// address (modulo 2^32), so out_at alone, advanced by one per channel, finds the channel's
// bias and requantizer.
struct ChannelLoop {
  const int32_t* words;        // the four positions' columns
  const int32_t* columns_end;
  uint32_t table_base;  // requantizer table - 16 * first output: + 16 * out_at
  int8_t* out_at;       // the channel's first output
  uint32_t bias_base;   // bias - 4 * first output: + 4 * out_at
  int32_t skip_bytes;   // (8 - (groups - 1) % 8) % 8 * GroupBytes<int32_t>
  int32_t stride;       // output depth
  const int32_t* pairs_end;
};

// Every channel of four positions of a lean layer with filter_pairs, at least two groups
// and a plain output, in one block: bias, SMLAD loop, requantize_store_four's arithmetic,
// stores (42 instructions a channel besides the groups, against 52 where the C++ loop around
// accumulate_four_positions and requantize_store_four moves the pointers through the stack
// one at a time). The first group is taken before the loop, its SMLADs adding to the bias
// (in acc3, the last to be written), which spares three MOVs; the loop does the others.
MF_ALWAYS_INLINE void conv_channels_pairs(ChannelLoop& loop, const int32_t* weights) {
  int32_t acc0, acc1, acc2, acc3, w, w_even;
  const int32_t* column;
  const int32_t* end;
  register int32_t x0 __asm__("r8");
  register int32_t x1 __asm__("r9");
  register int32_t x2 __asm__("r10");
  register int32_t x3 __asm__("r11");
  // sign in w_even, the 64-bit sum in column:end, the requantizer words in x0..x3.
#define MF_REQUANTIZE_ASM(acc)                                 \
  "and %[w_even], %[" acc "], #0x80000000\n\t"                 \
  "subs %[column], %[x1], %[w_even]\n\t"                       \
  "sbc %[end], %[x2], #0\n\t"                                  \
  "smlal %[column], %[end], %[" acc "], %[x0]\n\t"             \
  "asr %[" acc "], %[end], %[x3]\n\t"                          \
  "ssat %[" acc "], #8, %[" acc "]\n\t"
  __asm__ volatile(
      "mf_channel%=:\n\t"
      "ldrd %[column], %[end], %[columns]\n\t"
      "ldrd %[w], %[w_even], %[out_bias]\n\t"
      "ldr %[acc3], [%[w_even], %[w], lsl #2]\n\t"
      "ldrd %[w_even], %[w], [%[weights]], #8\n\t"
      "ldmia.w %[column]!, {%[x0], %[x1], %[x2], %[x3]}\n\t"
      "smlad %[acc0], %[x0], %[w_even], %[acc3]\n\t"
      "smlad %[acc0], %[x1], %[w], %[acc0]\n\t"
      "smlad %[acc1], %[x2], %[w_even], %[acc3]\n\t"
      "smlad %[acc1], %[x3], %[w], %[acc1]\n\t"
      "ldmia.w %[column]!, {%[x0], %[x1], %[x2], %[x3]}\n\t"
      "smlad %[acc2], %[x0], %[w_even], %[acc3]\n\t"
      "smlad %[acc2], %[x1], %[w], %[acc2]\n\t"
      "smlad %[acc3], %[x2], %[w_even], %[acc3]\n\t"
      "smlad %[acc3], %[x3], %[w], %[acc3]\n\t"
      "ldr %[w], %[skip]\n\t"
      "mf_conv_entry%=:\n\t"
      "add pc, %[w]\n\t"  // PC reads as this instruction + 4: the loop's start
      "nop.n\n\t"
      "mf_conv_loop%=:\n\t"
      MF_CONV_GROUP_ASM
      "mf_conv_second%=:\n\t"
      MF_CONV_GROUP_ASM MF_CONV_GROUP_ASM MF_CONV_GROUP_ASM
      MF_CONV_GROUP_ASM MF_CONV_GROUP_ASM MF_CONV_GROUP_ASM MF_CONV_GROUP_ASM
      "cmp %[column], %[end]\n\t"
      "bne mf_conv_loop%=\n\t"
      "ldrd %[w_even], %[w], %[table_out]\n\t"
      "add %[w_even], %[w_even], %[w], lsl #4\n\t"
      "ldm %[w_even], {%[x0], %[x1], %[x2], %[x3]}\n\t"
      MF_REQUANTIZE_ASM("acc0") MF_REQUANTIZE_ASM("acc1") MF_REQUANTIZE_ASM("acc2")
      MF_REQUANTIZE_ASM("acc3")
      "ldrd %[x0], %[x2], %[stride_end]\n\t"
      "strb %[acc1], [%[w], %[x0]]\n\t"
      "add %[x1], %[w], %[x0], lsl #1\n\t"
      "strb %[acc2], [%[x1]]\n\t"
      "strb %[acc3], [%[x1], %[x0]]\n\t"
      "strb %[acc0], [%[w]], #1\n\t"
      "str %[w], %[out_bias]\n\t"
      "cmp %[weights], %[x2]\n\t"
      "bne mf_channel%=\n\t"
      ".if (mf_conv_loop%= - mf_conv_entry%=) != 4\n\t"
      ".error \"the conv loop does not start 4 bytes after its ADD PC\"\n\t"
      ".endif\n\t"
      ".if (mf_conv_second%= - mf_conv_loop%=) != %c[group_bytes]\n\t"
      ".error \"a group of the conv loop is not GroupBytes long\"\n\t"
      ".endif\n\t"
      : [acc0] "=&r"(acc0), [acc1] "=&r"(acc1), [acc2] "=&r"(acc2), [acc3] "=&r"(acc3),
        [column] "=&r"(column), [end] "=&r"(end), [weights] "+r"(weights), [w] "=&r"(w),
        [w_even] "=&r"(w_even), [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2),
        [x3] "=&r"(x3), [loop] "+m"(loop)
      : [columns] "m"(loop.words), [out_bias] "m"(loop.out_at),
        [table_out] "m"(loop.table_base), [stride_end] "m"(loop.stride),
        [skip] "m"(loop.skip_bytes), [pairs] "i"(1),
        [group_bytes] "i"(GroupBytes<int32_t>::kValue)
      : "cc", "memory");
#undef MF_REQUANTIZE_ASM
}

// The most groups conv_channels_pair_units takes: its loop is unrolled whole (a layer of up
// to 256 input channels, MobileNet's at 0.25 width).
const int32_t kMaxUnrolledGroups = 64;

// conv_channels_pair_units' frame, which it reads from memory (its SMLAD loop takes every
// register), in the order that lets one LDM from sp fetch what each end of its channel loop
// needs: the first seven words for a channel's start (out_at, bias_base, words), the first
// five for its stores and its end (table_base, out_at, stride, stride3, pairs_end).
struct PairUnitsFrame {
  uint32_t table_base;  // pair requantizer table - 16 * first output: + 16 * out_at
  int8_t* out_at;       // the channel's first output
  int32_t stride;       // output depth
  int32_t stride3;      // 3 * output depth: the fourth position's output
  const int32_t* pairs_end;
  uint32_t bias_base;   // bias - 4 * first output: + 4 * out_at
  const int32_t* words;  // the four positions' columns
  int32_t skip_bytes;   // of the units the first pass skips; the function makes it an address
};

// conv_channels_pairs for an even number of groups, at most kMaxUnrolledGroups: two groups'
// weights per LDM (four words) and no loop, so no end pointer (21 instructions per 32 MACs
// against 22, and no compare and branch per eight groups). It takes fourteen registers, r7
// among them, which gcc keeps for the frame pointer with -fno-omit-frame-pointer whatever a
// function's attributes say; a naked function's registers are its own. Its frame: the
// PairUnitsFrame copied to [sp] (out_at is updated there, skip_bytes becomes the address of the
// first unit to run, Thumb bit set, so that LDR PC enters the units in one instruction), then
// r4-r11 and lr. Registers: the weights' words r0-r3, the accumulators r4-r7, the columns'
// words r8-r11, the weights r12, the columns lr. 33 instructions a channel besides the units
// (20 of them the requantization, 4 the stores). It requantizes with the pair requantizer
// table that the compiler appends to filter_pairs (pairs_end on, 4 words a channel:
// requantize_fast.h, pair_requantizer_words), which it emits only where it has bounded every
// accumulator below kPairAccumulatorLimit.
#define MF_PAIR_GROUP_ASM(even, odd, add0, add1, add2, add3) \
  "ldmia.w lr!, {r8, r9, r10, r11}\n\t"                      \
  "smlad r4, r8, " even ", " add0 "\n\t"                     \
  "smlad r4, r9, " odd ", r4\n\t"                            \
  "smlad r5, r10, " even ", " add1 "\n\t"                    \
  "smlad r5, r11, " odd ", r5\n\t"                           \
  "ldmia.w lr!, {r8, r9, r10, r11}\n\t"                      \
  "smlad r6, r8, " even ", " add2 "\n\t"                     \
  "smlad r6, r9, " odd ", r6\n\t"                            \
  "smlad r7, r10, " even ", " add3 "\n\t"                    \
  "smlad r7, r11, " odd ", r7\n\t"
#define MF_PAIR_UNIT_ASM                       \
  "ldmia.w r12!, {r0, r1, r2, r3}\n\t"         \
  MF_PAIR_GROUP_ASM("r0", "r1", "r4", "r5", "r6", "r7") \
  MF_PAIR_GROUP_ASM("r2", "r3", "r4", "r5", "r6", "r7")
#define MF_PAIR_UNITS_4_ASM MF_PAIR_UNIT_ASM MF_PAIR_UNIT_ASM MF_PAIR_UNIT_ASM MF_PAIR_UNIT_ASM
// requantize_fast.h's pair requantization (pair_requantizer_words: M2, C and r in r8-r10),
// SMMLAR's addend in lr; out_at, stride and stride3 stay in r1-r3 for the stores.
#define MF_PAIR_REQUANTIZE_ASM(acc)        \
  "add lr, r9, " acc "\n\t"                \
  "add lr, lr, " acc ", asr #31\n\t"       \
  "smmlar " acc ", " acc ", r8, lr\n\t"     \
  "asr " acc ", " acc ", r10\n\t"          \
  "ssat " acc ", #8, " acc "\n\t"
// The frame's entry; `name` prefixes the function's labels. Not ADR, which counts from the
// word-aligned PC: where the linker puts the function at an address that is 2 mod 4, that is not
// what the assembler counted from.
#define MF_PAIR_ENTRY_ASM(name)                                        \
  "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"                     \
  "ldmia r0, {r2, r3, r4, r5, r6, r7, r8, r9}\n\t"                      \
  name "_pc:\n\t"                                                       \
  "mov r0, pc\n\t" /* the label + 4 */                                 \
  "add r9, r9, r0\n\t"                                                  \
  "add r9, r9, #(" name "_units - " name "_pc - 4 + 1)\n\t" /* + 1: Thumb */ \
  "push {r2, r3, r4, r5, r6, r7, r8, r9}\n\t"                           \
  "mov r12, r1\n\t"
// A channel's requantization and stores, and the loop back to `name`_channel.
#define MF_PAIR_TAIL_ASM(name)                                                           \
  "ldm sp, {r0, r1, r2, r3, r11}\n\t"                                                    \
  "add r0, r0, r1, lsl #4\n\t"                                                           \
  "ldm r0, {r8, r9, r10}\n\t"                                                            \
  MF_PAIR_REQUANTIZE_ASM("r4") MF_PAIR_REQUANTIZE_ASM("r5") MF_PAIR_REQUANTIZE_ASM("r6") \
  MF_PAIR_REQUANTIZE_ASM("r7")                                                           \
  "strb r5, [r1, r2]\n\t"                                                                \
  "strb r6, [r1, r2, lsl #1]\n\t"                                                        \
  "strb r7, [r1, r3]\n\t"                                                                \
  "strb r4, [r1], #1\n\t"                                                                \
  "str r1, [sp, #4]\n\t"                                                                 \
  "cmp r12, r11\n\t"                                                                     \
  "bne " name "_channel\n\t"                                                             \
  "add sp, #32\n\t"                                                                      \
  "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t"
__attribute__((naked, noinline)) inline void conv_channels_pair_units(const PairUnitsFrame*,
                                                                      const int32_t*) {
  __asm__ volatile(
      MF_PAIR_ENTRY_ASM("mf_pair")
      "mf_pair_channel:\n\t"
      "ldm sp, {r0, r1, r2, r3, r4, r7, lr}\n\t"
      "ldr r7, [r7, r1, lsl #2]\n\t"
      "ldmia.w r12!, {r0, r1, r2, r3}\n\t"
      MF_PAIR_GROUP_ASM("r0", "r1", "r7", "r7", "r7", "r7")
      MF_PAIR_GROUP_ASM("r2", "r3", "r4", "r5", "r6", "r7")
      "ldr pc, [sp, #28]\n\t"
      "mf_pair_units:\n\t"
      MF_PAIR_UNIT_ASM
      "mf_pair_units_second:\n\t"
      MF_PAIR_UNIT_ASM MF_PAIR_UNIT_ASM
      MF_PAIR_UNITS_4_ASM MF_PAIR_UNITS_4_ASM MF_PAIR_UNITS_4_ASM MF_PAIR_UNITS_4_ASM
      MF_PAIR_UNITS_4_ASM MF_PAIR_UNITS_4_ASM MF_PAIR_UNITS_4_ASM
      "mf_pair_units_end:\n\t"
      MF_PAIR_TAIL_ASM("mf_pair")
      ".if (mf_pair_units_second - mf_pair_units) != 84\n\t"
      ".error \"a unit of two groups is not 84 bytes\"\n\t"
      ".endif\n\t"
      ".if (mf_pair_units_end - mf_pair_units) != 84 * 31\n\t"
      ".error \"the units are not kMaxUnrolledGroups / 2 - 1\"\n\t"
      ".endif\n\t");
}

// The most groups conv_channels_odd_units takes: the first group and seven units, the columns
// of a padded filter (at most MAX_PADDED_DEPTH = 60 taps, ops/conv.py) among them.
const int32_t kMaxOddGroups = 15;

// conv_channels_pair_units for an odd number of groups, at most kMaxOddGroups (an image model's
// first layer: 3x3x3 taps padded to 28, seven groups): the first group alone (LDRD), adding to
// the bias, then the units, some 8 instructions a channel fewer than conv_channels_pairs' loop.
__attribute__((naked, noinline)) inline void conv_channels_odd_units(const PairUnitsFrame*,
                                                                     const int32_t*) {
  __asm__ volatile(
      MF_PAIR_ENTRY_ASM("mf_odd")
      "mf_odd_channel:\n\t"
      "ldm sp, {r0, r1, r2, r3, r4, r7, lr}\n\t"
      "ldr r7, [r7, r1, lsl #2]\n\t"
      "ldrd r0, r1, [r12], #8\n\t"
      MF_PAIR_GROUP_ASM("r0", "r1", "r7", "r7", "r7", "r7")
      "ldr pc, [sp, #28]\n\t"
      "mf_odd_units:\n\t"
      MF_PAIR_UNIT_ASM
      "mf_odd_units_second:\n\t"
      MF_PAIR_UNIT_ASM MF_PAIR_UNIT_ASM MF_PAIR_UNITS_4_ASM
      "mf_odd_units_end:\n\t"
      MF_PAIR_TAIL_ASM("mf_odd")
      ".if (mf_odd_units_second - mf_odd_units) != 84\n\t"
      ".error \"a unit of two groups is not 84 bytes\"\n\t"
      ".endif\n\t"
      ".if (mf_odd_units_end - mf_odd_units) != 84 * 7\n\t"
      ".error \"the units are not (kMaxOddGroups - 1) / 2\"\n\t"
      ".endif\n\t");
}
static_assert((kMaxOddGroups - 1) / 2 == 7, "the asm unrolls 7 units after the first group");
#undef MF_PAIR_TAIL_ASM
#undef MF_PAIR_ENTRY_ASM
static_assert(kMaxUnrolledGroups / 2 - 1 == 31, "the asm unrolls 31 units after the first");

// Whether conv_channels_pair_units takes a lean layer's blocks of four positions (with a plain
// output).
inline bool pair_units_layer(const ConvParams& p, bool lean) {
  const int32_t groups = column_depth(p) / 4;
  return lean && p.filter_pairs &&
         (groups % 2 == 0 ? groups <= kMaxUnrolledGroups : groups <= kMaxOddGroups);
}

// conv_channels_pair_units' frame of a layer (pair_units_layer) whose columns are at `words`,
// set once a layer; aim_pair_units completes it for each block (pairs_end is also where the
// pair requantizer table starts).
inline PairUnitsFrame pair_units_frame(const ConvParams& p, const int32_t* words) {
  const int32_t depth = column_depth(p);
  PairUnitsFrame frame;
  frame.stride = p.output_depth;
  frame.stride3 = 3 * p.output_depth;
  frame.words = words;
  // Bytes of the units LDR PC skips: all but the groups / 2 - 1 after the first unit, or the
  // (groups - 1) / 2 after the first group.
  const int32_t groups = depth / 4;
  const int32_t units = groups % 2 == 0 ? kMaxUnrolledGroups / 2 : (kMaxOddGroups - 1) / 2;
  frame.skip_bytes = (units - groups / 2) * 84;
  frame.pairs_end = p.filter_pairs + p.output_depth * depth / 2;
  return frame;
}

// Points `frame` at the block of four positions whose first output is `out0`: out_at, and the
// bases from which it finds each channel's bias and pair requantizer.
MF_ALWAYS_INLINE void aim_pair_units(PairUnitsFrame& frame, const int32_t* bias, int8_t* out0) {
  const int32_t* const table = frame.pairs_end;
  const uint32_t out = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(out0));
  frame.table_base = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(table)) - 16u * out;
  frame.out_at = out0;
  frame.bias_base = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(bias)) - 4u * out;
}
#undef MF_PAIR_REQUANTIZE_ASM
#undef MF_PAIR_UNITS_4_ASM
#undef MF_PAIR_UNIT_ASM
#undef MF_PAIR_GROUP_ASM
#undef MF_CONV_GROUP_ASM
#else
template <class Weight>
MF_ALWAYS_INLINE void accumulate_four_positions(const int32_t*& column, const Weight*& weights,
                                                const int32_t* columns_end, const int32_t&,
                                                int32_t& acc0, int32_t& acc1, int32_t& acc2,
                                                int32_t& acc3) {
  while (column != columns_end) {
    int32_t w_even, w_odd;  // taps k, k+2 and k+1, k+3
    next_weight_pairs(weights, w_even, w_odd);
    acc0 = simd::smlad(column[0], w_even, acc0);
    acc0 = simd::smlad(column[1], w_odd, acc0);
    acc1 = simd::smlad(column[2], w_even, acc1);
    acc1 = simd::smlad(column[3], w_odd, acc1);
    acc2 = simd::smlad(column[4], w_even, acc2);
    acc2 = simd::smlad(column[5], w_odd, acc2);
    acc3 = simd::smlad(column[6], w_even, acc3);
    acc3 = simd::smlad(column[7], w_odd, acc3);
    column += 2 * kPositions;
  }
}
#endif

// `lean`: the layer has a bias and a folded requantizer table, its activation range is the
// whole of int8 and its depth a multiple of 4 (lean_layer), so the per-channel loop has no
// branch on those.
inline bool lean_layer(const ConvParams& p, const int32_t* bias) {
  return bias && p.output_requantizers &&
         is_full_int8_range(p.activation_min, p.activation_max) &&
         column_depth(p) % 4 == 0;
}

template <bool all_four, bool lean, class Store>
MF_HOT_LOOP inline void conv_positions(const ConvParams& p, const int32_t* words,
                                       const int8_t* filter, const int32_t* bias,
                                       int32_t index0, int32_t count,
                                       const Store& store_argument) {
  // A copy whose address is never taken: its pointers stay in registers, where the caller's
  // object would be reloaded after every byte store (an int8_t store may alias it).
  const Store store = store_argument;
  const int32_t depth = column_depth(p);
  const int32_t groups = depth / 4;
  const int32_t tail = lean ? 0 : depth % 4;
  const int32_t* const columns_end = words + 2 * kPositions * groups;
  const int32_t output_depth = p.output_depth;
  const int32_t output_offset = p.output_offset;
  const int32_t activation_min = p.activation_min;
  const int32_t activation_max = p.activation_max;
  const int32_t* const table = p.output_requantizers;
  const bool full_range = lean || is_full_int8_range(activation_min, activation_max);
  const int8_t* weights = filter;
  // The pre-expanded weights, which only lean layers have (the compiler's choice).
  const int32_t* pairs = lean ? p.filter_pairs : 0;
  // Bytes of the groups the first pass of the eight-group loop skips (see the loop).
  const int32_t skip_bytes = (8 - groups % 8) % 8 *
                             (pairs ? GroupBytes<int32_t>::kValue : GroupBytes<int8_t>::kValue);
#if MF_SIMD_ACLE
  // The requantizer and output position of the next channel of a lean layer with a plain
  // output, which requantize_store_four keeps in memory (the SMLAD loop needs every
  // register; in C, gcc keeps more copies of them than that).
  const int32_t* table_at = table;
  int8_t* out_at = store.output + index0;
#endif
#if MF_SIMD_ACLE
  if (lean && all_four && Store::kPlainOutput) {
    // The hot loop of most layers: one pointer runs through the biases, the weights' end
    // ends it.
    const int32_t* bias_at = bias;
    if (pairs && groups % 2 == 0 && groups <= kMaxUnrolledGroups) {
      PairUnitsFrame frame = pair_units_frame(p, words);
      aim_pair_units(frame, bias, out_at);
      conv_channels_pair_units(&frame, pairs);
      return;
    }
    if (pairs && groups % 2 == 1 && groups <= kMaxOddGroups) {
      PairUnitsFrame frame = pair_units_frame(p, words);
      aim_pair_units(frame, bias, out_at);
      conv_channels_odd_units(&frame, pairs);
      return;
    }
    if (pairs && groups >= 2) {
      const uint32_t out0 = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(out_at));
      ChannelLoop loop = {
          words,
          columns_end,
          static_cast<uint32_t>(reinterpret_cast<uintptr_t>(table)) - 16u * out0,
          out_at,
          static_cast<uint32_t>(reinterpret_cast<uintptr_t>(bias)) - 4u * out0,
          (8 - (groups - 1) % 8) % 8 * GroupBytes<int32_t>::kValue,
          output_depth,
          pairs + output_depth * depth / 2};
      conv_channels_pairs(loop, pairs);
      return;
    }
    if (pairs) {
      const int32_t* const pairs_end = pairs + output_depth * depth / 2;
      do {
        int32_t acc0 = *bias_at++;
        int32_t acc1 = acc0, acc2 = acc0, acc3 = acc0;
        const int32_t* column = words;
        accumulate_four_positions(column, pairs, columns_end, skip_bytes, acc0, acc1, acc2,
                                  acc3);
        requantize_store_four(&table_at, &out_at, output_depth, acc0, acc1, acc2, acc3);
      } while (pairs != pairs_end);
      return;
    }
    const int8_t* const weights_end = filter + output_depth * depth;
    do {
      int32_t acc0 = *bias_at++;
      int32_t acc1 = acc0, acc2 = acc0, acc3 = acc0;
      const int32_t* column = words;
      accumulate_four_positions(column, weights, columns_end, skip_bytes, acc0, acc1, acc2,
                                acc3);
      requantize_store_four(&table_at, &out_at, output_depth, acc0, acc1, acc2, acc3);
    } while (weights != weights_end);
    return;
  }
#endif
  for (int32_t out_channel = 0; out_channel < output_depth; ++out_channel) {
    const int32_t channel_bias = lean || bias ? bias[out_channel] : 0;
    int32_t acc0 = channel_bias, acc1 = channel_bias, acc2 = channel_bias, acc3 = channel_bias;
    const int32_t* column = words;
    if (pairs) {
      accumulate_four_positions(column, pairs, columns_end, skip_bytes, acc0, acc1, acc2, acc3);
    } else if (lean || column != columns_end) {
      accumulate_four_positions(column, weights, columns_end, skip_bytes, acc0, acc1, acc2,
                                acc3);
    }
    for (int32_t t = 0; t < tail; ++t) {
      const int32_t w = weights[t];
      acc0 += column[t] * w;
      acc1 += column[3 + t] * w;
      acc2 += column[6 + t] * w;
      acc3 += column[9 + t] * w;
    }
    weights += tail;
    const int32_t index = index0 + out_channel;
    if (lean || table) {
      multiply_folded_four(table + 4 * out_channel, &acc0, &acc1, &acc2, &acc3);
      if (full_range) {
        acc0 = simd::saturate_s8(acc0);
        acc1 = simd::saturate_s8(acc1);
        acc2 = simd::saturate_s8(acc2);
        acc3 = simd::saturate_s8(acc3);
      } else {
        acc0 = clamp_i32(acc0, activation_min, activation_max);
        acc1 = clamp_i32(acc1, activation_min, activation_max);
        acc2 = clamp_i32(acc2, activation_min, activation_max);
        acc3 = clamp_i32(acc3, activation_min, activation_max);
      }
      if (all_four) {
        store.store_four(index, output_depth, acc0, acc1, acc2, acc3);
        continue;
      }
      store(index, static_cast<int8_t>(acc0));
      if (count > 1) store(index + output_depth, static_cast<int8_t>(acc1));
      if (count > 2) store(index + 2 * output_depth, static_cast<int8_t>(acc2));
      continue;
    }
    const ChannelRequantizer q = channel_requantizer(p.output_multiplier[out_channel],
                                                     p.output_shift[out_channel], output_offset);
    store(index, requantize(q, acc0, output_offset, activation_min, activation_max));
    if (all_four || count > 1) {
      store(index + output_depth,
            requantize(q, acc1, output_offset, activation_min, activation_max));
    }
    if (all_four || count > 2) {
      store(index + 2 * output_depth,
            requantize(q, acc2, output_offset, activation_min, activation_max));
    }
    if (all_four) {
      store(index + 3 * output_depth,
            requantize(q, acc3, output_offset, activation_min, activation_max));
    }
  }
}

// The products of one output channel's weights (from `weights` on, advanced past them) with
// the columns of the first kCount (1 or 2) positions, `groups` groups of four taps (at least
// one), added to acc0 (and acc1). For the last positions of a layer whose count is not a
// multiple of four, where the four-position loop would spend 13 instructions on each group
// whatever the count: here 6 (one position) or 9 (two).
template <int kCount, class Weight>
MF_ALWAYS_INLINE void accumulate_few_positions(const int32_t* column, const Weight*& weights,
                                               int32_t groups, int32_t& acc0, int32_t& acc1) {
#if MF_SIMD_ACLE
  int32_t w, w_even, x0, x1, x2, x3;
#define MF_FEW_GROUP_ASM                                      \
  ".if %c[pairs]\n\t"                                          \
  "ldrd %[w_even], %[w], [%[weights]], #8\n\t"                \
  ".else\n\t"                                                 \
  "ldr %[w], [%[weights]], #4\n\t"                            \
  ".endif\n\t"                                                \
  ".if " MF_FEW_COUNT " == 2\n\t"                             \
  "ldrd %[x2], %[x3], [%[column], #8]\n\t"                    \
  ".endif\n\t"                                                \
  "ldrd %[x0], %[x1], [%[column]], #32\n\t"                   \
  ".if %c[pairs] == 0\n\t"                                     \
  "sxtb16 %[w_even], %[w]\n\t"                                \
  "sxtb16 %[w], %[w], ror #8\n\t"                             \
  ".endif\n\t"                                                \
  "smlad %[acc0], %[x0], %[w_even], %[acc0]\n\t"              \
  "smlad %[acc0], %[x1], %[w], %[acc0]\n\t"                   \
  ".if " MF_FEW_COUNT " == 2\n\t"                             \
  "smlad %[acc1], %[x2], %[w_even], %[acc1]\n\t"              \
  "smlad %[acc1], %[x3], %[w], %[acc1]\n\t"                   \
  ".endif\n\t"
#define MF_FEW_COUNT "%c[count]"
  __asm__(
      "tst %[groups], #1\n\t"
      "beq 2f\n\t"
      MF_FEW_GROUP_ASM
      "2:\n\t"
      "lsrs %[groups], %[groups], #1\n\t"
      "beq 3f\n\t"
      "1:\n\t"
      MF_FEW_GROUP_ASM MF_FEW_GROUP_ASM
      "subs %[groups], %[groups], #1\n\t"
      "bne 1b\n\t"
      "3:\n\t"
      : [acc0] "+r"(acc0), [acc1] "+r"(acc1), [column] "+r"(column), [weights] "+r"(weights),
        [groups] "+r"(groups), [w] "=&r"(w), [w_even] "=&r"(w_even), [x0] "=&r"(x0),
        [x1] "=&r"(x1), [x2] "=&r"(x2), [x3] "=&r"(x3)
      : [count] "i"(kCount), [pairs] "i"(sizeof(Weight) == 1 ? 0 : 1)
      : "cc", "memory");
#undef MF_FEW_COUNT
#undef MF_FEW_GROUP_ASM
#else
  for (int32_t g = 0; g < groups; ++g, column += 2 * kPositions) {
    int32_t w_even, w_odd;
    next_weight_pairs(weights, w_even, w_odd);
    acc0 = simd::smlad(column[0], w_even, acc0);
    acc0 = simd::smlad(column[1], w_odd, acc0);
    if (kCount == 2) {
      acc1 = simd::smlad(column[2], w_even, acc1);
      acc1 = simd::smlad(column[3], w_odd, acc1);
    }
  }
#endif
}

// All output channels of the last `count` (1 or 2) positions of a lean layer (lean_layer),
// from output index index0 on.
template <int kCount, class Store>
MF_HOT_LOOP inline void conv_few_positions(const ConvParams& p, const int32_t* words,
                                           const int8_t* filter, const int32_t* bias,
                                           int32_t index0, const Store& store_argument) {
  const Store store = store_argument;  // as in conv_positions
  const int32_t groups = column_depth(p) / 4;
  const int32_t output_depth = p.output_depth;
  const int32_t* table = p.output_requantizers;
  const int8_t* weights = filter;
  const int32_t* pairs = p.filter_pairs;
  for (int32_t out_channel = 0; out_channel < output_depth; ++out_channel, table += 4) {
    int32_t acc0 = bias[out_channel];
    int32_t acc1 = acc0;
    if (pairs) {
      accumulate_few_positions<kCount>(words, pairs, groups, acc0, acc1);
    } else {
      accumulate_few_positions<kCount>(words, weights, groups, acc0, acc1);
    }
    store(index0 + out_channel, requantize_folded<true>(table, acc0, -128, 127));
    if (kCount == 2) {
      store(index0 + output_depth + out_channel,
            requantize_folded<true>(table, acc1, -128, 127));
    }
  }
}

// The whole convolution. `scratch` holds column_words(column_depth(p)) words, 4-byte aligned
// (no more than column_words of the filter's depth, which the compiler reserves).
// For a 1x1 stride-1 convolution with output_depth <= input_depth, input may equal output:
// the four positions are gathered before any of their outputs is written, and those outputs
// end at or before the next position's input.
template <class Store>
inline void conv_2d(const ConvParams& p, const int8_t* input, const int8_t* filter,
                    const int32_t* bias, int8_t* scratch, const Store& store) {
  int32_t* words = reinterpret_cast<int32_t*>(scratch);
  if (p.filter_padded) filter = p.filter_padded;  // the columns are padded alike
  const int32_t positions = p.batches * p.output_height * p.output_width;
  const bool lean = lean_layer(p, bias);
  // A 1x1 stride-1 convolution without padding: position n's column is input pixel n, whose
  // channels are unpacked as they lie, without gather_column's search for the window.
  const bool pixel_columns = p.filter_height == 1 && p.filter_width == 1 &&
                             p.stride_height == 1 && p.stride_width == 1 &&
                             p.padding_height == 0 && p.padding_width == 0 &&
                             p.input_depth % 4 == 0;
  const int32_t offset_pair = simd::pack_s16x2(p.input_offset, p.input_offset);
  const bool padded = p.filter_padded && p.dilation_width == 1;
  const PaddedWindows windows = padded_windows(p);
#if MF_SIMD_ACLE
  // Most of a MobileNet's time: the blocks of its pointwise layers go straight to
  // conv_channels_pair_units, whose frame is set once here (conv_positions would build it
  // again for each block, some 70 instructions).
  const bool pair_units = Store::kPlainOutput && pair_units_layer(p, lean);
  const bool odd_groups = column_depth(p) / 4 % 2 == 1;
  PairUnitsFrame frame = {};
  if (pair_units) frame = pair_units_frame(p, words);
#endif
  // The zero point in every byte: taps over the padding add up to 0 (gather_column).
  const uint32_t padding_word = 0x01010101u * static_cast<uint8_t>(-p.input_offset);
  for (int32_t position = 0; position < positions; position += kPositions) {
    const int32_t count = positions - position < kPositions ? positions - position : kPositions;
    bool gathered = false;
    if (pixel_columns && count == kPositions) {
      unpack_four_pixels(words, input + position * p.input_depth, p.input_depth, offset_pair);
      gathered = true;
    } else if (padded && windows.rows_of_9 && count == kPositions) {
      gathered = gather_four_rows_of_9(p, windows, input, position, words, offset_pair,
                                       padding_word);
    }
    if (!gathered) {
      for (int32_t q = 0; q < kPositions; ++q) {
        const int32_t column_position = position + (q < count ? q : count - 1);
        if (pixel_columns) {
          unpack_groups(words + 2 * q, input + column_position * p.input_depth, p.input_depth / 4,
                        offset_pair);
        } else if (padded) {
          gather_padded_window(p, windows, input, column_position, words, q, offset_pair,
                               padding_word);
        } else {
          gather_column(p, input, column_position, words, q);
        }
      }
    }
    if (count <= 2 && lean) {
      if (count == 1) {
        conv_few_positions<1>(p, words, filter, bias, position * p.output_depth, store);
      } else {
        conv_few_positions<2>(p, words, filter, bias, position * p.output_depth, store);
      }
    } else if (count == kPositions) {
#if MF_SIMD_ACLE
      if (pair_units) {
        aim_pair_units(frame, bias, store.output + position * p.output_depth);
        if (odd_groups) {
          conv_channels_odd_units(&frame, p.filter_pairs);
        } else {
          conv_channels_pair_units(&frame, p.filter_pairs);
        }
        continue;
      }
#endif
      if (lean) {
        conv_positions<true, true>(p, words, filter, bias, position * p.output_depth, count,
                                   store);
      } else {
        conv_positions<true, false>(p, words, filter, bias, position * p.output_depth, count,
                                    store);
      }
    } else if (lean) {
      // Three positions: filter may be 0 where the compiler kept only filter_pairs, which
      // the lean loop takes.
      conv_positions<false, true>(p, words, filter, bias, position * p.output_depth, count,
                                  store);
    } else {
      conv_positions<false, false>(p, words, filter, bias, position * p.output_depth, count,
                                   store);
    }
  }
}

}  // namespace fast
}  // namespace mf

#endif  // MF_CONV_FAST_H
