// mcuforge runtime: two chained convolutions (CONV_2D or DEPTHWISE_CONV_2D) run row by row,
// so the first one's output never exists whole (TinyEngine / MCUNetV2's patch-based
// inference, along rows).
//
// For each output row of the second convolution, the rows of the first one's output that it
// reads are kept in a window (scratch): rows still needed are moved to its start, the missing
// ones computed by the first convolution into their place. Both convolutions run their own
// kernels on parameter copies that describe just those rows (output_height 1 and the padding
// moved so the row is the first; the second one's input is the window), so every value is the
// one the whole-tensor kernels compute: only the order of the rows differs. The second
// convolution may be fused with a residual ADD (mf::conv_2d_add), its output written over the
// residual when the compiler checked that the first convolution no longer reads those rows.
#ifndef MF_CONV_CHAIN_H
#define MF_CONV_CHAIN_H

#include <stdint.h>
#include <string.h>

#include "mf/conv.h"
#include "mf/conv_rows.h"
#include "mf/depthwise_conv.h"
#include "mf/elementwise.h"

namespace mf {

// The second convolution's output rows, written one at a time.
struct ConvRowStore {
  const int8_t* filter;
  const int32_t* bias;
  int8_t* output;
  void operator()(const ConvParams& row, const int8_t* window, int32_t out_y,
                  int8_t* scratch) const {
    const int32_t row_bytes = row.output_width * row.output_depth;
    conv_2d(row, window, filter, bias, output + out_y * row_bytes, scratch);
  }
};

struct ConvAddRowStore {
  const int8_t* filter;
  const int32_t* bias;
  const AddParams* add_params;
  int32_t conv_is_input1;
  const int32_t* scaled_operands;
  const int8_t* residual;
  int8_t* output;
  void operator()(const ConvParams& row, const int8_t* window, int32_t out_y,
                  int8_t* scratch) const {
    const int32_t offset = out_y * row.output_width * row.output_depth;
    conv_2d_add(row, window, filter, bias, *add_params, conv_is_input1, scaled_operands,
                residual + offset, output + offset, scratch);
  }
};

struct DepthwiseConvRowStore {
  const int8_t* filter;
  const int32_t* bias;
  int8_t* output;
  void operator()(const DepthwiseConvParams& row, const int8_t* window, int32_t out_y,
                  int8_t*) const {
    const int32_t row_bytes = row.output_width * row.output_depth;
    depthwise_conv_2d(row, window, filter, bias, output + out_y * row_bytes);
  }
};

// `scratch`: window_rows rows of the first convolution's output (rounded up to a whole word),
// then the larger of the two kernels' own scratch.
template <class FirstParams, class FirstRows, class SecondParams, class RowStore>
inline void convolution_chain(const FirstParams& first, const FirstRows& first_rows,
                              const SecondParams& second, const RowStore& store,
                              int32_t window_rows, int8_t* scratch) {
  const int32_t row_bytes = first.output_width * first.output_depth;
  int8_t* window = scratch;
  int8_t* kernel_scratch = scratch + (window_rows * row_bytes + 3) / 4 * 4;
  int32_t window_first = 0;  // the window holds rows window_first .. window_last
  int32_t window_last = -1;
  for (int32_t out_y = 0; out_y < second.output_height; ++out_y) {
    const int32_t top = out_y * second.stride_height - second.padding_height;
    const int32_t bottom = top + (second.filter_height - 1) * second.dilation_height;
    const int32_t needed_first = top < 0 ? 0 : top;
    const int32_t needed_last = bottom < first.output_height ? bottom : first.output_height - 1;
    if (needed_first <= window_last) {
      memmove(window, window + (needed_first - window_first) * row_bytes,
              static_cast<size_t>((window_last - needed_first + 1) * row_bytes));
    } else {
      window_last = needed_first - 1;
    }
    window_first = needed_first;
    for (int32_t y = window_last + 1; y <= needed_last; ++y) {
      first_rows(output_rows(first, y, 1), window + (y - window_first) * row_bytes,
                 kernel_scratch);
    }
    if (needed_last > window_last) window_last = needed_last;
    SecondParams row = second;
    row.output_height = 1;
    row.input_height = window_last - window_first + 1;
    row.padding_height = window_first - top;
    store(row, window, out_y, kernel_scratch);
  }
}

// The entry points the generated code calls: the first convolution's (params, input, filter,
// bias), the second's (params, filter, bias, output) or, fused into a residual ADD,
// mf::conv_2d_add's arguments after its input; then the window's height and the scratch.
inline void conv_2d_then_conv_2d(const ConvParams& first, const int8_t* input,
                                 const int8_t* filter, const int32_t* bias,
                                 const ConvParams& second, const int8_t* second_filter,
                                 const int32_t* second_bias, int8_t* output,
                                 int32_t window_rows, int8_t* scratch) {
  const ConvRows rows = {input, filter, bias};
  const ConvRowStore store = {second_filter, second_bias, output};
  convolution_chain(first, rows, second, store, window_rows, scratch);
}

inline void conv_2d_then_conv_2d_add(const ConvParams& first, const int8_t* input,
                                     const int8_t* filter, const int32_t* bias,
                                     const ConvParams& second, const int8_t* second_filter,
                                     const int32_t* second_bias, const AddParams& add_params,
                                     int32_t conv_is_input1, const int32_t* scaled_operands,
                                     const int8_t* residual,
                                     int8_t* output, int32_t window_rows, int8_t* scratch) {
  const ConvRows rows = {input, filter, bias};
  const ConvAddRowStore store = {second_filter, second_bias, &add_params, conv_is_input1,
                                 scaled_operands, residual, output};
  convolution_chain(first, rows, second, store, window_rows, scratch);
}

inline void conv_2d_then_depthwise_conv_2d(const ConvParams& first, const int8_t* input,
                                           const int8_t* filter, const int32_t* bias,
                                           const DepthwiseConvParams& second,
                                           const int8_t* second_filter,
                                           const int32_t* second_bias, int8_t* output,
                                           int32_t window_rows, int8_t* scratch) {
  const ConvRows rows = {input, filter, bias};
  const DepthwiseConvRowStore store = {second_filter, second_bias, output};
  convolution_chain(first, rows, second, store, window_rows, scratch);
}

inline void depthwise_conv_2d_then_conv_2d(const DepthwiseConvParams& first,
                                           const int8_t* input, const int8_t* filter,
                                           const int32_t* bias, const ConvParams& second,
                                           const int8_t* second_filter,
                                           const int32_t* second_bias, int8_t* output,
                                           int32_t window_rows, int8_t* scratch) {
  const DepthwiseConvRows rows = {input, filter, bias};
  const ConvRowStore store = {second_filter, second_bias, output};
  convolution_chain(first, rows, second, store, window_rows, scratch);
}

inline void depthwise_conv_2d_then_conv_2d_add(
    const DepthwiseConvParams& first, const int8_t* input, const int8_t* filter,
    const int32_t* bias, const ConvParams& second, const int8_t* second_filter,
    const int32_t* second_bias, const AddParams& add_params, int32_t conv_is_input1,
    const int32_t* scaled_operands, const int8_t* residual, int8_t* output, int32_t window_rows,
    int8_t* scratch) {
  const DepthwiseConvRows rows = {input, filter, bias};
  const ConvAddRowStore store = {second_filter, second_bias, &add_params, conv_is_input1,
                                 scaled_operands, residual, output};
  convolution_chain(first, rows, second, store, window_rows, scratch);
}

inline void depthwise_conv_2d_then_depthwise_conv_2d(
    const DepthwiseConvParams& first, const int8_t* input, const int8_t* filter,
    const int32_t* bias, const DepthwiseConvParams& second, const int8_t* second_filter,
    const int32_t* second_bias, int8_t* output, int32_t window_rows, int8_t* scratch) {
  const DepthwiseConvRows rows = {input, filter, bias};
  const DepthwiseConvRowStore store = {second_filter, second_bias, output};
  convolution_chain(first, rows, second, store, window_rows, scratch);
}

}  // namespace mf

#endif  // MF_CONV_CHAIN_H
