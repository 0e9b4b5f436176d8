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

// Longer chains (chain_fusion.py joins a third, fourth ... convolution onto a chain): MobileNet's
// first stages hold two large tensors at once with chains of two (48x48x8 into 48x48x16 into
// 24x24x16 on VWW), and only a chain of four keeps both out of memory.
//
// Each layer after the first computes its output rows from a window of its predecessor's
// rows, as convolution_chain does, but one row at a time on demand: a WindowedRows is the
// row source of the layer after it. Rows are asked for in increasing order, each once, so each
// window only moves forward. The windows lie at the byte offsets the compiler gives, the
// kernels' own scratch after all of them (it is used by one kernel call at a time).

inline void layer_kernel(const ConvParams& params, const int8_t* input, const int8_t* filter,
                         const int32_t* bias, int8_t* output, int8_t* scratch) {
  conv_2d(params, input, filter, bias, output, scratch);
}

inline void layer_kernel(const DepthwiseConvParams& params, const int8_t* input,
                         const int8_t* filter, const int32_t* bias, int8_t* output, int8_t*) {
  depthwise_conv_2d(params, input, filter, bias, output);
}

// The most input rows one output row of `layer` reads: its window's height (chain_fusion.py,
// window_rows).
template <class Params>
inline int32_t window_height(const Params& layer) {
  int32_t most = 0;
  for (int32_t y = 0; y < layer.output_height; ++y) {
    const int32_t top = y * layer.stride_height - layer.padding_height;
    const int32_t bottom = top + (layer.filter_height - 1) * layer.dilation_height;
    const int32_t rows = (bottom < layer.input_height ? bottom : layer.input_height - 1) -
                         (top < 0 ? 0 : top) + 1;
    if (rows > most) most = rows;
  }
  return most;
}

// Whether a layer reads its window as a ring: input row y in slot y % window_height, so that
// no row is moved when the window moves on. Only the depthwise fast path's column loop takes
// its rows from anywhere (fast::RingRows); the other kernels read whole tensors.
inline bool reads_window_as_ring(const ConvParams&) { return false; }

inline bool reads_window_as_ring(const DepthwiseConvParams& layer) {
#if MF_FAST_KERNELS
  return fast::columns_apply(layer);
#else
  (void)layer;
  return false;
#endif
}

// The one output row that `rows` (output_rows(layer, out_y, 1)) describes, its input rows in
// `ring`. Only called where reads_window_as_ring.
inline void ring_row_kernel(const ConvParams&, const fast::RingRows&, int8_t*) {}

inline void ring_row_kernel(const DepthwiseConvParams& rows, const fast::RingRows& ring,
                            int8_t* output) {
  fast::depthwise_row_by_columns(rows, ring, 0, output);
}

// The rows of a chain's first layer, which reads the whole input tensor.
template <class Params>
struct FirstLayerRows {
  const int8_t* input;
  const int8_t* filter;
  const int32_t* bias;
  void operator()(const Params& rows, int8_t* output, int8_t* scratch) const {
    layer_kernel(rows, input, filter, bias, output, scratch);
  }
};

// Output rows of `layer`, whose input rows come from `source` (the rows of `previous`).
template <class PreviousParams, class Source, class Params>
class WindowedRows {
 public:
  WindowedRows(const PreviousParams& previous, Source& source, const Params& layer,
               const int8_t* filter, const int32_t* bias, int8_t* window)
      : previous_(previous), source_(source), layer_(layer), filter_(filter), bias_(bias),
        window_(window), window_first_(0), window_last_(-1),
        ring_rows_(reads_window_as_ring(layer) ? window_height(layer) : 0) {}

  // `rows` is output_rows(layer, out_y, 1): one row, the next one asked for.
  void operator()(const Params& rows, int8_t* output, int8_t* scratch) {
    const int32_t row_bytes = previous_.output_width * previous_.output_depth;
    const int32_t top = -rows.padding_height;  // the input row the output row's filter starts on
    const int32_t bottom = top + (layer_.filter_height - 1) * layer_.dilation_height;
    const int32_t needed_first = top < 0 ? 0 : top;
    const int32_t needed_last =
        bottom < previous_.output_height ? bottom : previous_.output_height - 1;
    if (ring_rows_) {
      // The rows needed are at most ring_rows_ in a row, so in distinct slots; a new row
      // overwrites one above needed_first. Rows above it never computed are skipped.
      const int32_t first_new = window_last_ < needed_first ? needed_first : window_last_ + 1;
      for (int32_t y = first_new; y <= needed_last; ++y) {
        source_(output_rows(previous_, y, 1), window_ + y % ring_rows_ * row_bytes, scratch);
      }
      if (needed_last > window_last_) window_last_ = needed_last;
      const fast::RingRows ring = {window_, ring_rows_, row_bytes};
      ring_row_kernel(rows, ring, output);
      return;
    }
    if (needed_first <= window_last_) {
      memmove(window_, window_ + (needed_first - window_first_) * row_bytes,
              static_cast<size_t>((window_last_ - needed_first + 1) * row_bytes));
    } else {
      window_last_ = needed_first - 1;
    }
    window_first_ = needed_first;
    for (int32_t y = window_last_ + 1; y <= needed_last; ++y) {
      source_(output_rows(previous_, y, 1), window_ + (y - window_first_) * row_bytes, scratch);
    }
    if (needed_last > window_last_) window_last_ = needed_last;
    Params row = rows;
    row.input_height = window_last_ - window_first_ + 1;
    row.padding_height = window_first_ - top;
    layer_kernel(row, window_, filter_, bias_, output, scratch);
  }

 private:
  const PreviousParams& previous_;
  Source& source_;
  const Params& layer_;
  const int8_t* filter_;
  const int32_t* bias_;
  int8_t* window_;
  int32_t window_first_;  // the window holds rows window_first_ .. window_last_
  int32_t window_last_;
  int32_t ring_rows_;  // the ring's rows, or 0 where the window is moved instead
};

// No layer left: every row of the last one, in order, into the output tensor.
template <class LastParams, class Source>
inline void chain_layers(const LastParams& last, Source& source, int8_t* scratch,
                         int32_t kernel_scratch_offset, int8_t* output) {
  const int32_t row_bytes = last.output_width * last.output_depth;
  for (int32_t y = 0; y < last.output_height; ++y) {
    source(output_rows(last, y, 1), output + y * row_bytes, scratch + kernel_scratch_offset);
  }
}

// The next layer: its parameters, filter, bias and its window's offset in the scratch.
template <class PreviousParams, class Source, class Params, class... Rest>
inline void chain_layers(const PreviousParams& previous, Source& source, int8_t* scratch,
                         int32_t kernel_scratch_offset, const Params& layer,
                         const int8_t* filter, const int32_t* bias, int32_t window_offset,
                         const Rest&... rest) {
  WindowedRows<PreviousParams, Source, Params> rows(previous, source, layer, filter, bias,
                                                    scratch + window_offset);
  chain_layers(layer, rows, scratch, kernel_scratch_offset, rest...);
}

// The entry point: the scratch and where the kernels' own scratch starts in it, the first
// layer's (params, input, filter, bias), then (params, filter, bias, window offset) for each
// further layer, then the output.
template <class FirstParams, class... Rest>
inline void convolution_chain_n(int8_t* scratch, int32_t kernel_scratch_offset,
                                const FirstParams& first, const int8_t* input,
                                const int8_t* filter, const int32_t* bias,
                                const Rest&... rest) {
  FirstLayerRows<FirstParams> rows = {input, filter, bias};
  chain_layers(first, rows, scratch, kernel_scratch_offset, rest...);
}

}  // namespace mf

#endif  // MF_CONV_CHAIN_H
