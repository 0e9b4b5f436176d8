// Kernel test harness: runs the convolution, pooling and fully connected kernels on
// pseudo-random data over a table of shapes (odd depths, odd pixel counts, strides, dilation,
// padding, depth multipliers, in-place and residual variants, filter offsets) and prints one
// FNV-1a checksum of each output. Built with -DMF_FAST_KERNELS=0 and =1, on the host and on
// Cortex-M4 (QEMU, semihosting), every build must print the same lines: the fast path gives
// the reference's bytes.
#include <stdint.h>

#include "mf/conv.h"
#include "mf/depthwise_conv.h"
#include "mf/fully_connected.h"
#include "mf/pooling.h"
#include "mf/requantize_fast.h"

#if defined(__arm__)
namespace {
void print_text(const char* text) {
  register int r0 __asm__("r0") = 0x04;  // SYS_WRITE0
  register const char* r1 __asm__("r1") = text;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}
}  // namespace

// Called by the estimator's startup code with main's result: SYS_EXIT, application exit (0)
// or run-time error.
extern "C" void mf_semihost_exit(int success) {
  register int r0 __asm__("r0") = 0x18;
  register uint32_t r1 __asm__("r1") = success ? 0x20026u : 0x20023u;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}
#else
#include <stdio.h>
namespace {
void print_text(const char* text) { fputs(text, stdout); }
}  // namespace
#endif

namespace {

const int32_t kMaxBytes = 8192;  // every tensor of the shape tables fits (checked in fill)
int8_t input[kMaxBytes];
int8_t residual[kMaxBytes];
int8_t output[kMaxBytes];
int8_t filter[kMaxBytes];
int8_t filter_padded[kMaxBytes];
int32_t filter_pairs[kMaxBytes / 2];
int32_t bias[256];
int32_t multipliers[256];
int32_t shifts[256];
int32_t requantizers[4 * 256];  // the compiler's fast-path table, built here for some shapes
int32_t scratch_words[kMaxBytes];  // 4-byte aligned scratch for the kernels

uint32_t lcg_state = 12345u;
uint32_t next_random() {
  lcg_state = lcg_state * 1664525u + 1013904223u;
  return lcg_state;
}
int8_t random_s8() { return static_cast<int8_t>(next_random() >> 24); }
int32_t random_in(int32_t low, int32_t high) {  // inclusive
  return low + static_cast<int32_t>((next_random() >> 8) % static_cast<uint32_t>(high - low + 1));
}

void fill(int8_t* data, int32_t count) {
  if (count > kMaxBytes) {
    print_text("a shape in the table needs more than kMaxBytes\n");
    count = kMaxBytes;
  }
  for (int32_t i = 0; i < count; ++i) data[i] = random_s8();
}

void fill_quantization(int32_t channels, int32_t accumulation_depth,
                       bool extreme_biases = true) {
  // Shifts sized so outputs spread over the int8 range, with an occasional left shift.
  int32_t log2_depth = 0;
  while ((1 << log2_depth) < accumulation_depth) ++log2_depth;
  for (int32_t c = 0; c < channels; ++c) {
    multipliers[c] = random_in(1 << 30, 2147483647);
    shifts[c] = random_in(-9 - log2_depth, -3 - log2_depth);
    if (random_in(0, 7) == 0) shifts[c] = 1;
    // A right shift too long to fold the output offset into (the fast path's general case).
    if (random_in(0, 15) == 0) shifts[c] = -mf::fast::kMaxFoldedRightShift - 1;
    bias[c] = random_in(-20000, 20000);
    // Now and then an accumulator of 2^30 or more (near the top of the int32 range once
    // shifted left): the fast path's requantization must agree there too.
    // (Not in the convolutions whose config is 3 mod 4, so that the compiler's bound lets their
    // lean pointwise layers keep the pair units: pair_filter.)
    const bool extreme = random_in(0, 9) == 0;
    const int32_t extreme_bias = random_in(0, 1) ? (1 << 30) : -(1 << 30) - 5;
    if (extreme && extreme_biases) bias[c] = extreme_bias;
  }
}

// Odd configurations: the table the compiler would emit, after turning the shifts that do not
// fold into ones that do (it emits a table only when every channel folds; both builds see the
// same shifts). Even configurations keep their shifts and leave the constants to the kernel.
const int32_t* requantizer_table(int32_t config, int32_t channels, int32_t output_offset) {
  if (config % 2 == 0) return 0;
  for (int32_t c = 0; c < channels; ++c) {
    if (shifts[c] >= 0 || -shifts[c] > mf::fast::kMaxFoldedRightShift) shifts[c] = -4 - c % 8;
  }
  for (int32_t c = 0; c < channels; ++c) {
    const mf::fast::ChannelRequantizer q =
        mf::fast::channel_requantizer(multipliers[c], shifts[c], output_offset);
    requantizers[4 * c] = q.multiplier;
    requantizers[4 * c + 1] = q.round_low;
    requantizers[4 * c + 2] = q.round_high;
    requantizers[4 * c + 3] = q.high_shift;
  }
  return requantizers;
}

void print_checksum(const char* name, int32_t config, const int8_t* data, int32_t count) {
  uint32_t hash = 2166136261u;
  for (int32_t i = 0; i < count; ++i) hash = (hash ^ static_cast<uint8_t>(data[i])) * 16777619u;
  char line[64];
  int32_t length = 0;
  while (*name) line[length++] = *name++;
  line[length++] = ' ';
  line[length++] = static_cast<char>('0' + config / 10);
  line[length++] = static_cast<char>('0' + config % 10);
  line[length++] = ' ';
  for (int32_t shift = 28; shift >= 0; shift -= 4) {
    line[length++] = "0123456789abcdef"[(hash >> shift) & 0xFu];
  }
  line[length++] = '\n';
  line[length] = '\0';
  print_text(line);
}

// TFLite's output size and leading padding for SAME (1) or VALID (0).
void output_size(int32_t in, int32_t filter_size, int32_t stride, int32_t dilation, int32_t same,
                 int32_t* out, int32_t* padding) {
  const int32_t effective = (filter_size - 1) * dilation + 1;
  *out = same ? (in + stride - 1) / stride : (in + stride - effective) / stride;
  const int32_t total = (*out - 1) * stride + effective - in;
  *padding = total > 0 ? total / 2 : 0;
}

// The fast path's padded copy of a filter whose depth is not a multiple of 4, as the compiler
// emits it (ops/conv.py, padded_filter_arrays: each row's whole groups of four taps, then the
// rows' remaining taps, then zeros), for every such configuration but those that are 1 mod 4,
// which keep the tail columns.
const int8_t* padded_filter(int32_t config, int32_t channels, int32_t filter_height,
                            int32_t row_bytes) {
  const int32_t depth = filter_height * row_bytes;
  if (depth % 4 == 0 || config % 4 == 1) return 0;
  const int32_t padded = (depth + 3) / 4 * 4;
  const int32_t whole = row_bytes / 4 * 4;
  for (int32_t c = 0; c < channels; ++c) {
    const int8_t* taps = filter + c * depth;
    int8_t* to = filter_padded + c * padded;
    for (int32_t y = 0; y < filter_height; ++y) {
      for (int32_t i = 0; i < whole; ++i) *to++ = taps[y * row_bytes + i];
    }
    for (int32_t y = 0; y < filter_height; ++y) {
      for (int32_t i = whole; i < row_bytes; ++i) *to++ = taps[y * row_bytes + i];
    }
    for (int32_t t = depth; t < padded; ++t) *to++ = 0;
  }
  return filter_padded;
}

// The compiler's pre-expanded filter (ops/conv.py, weight_pair_words: per group of four taps
// k..k+3, the int16 pairs [k, k+2] [k+1, k+3]) of `taps` (the filter or its padded copy) for
// every depth that is a multiple of 4, then the pair requantizer table (pair_requantizer_
// words); the fast path takes it in lean layers only. None, as the compiler decides
// (filter_pairs_arrays), where a channel's accumulator may reach kPairAccumulatorLimit.
const int32_t* pair_filter(const mf::ConvParams& p, const int8_t* taps, int32_t channels,
                           int32_t depth) {
  if (depth % 4 != 0) return 0;
  int32_t* word = filter_pairs;
  for (int32_t i = 0; i < channels * depth; i += 4) {
    *word++ = mf::simd::pack_s16x2(taps[i], taps[i + 2]);
    *word++ = mf::simd::pack_s16x2(taps[i + 1], taps[i + 3]);
  }
  const int32_t low = -128 + p.input_offset;  // an input plus its offset: in [low, high]
  const int32_t high = 127 + p.input_offset;
  const int32_t input_reach = -low > high ? -low : high;
  for (int32_t c = 0; c < channels; ++c) {
    int64_t reach = bias[c] < 0 ? -static_cast<int64_t>(bias[c]) : bias[c];
    for (int32_t t = 0; t < depth; ++t) {
      const int32_t tap = taps[c * depth + t];
      reach += static_cast<int64_t>(tap < 0 ? -tap : tap) * input_reach;
    }
    if (reach >= mf::fast::kPairAccumulatorLimit) return 0;
    mf::fast::pair_requantizer_words(multipliers[c], shifts[c], p.output_offset, word + 4 * c);
  }
  return filter_pairs;
}

struct Shape {
  int32_t batches, height, width, depth, filter_height, filter_width, out_depth, stride_height,
      stride_width, dilation, same, relu;
};

// CONV_2D shapes: 1x1 with depths that are and are not multiples of 4, odd pixel counts,
// a 10x4 single-channel filter like the DS-CNN's first layer, strides, dilation, batches.
const Shape kConvShapes[] = {
    {1, 5, 5, 64, 1, 1, 64, 1, 1, 1, 1, 1},   {1, 3, 3, 7, 1, 1, 5, 1, 1, 1, 1, 0},
    {1, 1, 3, 4, 1, 1, 3, 1, 1, 1, 0, 0},     {1, 13, 10, 1, 10, 4, 8, 2, 2, 1, 1, 1},
    {1, 6, 7, 3, 3, 3, 9, 1, 1, 1, 1, 0},     {2, 5, 6, 5, 3, 2, 6, 2, 1, 1, 0, 1},
    {1, 9, 9, 8, 3, 3, 4, 1, 1, 2, 1, 0},     {1, 7, 5, 16, 1, 1, 11, 2, 2, 1, 1, 0},
    {1, 4, 4, 2, 5, 5, 1, 1, 1, 1, 1, 1},     {1, 1, 1, 13, 1, 1, 7, 1, 1, 1, 0, 0},
    // k x k taps of a depth that is a multiple of 4 (im2col four channels per load): batches,
    // stride 2 and SAME padding; an odd number of four-tap groups (9); VALID padding.
    {2, 6, 7, 8, 3, 3, 5, 2, 2, 1, 1, 0},     {1, 5, 5, 4, 3, 3, 6, 1, 1, 1, 1, 1},
    {1, 6, 6, 12, 3, 3, 3, 1, 2, 1, 0, 0},
    // Pointwise layers of a MobileNet with pre-expanded weights (odd configs are lean):
    // 9 groups (the loop's first pass skips 7), positions 4 + 4 + 4 + 3; a layer that is not
    // lean (no table, ReLU); 8 groups, positions 4 + 4 + 1; another that is not lean;
    // 3 groups, positions 4 + 2.
    {1, 5, 3, 36, 1, 1, 8, 1, 1, 1, 0, 0},    {1, 2, 3, 8, 1, 1, 4, 1, 1, 1, 0, 1},
    {1, 3, 3, 32, 1, 1, 24, 1, 1, 1, 0, 0},   {1, 4, 4, 8, 1, 1, 16, 1, 1, 1, 0, 1},
    {1, 2, 3, 12, 1, 1, 8, 1, 1, 1, 0, 0},
    // Not lean (ReLU); the first layer of an image model, lean, its padded filter
    // pre-expanded.
    {1, 3, 4, 8, 1, 1, 4, 1, 1, 1, 0, 1},     {1, 6, 7, 3, 3, 3, 8, 2, 2, 1, 1, 0},
    // One group of four taps (the lean loop's first group is its last): not lean, lean.
    {1, 2, 2, 4, 1, 1, 4, 1, 1, 1, 0, 0},     {1, 4, 5, 4, 1, 1, 4, 1, 1, 1, 0, 0},
    // More groups (68) than the unrolled pointwise loop takes: not lean, lean.
    {1, 1, 2, 272, 1, 1, 4, 1, 1, 1, 0, 1},   {1, 2, 3, 272, 1, 1, 8, 1, 1, 1, 0, 0},
};

// DEPTHWISE_CONV_2D shapes (out_depth holds the depth multiplier).
const Shape kDepthwiseShapes[] = {
    {1, 5, 5, 64, 3, 3, 1, 1, 1, 1, 1, 1},  {1, 6, 4, 7, 3, 3, 1, 1, 1, 1, 1, 0},
    {1, 9, 8, 1, 10, 8, 8, 2, 2, 1, 1, 1},  {1, 7, 7, 3, 3, 3, 2, 2, 2, 1, 0, 0},
    {2, 6, 5, 12, 3, 3, 1, 1, 2, 1, 1, 0},  {1, 8, 8, 6, 5, 5, 4, 1, 1, 2, 1, 1},
    {1, 3, 5, 5, 3, 3, 3, 1, 1, 1, 1, 0},   {1, 4, 3, 9, 1, 1, 1, 1, 1, 1, 0, 1},
    {1, 7, 6, 8, 5, 5, 1, 1, 1, 1, 1, 0},  // more taps than the fast path's tap table
    {1, 6, 7, 8, 3, 3, 1, 2, 2, 1, 1, 1},  // tap pairs: stride 2, SAME, an odd tap count
    {1, 5, 6, 4, 2, 2, 1, 1, 1, 1, 0, 0},  // tap pairs: an even tap count, VALID
    {1, 8, 8, 4, 3, 3, 1, 1, 1, 2, 1, 0},  // tap pairs: dilation 2
    // 3x3 column loop: VALID at stride 1 and 2 (even and odd widths), stride 2 down only,
    // rows of several chunks of its column buffer at stride 1 and 2 (chunks of 25 + 24,
    // 13 + 12 and 30 + 30 outputs).
    {1, 7, 8, 8, 3, 3, 1, 1, 1, 1, 0, 0},   {1, 9, 11, 4, 3, 3, 1, 2, 2, 1, 0, 1},
    {1, 6, 10, 4, 3, 3, 1, 2, 1, 1, 1, 0},  {1, 5, 49, 8, 3, 3, 1, 1, 1, 1, 1, 1},
    {1, 7, 50, 4, 3, 3, 1, 2, 2, 1, 1, 0},  {1, 4, 60, 4, 3, 3, 1, 1, 1, 1, 1, 0},
    // tap pairs with a ReLU range, VALID and SAME (an odd config: a requantizer table, the
    // bytes clamped by SSUB8 / SEL).
    {1, 6, 6, 4, 2, 2, 1, 1, 1, 1, 0, 1},   {1, 5, 6, 8, 2, 2, 1, 1, 1, 1, 1, 1},
    // 3x3 column loop at stride 1 with odd output widths, VALID without a requantizer table,
    // then SAME with one (an odd config: the loop over two pixels at a time, then the last
    // on its own).
    {1, 6, 9, 8, 3, 3, 1, 1, 1, 1, 0, 0},   {1, 4, 7, 12, 3, 3, 1, 1, 1, 1, 1, 0},
    // The same at stride 2 across: VALID without a table, then SAME with one (7 outputs:
    // one, then three pairs; 60 outputs in four chunks of 15).
    {1, 6, 12, 4, 3, 3, 1, 1, 2, 1, 0, 0},  {1, 5, 13, 8, 3, 3, 1, 2, 2, 1, 1, 0},
    {1, 3, 9, 4, 3, 3, 1, 1, 1, 1, 0, 0},   {1, 3, 120, 4, 3, 3, 1, 2, 2, 1, 1, 0},
    // The column loop at stride 1 on a VWW-like row (two chunks of 24), SAME, no ReLU: with
    // config 27 (3 mod 4) the doubled words and column requantizers, as are 15 and 23.
    {1, 5, 9, 8, 3, 3, 1, 1, 1, 1, 1, 0},   {1, 6, 48, 8, 3, 3, 1, 1, 1, 1, 1, 0},
};

mf::ConvParams conv_params(const Shape& s) {
  mf::ConvParams p;
  p.input_offset = random_in(-127, 128);
  p.output_offset = random_in(-128, 127);
  p.output_multiplier = multipliers;
  p.output_shift = shifts;
  p.activation_min = s.relu ? p.output_offset : -128;
  p.activation_max = 127;
  p.stride_height = s.stride_height;
  p.stride_width = s.stride_width;
  p.dilation_height = s.dilation;
  p.dilation_width = s.dilation;
  p.batches = s.batches;
  p.input_height = s.height;
  p.input_width = s.width;
  p.input_depth = s.depth;
  p.filter_height = s.filter_height;
  p.filter_width = s.filter_width;
  p.output_depth = s.out_depth;
  output_size(s.height, s.filter_height, s.stride_height, s.dilation, s.same, &p.output_height,
              &p.padding_height);
  output_size(s.width, s.filter_width, s.stride_width, s.dilation, s.same, &p.output_width,
              &p.padding_width);
  return p;
}

void run_conv(int32_t config, const Shape& s) {
  mf::ConvParams p = conv_params(s);
  const int32_t depth = s.filter_height * s.filter_width * s.depth;
  fill(input, s.batches * s.height * s.width * s.depth);
  fill(filter, s.out_depth * depth);
  fill_quantization(s.out_depth, depth, config % 4 != 3);
  p.output_requantizers = requantizer_table(config, s.out_depth, p.output_offset);
  p.filter_padded =
      padded_filter(config, s.out_depth, s.filter_height, s.filter_width * s.depth);
  p.filter_pairs = p.filter_padded
                       ? pair_filter(p, p.filter_padded, s.out_depth, (depth + 3) / 4 * 4)
                       : pair_filter(p, filter, s.out_depth, depth);
  const int32_t out_bytes = s.batches * p.output_height * p.output_width * s.out_depth;
  int8_t* scratch = reinterpret_cast<int8_t*>(scratch_words);
  // Where the compiler emits filter_pairs (lean layers) and no padded filter, it keeps no int8
  // filter (ops/conv.py): both paths read the pairs then, and must give what it gives.
  const bool pairs_only = p.filter_pairs && !p.filter_padded && mf::fast::lean_layer(p, bias);
  const int8_t* const kept = pairs_only ? 0 : filter;
  if (pairs_only) {
    mf::ConvParams plain = p;
    plain.filter_pairs = 0;
    mf::conv_2d(plain, input, filter, bias, output, scratch);
    print_checksum("conv_2d_int8_filter", config, output, out_bytes);
  }
  mf::conv_2d(p, input, kept, bias, output, scratch);
  print_checksum("conv_2d", config, output, out_bytes);
  mf::conv_2d(p, input, filter, 0, output, scratch);  // no bias
  print_checksum("conv_2d_no_bias", config, output, out_bytes);

  // TFLite gives the larger-scale input the multiplier 0.5 exactly (2^30, shift 0); the
  // output rescaling's shift ranges widely (left_shift 20 in it), and SUB negates input 2.
  const int32_t output_shifts[] = {-19, -25, -31, 1};
  mf::AddParams add = {random_in(-127, 128),
                       config % 3 == 0 ? 1073741824 : 1073741824 + random_in(0, 1 << 29),
                       config % 3 == 0 ? 0 : -1,
                       random_in(-127, 128),
                       config % 2 == 1 ? 1073741824 : 1073741824 + random_in(0, 1 << 29),
                       config % 2 == 1 ? 0 : -2,
                       20,
                       random_in(-128, 127),
                       1073741824 + random_in(0, 1 << 29),
                       output_shifts[config % 4],
                       -128,
                       127,
                       config % 5 == 4};
  fill(residual, out_bytes);
  static int32_t scaled_operands[512];
  mf::fast::residual_sum_table(add, config % 2, scaled_operands);
  mf::conv_2d_add(p, input, kept, bias, add, config % 2, scaled_operands, residual, output,
                  scratch);
  print_checksum("conv_2d_add", config, output, out_bytes);
  mf::fast::residual_sum_table(add, 1, scaled_operands);
  mf::conv_2d_add(p, input, kept, bias, add, 1, scaled_operands, residual, residual,
                  scratch);  // in place
  print_checksum("conv_2d_add_over_residual", config, residual, out_bytes);

  const bool pointwise = s.filter_height == 1 && s.filter_width == 1 && s.stride_height == 1 &&
                         s.stride_width == 1 && s.out_depth <= s.depth;
  if (pointwise) {
    mf::conv_2d(p, input, kept, bias, output, scratch);
    print_checksum("conv_2d_1x1_expected", config, output, out_bytes);
    mf::conv_2d_1x1_in_place(p, input, kept, bias, scratch);
    print_checksum("conv_2d_1x1_in_place", config, input, out_bytes);
  }
}

// The compiler's tap-pair stream (ops/depthwise_conv.py, tap_pair_stream), or 0 where it
// emits none: per group of four channels, bias + input offset x the sum of the taps (modulo
// 2^32), then the taps in int16 pairs.
int32_t tap_pairs[4096];
const int32_t* tap_pair_table(const mf::DepthwiseConvParams& p) {
  const int32_t taps = p.filter_height * p.filter_width;
  if (p.depth_multiplier != 1 || p.output_depth % 4 != 0 || taps > 16) return 0;
  const int32_t pairs = (taps + 1) / 2;
  int32_t* word = tap_pairs;
  for (int32_t group = 0; group < p.output_depth / 4; ++group) {
    for (int32_t k = 0; k < 4; ++k) {
      const int32_t channel = 4 * group + k;
      uint32_t sum = static_cast<uint32_t>(bias[channel]);
      for (int32_t t = 0; t < taps; ++t) {
        sum += static_cast<uint32_t>(p.input_offset * filter[t * p.output_depth + channel]);
      }
      *word++ = static_cast<int32_t>(sum);
    }
    for (int32_t pair = 0; pair < pairs; ++pair) {
      for (int32_t k = 0; k < 4; ++k) {
        const int32_t channel = 4 * group + k;
        const int32_t low = filter[2 * pair * p.output_depth + channel];
        const int32_t high = 2 * pair + 1 < taps ? filter[(2 * pair + 1) * p.output_depth + channel]
                                                 : 0;
        *word++ = static_cast<int32_t>((static_cast<uint32_t>(low) & 0xFFFFu) |
                                       (static_cast<uint32_t>(high) << 16));
      }
    }
  }
  return tap_pairs;
}

// The compiler's 3x3 column words (ops/depthwise_conv.py, filter_3x3_column_words), or 0
// where it emits none.
int32_t column_words[22 * 64];
int32_t pair_of(int32_t low, int32_t high) {
  return static_cast<int32_t>((static_cast<uint32_t>(low) & 0xFFFFu) |
                              (static_cast<uint32_t>(high) << 16));
}
const int32_t* column_table(const mf::DepthwiseConvParams& p) {
  if (p.depth_multiplier != 1 || p.output_depth % 4 != 0 || p.filter_height != 3 ||
      p.filter_width != 3 || p.dilation_height != 1 || p.output_depth > 256) {
    return 0;
  }
  const int32_t depth = p.output_depth;
  for (int32_t group = 0; group < depth / 4; ++group) {
    int32_t* word = column_words + 22 * group;
    const int32_t c = 4 * group;
    for (int32_t k = 0; k < 4; ++k) *word++ = bias[c + k];
    for (int32_t column = 0; column < 3; ++column) {
      const int8_t* top = filter + column * depth + c;
      const int8_t* middle = filter + (3 + column) * depth + c;
      const int8_t* bottom = filter + (6 + column) * depth + c;
      for (int32_t k = 0; k < 4; ++k) *word++ = pair_of(top[k], middle[k]);
      *word++ = pair_of(bottom[0], bottom[2]);
      *word++ = pair_of(bottom[1], bottom[3]);
    }
  }
  return column_words;
}

// Configurations 3 mod 4 with a column table and a requantizer table: the compiler's doubled
// column words and column requantizers (ops/depthwise_conv.py, column_requantizer_words),
// the biases first brought inside its bound, or 0.
int32_t column_requantizers[3 * 256];
const int32_t kLargestColumnBias = (1 << 30) - 9 * 128 * 255 - 1;
void bound_column_biases(int32_t config, int32_t channels) {
  if (config % 4 != 3) return;
  for (int32_t c = 0; c < channels; ++c) {
    if (bias[c] > kLargestColumnBias) bias[c] = kLargestColumnBias;
    if (bias[c] < -kLargestColumnBias) bias[c] = -kLargestColumnBias;
  }
}
const int32_t* column_requantizer_table(int32_t config, mf::DepthwiseConvParams* p) {
  if (config % 4 != 3 || !p->filter_3x3_columns || !p->output_requantizers) return 0;
  for (int32_t i = 0; i < 22 * p->output_depth / 4; ++i) {
    const int32_t word = column_words[i];
    column_words[i] = i % 22 < 4 ? 2 * word
                                 : pair_of(2 * mf::simd::low_s16(word), 2 * (word >> 16));
  }
  for (int32_t c = 0; c < p->output_depth; ++c) {
    const int32_t r = -shifts[c];
    column_requantizers[3 * c] = multipliers[c];
    column_requantizers[3 * c + 1] = (1 << (r - 1)) + p->output_offset * (1 << r);
    column_requantizers[3 * c + 2] = r;
  }
  return column_requantizers;
}

void run_depthwise(int32_t config, const Shape& s) {
  const int32_t multiplier = s.out_depth;
  mf::DepthwiseConvParams p;
  p.input_offset = random_in(-127, 128);
  p.output_offset = random_in(-128, 127);
  p.output_multiplier = multipliers;
  p.output_shift = shifts;
  p.activation_min = s.relu ? p.output_offset : -128;
  p.activation_max = s.relu ? 100 : 127;
  p.stride_height = s.stride_height;
  p.stride_width = s.stride_width;
  p.dilation_height = s.dilation;
  p.dilation_width = s.dilation;
  p.depth_multiplier = multiplier;
  p.batches = s.batches;
  p.input_height = s.height;
  p.input_width = s.width;
  p.input_depth = s.depth;
  p.filter_height = s.filter_height;
  p.filter_width = s.filter_width;
  p.output_depth = s.depth * multiplier;
  output_size(s.height, s.filter_height, s.stride_height, s.dilation, s.same, &p.output_height,
              &p.padding_height);
  output_size(s.width, s.filter_width, s.stride_width, s.dilation, s.same, &p.output_width,
              &p.padding_width);
  fill(input, s.batches * s.height * s.width * s.depth);
  fill(filter, s.filter_height * s.filter_width * p.output_depth);
  fill_quantization(p.output_depth, s.filter_height * s.filter_width);
  bound_column_biases(config, p.output_depth);
  p.output_requantizers = requantizer_table(config, p.output_depth, p.output_offset);
  p.filter_tap_pairs = tap_pair_table(p);
  p.filter_3x3_columns = column_table(p);
  p.column_requantizers = column_requantizer_table(config, &p);
  const int32_t out_bytes = s.batches * p.output_height * p.output_width * p.output_depth;
  mf::depthwise_conv_2d(p, input, filter, bias, output);
  print_checksum("depthwise_conv_2d", config, output, out_bytes);

  const bool in_place = multiplier == 1 && s.batches == 1 && s.stride_height == 1 &&
                        s.stride_width == 1 && s.dilation == 1 && p.output_height == s.height &&
                        p.output_width == s.width;
  if (in_place) {
    int8_t* scratch = reinterpret_cast<int8_t*>(scratch_words);
    mf::depthwise_conv_2d_in_place(p, input, filter, bias, scratch);
    print_checksum("depthwise_conv_2d_in_place", config, input, out_bytes);
  }
}

// FULLY_CONNECTED shapes: {batches, accum_depth, output_depth, per_channel, filter_offset}.
const int32_t kFullyConnectedShapes[][5] = {
    {1, 64, 12, 1, 0}, {1, 13, 7, 0, 0}, {3, 10, 5, 0, 3}, {2, 4, 1, 1, -7}, {1, 1, 3, 0, 0},
    {1, 200, 33, 1, 0}, {2, 37, 10, 0, 0}, {1, 64, 16, 0, 0}, {1, 7, 4, 1, 0},
};

void run_fully_connected(int32_t config, const int32_t* shape) {
  mf::FullyConnectedParams p;
  p.input_offset = random_in(-127, 128);
  p.filter_offset = shape[4];
  p.output_offset = random_in(-128, 127);
  p.output_multiplier = multipliers;
  p.output_shift = shifts;
  p.per_channel = shape[3];
  p.activation_min = config % 2 ? p.output_offset : -128;
  p.activation_max = 127;
  p.batches = shape[0];
  p.accum_depth = shape[1];
  p.output_depth = shape[2];
  fill(input, p.batches * p.accum_depth);
  fill(filter, p.output_depth * p.accum_depth);
  fill_quantization(p.output_depth, p.accum_depth);
  mf::fully_connected(p, input, filter, bias, output);
  print_checksum("fully_connected", config, output, p.batches * p.output_depth);
  mf::fully_connected(p, input, filter, 0, output);
  print_checksum("fully_connected_no_bias", config, output, p.batches * p.output_depth);
}

// AVERAGE_POOL_2D shapes: {batches, height, width, depth, filter h, filter w, stride h,
// stride w, same, relu}: the DS-CNN's global pool, clipped SAME windows, a depth that is not a
// multiple of 4 and a window of more taps than int16 sums allow (both reference-only).
const int32_t kAveragePoolShapes[][10] = {
    {1, 25, 5, 64, 25, 5, 1, 1, 0, 0}, {2, 7, 6, 8, 3, 3, 2, 2, 1, 1},
    {1, 5, 5, 6, 2, 2, 1, 1, 0, 0},    {1, 20, 20, 4, 17, 17, 1, 1, 0, 0},
};

void run_average_pool(int32_t config, const int32_t* shape) {
  mf::PoolParams p;
  p.batches = shape[0];
  p.input_height = shape[1];
  p.input_width = shape[2];
  p.depth = shape[3];
  p.filter_height = shape[4];
  p.filter_width = shape[5];
  p.stride_height = shape[6];
  p.stride_width = shape[7];
  output_size(p.input_height, p.filter_height, p.stride_height, 1, shape[8], &p.output_height,
              &p.padding_height);
  output_size(p.input_width, p.filter_width, p.stride_width, 1, shape[8], &p.output_width,
              &p.padding_width);
  p.activation_min = shape[9] ? 0 : -128;
  p.activation_max = 127;
  fill(input, p.batches * p.input_height * p.input_width * p.depth);
  mf::average_pool_2d(p, input, output);
  print_checksum("average_pool_2d", config, output,
                 p.batches * p.output_height * p.output_width * p.depth);
}

}  // namespace

int main() {
  for (uint32_t i = 0; i < sizeof(kConvShapes) / sizeof(kConvShapes[0]); ++i) {
    run_conv(static_cast<int32_t>(i), kConvShapes[i]);
  }
  for (uint32_t i = 0; i < sizeof(kDepthwiseShapes) / sizeof(kDepthwiseShapes[0]); ++i) {
    run_depthwise(static_cast<int32_t>(i), kDepthwiseShapes[i]);
  }
  for (uint32_t i = 0; i < sizeof(kAveragePoolShapes) / sizeof(kAveragePoolShapes[0]); ++i) {
    run_average_pool(static_cast<int32_t>(i), kAveragePoolShapes[i]);
  }
  for (uint32_t i = 0; i < sizeof(kFullyConnectedShapes) / sizeof(kFullyConnectedShapes[0]);
       ++i) {
    run_fully_connected(static_cast<int32_t>(i), kFullyConnectedShapes[i]);
  }
  print_text("done\n");
  return 0;
}
