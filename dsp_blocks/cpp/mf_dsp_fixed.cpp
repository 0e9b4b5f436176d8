/* mcuforge DSP runtime: the audio blocks' fixed-point path (see mf_dsp_fixed.h). Integer
 * arithmetic only; with MF_DSP_FIXED_NARROW_PRODUCTS (ARMv6-M: Cortex-M0+, 32 x 32 -> 32 multiply
 * only) every product is built from 32-bit products of 16-bit halves, without a 64-bit multiply
 * routine. */
#include "mf_dsp_fixed.h"

/* 1: the hot loops in Thumb-2 assembly (ARMv7-M and later, 64-bit products): the frame's
 * largest magnitude, its load (the fused first stage's butterflies of 2 and 3 points, the
 * pre-emphasised pairs), the split step and the mel sums; the C++ beside each computes the same
 * values and is the reference. MF_DSP_FIXED_NO_ASM forces the C++. */
#if defined(__GNUC__) && defined(__thumb2__) && !MF_DSP_FIXED_NARROW_PRODUCTS && \
    !defined(MF_DSP_FIXED_NO_ASM)
#define MF_DSP_FIXED_ASM 1
#else
#define MF_DSP_FIXED_ASM 0
#endif

/* Memory is to be read again after this point: no value kept in registers across it. */
#if defined(__GNUC__)
#define MF_DSP_FIXED_MEMORY_BARRIER() __asm__ volatile("" ::: "memory")
#else
#define MF_DSP_FIXED_MEMORY_BARRIER()
#endif

namespace {

/* log2(1 + i / 64) in Q16, i = 0..64. */
const uint16_t kLog2Table[64] = {
    0,     1466,  2909,  4331,  5732,  7112,  8473,  9814,  11136, 12440, 13727, 14996, 16248,
    17484, 18704, 19909, 21098, 22272, 23433, 24579, 25711, 26830, 27936, 29029, 30109, 31178,
    32234, 33279, 34312, 35334, 36346, 37346, 38336, 39316, 40286, 41246, 42196, 43137, 44068,
    44990, 45904, 46809, 47705, 48593, 49472, 50344, 51207, 52063, 52911, 53751, 54584, 55410,
    56229, 57040, 57845, 58643, 59434, 60219, 60997, 61769, 62534, 63294, 64047, 64794};
const int32_t kLog2One = 65536;  // entry 64

/* a w, whole (a 64-bit product: SMULL; on ARMv6-M a __muldi3 call, which the narrow path's
 * loops avoid). */
MF_DSP_ALWAYS_INLINE int64_t wide(int32_t a, int32_t w) {
    return static_cast<int64_t>(a) * w;
}

#if MF_DSP_FIXED_NARROW_PRODUCTS
/* (s + 2^14) >> 15 as ((s >> 14) + 1) >> 1, the same value (the bits below 2^14 cannot carry
 * into bit 15 once 2^14 is added at bit 14): ARMv6-M adds 1 as an immediate, where 2^14 takes
 * a register or two more instructions (MOVS, LSLS) a product. */
MF_DSP_ALWAYS_INLINE uint32_t round_at_15(uint32_t s) { return ((s >> 14) + 1u) >> 1; }

/* Narrow products (ARMv6-M: 32 x 32 -> 32-bit MULS only): a w / 2^32 from 16-bit halves,
 * a = ah 2^16 + al: ah wh + (ah wl + al wh) / 2^16, the two middle products (each within 31
 * bits) shifted down apart (floors), al wl (below 2^32, a fraction of a unit) dropped, and 1
 * added: from 2 below a w / 2^32 to 1 above it, 0.25 below on average, where
 * floor(a w / 2^32), the wide path's high word, is 0.5 below. Three MULS, two shifts, no
 * rounding constant: on ARMv6-M the halving and rounding of the middle sum cost a quarter of
 * the product again. */
MF_DSP_ALWAYS_INLINE int32_t high_product(int32_t a, int32_t w) {
    const int32_t ah = a >> 16, wh = w >> 16;
    const int32_t al = a & 0xFFFF, wl = w & 0xFFFF;
    return ah * wh + ((ah * wl) >> 16) + ((al * wh) >> 16) + 1;
}

/* The same for unsigned a and w (ah wl, al wh below 2^32: halved, their sum too). */
MF_DSP_ALWAYS_INLINE uint32_t unsigned_high(uint32_t a, uint32_t w) {
    const uint32_t ah = a >> 16, wh = w >> 16;
    const uint32_t al = a & 0xFFFFu, wl = w & 0xFFFFu;
    return ah * wh + round_at_15(((ah * wl) >> 1) + ((al * wh) >> 1));
}

/* 1: a word's 16-bit halves can be read as such, the low one first (GCC, little-endian), through
 * a type that may alias the int32 buffer. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MF_DSP_FIXED_HALVES 1
typedef uint16_t __attribute__((may_alias)) aliased_uint16;
#else
#define MF_DSP_FIXED_HALVES 0
#endif

/* |v| (below 2^31). */
MF_DSP_ALWAYS_INLINE uint32_t magnitude(int32_t v) {
    return v < 0 ? 0u - static_cast<uint32_t>(v) : static_cast<uint32_t>(v);
}
#else
MF_DSP_ALWAYS_INLINE uint32_t unsigned_high(uint32_t a, uint32_t w) {
    return static_cast<uint32_t>((static_cast<uint64_t>(a) * w) >> 32);
}
#endif

/* a w / 2 rounded, w a Q31 twiddle: the high word of a 64-bit product (SMULL on ARMv7-M) with
 * the rounding bit added; rounded, not truncated, so no bias builds up over the stages. */
MF_DSP_ALWAYS_INLINE int32_t half_product(int32_t a, int32_t w) {
#if MF_DSP_FIXED_NARROW_PRODUCTS
    return high_product(a, w);
#else
    return static_cast<int32_t>((wide(a, w) + (static_cast<int64_t>(1) << 31)) >> 32);
#endif
}

/* (product + 2^29) >> 30 in 32 bits, put together from the 32-bit halves: the same value, but
 * the compiler then sees a 32-bit result and squares it with one SMLAL, not a 64-bit product. */
MF_DSP_ALWAYS_INLINE int32_t q30_round(int64_t product) {
    const uint64_t rounded = static_cast<uint64_t>(product + (1 << 29));
    return static_cast<int32_t>((static_cast<uint32_t>(rounded) >> 30) |
                                (static_cast<uint32_t>(rounded >> 32) << 2));
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

/* t / 2 rounded half up (t below 2^31), with the sign of the float whose bits are `bits`:
 * ((t + 1) >> 1) ^ sign - sign is the same value as ((t ^ sign) + 1) >> 1 (for a negative sign
 * ~t + 1 = -t, and floor(-t / 2) = -((t + 1) >> 1)): one EOR with the sign shifted in, one
 * ADD and one ASR instead of four steps. */
MF_DSP_ALWAYS_INLINE int32_t signed_rounded_half(uint32_t t, uint32_t bits) {
    const int32_t sign = static_cast<int32_t>(bits) >> 31;  // 0 or -1
    return ((static_cast<int32_t>(t) ^ sign) + 1) >> 1;
}

/* x 2^(127 + bits - 1 - E) rounded, E the biased exponent of the frame's largest magnitude, from
 * the bits of the float: `top` = E + 24 - bits, the right shift that a sample of exponent E
 * needs (the largest magnitude lands in [2^(bits-1), 2^bits)). */
MF_DSP_ALWAYS_INLINE int32_t sample_to_fixed(const float *sample, int top) {
    const uint32_t bits = float_bits(sample);
    /* The shift less 1: shift >= 1, as top - E >= 24 - bits >= 1, E at most the frame's largest
     * exponent. 24-bit mantissas: 0 from a shift of 25 on; clamped to [0, 31] (one USAT). */
    int shift_less_1 = top - 1 - static_cast<int>((bits >> 23) & 0xFFu);
    if (shift_less_1 > 31) shift_less_1 = 31;
    /* Never below 0: the lower clamp is only there for USAT, and costs ARMv6-M a test and a
     * branch a sample. */
    if (!MF_DSP_FIXED_NARROW_PRODUCTS && shift_less_1 < 0) shift_less_1 = 0;
    const uint32_t mantissa = (bits & 0x007FFFFFu) | 0x00800000u;
    return signed_rounded_half(mantissa >> shift_less_1, bits);
}

/* sample_to_fixed(sample, top) x w / 2^30 (w a Q30 window weight, >= 0) with one rounding: the
 * mantissa, left-aligned in 32 bits (M = m 2^8), times w is m w 2^8, whose high word is
 * m w / 2^24; a right shift by the sample's shift + 6 leaves m w / 2^(shift + 30). One UMULL and
 * one shift, instead of the sample's rounding, a 64-bit product and a second rounding. */
MF_DSP_ALWAYS_INLINE int32_t windowed_sample(const float *sample, int top, int32_t w) {
    const uint32_t bits = float_bits(sample);
    /* The shift less 1 before the rounding bit: (top - E) + 6 - 1 (at least 6). High words are
     * below 2^30 (m < 2^24, w <= 2^30), so from 30 on the value is 0, as a sample's shift of 25
     * on is. Clamped to [0, 31], not just below: ARMv7-M does that in one USAT. */
    int shift = top + 5 - static_cast<int>((bits >> 23) & 0xFFu);
    if (shift > 31) shift = 31;
    /* At least 6: the lower clamp as in sample_to_fixed. */
    if (!MF_DSP_FIXED_NARROW_PRODUCTS && shift < 0) shift = 0;
    const uint32_t aligned = (bits << 8) | 0x80000000u;
    const uint32_t high = unsigned_high(aligned, static_cast<uint32_t>(w));
    return signed_rounded_half(high >> shift, bits);
}

#if MF_DSP_FIXED_ASM
/* windowed_sample's value, in five instructions and a halving that GCC folds into the next add:
 * the shift from one SUB of the float's bits, its sign bit included (the register shift reads
 * the amount's low byte, where the sign's 256 is nothing), and no clamp (LSR by 30 to 255 gives
 * 0 as the clamp to 31 does: high words below 2^30); so the same value while top + 5 - E stays
 * within 255 for every exponent E >= 0, which fused_load_fits checks for a frame. */
MF_DSP_ALWAYS_INLINE int32_t windowed_sample_asm(const float *sample, int top5, int32_t w) {
    const uint32_t bits = float_bits(sample);
    uint32_t high, shift;
    __asm__(
        "orr %[high], %[one], %[bits], lsl #8\n\t"
        "umull %[shift], %[high], %[high], %[w]\n\t"
        "sub %[shift], %[top5], %[bits], lsr #23\n\t"
        "lsr %[high], %[high], %[shift]\n\t"
        "eor %[high], %[high], %[bits], asr #31\n\t"
        "add %[high], %[high], #1"
        : [high] "=&r"(high), [shift] "=&r"(shift)
        : [bits] "r"(bits), [w] "r"(w), [top5] "r"(top5), [one] "r"(0x80000000u));
    return static_cast<int32_t>(high) >> 1;
}
#endif

/* Whether the fused load's samples may take windowed_sample_asm: `top` + 5 within 255, all but
 * frames whose largest magnitude is past 2^(226 + bits) (near the float range's end), which the
 * C++ path loads. */
MF_DSP_ALWAYS_INLINE bool fused_load_fits(int top) { return !MF_DSP_FIXED_ASM || top + 5 <= 255; }

/* windowed_sample in the fused first stage, `top5` = top + 5. */
MF_DSP_ALWAYS_INLINE int32_t fused_sample(const float *sample, int top5, int32_t w) {
#if MF_DSP_FIXED_ASM
    return windowed_sample_asm(sample, top5, w);
#else
    return windowed_sample(sample, top5 - 5, w);
#endif
}

MF_DSP_ALWAYS_INLINE int32_t q15_round(int64_t product) {
    return static_cast<int32_t>((product + 16384) >> 15);
}

/* c p / 2^15 rounded: pre-emphasis, c in Q15 (at most 2^15), |p| below 2^24. Narrow: p = ph 2^16
 * + pl, and c ph 2^16 is a multiple of 2^15, so 2 c ph + (c pl + 2^14) / 2^15 (below 2^32,
 * unsigned) is the same value. */
MF_DSP_ALWAYS_INLINE int32_t emphasis_product(int32_t c, int32_t p) {
#if MF_DSP_FIXED_NARROW_PRODUCTS
    const uint32_t low = static_cast<uint32_t>(c) * static_cast<uint32_t>(p & 0xFFFF);
    return 2 * c * (p >> 16) + static_cast<int32_t>(round_at_15(low));
#else
    return q15_round(wide(c, p));
#endif
}

/* y w / 2^30 rounded: a pre-emphasised sample (|y| below 2^24) times its Q30 window weight.
 * Narrow: the high word of (y 2^6) w, y w / 2^26 within 3 below, rounded at bit 4: the same
 * value but where that error crosses a rounding boundary. */
MF_DSP_ALWAYS_INLINE int32_t window_product(int32_t y, int32_t w) {
#if MF_DSP_FIXED_NARROW_PRODUCTS
    return (high_product(y * 64, w) + 8) >> 4;
#else
    return q30_round(wide(y, w));
#endif
}

/* Where load_frame leaves a frame: its exponent S (values are y 2^S; below -1000 for a frame of
 * zeros). */
struct LoadedFrame {
    int exponent;
#if MF_DSP_FIXED_ASM
    /* The FFT's first stage done as well (radix4_first). Only with the asm, where a frame may
     * not fit (fused_load_fits): the int alone comes back in a register, not through memory. */
    bool first_stage_done;
#endif
};

/* Point k of a frame without pre-emphasis, windowed (`top5` = top + 5): samples 2k and 2k + 1,
 * zeros past the frame. */
MF_DSP_ALWAYS_INLINE void windowed_point(const float *x, const int32_t *window, int length,
                                         int top5, int k, int32_t *re, int32_t *im) {
    const int n = 2 * k;
    *re = 0;
    *im = 0;
    if (n + 1 < length) {
        *re = fused_sample(&x[n], top5, window[n]);
        *im = fused_sample(&x[n + 1], top5, window[n + 1]);
    } else if (n < length) {
        *re = fused_sample(&x[n], top5, window[n]);
    }
}

/* Point k wholly in the frame (2k + 1 < its length), windowed. */
MF_DSP_ALWAYS_INLINE void whole_point(const float *x, const int32_t *window, int top5, int k,
                                      int32_t *re, int32_t *im) {
    *re = fused_sample(&x[2 * k], top5, window[2 * k]);
    *im = fused_sample(&x[2 * k + 1], top5, window[2 * k + 1]);
}

/* The FFT's first stage (radix 4, adds only; what radix4_stage<false> leaves) on the points k,
 * k + M/2, k + M/4, k + 3M/4 of the frame (`quarter` = M/4), written to their bit-reversed
 * positions q .. q + 3 (q = bit_reversed[k]). kPoints: how many of k, k + M/4, k + M/2, k + 3M/4
 * (in that order) are wholly in the frame, the rest zeros; -1: unknown, each point tested. */
template <int kPoints>
MF_DSP_ALWAYS_INLINE void fused_radix4(const float *x, const int32_t *window, int length, int top5,
                                       int k, int quarter, const uint16_t *bit_reversed,
                                       int32_t *buffer) {
    int32_t a0_re = 0, a0_im = 0, c1_re = 0, c1_im = 0, c2_re = 0, c2_im = 0, c3_re = 0, c3_im = 0;
    if (kPoints < 0) {
        windowed_point(x, window, length, top5, k, &a0_re, &a0_im);
        windowed_point(x, window, length, top5, k + 2 * quarter, &c1_re, &c1_im);
    } else {
        if (kPoints >= 1) whole_point(x, window, top5, k, &a0_re, &a0_im);
        if (kPoints >= 3) whole_point(x, window, top5, k + 2 * quarter, &c1_re, &c1_im);
    }
    const int32_t s0_re = a0_re + c1_re, s0_im = a0_im + c1_im;
    const int32_t d0_re = a0_re - c1_re, d0_im = a0_im - c1_im;
    if (kPoints < 0) {
        windowed_point(x, window, length, top5, k + quarter, &c2_re, &c2_im);
        windowed_point(x, window, length, top5, k + 3 * quarter, &c3_re, &c3_im);
    } else {
        if (kPoints >= 2) whole_point(x, window, top5, k + quarter, &c2_re, &c2_im);
        if (kPoints >= 4) whole_point(x, window, top5, k + 3 * quarter, &c3_re, &c3_im);
    }
    const int32_t s1_re = c2_re + c3_re, s1_im = c2_im + c3_im;
    const int32_t d1_re = c2_re - c3_re, d1_im = c2_im - c3_im;
    int32_t *p = &buffer[2 * bit_reversed[k]];
    p[0] = s0_re + s1_re;
    p[1] = s0_im + s1_im;
    p[4] = s0_re - s1_re;
    p[5] = s0_im - s1_im;
    p[2] = d0_re + d1_im;
    p[3] = d0_im - d1_re;
    p[6] = d0_re - d1_im;
    p[7] = d0_im + d1_re;
}

#if MF_DSP_FIXED_ASM
/* windowed_sample_asm on the sample's bits in register `bits` and its weight in `out` (which the
 * value, before the halving, replaces), `tmp` a scratch register. */
#define MF_DSP_FIXED_SAMPLE(out, bits, tmp)                    \
    "orr " tmp ", %[one], " bits ", lsl #8\n\t"                \
    "umull " tmp ", " out ", " tmp ", " out "\n\t"             \
    "sub " tmp ", %[top5], " bits ", lsr #23\n\t"              \
    "lsr " out ", " out ", " tmp "\n\t"                        \
    "eor " out ", " out ", " bits ", asr #31\n\t"              \
    "add " out ", " out ", #1\n\t"

/* fused_radix4<kPoints> for k = k .. end_k - 1 (k < end_k), kPoints 2 or 3 (the frames of the
 * platform's defaults, 20-32 ms in a 512-point FFT), as one Thumb-2 loop with the same values:
 * a point's samples and weights by LDRD (the weights of the point read second by two LDR, one
 * register fewer), the halvings folded into the adds, and no register spilled (12 of them, so
 * that a build with a frame pointer has them; the end and the buffer are read from memory),
 * 77 instructions a butterfly of three points and 54 of two, where GCC spends 101 and 68. */
template <int kPoints>
void fused_radix4_asm(const float *x, const int32_t *window, int top5, int k, int end_k,
                      int quarter, const uint16_t *bit_reversed, int32_t *buffer) {
    const float *sample = &x[2 * k];
    const int32_t *weight = &window[2 * k];
    const float *const end = &x[2 * end_k];
    const uint16_t *order = &bit_reversed[k];
    const int point_bytes = 8 * quarter;  // from point k to point k + M/4
    int32_t a, b, c, d, e, f;
    if (kPoints == 3) {
        __asm__ volatile(
            "1:\n\t"
            /* c1: point k + M/2 */
            "add %[e], %[sample], %[q], lsl #1\n\t"
            "ldrd %[a], %[b], [%[e]]\n\t"
            "add %[e], %[weight], %[q], lsl #1\n\t"
            "ldrd %[c], %[d], [%[e]]\n\t"
            MF_DSP_FIXED_SAMPLE("%[c]", "%[a]", "%[e]")
            MF_DSP_FIXED_SAMPLE("%[d]", "%[b]", "%[e]")
            /* a0: point k (the pointers moved on to k + 1) */
            "ldrd %[a], %[b], [%[sample]], #8\n\t"
            "ldr %[e], [%[weight]], #4\n\t"
            MF_DSP_FIXED_SAMPLE("%[e]", "%[a]", "%[f]")
            "ldr %[f], [%[weight]], #4\n\t"
            MF_DSP_FIXED_SAMPLE("%[f]", "%[b]", "%[a]")
            /* s0 = a0 + c1 to a, b; d0 = a0 - c1 to e, f */
            "asr %[e], %[e], #1\n\t"
            "asr %[f], %[f], #1\n\t"
            "add %[a], %[e], %[c], asr #1\n\t"
            "sub %[e], %[e], %[c], asr #1\n\t"
            "add %[b], %[f], %[d], asr #1\n\t"
            "sub %[f], %[f], %[d], asr #1\n\t"
            /* kept in the outputs' slots 0 .. 3 while c2 is made */
            "ldrh %[c], [%[order]], #2\n\t"
            "ldr %[d], %[buffer]\n\t"
            "add %[c], %[d], %[c], lsl #3\n\t"
            "strd %[a], %[b], [%[c]]\n\t"
            "strd %[e], %[f], [%[c], #8]\n\t"
            /* c2: point k + M/4 */
            "add %[d], %[sample], %[q]\n\t"
            "ldrd %[a], %[b], [%[d], #-8]\n\t"
            "add %[d], %[weight], %[q]\n\t"
            "ldrd %[e], %[f], [%[d], #-8]\n\t"
            MF_DSP_FIXED_SAMPLE("%[e]", "%[a]", "%[d]")
            MF_DSP_FIXED_SAMPLE("%[f]", "%[b]", "%[d]")
            /* s0 +- c2 to slots 0, 1 and 4, 5 */
            "ldrd %[a], %[b], [%[c]]\n\t"
            "add %[d], %[a], %[e], asr #1\n\t"
            "str %[d], [%[c]]\n\t"
            "add %[d], %[b], %[f], asr #1\n\t"
            "str %[d], [%[c], #4]\n\t"
            "sub %[a], %[a], %[e], asr #1\n\t"
            "sub %[b], %[b], %[f], asr #1\n\t"
            "strd %[a], %[b], [%[c], #16]\n\t"
            /* d0 -+ i c2 to slots 2, 3 and 6, 7 */
            "ldrd %[a], %[b], [%[c], #8]\n\t"
            "add %[d], %[a], %[f], asr #1\n\t"
            "str %[d], [%[c], #8]\n\t"
            "sub %[d], %[b], %[e], asr #1\n\t"
            "str %[d], [%[c], #12]\n\t"
            "sub %[a], %[a], %[f], asr #1\n\t"
            "add %[b], %[b], %[e], asr #1\n\t"
            "strd %[a], %[b], [%[c], #24]\n\t"
            "ldr %[a], %[end]\n\t"
            "cmp %[sample], %[a]\n\t"
            "bne 1b\n\t"
            : [sample] "+r"(sample), [weight] "+r"(weight), [order] "+r"(order), [a] "=&r"(a),
              [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d), [e] "=&r"(e), [f] "=&r"(f)
            : [q] "r"(point_bytes), [top5] "r"(top5), [one] "r"(0x80000000u), [end] "m"(end),
              [buffer] "m"(buffer)
            : "cc", "memory");
    } else {
        __asm__ volatile(
            "1:\n\t"
            /* c2: point k + M/4 */
            "add %[e], %[sample], %[q]\n\t"
            "ldrd %[a], %[b], [%[e]]\n\t"
            "add %[e], %[weight], %[q]\n\t"
            "ldrd %[c], %[d], [%[e]]\n\t"
            MF_DSP_FIXED_SAMPLE("%[c]", "%[a]", "%[e]")
            MF_DSP_FIXED_SAMPLE("%[d]", "%[b]", "%[e]")
            /* a0: point k (the pointers moved on to k + 1), halved */
            "ldrd %[a], %[b], [%[sample]], #8\n\t"
            "ldr %[e], [%[weight]], #4\n\t"
            MF_DSP_FIXED_SAMPLE("%[e]", "%[a]", "%[f]")
            "ldr %[f], [%[weight]], #4\n\t"
            MF_DSP_FIXED_SAMPLE("%[f]", "%[b]", "%[a]")
            "asr %[e], %[e], #1\n\t"
            "asr %[f], %[f], #1\n\t"
            "ldrh %[a], [%[order]], #2\n\t"
            "ldr %[b], %[buffer]\n\t"
            "add %[a], %[b], %[a], lsl #3\n\t"
            /* a0 + c2, a0 - c2 to slots 0, 1 and 4, 5; a0 -+ i c2 to 2, 3 and 6, 7 */
            "add %[b], %[e], %[c], asr #1\n\t"
            "str %[b], [%[a]]\n\t"
            "add %[b], %[f], %[d], asr #1\n\t"
            "str %[b], [%[a], #4]\n\t"
            "sub %[b], %[e], %[c], asr #1\n\t"
            "str %[b], [%[a], #16]\n\t"
            "sub %[b], %[f], %[d], asr #1\n\t"
            "str %[b], [%[a], #20]\n\t"
            "add %[b], %[e], %[d], asr #1\n\t"
            "str %[b], [%[a], #8]\n\t"
            "sub %[b], %[f], %[c], asr #1\n\t"
            "str %[b], [%[a], #12]\n\t"
            "sub %[e], %[e], %[d], asr #1\n\t"
            "add %[f], %[f], %[c], asr #1\n\t"
            "strd %[e], %[f], [%[a], #24]\n\t"
            "ldr %[a], %[end]\n\t"
            "cmp %[sample], %[a]\n\t"
            "bne 1b\n\t"
            : [sample] "+r"(sample), [weight] "+r"(weight), [order] "+r"(order), [a] "=&r"(a),
              [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d), [e] "=&r"(e), [f] "=&r"(f)
            : [q] "r"(point_bytes), [top5] "r"(top5), [one] "r"(0x80000000u), [end] "m"(end),
              [buffer] "m"(buffer)
            : "cc", "memory");
    }
}
#undef MF_DSP_FIXED_SAMPLE

/* load_frame's pairs of pre-emphasised samples n = 0, 2, .. 2 (pairs - 1) (pairs >= 1) as one
 * Thumb-2 loop with the C++'s values; returns the last sample, the next pair's `previous`.
 * `top7` = top + 7 (at most 255): sample_to_fixed is the mantissa shifted left by 8, then right by
 * top + 7 - E, from one SUB of the bits with the sign in (see windowed_sample_asm). The two
 * roundings (c p + 2^14) >> 15 and (y w + 2^29) >> 30 are ((v >> (k - 1)) + 1) >> 1, the same
 * values, v >> (k - 1) the high word of one SMULL on operands shifted left to 18 and 3 bits
 * (c 2^11 times p 2^7, |p| <= 2^23 and c <= 2^15; y 2^3, |y| < 2^24, times w <= 2^30):
 * 38 instructions a pair where GCC spends 57. */
int32_t emphasised_pairs_asm(const float *x, const int32_t *window, int pairs, int top7, int32_t c,
                             int32_t previous, const uint16_t *bit_reversed, int32_t *buffer) {
    const float *sample = x;
    const int32_t *weight = window;
    const float *const end = x + 2 * pairs;
    const uint16_t *order = bit_reversed;
    const int32_t c11 = c * 2048;
    int32_t a, b, t, d, e;
    __asm__ volatile(
        "1:\n\t"
        "ldrd %[a], %[b], [%[sample]], #8\n\t"
        /* x0 = sample_to_fixed(sample 0) */
        "orr %[t], %[one], %[a], lsl #8\n\t"
        "sub %[d], %[top7], %[a], lsr #23\n\t"
        "lsr %[t], %[t], %[d]\n\t"
        "eor %[t], %[t], %[a], asr #31\n\t"
        "add %[t], %[t], #1\n\t"
        "asr %[t], %[t], #1\n\t"
        /* y0 = x0 - emphasis_product(c, previous) */
        "lsl %[d], %[prev], #7\n\t"
        "smull %[a], %[d], %[c11], %[d]\n\t"
        "add %[d], %[d], #1\n\t"
        "sub %[d], %[t], %[d], asr #1\n\t"
        /* re = window_product(y0, w0) */
        "ldr %[a], [%[weight]], #4\n\t"
        "lsl %[d], %[d], #3\n\t"
        "smull %[e], %[a], %[d], %[a]\n\t"
        "add %[a], %[a], #1\n\t"
        "asr %[a], %[a], #1\n\t"
        /* x1, the next previous */
        "orr %[d], %[one], %[b], lsl #8\n\t"
        "sub %[e], %[top7], %[b], lsr #23\n\t"
        "lsr %[d], %[d], %[e]\n\t"
        "eor %[d], %[d], %[b], asr #31\n\t"
        "add %[d], %[d], #1\n\t"
        "asr %[prev], %[d], #1\n\t"
        /* y1 = x1 - emphasis_product(c, x0) */
        "lsl %[t], %[t], #7\n\t"
        "smull %[b], %[t], %[c11], %[t]\n\t"
        "add %[t], %[t], #1\n\t"
        "sub %[t], %[prev], %[t], asr #1\n\t"
        /* im = window_product(y1, w1) */
        "ldr %[b], [%[weight]], #4\n\t"
        "lsl %[t], %[t], #3\n\t"
        "smull %[d], %[b], %[t], %[b]\n\t"
        "add %[b], %[b], #1\n\t"
        "asr %[b], %[b], #1\n\t"
        /* to the point's bit-reversed position */
        "ldrh %[t], [%[order]], #2\n\t"
        "ldr %[d], %[buffer]\n\t"
        "add %[t], %[d], %[t], lsl #3\n\t"
        "strd %[a], %[b], [%[t]]\n\t"
        "ldr %[d], %[end]\n\t"
        "cmp %[sample], %[d]\n\t"
        "bne 1b\n\t"
        : [sample] "+r"(sample), [weight] "+r"(weight), [order] "+r"(order),
          [prev] "+r"(previous), [a] "=&r"(a), [b] "=&r"(b), [t] "=&r"(t), [d] "=&r"(d),
          [e] "=&r"(e)
        : [c11] "r"(c11), [top7] "r"(top7), [one] "r"(0x80000000u), [end] "m"(end),
          [buffer] "m"(buffer)
        : "cc", "memory");
    return previous;
}
#endif

/* Pre-emphasis in Q15 (`emphasis` false: none, skipped), window in Q30 (rounded), points
 * z[k] = y[2k] + i y[2k+1] written to their bit-reversed positions, zeros past the frame.
 * Samples below 2^bits, pre-emphasised and windowed below 2^(bits+1).
 * `radix4_first` (without pre-emphasis only): the FFT's first stage (radix 4, adds only) done
 * here as well, on each four points read from the frame, so the buffer is written once and
 * never read back for that stage (what radix4_stage<false> leaves, the same values). */
template <bool emphasis, bool radix4_first>
LoadedFrame load_frame(const mf_dsp_frame_samples *frame, const mf_dsp_fixed_tables *tables,
                       int m, const uint16_t *bit_reversed, int bits, int32_t *buffer) {
    const float *x = frame->samples;
    const int length = frame->config->frame_length;
#if MF_DSP_FIXED_ASM
    LoadedFrame loaded = {-10000, false};
#else
    LoadedFrame loaded = {-10000};
#endif
    /* The largest magnitude's bits shifted left by one (the sign shifted out): compared and
     * kept in one CMP with a shifted operand and one conditional LSL a sample. */
    uint32_t largest = emphasis ? float_bits(&frame->previous) << 1 : 0;
    const float *sample = x;
    const float *const end = x + length;
    const float *const end4 = x + (length & ~3);
#if MF_DSP_FIXED_ASM
    /* Two LDRD and, a sample, CMP, IT and LSL: 16 instructions for four, GCC's loop 21. */
    if (sample != end4) {
        uint32_t a, b;
        __asm__ volatile(
            "1:\n\t"
            "ldrd %[a], %[b], [%[sample]], #8\n\t"
            "cmp %[largest], %[a], lsl #1\n\t"
            "it cc\n\t"
            "lslcc %[largest], %[a], #1\n\t"
            "cmp %[largest], %[b], lsl #1\n\t"
            "it cc\n\t"
            "lslcc %[largest], %[b], #1\n\t"
            "ldrd %[a], %[b], [%[sample]], #8\n\t"
            "cmp %[largest], %[a], lsl #1\n\t"
            "it cc\n\t"
            "lslcc %[largest], %[a], #1\n\t"
            "cmp %[largest], %[b], lsl #1\n\t"
            "it cc\n\t"
            "lslcc %[largest], %[b], #1\n\t"
            "cmp %[sample], %[end4]\n\t"
            "bne 1b\n\t"
            : [sample] "+r"(sample), [largest] "+r"(largest), [a] "=&r"(a), [b] "=&r"(b)
            : [end4] "r"(end4)
            : "cc", "memory");
    }
#endif
    for (; sample != end4; sample += 4) {
        const uint32_t m0 = float_bits(&sample[0]) << 1, m1 = float_bits(&sample[1]) << 1;
        const uint32_t m2 = float_bits(&sample[2]) << 1, m3 = float_bits(&sample[3]) << 1;
        if (m0 > largest) largest = m0;
        if (m1 > largest) largest = m1;
        if (m2 > largest) largest = m2;
        if (m3 > largest) largest = m3;
    }
    for (; sample != end; ++sample) {
        const uint32_t magnitude_bits = float_bits(sample) << 1;
        if (magnitude_bits > largest) largest = magnitude_bits;
    }
    if (largest < 0x01000000u) return loaded;  // zeros (or subnormals: powers far below 1e-10)
    const int exponent = static_cast<int>(largest >> 24);
    const int top = exponent + 24 - bits;
    const int32_t c = tables->pre_emphasis;
    const int32_t *window = tables->window;
    loaded.exponent = 127 + bits - 1 - exponent;
    if (radix4_first && !emphasis && fused_load_fits(top)) {
        const int top5 = top + 5;
#if MF_DSP_FIXED_ASM
        loaded.first_stage_done = true;
#endif
        /* Butterfly k (k < M/4) reads points k, k + M/4, k + M/2, k + 3M/4; those past the frame
         * are zeros, so the k with the same count of points wholly in the frame (the points
         * taken in that order) go through one loop each, without a test a point. */
        const int quarter = m / 4;
        const int whole = length / 2;  // points 0 .. whole - 1 hold two samples
        int limit[4];
        for (int j = 0; j < 4; ++j) {
            const int below = whole - j * quarter;
            limit[j] = below < 0 ? 0 : below > quarter ? quarter : below;
        }
        int k = 0;
        for (; k < limit[3]; ++k) fused_radix4<4>(x, window, length, top5, k, quarter, bit_reversed, buffer);
#if MF_DSP_FIXED_ASM
        if (k < limit[2]) {
            fused_radix4_asm<3>(x, window, top5, k, limit[2], quarter, bit_reversed, buffer);
            k = limit[2];
        }
        if (k < limit[1]) {
            fused_radix4_asm<2>(x, window, top5, k, limit[1], quarter, bit_reversed, buffer);
            k = limit[1];
        }
#else
        for (; k < limit[2]; ++k) fused_radix4<3>(x, window, length, top5, k, quarter, bit_reversed, buffer);
        for (; k < limit[1]; ++k) fused_radix4<2>(x, window, length, top5, k, quarter, bit_reversed, buffer);
#endif
        for (; k < limit[0]; ++k) fused_radix4<1>(x, window, length, top5, k, quarter, bit_reversed, buffer);
        for (; k < quarter; ++k) fused_radix4<0>(x, window, length, top5, k, quarter, bit_reversed, buffer);
        if (length % 2 != 0 && whole < m) {  // the half-filled point: its butterfly again, tested
            fused_radix4<-1>(x, window, length, top5, whole % quarter, quarter, bit_reversed, buffer);
        }
        return loaded;
    }
    int32_t previous = emphasis ? sample_to_fixed(&frame->previous, top) : 0;
    int n = 0;
#if MF_DSP_FIXED_ASM
    /* top + 7 within 255 (see emphasised_pairs_asm): all but frames near the float range's end,
     * which the C++ below loads. */
    if (emphasis && top + 7 <= 255 && length >= 2) {
        previous = emphasised_pairs_asm(x, window, length / 2, top + 7, c, previous, bit_reversed,
                                        buffer);
        n = length & ~1;
    }
#endif
    for (; n + 2 <= length; n += 2) {
        int32_t re, im;
        if (emphasis) {
            const int32_t x0 = sample_to_fixed(&x[n], top);
            const int32_t x1 = sample_to_fixed(&x[n + 1], top);
            const int32_t y0 = x0 - emphasis_product(c, previous);
            const int32_t y1 = x1 - emphasis_product(c, x0);
            previous = x1;
            re = window_product(y0, window[n]);
            im = window_product(y1, window[n + 1]);
        } else {
            re = windowed_sample(&x[n], top, window[n]);
            im = windowed_sample(&x[n + 1], top, window[n + 1]);
        }
        int32_t *point = &buffer[2 * bit_reversed[n >> 1]];
        point[0] = re;
        point[1] = im;
    }
    int k = n >> 1;
    if (n < length) {  // odd frame length: the last sample pairs with a zero
        int32_t *point = &buffer[2 * bit_reversed[k]];
        if (emphasis) {
            const int32_t y0 = sample_to_fixed(&x[n], top) - emphasis_product(c, previous);
            point[0] = window_product(y0, window[n]);
        } else {
            point[0] = windowed_sample(&x[n], top, window[n]);
        }
        point[1] = 0;
        ++k;
    }
    for (; k < m; ++k) {
        int32_t *point = &buffer[2 * bit_reversed[k]];
        point[0] = 0;
        point[1] = 0;
    }
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
 * `halve` false: the first stage, whose twiddles are all 1 (adds only, nothing halved, no table
 * read). A stage's outputs are at most twice its inputs' magnitude (4 without halving).
 * `twiddles`: W^j, W^2j, W^3j for j = 0, 1, ... in order; returns where the next stage's start. */
template <bool halve>
const int32_t *radix4_stage(int32_t *data, int m, int quarter, const int32_t *twiddles) {
    const int span = 4 * quarter;
    for (int j = 0; j < quarter; ++j) {
        int32_t w1_re = 0, w1_im = 0, w2_re = 0, w2_im = 0, w3_re = 0, w3_im = 0;
        if (halve) {
            w1_re = twiddles[0], w1_im = twiddles[1];
            w2_re = twiddles[2], w2_im = twiddles[3];
            w3_re = twiddles[4], w3_im = twiddles[5];
            twiddles += 6;
        }
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
    return twiddles;
}

/* a / 4, rounded. */
MF_DSP_ALWAYS_INLINE int32_t quarter_of(int32_t a) { return (a + 2) >> 2; }

/* (a W) / 4 rounded, W = w / 2^31 (re, im): each part one 64-bit sum of two products (SMULL,
 * SMLAL), rounded at bit 33 as ((sum >> 32) + 1) >> 1, which is the same value. */
MF_DSP_ALWAYS_INLINE void quarter_rotate(const int32_t *a, const int32_t *w, int32_t *re,
                                         int32_t *im) {
    /* -a[1], not -w[1]: a twiddle can be -2^31, a value is far below. SMULL, SMLAL. */
#if MF_DSP_FIXED_NARROW_PRODUCTS
    /* a[1]'s halves shared by both of its products (no -a[1] split apart): high_product is
     * 0.25 below on average, so the difference is centred and the sum 0.5 below. */
    *re = (high_product(a[0], w[0]) - high_product(a[1], w[1]) + 1) >> 1;
    *im = (high_product(a[0], w[1]) + high_product(a[1], w[0]) + 1) >> 1;
#else
    const int64_t sum_re = wide(a[0], w[0]) + wide(-a[1], w[1]);
    const int64_t sum_im = wide(a[0], w[1]) + wide(a[1], w[0]);
    *re = (static_cast<int32_t>(sum_re >> 32) + 1) >> 1;
    *im = (static_cast<int32_t>(sum_im >> 32) + 1) >> 1;
#endif
}

/* a / sqrt 2, rounded (Q31 constant). */
MF_DSP_ALWAYS_INLINE int32_t over_root_two(int32_t a) {
#if MF_DSP_FIXED_NARROW_PRODUCTS
    /* a - a (1 - 1 / sqrt 2): the constant (Q32) fits 31 bits; within 2 of a / sqrt 2. */
    return a - high_product(a, 1257966797) - 1;
#else
    /* (a c + 2^30) >> 31, c = 1518500250, is the high word of a 2c + 2^31; 2c is past 31 bits,
     * so a 2c = a 2^32 + a (2c - 2^32): one SMLAL onto an accumulator of a (high) and 2^31
     * (low), instead of SMULL and a 64-bit rounding and shift. The same value. */
    const int64_t accumulator = wide(a, 1) * 4294967296LL + (static_cast<int64_t>(1) << 31);
    return static_cast<int32_t>((accumulator + wide(a, 3037000500LL - 4294967296LL)) >> 32);
#endif
}

/* The float path's radix-8 butterfly (mf_dsp_fft.cpp) on int32, every output quartered: the
 * twiddle products are rounded to a W / 4 and the untwiddled inputs quartered to match, so a
 * stage's outputs are at most twice its inputs' magnitude (8 / 4), as a halving radix-4 stage's,
 * for three bits of the transform instead of two. `twiddled` false: j = 0, every W^(r j) = 1. */
template <bool twiddled>
MF_DSP_ALWAYS_INLINE void radix8_butterfly(int32_t *p, int step, const int32_t *w) {
    /* Residues 0, 2, 4, 6 sit at offsets 0, 2, 1, 3; w holds W^(r j), r = 1..7, in order. */
    /* Read as pairs (0, 4), then (2, 6), each summed and differenced at once: fewer live values,
     * as for the odd residues below. */
    const int32_t c0_re = quarter_of(p[0]), c0_im = quarter_of(p[1]);
    int32_t c4_re, c4_im;
    if (twiddled) {
        quarter_rotate(&p[step], &w[6], &c4_re, &c4_im);
    } else {
        c4_re = quarter_of(p[step]), c4_im = quarter_of(p[step + 1]);
    }
    const int32_t es_re = c0_re + c4_re, es_im = c0_im + c4_im;
    const int32_t ed_re = c0_re - c4_re, ed_im = c0_im - c4_im;
    int32_t c2_re, c2_im, c6_re, c6_im;
    if (twiddled) {
        quarter_rotate(&p[2 * step], &w[2], &c2_re, &c2_im);
        quarter_rotate(&p[3 * step], &w[10], &c6_re, &c6_im);
    } else {
        c2_re = quarter_of(p[2 * step]), c2_im = quarter_of(p[2 * step + 1]);
        c6_re = quarter_of(p[3 * step]), c6_im = quarter_of(p[3 * step + 1]);
    }
    const int32_t et_re = c2_re + c6_re, et_im = c2_im + c6_im;
    const int32_t eu_re = c2_re - c6_re, eu_im = c2_im - c6_im;
    /* E_0..E_3 go where residues 0, 4, 2, 6 were read (offsets 0, 1, 2, 3) until O is ready:
     * fewer values live at once on a core with 13 registers. */
    p[0] = es_re + et_re;
    p[1] = es_im + et_im;
    p[2 * step] = es_re - et_re;
    p[2 * step + 1] = es_im - et_im;
    p[step] = ed_re + eu_im;  // ed - i eu
    p[step + 1] = ed_im - eu_re;
    p[3 * step] = ed_re - eu_im;  // ed + i eu
    p[3 * step + 1] = ed_im + eu_re;
    /* GCC otherwise keeps the E values in registers as well and spills them to the stack
     * (a store and two loads each, where reading them back from p is one load). */
    MF_DSP_FIXED_MEMORY_BARRIER();
    /* Residues 1, 3, 5, 7 sit at offsets 4, 6, 5, 7; read as pairs (1, 5), then (3, 7), each
     * pair summed and differenced at once, and the outputs made from os and ot before those from
     * od and ou: at most ten values live besides p and step, where the 13 registers of an
     * ARMv7-M core hold them without spilling. */
    int32_t c1_re, c1_im, c5_re, c5_im;
    if (twiddled) {
        quarter_rotate(&p[4 * step], &w[0], &c1_re, &c1_im);
        quarter_rotate(&p[5 * step], &w[8], &c5_re, &c5_im);
    } else {
        c1_re = quarter_of(p[4 * step]), c1_im = quarter_of(p[4 * step + 1]);
        c5_re = quarter_of(p[5 * step]), c5_im = quarter_of(p[5 * step + 1]);
    }
    const int32_t os_re = c1_re + c5_re, os_im = c1_im + c5_im;
    const int32_t od_re = c1_re - c5_re, od_im = c1_im - c5_im;
    int32_t c3_re, c3_im, c7_re, c7_im;
    if (twiddled) {
        quarter_rotate(&p[6 * step], &w[4], &c3_re, &c3_im);
        quarter_rotate(&p[7 * step], &w[12], &c7_re, &c7_im);
    } else {
        c3_re = quarter_of(p[6 * step]), c3_im = quarter_of(p[6 * step + 1]);
        c7_re = quarter_of(p[7 * step]), c7_im = quarter_of(p[7 * step + 1]);
    }
    const int32_t ot_re = c3_re + c7_re, ot_im = c3_im + c7_im;
    const int32_t ou_re = c3_re - c7_re, ou_im = c3_im - c7_im;
    /* y_k = E_k + W_8^k O_k at offset k, y_(k+4) = E_k - W_8^k O_k at offset k + 4. */
    /* O_0 = os + ot; W_8^2 O_2 = -i (os - ot) */
    const int32_t o0_re = os_re + ot_re, o0_im = os_im + ot_im;
    const int32_t o2_re = os_im - ot_im, o2_im = ot_re - os_re;
    int32_t e_re = p[0], e_im = p[1];
    p[0] = e_re + o0_re;
    p[1] = e_im + o0_im;
    p[4 * step] = e_re - o0_re;
    p[4 * step + 1] = e_im - o0_im;
    e_re = p[2 * step], e_im = p[2 * step + 1];
    p[2 * step] = e_re + o2_re;
    p[2 * step + 1] = e_im + o2_im;
    p[6 * step] = e_re - o2_re;
    p[6 * step + 1] = e_im - o2_im;
    /* O_1 = od - i ou, times W_8 = (1 - i) / sqrt 2 */
    int32_t q_re = od_re + ou_im, q_im = od_im - ou_re;
    int32_t o_re = over_root_two(q_re + q_im);
    int32_t o_im = over_root_two(q_im - q_re);
    e_re = p[step], e_im = p[step + 1];
    p[step] = e_re + o_re;
    p[step + 1] = e_im + o_im;
    p[5 * step] = e_re - o_re;
    p[5 * step + 1] = e_im - o_im;
    /* O_3 = od + i ou, times W_8^3 = -(1 + i) / sqrt 2 */
    q_re = od_re - ou_im, q_im = od_im + ou_re;
    o_re = over_root_two(q_im - q_re);
    o_im = -over_root_two(q_re + q_im);
    e_re = p[3 * step], e_im = p[3 * step + 1];
    p[3 * step] = e_re + o_re;
    p[3 * step + 1] = e_im + o_im;
    p[7 * step] = e_re - o_re;
    p[7 * step + 1] = e_im - o_im;
}

/* Whether radix8_butterflies<kStep> does the untwiddled butterflies (j = 0) as well: where a
 * stage has many (the first radix-8 stage, eighth 2 or 4: M / 16 or M / 32 of them; later
 * stages have one or a few, which one copy with the step in a register does). */
constexpr bool untwiddled_with_constant_step(int step) { return step == 4 || step == 8; }

/* The butterflies of a radix-8 stage, `step` = 2 eighth: j = 1 .. eighth - 1, and first j = 0
 * where untwiddled_with_constant_step(kStep). */
template <int kStep>
MF_DSP_ALWAYS_INLINE void radix8_butterflies(int32_t *data, int m, int eighth, int step,
                                             const int32_t *twiddles) {
    const int span = 8 * eighth;
    if (untwiddled_with_constant_step(kStep)) {
        for (int start = 0; start < m; start += span) {
            radix8_butterfly<false>(&data[2 * start], kStep, twiddles);
        }
    }
    for (int j = 1; j < eighth; ++j, twiddles += 14) {
        for (int start = j; start < m; start += span) {
            radix8_butterfly<true>(&data[2 * start], kStep ? kStep : step, twiddles);
        }
    }
}

/* With the step a constant, the butterfly's eight points are immediate offsets from one pointer:
 * on the M3 a fifth fewer instructions (no address arithmetic, fewer spills) for ~0.6 kB of
 * code each, so only for the radix-8 stages of the 256- and 512-point FFTs (8 and 16 kHz audio
 * with 16-32 ms frames, the platform's defaults among them; the first such stage's untwiddled
 * butterflies as well, see untwiddled_with_constant_step); other lengths take the step from a
 * register. Always inlined (its one caller): GCC at -Os otherwise calls it, its frame on top of
 * the caller's, 0.1 kB more stack. */
MF_DSP_ALWAYS_INLINE const int32_t *radix8_stage(int32_t *data, int m, int eighth,
                                                const int32_t *twiddles) {
    const int step = 2 * eighth;
    if (!untwiddled_with_constant_step(step)) {
        for (int start = 0; start < m; start += 8 * eighth) {
            radix8_butterfly<false>(&data[2 * start], step, twiddles);
        }
    }
    switch (eighth) {
        case 2:
            radix8_butterflies<4>(data, m, eighth, step, twiddles);
            break;
        case 4:
            radix8_butterflies<8>(data, m, eighth, step, twiddles);
            break;
        case 16:
            radix8_butterflies<32>(data, m, eighth, step, twiddles);
            break;
        case 32:
            radix8_butterflies<64>(data, m, eighth, step, twiddles);
            break;
        default:
            radix8_butterflies<0>(data, m, eighth, step, twiddles);
    }
    return twiddles + 14 * (eighth - 1);
}

/* |v|^2, whole (below 2^63: components below 2^31), in the buffer's slots 2k (low word) and
 * 2k + 1 (high word). */
MF_DSP_ALWAYS_INLINE void store_power(int32_t *slot, int32_t re, int32_t im) {
#if MF_DSP_FIXED_NARROW_PRODUCTS
    /* From 16-bit halves, |re| = h1 2^16 + l1, |im| = h2 2^16 + l2: H 2^32 + M 2^17 + L, with
     * H = h1^2 + h2^2 (below 2^31), M = h1 l1 + h2 l2 (below 2^32), L = l1^2 + l2^2, exact, in
     * 32-bit words and their carries: GCC at -Os keeps 64-bit sums on ARMv6-M in the stack. */
    const uint32_t u1 = magnitude(re), u2 = magnitude(im);
    const uint32_t h1 = u1 >> 16, l1 = u1 & 0xFFFFu, h2 = u2 >> 16, l2 = u2 & 0xFFFFu;
    uint32_t high = h1 * h1 + h2 * h2;
    uint32_t low = l1 * l1;
    const uint32_t low2 = l2 * l2;
    low += low2;
    high += low < low2 ? 1u : 0u;
    const uint32_t middle = h1 * l1 + h2 * l2;
    const uint32_t shifted = middle << 17;
    low += shifted;
    high += (low < shifted ? 1u : 0u) + (middle >> 15);
    slot[0] = static_cast<int32_t>(low);
    slot[1] = static_cast<int32_t>(high);
#else
    const uint64_t power = static_cast<uint64_t>(wide(re, re) + wide(im, im));
    slot[0] = static_cast<int32_t>(static_cast<uint32_t>(power));
    slot[1] = static_cast<int32_t>(static_cast<uint32_t>(power >> 32));
#endif
}

#if MF_DSP_FIXED_ASM
/* split_power's loop over the bins k < M - k (low < high on entry) in Thumb-2 assembly, the
 * same values as its C++: each pair of bins read with two LDRD and written with two STRD, the
 * twiddles with one, and no register spilled, 32 instructions a pair where GCC spends 38. */
MF_DSP_ALWAYS_INLINE void split_pairs(int32_t *low, int32_t *high, const int32_t *w) {
    int32_t a, b, c, d, t, x, y, z;
    __asm__ volatile(
        "1:\n\t"
        "ldrd %[a], %[b], [%[low]]\n\t"
        "ldrd %[c], %[d], [%[high]]\n\t"
        "add %[t], %[a], %[c]\n\t"  // e_re
        "sub %[a], %[c], %[a]\n\t"  // o_im
        "add %[c], %[b], %[d]\n\t"  // o_re
        "sub %[b], %[b], %[d]\n\t"  // e_im
        "ldrd %[d], %[x], [%[w]], #8\n\t"  // w_re, w_im
        /* b_im = (w_re o_im + w_im o_re + 2^29) >> 30 */
        "smull %[y], %[z], %[d], %[a]\n\t"
        "smlal %[y], %[z], %[x], %[c]\n\t"
        "adds %[y], %[y], #0x20000000\n\t"
        "adc %[z], %[z], #0\n\t"
        "lsr %[y], %[y], #30\n\t"
        "orr %[y], %[y], %[z], lsl #2\n\t"
        /* b_re = (w_re o_re + w_im (-o_im) + 2^29) >> 30 */
        "rsb %[a], %[a], #0\n\t"
        "smull %[z], %[c], %[d], %[c]\n\t"
        "smlal %[z], %[c], %[x], %[a]\n\t"
        "adds %[z], %[z], #0x20000000\n\t"
        "adc %[c], %[c], #0\n\t"
        "lsr %[z], %[z], #30\n\t"
        "orr %[z], %[z], %[c], lsl #2\n\t"
        /* |e + b|^2 to bin k, |e - b|^2 to bin M - k, 64-bit */
        "add %[a], %[t], %[z]\n\t"
        "add %[c], %[b], %[y]\n\t"
        "smull %[d], %[x], %[a], %[a]\n\t"
        "smlal %[d], %[x], %[c], %[c]\n\t"
        "strd %[d], %[x], [%[low]], #8\n\t"
        "sub %[a], %[t], %[z]\n\t"
        "sub %[c], %[b], %[y]\n\t"
        "smull %[d], %[x], %[a], %[a]\n\t"
        "smlal %[d], %[x], %[c], %[c]\n\t"
        "strd %[d], %[x], [%[high]], #-8\n\t"
        "cmp %[low], %[high]\n\t"
        "bcc 1b\n\t"
        : [low] "+r"(low), [high] "+r"(high), [w] "+r"(w), [a] "=&r"(a), [b] "=&r"(b),
          [c] "=&r"(c), [d] "=&r"(d), [t] "=&r"(t), [x] "=&r"(x), [y] "=&r"(y), [z] "=&r"(z)
        :
        : "cc", "memory");
}
#endif

/* The split step of mf_dsp_fft.cpp, X[k] = ((Z[k] + conj Z[M-k]) + W^k (-i) (Z[k] - conj Z[M-k]))
 * / 2; power[k] = |2X[k]|^2, whole (below 2^63: components below 2^31), in the buffer's slots
 * 2k and 2k + 1. */
void split_power(int32_t *buffer, int m, const int32_t *split) {
    const int32_t z0_re = buffer[0], z0_im = buffer[1];
    /* Bins k and M - k by two pointers and the twiddles by a third: no index kept besides. */
    const int32_t *w = &split[2];
    int32_t *low = &buffer[2], *high = &buffer[2 * (m - 1)];
#if MF_DSP_FIXED_ASM
    if (low < high) split_pairs(low, high, w);
#else
    /* Tested at the bottom (-Os leaves a for loop's test at the top and a jump back). */
    if (low < high) do {
        const int32_t a = low[0], b = low[1], c = high[0], d = high[1];
        const int32_t o_re = b + d, o_im = c - a;
        const int32_t w_re = w[0], w_im = w[1];
#if MF_DSP_FIXED_NARROW_PRODUCTS
        /* Q30 twiddles doubled (below 1 for k >= 1: below 2^31), the high words doubled. */
        const int32_t b_re = 2 * (high_product(2 * w_re, o_re) - high_product(2 * w_im, o_im));
        const int32_t b_im = 2 * (high_product(2 * w_re, o_im) + high_product(2 * w_im, o_re));
        /* The bins read again for e: with 8 low registers GCC otherwise keeps all four through
         * the products on the stack, a store and a load each. */
        MF_DSP_FIXED_MEMORY_BARRIER();
        const int32_t e_re = low[0] + high[0], e_im = low[1] - high[1];
#else
        const int32_t b_re = q30_round(wide(w_re, o_re) + wide(w_im, -o_im));  // SMLAL
        const int32_t b_im = q30_round(wide(w_re, o_im) + wide(w_im, o_re));
        const int32_t e_re = a + c, e_im = b - d;
#endif
        store_power(low, e_re + b_re, e_im + b_im);
        store_power(high, e_re - b_re, e_im - b_im);
        low += 2;
        high -= 2;
        w += 2;
    } while (low < high);
#endif
    if (m >= 2) {  // 2X[M/2] = 2 conj Z[M/2]
        store_power(&buffer[m], 2 * buffer[m], 2 * buffer[m + 1]);
    }
    store_power(&buffer[0], 2 * (z0_re + z0_im), 0);
    store_power(&buffer[2 * m], 2 * (z0_re - z0_im), 0);
}

}  // namespace

namespace {

/* mf_dsp_fixed_log2, always inlined: it runs once per mel filter of every frame. */
MF_DSP_ALWAYS_INLINE int32_t fixed_log2(uint32_t high, uint32_t low) {
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

}  // namespace

int32_t mf_dsp_fixed_log2(uint32_t high, uint32_t low) { return fixed_log2(high, low); }

int mf_dsp_fixed_power(const mf_dsp_frame_samples *frame, const mf_dsp_real_fft *plan,
                       const mf_dsp_fixed_tables *tables, int32_t *buffer) {
    const int m = plan->length / 2;
    /* Stages as in mf_dsp_real_fft_power: a first one of adds (radix 4, or radix 2 when log2(M)
     * is odd), then radix-4 stages that halve their outputs. */
    int log2_m = 0;
    while ((1 << log2_m) < m) ++log2_m;
    const bool radix4_first = (log2_m % 2) == 0 && m >= 4;
    const int first_span = radix4_first ? 4 : 2;
    /* The float path's stages (mf_dsp_real_fft_power): after the first, radix 4 (halving) while
     * the bits left are not a multiple of 3, then radix 8 (quartering); shift_bits counts the
     * halvings. */
    int shift_bits = 0;
    for (int span = first_span, bits_left = log2_m - (radix4_first ? 2 : 1); span < m;) {
        const bool radix8 = bits_left % 3 == 0;
        shift_bits += radix8 ? 2 : 1;
        span *= radix8 ? 8 : 4;
        bits_left -= radix8 ? 3 : 2;
    }
    /* Samples below 2^bits, windowed (and pre-emphasised) below 2^(bits+1): the transform grows
     * the moduli (sqrt(2) times that) by at most M / 2^shift_bits, and the split step's
     * |2X| <= 4 max |Z|: below 2^(bits + 3.5 + log2(M) - shift_bits) <= 2^31. At most 23
     * bits (a float's mantissa is 24). */
    int bits = 27 - log2_m + shift_bits;
    if (bits > 23) bits = 23;
    /* Without pre-emphasis (MFE) a first radix-4 stage is done as the frame is loaded (see
     * fused_load_fits). */
#if !MF_DSP_FIXED_ASM
    const bool fused = tables->pre_emphasis == 0 && radix4_first;  // every frame fits
#endif
    LoadedFrame loaded;
    if (tables->pre_emphasis != 0) {
        loaded = load_frame<true, false>(frame, tables, m, plan->bit_reversed, bits, buffer);
    } else if (radix4_first) {
        loaded = load_frame<false, true>(frame, tables, m, plan->bit_reversed, bits, buffer);
    } else {
        loaded = load_frame<false, false>(frame, tables, m, plan->bit_reversed, bits, buffer);
    }
    if (loaded.exponent < -1000) return loaded.exponent;
    if (radix4_first) {
#if MF_DSP_FIXED_ASM
        const bool fused = loaded.first_stage_done;
#endif
        if (!fused) radix4_stage<false>(buffer, m, 1, tables->twiddles);
    } else {
        radix2_first_stage(buffer, m);
    }
    const int32_t *twiddles = tables->twiddles;
    for (int span = first_span, bits_left = log2_m - (radix4_first ? 2 : 1); span < m;) {
        if (bits_left % 3 == 0) {
            twiddles = radix8_stage(buffer, m, span, twiddles);
            span *= 8;
            bits_left -= 3;
        } else {
            twiddles = radix4_stage<true>(buffer, m, span, twiddles);
            span *= 4;
            bits_left -= 2;
        }
    }
    split_power(buffer, m, tables->split);
    return loaded.exponent - shift_bits;
}

void mf_dsp_fixed_log2_power(const mf_dsp_frame_samples *frame, const mf_dsp_real_fft *plan,
                             const mf_dsp_fixed_tables *tables, int32_t *buffer) {
    const int n_bins = plan->length / 2 + 1;
    const int frame_exponent = mf_dsp_fixed_power(frame, plan, tables, buffer);
    if (frame_exponent < -1000) {
        for (int k = 0; k < n_bins; ++k) buffer[k] = MF_DSP_FIXED_LOG2_FLOOR_Q16;
        return;
    }
    /* power = 4 |X|^2 2^(2S): log2(|X|^2 / N) = log2(power) - 2 - 2S + log2(1 / N). In place:
     * value k goes to slot k, after slots 2k and 2k + 1 (k <= 2k) are read. */
    const int32_t offset = tables->log2_scale_q16 - 65536 * (2 * frame_exponent + 2);
    for (int k = 0; k < n_bins; ++k) {
        const uint32_t low = static_cast<uint32_t>(buffer[2 * k]);
        const uint32_t high = static_cast<uint32_t>(buffer[2 * k + 1]);
        int32_t result = MF_DSP_FIXED_LOG2_FLOOR_Q16;
        if (high | low) {
            result = fixed_log2(high, low) + offset;
            if (result < MF_DSP_FIXED_LOG2_FLOOR_Q16) result = MF_DSP_FIXED_LOG2_FLOOR_Q16;
        }
        buffer[k] = result;
    }
}

void mf_dsp_fixed_log2_mel(const mf_dsp_frame_samples *frame, const mf_dsp_real_fft *plan,
                           const mf_dsp_mel_config *mel, const mf_dsp_fixed_tables *tables,
                           int32_t *buffer, int32_t *log2_energies) {
    const int n_filters = mel->n_filters;
    const int frame_exponent = mf_dsp_fixed_power(frame, plan, tables, buffer);
    if (frame_exponent < -1000) {
        for (int f = 0; f < n_filters; ++f) log2_energies[f] = MF_DSP_FIXED_LOG2_FLOOR_Q16;
        return;
    }
    /* power = 4 |X|^2 2^(2S); the filterbank's integer weights are w / largest 2^q. */
    const int32_t offset = tables->log2_scale_q16 - 65536 * (2 * frame_exponent + 2);
    const uint16_t *weight = tables->mel_weights;
    for (int f = 0; f < n_filters; ++f) {
        const int32_t *bin = &buffer[2 * mel->start_bin[f]];
        const int n_bins = mel->n_bins[f];
        /* The sum of power x weight, L + H 2^32: L of the powers' low words, H of their high
         * words (below 2^31), each product 64-bit (one UMLAL; on ARMv6-M, without a 64-bit
         * multiply, four 16 x 16-bit parts in 32-bit sums, which the weights' sum below 2^16
         * keeps from overflowing). A bin a step, walked by pointers. */
        const uint16_t *const weights_end = weight + n_bins;
#if MF_DSP_FIXED_NARROW_PRODUCTS
        uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
#if MF_DSP_FIXED_HALVES
        /* The power's four 16-bit parts read as such (LDRH), not split from its words. */
        const aliased_uint16 *part = reinterpret_cast<const aliased_uint16 *>(bin);
        do {
            const uint32_t w = *weight++;
            s0 += part[0] * w;
            s1 += part[1] * w;
            s2 += part[2] * w;
            s3 += part[3] * w;
            part += 4;
        } while (weight != weights_end);
#else
        for (; weight != weights_end; ++weight, bin += 2) {
            const uint32_t w = *weight;
            const uint32_t low = static_cast<uint32_t>(bin[0]);
            const uint32_t high = static_cast<uint32_t>(bin[1]);
            s0 += (low & 0xFFFFu) * w;
            s1 += (low >> 16) * w;
            s2 += (high & 0xFFFFu) * w;
            s3 += (high >> 16) * w;
        }
#endif
        /* L and H as 32-bit words and their carries (GCC at -Os moves 64-bit values on ARMv6-M
         * through the stack): L = l1 2^32 + l0, H = h1 2^32 + h0. */
        const uint32_t l0 = s0 + (s1 << 16);
        const uint32_t l1 = (s1 >> 16) + (l0 < s0 ? 1u : 0u);
        const uint32_t h0 = s2 + (s3 << 16);
        const uint32_t h1 = (s3 >> 16) + (h0 < s2 ? 1u : 0u);
        /* The same words as below: H < 2^31, L + H 2^32 (l1 + h0 < 2^32); else H + L / 2^32. */
        uint32_t sum_high, sum_low;
        int32_t sum_scale = 0;
        if (h1 == 0 && (h0 >> 31) == 0) {
            sum_high = l1 + h0;
            sum_low = l0;
        } else {
            sum_low = h0 + l1;
            sum_high = h1 + (sum_low < l1 ? 1u : 0u);
            sum_scale = 32 * 65536;
        }
#elif MF_DSP_FIXED_ASM
        uint64_t low_sum, high_sum;
        uint32_t low_lo = 0, low_hi = 0, high_lo = 0, high_hi = 0;
        uint32_t w, low, high;
        /* Two bins a pass, entered at the second for an odd count (n_bins >= 1: every filter
         * has a bin); a bin is LDRH, LDRD (both words, the pointer moved on) and two UMLAL,
         * where GCC spends three loads and an add, and a loop test a bin. */
        __asm__ volatile(
            "tst %[n], #1\n\t"
            "bne 2f\n"
            "1:\n\t"
            "ldrh %[w], [%[weight]], #2\n\t"
            "ldrd %[low], %[high], [%[bin]], #8\n\t"
            "umlal %[low_lo], %[low_hi], %[low], %[w]\n\t"
            "umlal %[high_lo], %[high_hi], %[high], %[w]\n"
            "2:\n\t"
            "ldrh %[w], [%[weight]], #2\n\t"
            "ldrd %[low], %[high], [%[bin]], #8\n\t"
            "umlal %[low_lo], %[low_hi], %[low], %[w]\n\t"
            "umlal %[high_lo], %[high_hi], %[high], %[w]\n\t"
            "cmp %[weight], %[end]\n\t"
            "bne 1b\n\t"
            : [weight] "+r"(weight), [bin] "+r"(bin), [low_lo] "+r"(low_lo),
              [low_hi] "+r"(low_hi), [high_lo] "+r"(high_lo), [high_hi] "+r"(high_hi),
              [w] "=&r"(w), [low] "=&r"(low), [high] "=&r"(high)
            : [n] "r"(n_bins), [end] "r"(weights_end)
            : "cc", "memory");
        low_sum = low_lo | (static_cast<uint64_t>(low_hi) << 32);
        high_sum = high_lo | (static_cast<uint64_t>(high_hi) << 32);
#else
        uint64_t low_sum = 0, high_sum = 0;
        /* A do-while, the loop's test at its end (n_bins >= 1: every filter has a bin). */
        do {
            const uint32_t w = *weight++;
            const uint32_t low = static_cast<uint32_t>(bin[0]);
            const uint32_t high = static_cast<uint32_t>(bin[1]);
            bin += 2;
            low_sum += static_cast<uint64_t>(low) * w;
            high_sum += static_cast<uint64_t>(high) * w;
        } while (weight != weights_end);
#endif
#if MF_DSP_FIXED_NARROW_PRODUCTS
        int32_t result = MF_DSP_FIXED_LOG2_FLOOR_Q16;
        if (sum_high | sum_low) result = fixed_log2(sum_high, sum_low) + sum_scale + offset;
#else
        /* log2(L + H 2^32): exact in 64 bits while H < 2^31; past that, H + L / 2^32 (truncated,
         * a relative error below 2^-31) and 32 more. */
        int32_t result = MF_DSP_FIXED_LOG2_FLOOR_Q16;
        if (static_cast<uint32_t>(high_sum >> 31) == 0) {
            const uint64_t sum = low_sum + (high_sum << 32);
            if (sum) {
                result = fixed_log2(static_cast<uint32_t>(sum >> 32), static_cast<uint32_t>(sum)) +
                         offset;
            }
        } else {
            const uint64_t sum = high_sum + (low_sum >> 32);
            result = fixed_log2(static_cast<uint32_t>(sum >> 32), static_cast<uint32_t>(sum)) +
                     32 * 65536 + offset;
        }
#endif
        if (result < MF_DSP_FIXED_LOG2_FLOOR_Q16) result = MF_DSP_FIXED_LOG2_FLOOR_Q16;
        log2_energies[f] = result;
    }
}
