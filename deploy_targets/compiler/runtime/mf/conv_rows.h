// mcuforge runtime: a convolution's output rows computed on their own, by the layer's own
// kernel on a copy of its parameters that describes just those rows (output_height = their
// count, the padding moved so the first of them is row 0); every value is the one the
// whole-tensor call computes. What the row-by-row fusions (streamed_fully_connected.h,
// conv_chain.h) are built from.
#ifndef MF_CONV_ROWS_H
#define MF_CONV_ROWS_H

#include <stdint.h>

#include "mf/conv.h"
#include "mf/depthwise_conv.h"

namespace mf {

// Parameters of output rows first_row .. first_row + count - 1 of `layer` (ConvParams or
// DepthwiseConvParams), written from the output pointer on.
template <class Params>
inline Params output_rows(const Params& layer, int32_t first_row, int32_t count) {
  Params rows = layer;
  rows.output_height = count;
  rows.padding_height = layer.padding_height - first_row * layer.stride_height;
  return rows;
}

// A CONV_2D's rows; `scratch` is its fast path's column buffer.
struct ConvRows {
  const int8_t* input;
  const int8_t* filter;
  const int32_t* bias;
  void operator()(const ConvParams& rows, int8_t* output, int8_t* scratch) const {
    conv_2d(rows, input, filter, bias, output, scratch);
  }
};

// A DEPTHWISE_CONV_2D's rows (it needs no scratch).
struct DepthwiseConvRows {
  const int8_t* input;
  const int8_t* filter;
  const int32_t* bias;
  void operator()(const DepthwiseConvParams& rows, int8_t* output, int8_t*) const {
    depthwise_conv_2d(rows, input, filter, bias, output);
  }
};

}  // namespace mf

#endif  // MF_CONV_ROWS_H
