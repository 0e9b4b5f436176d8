// mcuforge runtime: the inner dot products of conv, depthwise conv and fully connected layers.
// Each kernel's innermost loop is one call here, so an __ARM_FEATURE_DSP variant (SMLAD on
// SXTB16-unpacked pairs) can be slotted in beside the reference loop and tested against it.
#ifndef MF_DOT_PRODUCT_H
#define MF_DOT_PRODUCT_H

#include <stdint.h>

namespace mf {

// sum over i of filter[i] * (input[i] + input_offset), both read with unit stride.
inline int32_t dot_s8(const int8_t* input, const int8_t* filter, int32_t count,
                      int32_t input_offset) {
  int32_t acc = 0;
  for (int32_t i = 0; i < count; ++i) {
    acc += static_cast<int32_t>(filter[i]) * (static_cast<int32_t>(input[i]) + input_offset);
  }
  return acc;
}

// The same with a filter offset (fully connected layers allow a filter zero point).
inline int32_t dot_s8_offsets(const int8_t* input, const int8_t* filter, int32_t count,
                              int32_t input_offset, int32_t filter_offset) {
  int32_t acc = 0;
  for (int32_t i = 0; i < count; ++i) {
    acc += (static_cast<int32_t>(filter[i]) + filter_offset) *
           (static_cast<int32_t>(input[i]) + input_offset);
  }
  return acc;
}

}  // namespace mf

#endif  // MF_DOT_PRODUCT_H
