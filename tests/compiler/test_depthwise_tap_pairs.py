"""The depthwise filter the compiler pre-pairs for the Cortex-M fast path's SMLAD loop."""

from __future__ import annotations

import numpy as np

from deploy_targets.compiler.ops.depthwise_conv import (
    filter_3x3_column_words,
    filter_tap_pair_words,
    tap_pair_bias,
)


def test_each_word_holds_two_taps_of_one_channel_low_half_first() -> None:
    rng = np.random.default_rng(0)
    filter_values = rng.integers(-128, 128, size=(1, 3, 3, 8))
    words = filter_tap_pair_words(filter_values).reshape(2, 5, 4)  # [group][pair][channel % 4]
    taps = filter_values.reshape(9, 8)
    for group in range(2):
        for pair in range(5):
            for k in range(4):
                word = int(words[group, pair, k]) & 0xFFFFFFFF
                low = (word & 0xFFFF) - (0x10000 if word & 0x8000 else 0)
                high = (word >> 16) - (0x10000 if word >> 31 else 0)
                assert low == taps[2 * pair, 4 * group + k]
                # Nine taps: the fifth pair's second tap is 0.
                assert high == (taps[2 * pair + 1, 4 * group + k] if pair < 4 else 0)
    assert words.min() >= -(2**31) and words.max() < 2**31  # emitted as int32_t


def test_an_even_tap_count_needs_no_zero_tap() -> None:
    words = filter_tap_pair_words(np.full((1, 2, 2, 4), -1))
    assert words.tolist() == [-1] * 8  # two pairs of (-1, -1) per channel: 0xFFFFFFFF


def test_the_tap_pair_bias_holds_the_input_offset_so_padding_taps_cancel() -> None:
    rng = np.random.default_rng(1)
    filter_values = rng.integers(-128, 128, size=(1, 3, 3, 8))
    bias = rng.integers(-(2**31), 2**31, size=8)
    offset = 128  # input zero point -128
    folded = tap_pair_bias(filter_values, bias, offset)
    taps = filter_values.reshape(9, 8).astype(np.int64)
    inputs = rng.integers(-128, 128, size=(9, 8))
    inputs[:3] = -offset  # a row over the padding reads the zero point
    inside = np.ones((9, 1), dtype=np.int64)
    inside[:3] = 0  # the reference skips those taps
    reference = ((inputs + offset) * taps * inside).sum(axis=0) + bias
    fast = (inputs * taps).sum(axis=0) + folded
    assert ((reference - fast) % 2**32 == 0).all()
    assert folded.min() >= -(2**31) and folded.max() < 2**31  # emitted as int32_t


def test_3x3_column_words_hold_rows_0_and_1_per_channel_and_row_2_per_channel_pair() -> None:
    rng = np.random.default_rng(2)
    filter_values = rng.integers(-128, 128, size=(1, 3, 3, 8))
    bias = rng.integers(-(2**31), 2**31, size=8)
    words = filter_3x3_column_words(filter_values, bias)
    assert words.shape == (2, 22)  # [group of 4 channels][word]
    assert words.min() >= -(2**31) and words.max() < 2**31  # emitted as int32_t

    def halves(word: int) -> tuple[int, int]:
        word &= 0xFFFFFFFF
        low, high = word & 0xFFFF, word >> 16
        return low - (low >> 15) * 0x10000, high - (high >> 15) * 0x10000

    taps = filter_values[0]  # [row][column][channel]
    for group in range(2):
        assert words[group, :4].tolist() == bias[4 * group : 4 * group + 4].tolist()
        for column in range(3):
            at = 4 + 6 * column
            for k in range(4):
                channel = 4 * group + k
                assert halves(int(words[group, at + k])) == (
                    taps[0, column, channel], taps[1, column, channel])
            # Row 2 pairs channels 0 with 2 and 1 with 3, for SMLABB / SMLATT.
            c = 4 * group
            assert halves(int(words[group, at + 4])) == (taps[2, column, c], taps[2, column, c + 2])
            assert halves(int(words[group, at + 5])) == (
                taps[2, column, c + 1], taps[2, column, c + 3])
