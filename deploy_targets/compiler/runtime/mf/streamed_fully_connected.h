// mcuforge runtime: a convolution whose only consumer is a FULLY_CONNECTED (through a
// reshape), run so that the convolution's output never exists whole.
//
// The convolution computes a band of output rows at a time into scratch, with its own kernel
// and unchanged arithmetic (the band is the whole layer with output_height = band rows and
// the padding moved so its first row is the band's first row); each band's products are added
// to the fully connected layer's int32 sums at once. A sum of integers does not depend on the
// order of its terms, so after the last band each sum is the one the whole-tensor kernel
// computes, and the bias, requantization and clamp are the same. No partial sum can overflow
// where the whole one does not: every term is at most 255 * 255 in magnitude, and the layer
// has fewer than 2^31 / 255^2 = 33025 inputs per output (checked when compiling).
#ifndef MF_STREAMED_FULLY_CONNECTED_H
#define MF_STREAMED_FULLY_CONNECTED_H

#include <stdint.h>

#include "mf/conv_rows.h"
#include "mf/dot_product.h"
#include "mf/fully_connected_fast.h"
#include "mf/fully_connected_params.h"
#include "mf/simd.h"

namespace mf {

// sums[channel] += the products of the `count` band inputs with their weights in each output
// channel's row (weights[channel * accum_depth ...]).
inline void accumulate_band(const FullyConnectedParams& fc, const int8_t* band, int32_t count,
                            const int8_t* weights, int32_t* sums) {
#if MF_FAST_KERNELS
  // Two channels per pass of the fast path's SMLAD loop over the band.
  FullyConnectedParams slice = fc;
  slice.accum_depth = count;
  int32_t channel = 0;
  for (; channel + 2 <= fc.output_depth; channel += 2) {
    fast::dot_s8_pair(slice, band, weights + channel * fc.accum_depth,
                      weights + (channel + 1) * fc.accum_depth, &sums[channel],
                      &sums[channel + 1]);
  }
  if (channel < fc.output_depth) {
    int32_t unused = 0;
    const int8_t* row = weights + channel * fc.accum_depth;
    fast::dot_s8_pair(slice, band, row, row, &sums[channel], &unused);
  }
#else
  for (int32_t channel = 0; channel < fc.output_depth; ++channel) {
    sums[channel] += dot_s8_offsets(band, weights + channel * fc.accum_depth, count,
                                    fc.input_offset, fc.filter_offset);
  }
#endif
}

// Scratch: fc.output_depth int32 sums, then the band (band_rows output rows, rounded up to a
// whole word), then whatever the convolution's own kernel needs (`band_kernel` gets it).
// `fc.batches` is 1: the convolution's output is the layer's one input vector.
template <class LayerParams, class BandKernel>
inline void stream_into_fully_connected(const LayerParams& layer, const BandKernel& band_kernel,
                                        int32_t band_rows, const FullyConnectedParams& fc,
                                        const int8_t* fc_filter, const int32_t* fc_bias,
                                        int8_t* output, int8_t* scratch) {
  int32_t* sums = reinterpret_cast<int32_t*>(scratch);
  const int32_t row_bytes = layer.output_width * layer.output_depth;
  int8_t* band = scratch + 4 * fc.output_depth;
  int8_t* kernel_scratch = band + (band_rows * row_bytes + 3) / 4 * 4;
  for (int32_t channel = 0; channel < fc.output_depth; ++channel) sums[channel] = 0;
  for (int32_t first_row = 0; first_row < layer.output_height; first_row += band_rows) {
    const int32_t left = layer.output_height - first_row;
    const LayerParams rows = output_rows(layer, first_row, left < band_rows ? left : band_rows);
    band_kernel(rows, band, kernel_scratch);
    const int32_t band_bytes = rows.output_height * row_bytes;
    accumulate_band(fc, band, band_bytes, fc_filter + first_row * row_bytes, sums);
  }
  for (int32_t channel = 0; channel < fc.output_depth; ++channel) {
    const int32_t acc = sums[channel] + (fc_bias ? fc_bias[channel] : 0);
    output[channel] = fully_connected_requantize(fc, acc, channel);
  }
}

// DEPTHWISE_CONV_2D -> (RESHAPE) -> FULLY_CONNECTED.
inline void depthwise_conv_2d_into_fully_connected(
    const DepthwiseConvParams& p, const int8_t* input, const int8_t* filter,
    const int32_t* bias, const FullyConnectedParams& fc, const int8_t* fc_filter,
    const int32_t* fc_bias, int8_t* output, int32_t band_rows, int8_t* scratch) {
  const DepthwiseConvRows band_kernel = {input, filter, bias};
  stream_into_fully_connected(p, band_kernel, band_rows, fc, fc_filter, fc_bias, output,
                              scratch);
}

// CONV_2D -> (RESHAPE) -> FULLY_CONNECTED; the scratch ends with the convolution's own.
inline void conv_2d_into_fully_connected(const ConvParams& p, const int8_t* input,
                                         const int8_t* filter, const int32_t* bias,
                                         const FullyConnectedParams& fc,
                                         const int8_t* fc_filter, const int32_t* fc_bias,
                                         int8_t* output, int32_t band_rows, int8_t* scratch) {
  const ConvRows band_kernel = {input, filter, bias};
  stream_into_fully_connected(p, band_kernel, band_rows, fc, fc_filter, fc_bias, output,
                              scratch);
}

}  // namespace mf

#endif  // MF_STREAMED_FULLY_CONNECTED_H
