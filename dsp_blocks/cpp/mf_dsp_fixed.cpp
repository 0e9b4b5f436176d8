/* mcuforge DSP runtime: the audio blocks' fixed-point path (see mf_dsp_fixed.h). Integer
 * arithmetic only: 32-bit products of values below 2^15 and 2^16, so an ARMv6-M core (Cortex-M0+,
 * 32 x 32 -> 32 multiply only) runs it without a 64-bit multiply routine. */
#include "mf_dsp_fixed.h"

#include <string.h>

namespace {

/* log2(1 + i / 64) in Q16, i = 0..64. */
const uint16_t kLog2Table[64] = {
    0,     1466,  2909,  4331,  5732,  7112,  8473,  9814,  11136, 12440, 13727, 14996, 16248,
    17484, 18704, 19909, 21098, 22272, 23433, 24579, 25711, 26830, 27936, 29029, 30109, 31178,
    32234, 33279, 34312, 35334, 36346, 37346, 38336, 39316, 40286, 41246, 42196, 43137, 44068,
    44990, 45904, 46809, 47705, 48593, 49472, 50344, 51207, 52063, 52911, 53751, 54584, 55410,
    56229, 57040, 57845, 58643, 59434, 60219, 60997, 61769, 62534, 63294, 64047, 64794};
const int32_t kLog2One = 65536;  // entry 64

/* (a w + 2^29) >> 30: a product with a Q30 twiddle, rounded. */
MF_DSP_ALWAYS_INLINE int64_t wide(int32_t a, int32_t w) {
    return static_cast<int64_t>(a) * w;
}
/* a w / 2 rounded, w a Q31 twiddle: the high word of a 64-bit product (SMULL on ARMv7-M) with
 * the rounding bit added; rounded, not truncated, so no bias builds up over the stages. */
MF_DSP_ALWAYS_INLINE int32_t half_product(int32_t a, int32_t w) {
    return static_cast<int32_t>((wide(a, w) + (static_cast<int64_t>(1) << 31)) >> 32);
}

MF_DSP_ALWAYS_INLINE int32_t q30_round(int64_t product) {
    return static_cast<int32_t>((product + (1 << 29)) >> 30);
}

/* The bits of a float. A union, not memcpy: an ARMv6-M build at -Os calls memcpy for 4 bytes. */
MF_DSP_ALWAYS_INLINE uint32_t float_bits(const float *value) {
    union {
        float f;
        uint32_t u;
    } pun;
    pun.f = *value;
    return pun.u;
}

/* x 2^(127 + bits - 1 - E) rounded, E the biased exponent of the frame's largest magnitude, from
 * the bits of the float: `top` = E + 24 - bits, the right shift that a sample of exponent E
 * needs (the largest magnitude lands in [2^(bits-1), 2^bits)). */
MF_DSP_ALWAYS_INLINE int32_t sample_to_fixed(const float *sample, int top) {
    const uint32_t bits = float_bits(sample);
    int shift = top - static_cast<int>((bits >> 23) & 0xFFu);
    if (shift > 25) shift = 25;  // 24-bit mantissas: 0 from a shift of 25 on
    if (shift < 1) shift = 1;    // not reached: top - E >= 24 - bits >= 1
    const uint32_t mantissa = (bits & 0x007FFFFFu) | 0x00800000u;
    /* (m + 2^(s-1)) >> s, rounded, as ((m >> (s-1)) + 1) >> 1: the same value, fewer steps. */
    const int32_t value = static_cast<int32_t>(((mantissa >> (shift - 1)) + 1u) >> 1);
    const int32_t sign = static_cast<int32_t>(bits) >> 31;  // 0 or -1
    return (value ^ sign) - sign;
}

MF_DSP_ALWAYS_INLINE int32_t q15_round(int64_t product) {
    return static_cast<int32_t>((product + 16384) >> 15);
}

/* Where load_frame leaves a frame: its exponent S (values are y 2^S; below -1000 for a frame of
 * zeros) and the sum of its squared values (bounding every |2X|^2 by Parseval). */
struct LoadedFrame {
    int exponent;
    uint64_t squares;
};

/* Pre-emphasis in Q15 (`emphasis` false: none, skipped), window in Q30 (rounded), points
 * z[k] = y[2k] + i y[2k+1] written to their bit-reversed positions, zeros past the frame.
 * Samples below 2^bits, pre-emphasised and windowed below 2^(bits+1). */
template <bool emphasis>
LoadedFrame load_frame(const mf_dsp_frame_samples *frame, const mf_dsp_fixed_tables *tables,
                       int m, const uint16_t *bit_reversed, int bits, int32_t *buffer) {
    const float *x = frame->samples;
    const int length = frame->config->frame_length;
    LoadedFrame loaded = {-10000, 0};
    uint32_t largest = emphasis ? float_bits(&frame->previous) & 0x7FFFFFFFu : 0;
    for (int n = 0; n < length; ++n) {
        const uint32_t magnitude_bits = float_bits(&x[n]) & 0x7FFFFFFFu;
        if (magnitude_bits > largest) largest = magnitude_bits;
    }
    if (largest < 0x00800000u) return loaded;  // zeros (or subnormals: powers far below 1e-10)
    const int exponent = static_cast<int>(largest >> 23);
    const int top = exponent + 24 - bits;
    const int32_t c = tables->pre_emphasis;
    const int32_t *window = tables->window;
    int32_t previous = emphasis ? sample_to_fixed(&frame->previous, top) : 0;
    int64_t squares = 0;
    int n = 0;
    for (; n + 2 <= length; n += 2) {
        int32_t y0 = sample_to_fixed(&x[n], top);
        int32_t y1 = sample_to_fixed(&x[n + 1], top);
        if (emphasis) {
            const int32_t x0 = y0;
            y0 -= q15_round(wide(c, previous));
            y1 -= q15_round(wide(c, x0));
            previous = y1 + q15_round(wide(c, x0));  // x1
        }
        int32_t *point = &buffer[2 * bit_reversed[n >> 1]];
        const int32_t re = q30_round(wide(y0, window[n]));
        const int32_t im = q30_round(wide(y1, window[n + 1]));
        point[0] = re;
        point[1] = im;
        squares += wide(re, re);  // two multiply-accumulates (SMLAL), no 64-bit add
        squares += wide(im, im);
    }
    int k = n >> 1;
    if (n < length) {  // odd frame length: the last sample pairs with a zero
        int32_t y0 = sample_to_fixed(&x[n], top);
        if (emphasis) y0 -= q15_round(wide(c, previous));
        int32_t *point = &buffer[2 * bit_reversed[k]];
        point[0] = q30_round(wide(y0, window[n]));
        point[1] = 0;
        squares += wide(point[0], point[0]);
        ++k;
    }
    for (; k < m; ++k) {
        int32_t *point = &buffer[2 * bit_reversed[k]];
        point[0] = 0;
        point[1] = 0;
    }
    loaded.exponent = 127 + bits - 1 - exponent;
    loaded.squares = static_cast<uint64_t>(squares);
    return loaded;
}

/* Radix-2 stage of span 2 (log2 of the point count odd): adds only. */
void radix2_first_stage(int32_t *data, int m) {
    for (int i = 0; i < m; i += 2) {
        int32_t *p = &data[2 * i];
        const int32_t a_re = p[0], a_im = p[1], b_re = p[2], b_im = p[3];
        p[0] = a_re + b_re;
        p[1] = a_im + b_im;
        p[2] = a_re - b_re;
        p[3] = a_im - b_im;
    }
}

/* The float path's radix-4 stage (mf_dsp_fft.cpp) on int32 with Q31 twiddles, every output
 * halved: the products are the high words of 64-bit ones (a w / 2), and a0 is halved to match.
 * `halve` false: the first stage, whose twiddles are all 1 (adds only, nothing halved). A
 * stage's outputs are at most twice its inputs' magnitude (4 without halving). */
template <bool halve>
void radix4_stage(int32_t *data, int m, int quarter, const int32_t *twiddles, int stride) {
    const int span = 4 * quarter;
    for (int j = 0; j < quarter; ++j) {
        const int32_t *w1 = &twiddles[2 * j * stride];
        const int32_t *w2 = &twiddles[4 * j * stride];
        const int32_t *w3 = &twiddles[6 * j * stride];
        const int32_t w1_re = w1[0], w1_im = w1[1];
        const int32_t w2_re = w2[0], w2_im = w2[1];
        const int32_t w3_re = w3[0], w3_im = w3[1];
        for (int start = j; start < m; start += span) {
            int32_t *p0 = &data[2 * start];
            int32_t *p1 = p0 + 2 * quarter;
            int32_t *p2 = p1 + 2 * quarter;
            int32_t *p3 = p2 + 2 * quarter;
            int32_t a0_re = p0[0], a0_im = p0[1];
            int32_t c1_re = p1[0], c1_im = p1[1], c2_re = p2[0], c2_im = p2[1];
            int32_t c3_re = p3[0], c3_im = p3[1];
            if (halve) {
                a0_re >>= 1;
                a0_im >>= 1;
                if (j != 0) {
                    const int32_t a1_re = c1_re, a1_im = c1_im, a2_re = c2_re, a2_im = c2_im;
                    const int32_t a3_re = c3_re, a3_im = c3_im;
                    c1_re = half_product(a1_re, w2_re) - half_product(a1_im, w2_im);
                    c1_im = half_product(a1_re, w2_im) + half_product(a1_im, w2_re);
                    c2_re = half_product(a2_re, w1_re) - half_product(a2_im, w1_im);
                    c2_im = half_product(a2_re, w1_im) + half_product(a2_im, w1_re);
                    c3_re = half_product(a3_re, w3_re) - half_product(a3_im, w3_im);
                    c3_im = half_product(a3_re, w3_im) + half_product(a3_im, w3_re);
                } else {  // every twiddle 1
                    c1_re >>= 1;
                    c1_im >>= 1;
                    c2_re >>= 1;
                    c2_im >>= 1;
                    c3_re >>= 1;
                    c3_im >>= 1;
                }
            }
            const int32_t s0_re = a0_re + c1_re, s0_im = a0_im + c1_im;
            const int32_t d0_re = a0_re - c1_re, d0_im = a0_im - c1_im;
            const int32_t s1_re = c2_re + c3_re, s1_im = c2_im + c3_im;
            const int32_t d1_re = c2_re - c3_re, d1_im = c2_im - c3_im;
            p0[0] = s0_re + s1_re;
            p0[1] = s0_im + s1_im;
            p2[0] = s0_re - s1_re;
            p2[1] = s0_im - s1_im;
            p1[0] = d0_re + d1_im;
            p1[1] = d0_im - d1_re;
            p3[0] = d0_re - d1_im;
            p3[1] = d0_im + d1_re;
        }
    }
}

/* |v|^2 as uint64 (below 2^62 for components below 2^30.5). */
MF_DSP_ALWAYS_INLINE uint64_t power_of(int32_t re, int32_t im) {
    return static_cast<uint64_t>(wide(re, re) + wide(im, im));
}

/* Stores a power / 2^shift, rounded, in the buffer's slots 2k and 2k + 1 as one uint64. */
MF_DSP_ALWAYS_INLINE void store_power(int32_t *slot, uint64_t power, int shift, uint64_t half) {
    const uint64_t scaled = (power + half) >> shift;
    memcpy(slot, &scaled, sizeof scaled);
}

/* The split step of mf_dsp_fft.cpp, X[k] = ((Z[k] + conj Z[M-k]) + W^k (-i) (Z[k] - conj Z[M-k]))
 * / 2; power[k] = |2X[k]|^2 / 2^shift, rounded (uint64, the buffer's slots 2k and 2k + 1 as
 * one). */
void split_power(int32_t *buffer, int m, const int32_t *split, int shift) {
    const int32_t z0_re = buffer[0], z0_im = buffer[1];
    const uint64_t half = shift ? static_cast<uint64_t>(1) << (shift - 1) : 0;
    for (int k = 1; 2 * k < m; ++k) {
        int32_t *low = &buffer[2 * k];
        int32_t *high = &buffer[2 * (m - k)];
        const int32_t a = low[0], b = low[1], c = high[0], d = high[1];
        const int32_t e_re = a + c, e_im = b - d;
        const int32_t o_re = b + d, o_im = c - a;
        const int32_t w_re = split[2 * k], w_im = split[2 * k + 1];
        const int32_t b_re = q30_round(wide(w_re, o_re) - wide(w_im, o_im));
        const int32_t b_im = q30_round(wide(w_re, o_im) + wide(w_im, o_re));
        store_power(low, power_of(e_re + b_re, e_im + b_im), shift, half);
        store_power(high, power_of(e_re - b_re, e_im - b_im), shift, half);
    }
    if (m >= 2) {  // 2X[M/2] = 2 conj Z[M/2]
        store_power(&buffer[m], power_of(2 * buffer[m], 2 * buffer[m + 1]), shift, half);
    }
    store_power(&buffer[0], power_of(2 * (z0_re + z0_im), 0), shift, half);
    store_power(&buffer[2 * m], power_of(2 * (z0_re - z0_im), 0), shift, half);
}

}  // namespace

int32_t mf_dsp_fixed_log2(uint32_t high, uint32_t low) {
    int exponent;
    uint32_t mantissa;  // in [2^31, 2^32)
    if (high) {
        const int zeros = __builtin_clz(high);
        exponent = 63 - zeros;
        mantissa = zeros ? (high << zeros) | (low >> (32 - zeros)) : high;
    } else {
        const int zeros = __builtin_clz(low);
        exponent = 31 - zeros;
        mantissa = low << zeros;
    }
    const int index = static_cast<int>((mantissa >> 25) & 63u);
    const int32_t fraction = static_cast<int32_t>((mantissa >> 9) & 0xFFFFu);
    const int32_t t0 = kLog2Table[index];
    const int32_t t1 = index < 63 ? kLog2Table[index + 1] : kLog2One;
    return exponent * 65536 + t0 + (((t1 - t0) * fraction) >> 16);
}

void mf_dsp_fixed_log2_mel(const mf_dsp_frame_samples *frame, const mf_dsp_real_fft *plan,
                           const mf_dsp_mel_config *mel, const mf_dsp_fixed_tables *tables,
                           int32_t *buffer, int32_t *log2_energies) {
    const int m = plan->length / 2;
    const int n_filters = mel->n_filters;
    /* Stages as in mf_dsp_real_fft_power: a first one of adds (radix 4, or radix 2 when log2(M)
     * is odd), then radix-4 stages that halve their outputs. */
    int log2_m = 0;
    while ((1 << log2_m) < m) ++log2_m;
    const bool radix4_first = (log2_m % 2) == 0 && m >= 4;
    const int first_span = radix4_first ? 4 : 2;
    int halving_stages = 0;
    for (int span = first_span; span < m; span *= 4) ++halving_stages;
    /* Samples below 2^bits, windowed (and pre-emphasised) below 2^(bits+1): the transform grows
     * the moduli (sqrt(2) times that) by at most M / 2^halving_stages, and the split step's
     * |2X| <= 4 max |Z|: below 2^(bits + 3.5 + log2(M) - halving_stages) <= 2^31. At most 23
     * bits (a float's mantissa is 24). */
    int bits = 27 - log2_m + halving_stages;
    if (bits > 23) bits = 23;
    const LoadedFrame loaded =
        tables->pre_emphasis != 0
            ? load_frame<true>(frame, tables, m, plan->bit_reversed, bits, buffer)
            : load_frame<false>(frame, tables, m, plan->bit_reversed, bits, buffer);
    if (loaded.exponent < -1000) {
        for (int f = 0; f < n_filters; ++f) log2_energies[f] = MF_DSP_FIXED_LOG2_FLOOR_Q16;
        return;
    }
    if (radix4_first) {
        radix4_stage<false>(buffer, m, 1, tables->twiddles, m / 4);
    } else {
        radix2_first_stage(buffer, m);
    }
    for (int span = first_span; span < m; span *= 4) {
        radix4_stage<true>(buffer, m, span, tables->twiddles, m / (4 * span));
    }
    const int frame_exponent = loaded.exponent - halving_stages;
    /* A filter's integer weights sum below 2^16, so its sum fits in 64 bits when the powers are
     * below 2^48. By Parseval, |2X[k]|^2 <= 4 N (the frame's squares) / 4^halving_stages: the
     * powers are shifted right (rounded) by what that exceeds 2^48, which keeps the quietest bins
     * of a loud frame (a fixed shift for the worst case would round away those 100 dB below). */
    const uint64_t bound = loaded.squares >> (2 * halving_stages);
    const uint32_t bound_high = static_cast<uint32_t>(bound >> 32);
    const int bound_bits = (bound_high ? 64 - __builtin_clz(bound_high) : 32) + 2 + log2_m + 1;
    const int power_shift = bound_bits > 48 ? bound_bits - 48 : 0;
    split_power(buffer, m, tables->split, power_shift);

    /* power = 4 |X|^2 2^(2S - shift); the filterbank's integer weights are w / largest 2^q. */
    const int32_t offset = tables->log2_scale_q16 - 65536 * (2 * frame_exponent - power_shift + 2);
    const uint16_t *weight = tables->mel_weights;
    for (int f = 0; f < n_filters; ++f) {
        const int32_t *bin = &buffer[2 * mel->start_bin[f]];
        const int n_bins = mel->n_bins[f];
        uint64_t sum = 0;
        for (int i = 0; i < n_bins; ++i) {
            uint64_t power;
            memcpy(&power, &bin[2 * i], sizeof power);
            sum += power * weight[i];
        }
        weight += n_bins;
        int32_t result = MF_DSP_FIXED_LOG2_FLOOR_Q16;
        if (sum) {
            result = mf_dsp_fixed_log2(static_cast<uint32_t>(sum >> 32),
                                       static_cast<uint32_t>(sum)) + offset;
            if (result < MF_DSP_FIXED_LOG2_FLOOR_Q16) result = MF_DSP_FIXED_LOG2_FLOOR_Q16;
        }
        log2_energies[f] = result;
    }
}
