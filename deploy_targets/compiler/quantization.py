"""Fixed-point parameters exactly as TFLite's Prepare functions compute them.

Each helper repeats the float/double arithmetic of `tensorflow/lite/kernels/kernel_util.cc`
and `quantization_util.cc` in the same precision and order, because a last-bit difference in
a multiplier changes output bytes. The integer reference helpers below mirror
`kernels/internal/common.h` and are used by the unit tests.
"""

from __future__ import annotations

import math

import numpy as np

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1

_TYPE_RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}


def round_half_away(value: float) -> int:
    """std::round: halves go away from zero (Python's round() goes to even).

    >>> round_half_away(2.5), round_half_away(-2.5), round_half_away(2.4999)
    (3, -3, 2)
    """
    return int(math.floor(abs(value) + 0.5)) * (1 if value >= 0 else -1)


def quantize_multiplier(real_multiplier: float) -> tuple[int, int]:
    """TFLite's QuantizeMultiplier: real = multiplier * 2**(shift - 31), multiplier in Q0.31.

    >>> quantize_multiplier(0.5)
    (1073741824, 0)
    >>> quantize_multiplier(1.0 - 2.0 ** -33)  # rounds up to 1<<31, renormalised
    (1073741824, 1)
    >>> quantize_multiplier(0.0)
    (0, 0)
    """
    if real_multiplier == 0.0:
        return 0, 0
    fraction, shift = math.frexp(real_multiplier)
    fixed = round_half_away(fraction * (1 << 31))
    if fixed == 1 << 31:
        fixed //= 2
        shift += 1
    if shift < -31:
        shift, fixed = 0, 0
    return int(fixed), int(shift)


def activation_range(activation: str, scale: float, zero_point: int, dtype: str) -> tuple[int, int]:
    """CalculateActivationRangeQuantized: the fused activation as an integer clamp.

    >>> activation_range("RELU6", 0.05, -128, "int8")
    (-128, -8)
    """
    qmin, qmax = _TYPE_RANGES[dtype]
    scale32 = np.float32(scale)

    def quantize(value: float) -> int:
        return zero_point + round_half_away(float(np.float32(value) / scale32))

    if activation == "NONE":
        return qmin, qmax
    if activation == "RELU":
        return max(qmin, quantize(0.0)), qmax
    if activation == "RELU6":
        return max(qmin, quantize(0.0)), min(qmax, quantize(6.0))
    if activation == "RELU_N1_TO_1":
        return max(qmin, quantize(-1.0)), min(qmax, quantize(1.0))
    raise ValueError(f"fused activation {activation} has no integer range; "
                     "NONE, RELU, RELU6 and RELU_N1_TO_1 do")


def per_channel_multipliers(
    input_scale: float, filter_scales: tuple[float, ...], output_scale: float, channels: int
) -> tuple[list[int], list[int]]:
    """PopulateConvolutionQuantizationParams: one (multiplier, shift) per output channel.

    A per-tensor filter scale is broadcast to every channel, as TFLite does for int8 conv.
    """
    multipliers, shifts = [], []
    for channel in range(channels):
        filter_scale = filter_scales[channel] if len(filter_scales) > 1 else filter_scales[0]
        effective = float(input_scale) * float(filter_scale) / float(output_scale)
        multiplier, shift = quantize_multiplier(effective)
        multipliers.append(multiplier)
        shifts.append(shift)
    return multipliers, shifts


def per_tensor_conv_multiplier(
    input_scale: float, filter_scale: float, output_scale: float
) -> tuple[int, int]:
    """GetQuantizedConvolutionMultipler: note the input*filter product is taken in float32."""
    product = float(np.float32(input_scale) * np.float32(filter_scale))
    return quantize_multiplier(product / float(output_scale))


def add_multipliers(
    input1_scale: float, input2_scale: float, output_scale: float, left_shift: int = 20
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """ADD/SUB int8 Prepare: each input rescaled to twice the larger scale, 20 bits of headroom."""
    twice_max = float(np.float32(2) * np.float32(max(np.float32(input1_scale),
                                                         np.float32(input2_scale))))
    real_input1 = float(input1_scale) / twice_max
    real_input2 = float(input2_scale) / twice_max
    real_output = twice_max / float(np.float32(1 << left_shift) * np.float32(output_scale))
    return (quantize_multiplier(real_input1), quantize_multiplier(real_input2),
            quantize_multiplier(real_output))


def mul_multiplier(input1_scale: float, input2_scale: float, output_scale: float) -> tuple[int, int]:
    """MUL int8 Prepare as TFLite Micro does it: the scales widened to double first."""
    return quantize_multiplier(float(input1_scale) * float(input2_scale) / float(output_scale))


def downscale_to_int16(multiplier: int) -> int:
    """DownScaleInt32ToInt16Multiplier: a Q0.31 multiplier rounded to Q0.15.

    >>> downscale_to_int16(1 << 30), downscale_to_int16((1 << 31) - 1)
    (16384, 32767)
    """
    if multiplier >= (1 << 31) - 1 - (1 << 15):
        return (1 << 15) - 1
    return (multiplier + (1 << 15)) >> 16


def input_radius(integer_bits: int, left_shift: int, total_signed_bits: int = 31) -> int:
    """CalculateInputRadius: the largest |input| whose rescaled value does not saturate."""
    max_rescaled = (
        1.0 * ((1 << integer_bits) - 1) * (1 << (total_signed_bits - integer_bits))
        / (1 << left_shift)
    )
    return int(math.floor(max_rescaled))


def softmax_parameters(beta: float, input_scale: float) -> tuple[int, int, int]:
    """SOFTMAX int8 Prepare (PreprocessSoftmaxScaling, 5 integer bits): multiplier, shift, diff_min."""
    scaled_diff_integer_bits = 5
    real = min(float(beta) * float(input_scale) * (1 << (31 - scaled_diff_integer_bits)),
               float((1 << 31) - 1))
    multiplier, left_shift = quantize_multiplier(real)
    diff_min = -input_radius(scaled_diff_integer_bits, left_shift)
    return multiplier, left_shift, diff_min


def sigmoid_parameters(input_scale: float) -> tuple[int, int, int]:
    """LOGISTIC/TANH int8 Prepare: input in Q4.27 via frexp of scale * 2**27 (no renormalising)."""
    input_integer_bits = 4
    real = float(input_scale) * float(1 << (31 - input_integer_bits))
    fraction, left_shift = math.frexp(real)
    multiplier = round_half_away(fraction * (1 << 31))
    radius = input_radius(input_integer_bits, left_shift)
    return multiplier, left_shift, radius


# --- the integer primitives of kernels/internal/common.h, for tests and folding ---------------


def saturating_rounding_doubling_high_mul(a: int, b: int) -> int:
    """High 32 bits of 2*a*b, rounded to nearest (ties away from zero), saturating MIN*MIN."""
    if a == b == INT32_MIN:
        return INT32_MAX
    product = a * b
    nudge = (1 << 30) if product >= 0 else 1 - (1 << 30)
    total = product + nudge
    # C++ int64 division truncates toward zero.
    quotient = abs(total) // (1 << 31)
    return quotient if total >= 0 else -quotient


def rounding_divide_by_pot(x: int, exponent: int) -> int:
    """x / 2**exponent rounded to nearest, ties away from zero."""
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def multiply_by_quantized_multiplier(x: int, multiplier: int, shift: int) -> int:
    """The double-rounding requantization TFLite and TFLM use (TFLITE_SINGLE_ROUNDING unset)."""
    left_shift = shift if shift > 0 else 0
    right_shift = 0 if shift > 0 else -shift
    shifted = x * (1 << left_shift)
    shifted = (shifted + (1 << 31)) % (1 << 32) - (1 << 31)  # int32 wraps as in C++
    return rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(shifted, multiplier), right_shift)


def add_scaled_input(value: int, offset: int, multiplier: int, shift: int,
                     left_shift: int = 20) -> int:
    """One ADD/SUB input lifted by 2^left_shift and rescaled to the common scale (the part of
    TFLite's reference Add that depends on that input alone; mf::add_scaled_input)."""
    return multiply_by_quantized_multiplier((value + offset) * (1 << left_shift), multiplier,
                                            shift)


# Longest right shift whose output offset the fast path folds into its rounding constant
# (kMaxFoldedRightShift in runtime/mf/requantize_fast.h).
MAX_FOLDED_RIGHT_SHIFT = 22


def fast_requantizers(multipliers: list[int], shifts: list[int], output_offset: int
                      ) -> list[int] | None:
    """Four int32 words per channel for the Cortex-M fast path (mf::fast::ChannelRequantizer).

    multiplier, the low and high words of the rounding constant
    2^30 + 2^(30+r) + output_offset * 2^(31+r), and r - 1, for right shifts r = -shift; None
    unless every shift is a right shift of at most 22 (the kernels then compute each channel).
    """
    if any(shift >= 0 or -shift > MAX_FOLDED_RIGHT_SHIFT for shift in shifts):
        return None
    words: list[int] = []
    for multiplier, shift in zip(multipliers, shifts, strict=True):
        right = -shift
        rounding = (1 << 30) + (1 << (30 + right)) + output_offset * (1 << (31 + right))
        low = rounding & 0xFFFFFFFF
        words += [multiplier, low - (1 << 32) if low >= 1 << 31 else low, rounding >> 32,
                  right - 1]
    return words
