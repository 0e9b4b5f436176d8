// mcuforge runtime: int16 LOGISTIC and TANH as TFLite's reference_integer_ops compute them (the
// LSTM's gates too). The input is rescaled so that 3 * 4096 units stand for 1.0; its magnitude
// indexes the 256-entry sigmoid(i / 24) table (0.16) with linear interpolation on the bits
// below the index, and the sign is restored by symmetry. tanh(x) = 2 sigmoid(2x) - 1 reads the
// same table at twice logistic's rate. Output scale 2^-15, zero point 0.
#ifndef MF_SIGMOID_INT16_H
#define MF_SIGMOID_INT16_H

#include <stdint.h>

namespace mf {

struct Sigmoid16Params {
  int32_t input_multiplier;
  int32_t input_right_shift;  // rounding
  int32_t size;
  const uint16_t* table;  // sigmoid(i / 24) in 0.16, i = 0..255
};

inline int32_t sigmoid16_rescale(int16_t x, int32_t multiplier, int32_t right_shift) {
  const int32_t round = right_shift > 0 ? 1 << (right_shift - 1) : 0;
  return (x * multiplier + round) >> right_shift;
}

// sigmoid(magnitude / 2^bits / 24) in 0.16 << bits, interpolated on the low `bits` bits;
// `saturated` past the table's last interval.
inline uint32_t sigmoid16_magnitude(const uint16_t* table, uint32_t magnitude, int bits,
                                    uint32_t saturated) {
  const uint32_t index = magnitude >> bits;
  if (index >= 255) return saturated;
  const uint32_t low = table[index];
  const uint32_t high = table[index + 1];
  return (low << bits) + (magnitude & ((1u << bits) - 1u)) * (high - low);
}

// x in units of 1 / (3 * 4096).
inline int16_t logistic16_value(const uint16_t* table, int32_t x) {
  const uint32_t magnitude = static_cast<uint32_t>(x >= 0 ? x : -x);
  // TFLite saturates LOGISTIC at 0.16's 65534 and TANH (below) at 65535.
  uint32_t result = sigmoid16_magnitude(table, magnitude, 9, 0x7FFFu << 10);
  // sigmoid(-x) = 1 - sigmoid(x); the rounding constant is one less for the negative side.
  result = x >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1u;
  return static_cast<int16_t>(result >> 10);
}

// x in units of 1 / (3 * 4096): the table is read with 8 interpolation bits (2x).
inline int16_t tanh16_value(const uint16_t* table, int32_t x) {
  const uint32_t magnitude = static_cast<uint32_t>(x >= 0 ? x : -x);
  const int32_t sigmoid =
      static_cast<int32_t>(sigmoid16_magnitude(table, magnitude, 8, 0xFFFFu << 8));
  // 2 sigmoid - 1 in Q0.15 << 8, rounded; tanh(-x) = -tanh(x).
  const int32_t result = x >= 0 ? sigmoid - (1 << 23) + (1 << 7)
                                : -sigmoid + (1 << 23) + (1 << 7) - 1;
  return static_cast<int16_t>(result >> 8);
}

inline void logistic_int16(const Sigmoid16Params& p, const int16_t* input, int16_t* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    output[i] = logistic16_value(
        p.table, sigmoid16_rescale(input[i], p.input_multiplier, p.input_right_shift));
  }
}

inline void tanh_int16(const Sigmoid16Params& p, const int16_t* input, int16_t* output) {
  for (int32_t i = 0; i < p.size; ++i) {
    output[i] = tanh16_value(
        p.table, sigmoid16_rescale(input[i], p.input_multiplier, p.input_right_shift));
  }
}

}  // namespace mf

#endif  // MF_SIGMOID_INT16_H
