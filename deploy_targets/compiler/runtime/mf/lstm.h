// mcuforge runtime: int8 UNIDIRECTIONAL_SEQUENCE_LSTM as TFLite Micro computes it (its integer
// LSTM, kernels/lstm_eval): each gate is two fully connected layers (input, hidden state) to
// int16 in Q3.12, added with saturation, then sigmoid or tanh to Q0.15 through the 256-entry
// sigmoid table with linear interpolation; the cell state is int16 with a power-of-two scale,
// the hidden state int8. The hidden and cell state persist between invocations: the generated
// library keeps them in static arrays that its reset function returns to zero.
#ifndef MF_LSTM_H
#define MF_LSTM_H

#include <stdint.h>
#include <string.h>

#include "mf/dot_product.h"
#include "mf/fixed_point.h"
#include "mf/sigmoid_int16.h"

namespace mf {

// One gate: its weights on the input and on the hidden state, its bias, and the requantization
// of each product to the Q3.12 gate input.
struct LstmGate {
  const int8_t* input_weights;      // [state_size][input_size]
  const int8_t* recurrent_weights;  // [state_size][state_size]
  const int32_t* bias;              // [state_size]
  int32_t input_multiplier;
  int32_t input_shift;
  int32_t recurrent_multiplier;
  int32_t recurrent_shift;
};

struct LstmParams {
  int32_t batches;
  int32_t time_steps;
  int32_t input_size;
  int32_t state_size;
  int32_t time_major;  // input [time][batch][input] rather than [batch][time][input]
  int32_t input_offset;   // -(input zero point)
  int32_t hidden_offset;  // -(hidden state zero point)
  const LstmGate* forget_gate;
  const LstmGate* input_gate;
  const LstmGate* cell_gate;
  const LstmGate* output_gate;
  // forget gate (Q0.15) x cell state -> cell state
  int32_t forget_cell_multiplier;
  int32_t forget_cell_shift;
  // input gate (Q0.15) x cell gate (Q0.15) -> cell state
  int32_t input_cell_multiplier;
  int32_t input_cell_shift;
  // tanh(cell state) (Q0.15) x output gate (Q0.15) -> int8 hidden state
  int32_t hidden_multiplier;
  int32_t hidden_shift;
  int32_t hidden_zero_point;
  int32_t cell_clip_enabled;
  int32_t cell_clip;  // quantized, applied as [-cell_clip, cell_clip]
  int32_t cell_scale_power;  // cell state scale = 2^cell_scale_power
  const uint16_t* sigmoid_table;  // sigmoid(i / 24) in 0.16, i = 0..255
};

inline int16_t saturate_int16(int32_t x) { return static_cast<int16_t>(clamp_i32(x, -32768, 32767)); }

// reference_integer_ops::Logistic on int16 with input_multiplier 3 (a Q3.12 input).
inline void lstm_sigmoid(const uint16_t* table, int16_t* data, int32_t size) {
  for (int32_t i = 0; i < size; ++i) data[i] = logistic16_value(table, data[i] * 3);
}

// reference_integer_ops::Tanh on int16: x * multiplier, rounded right by `right_shift`.
inline void lstm_tanh(const uint16_t* table, int32_t multiplier, int32_t right_shift,
                      const int16_t* input, int16_t* output, int32_t size) {
  for (int32_t i = 0; i < size; ++i) {
    output[i] = tanh16_value(table, sigmoid16_rescale(input[i], multiplier, right_shift));
  }
}

// The tanh of a value with scale 2^scale_power, as lstm_eval's Tanh derives its parameters.
inline void lstm_tanh_of_scale(const uint16_t* table, int32_t scale_power, const int16_t* input,
                               int16_t* output, int32_t size) {
  const int32_t left_shift = 15 + scale_power - 3;
  if (left_shift < 0) {
    lstm_tanh(table, 3, -left_shift, input, output, size);
  } else {
    lstm_tanh(table, 3 << left_shift, 0, input, output, size);
  }
}

// rows x (weights . (vector + offset)) [+ bias], requantized and saturated to int16.
inline void lstm_fully_connected(const int8_t* weights, const int32_t* bias, int32_t multiplier,
                                 int32_t shift, int32_t offset, const int8_t* vector,
                                 int32_t depth, int32_t rows, int32_t batches, int16_t* out) {
  for (int32_t b = 0; b < batches; ++b) {
    const int8_t* v = vector + b * depth;
    for (int32_t r = 0; r < rows; ++r) {
      int32_t acc = dot_s8(v, weights + r * depth, depth, offset);
      if (bias) acc += bias[r];
      out[b * rows + r] =
          saturate_int16(multiply_by_quantized_multiplier(acc, multiplier, shift));
    }
  }
}

inline void lstm_gate(const LstmParams& p, const LstmGate& g, const int8_t* input,
                      const int8_t* hidden, int32_t batches, int32_t tanh_activation,
                      int16_t* gate, int16_t* recurrent) {
  const int32_t size = batches * p.state_size;
  lstm_fully_connected(g.input_weights, g.bias, g.input_multiplier, g.input_shift,
                       p.input_offset, input, p.input_size, p.state_size, batches, gate);
  lstm_fully_connected(g.recurrent_weights, 0, g.recurrent_multiplier, g.recurrent_shift,
                       p.hidden_offset, hidden, p.state_size, p.state_size, batches, recurrent);
  for (int32_t i = 0; i < size; ++i) gate[i] = saturate_int16(gate[i] + recurrent[i]);
  if (tanh_activation) {
    lstm_tanh_of_scale(p.sigmoid_table, -12, gate, gate, size);  // Q3.12: no shift
  } else {
    lstm_sigmoid(p.sigmoid_table, gate, size);
  }
}

// One time step for `batches` rows of input; `scratch` holds 4 x batches x state_size int16.
inline void lstm_step(const LstmParams& p, const int8_t* input, int8_t* hidden, int16_t* cell,
                      int8_t* output, int32_t batches, int16_t* scratch) {
  const int32_t size = batches * p.state_size;
  int16_t* forget = scratch;
  int16_t* input_gate = scratch + size;
  int16_t* cell_gate = scratch + 2 * size;
  int16_t* work = scratch + 3 * size;
  lstm_gate(p, *p.forget_gate, input, hidden, batches, 0, forget, work);
  lstm_gate(p, *p.input_gate, input, hidden, batches, 0, input_gate, work);
  lstm_gate(p, *p.cell_gate, input, hidden, batches, 1, cell_gate, work);
  for (int32_t i = 0; i < size; ++i) {
    const int32_t kept = saturate_int16(multiply_by_quantized_multiplier(
        forget[i] * cell[i], p.forget_cell_multiplier, p.forget_cell_shift));
    const int32_t added = saturate_int16(multiply_by_quantized_multiplier(
        input_gate[i] * cell_gate[i], p.input_cell_multiplier, p.input_cell_shift));
    int32_t updated = saturate_int16(kept + added);
    if (p.cell_clip_enabled) updated = clamp_i32(updated, -p.cell_clip, p.cell_clip);
    cell[i] = static_cast<int16_t>(updated);
  }
  // The output gate reads the hidden state before this step updates it.
  int16_t* output_gate = input_gate;
  lstm_gate(p, *p.output_gate, input, hidden, batches, 0, output_gate, work);
  int16_t* cell_tanh = forget;
  lstm_tanh_of_scale(p.sigmoid_table, p.cell_scale_power, cell, cell_tanh, size);
  for (int32_t i = 0; i < size; ++i) {
    const int32_t value = p.hidden_zero_point + multiply_by_quantized_multiplier(
        cell_tanh[i] * output_gate[i], p.hidden_multiplier, p.hidden_shift);
    hidden[i] = static_cast<int8_t>(clamp_i32(value, -128, 127));
  }
  memcpy(output, hidden, static_cast<size_t>(size));
}

// The whole sequence. `hidden` and `cell` are the persistent state ([batches][state_size]).
inline void unidirectional_sequence_lstm(const LstmParams& p, const int8_t* input,
                                         int8_t* hidden, int16_t* cell, int8_t* output,
                                         int8_t* scratch) {
  int16_t* buffers = reinterpret_cast<int16_t*>(scratch);
  if (p.time_major) {
    // Each time step runs every batch row at once.
    for (int32_t t = 0; t < p.time_steps; ++t) {
      lstm_step(p, input + t * p.batches * p.input_size, hidden, cell,
                output + t * p.batches * p.state_size, p.batches, buffers);
    }
    return;
  }
  for (int32_t b = 0; b < p.batches; ++b) {
    for (int32_t t = 0; t < p.time_steps; ++t) {
      const int32_t row = b * p.time_steps + t;
      lstm_step(p, input + row * p.input_size, hidden + b * p.state_size,
                cell + b * p.state_size, output + row * p.state_size, 1, buffers);
    }
  }
}

}  // namespace mf

#endif  // MF_LSTM_H
