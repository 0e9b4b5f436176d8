/* mcuforge DSP runtime: the FFT's hot butterflies in VFP assembly, for cores with a single-
 * precision FPU in Thumb-2 (Cortex-M4F, M7, M33F). A complex value is one 64-bit register
 * (d0 = s0:s1) loaded or stored by one vldr/vstr.64, where the compiler spends two vldr.32 and
 * cannot keep the values and twiddles of a radix-8 butterfly in registers: about a fifth of the
 * butterfly's instructions were loads, stores and register moves. The portable C++ in
 * mf_dsp_fft.cpp computes the same values (up to the rounding of fused multiply-adds) and is
 * the reference. */
#ifndef MF_DSP_FFT_VFP_H
#define MF_DSP_FFT_VFP_H

/* Little-endian only: there s0 is the low word of d0, the real part at the lower address.
 * MF_DSP_FFT_NO_ASM forces the portable C++ (to compare the two on a device). */
#if defined(__GNUC__) && defined(__thumb2__) && defined(__ARM_FP) && (__ARM_FP & 4) && \
    !defined(__ARM_BIG_ENDIAN) && !defined(MF_DSP_FFT_NO_ASM)
#define MF_DSP_FFT_VFP 1
#else
#define MF_DSP_FFT_VFP 0
#endif

#if MF_DSP_FFT_VFP

#include <stdint.h>

/* c = a W: a in d0 (s0 re, s1 im), W in d1 (s2, s3), c into (c_re, c_im). */
#define MF_DSP_VFP_ROTATE(c_re, c_im)      \
    "vmul.f32 " c_re ", s0, s2\n\t"        \
    "vfms.f32 " c_re ", s1, s3\n\t"        \
    "vmul.f32 " c_im ", s0, s3\n\t"        \
    "vfma.f32 " c_im ", s1, s2\n\t"

/* A point of the butterfly (at `address`, e.g. "[%[p], #32]") times W^(r j), r's twiddle at byte
 * offset 8 (r - 1) of w, into (c_re, c_im) (`pair`, the d register of the two, unused: the
 * untwiddled variant loads there). */
#define MF_DSP_VFP_LOAD_ROTATE(address, twiddle, c_re, c_im, pair) \
    "vldr d0, " address "\n\t"                                    \
    "vldr d1, [%[w], #" twiddle "]\n\t"                           \
    MF_DSP_VFP_ROTATE(c_re, c_im)

/* The same with the twiddles of butterfly x or y of mf_dsp_vfp_last_pair_eighth32. */
#define MF_DSP_VFP_LOAD_ROTATE_X(address, twiddle, c_re, c_im, pair) \
    "vldr d0, " address "\n\t"                                    \
    "vldr d1, [%[wx], #" twiddle "]\n\t"                          \
    MF_DSP_VFP_ROTATE(c_re, c_im)
#define MF_DSP_VFP_LOAD_ROTATE_Y(address, twiddle, c_re, c_im, pair) \
    "vldr d0, " address "\n\t"                                    \
    "vldr d1, [%[wy], #" twiddle "]\n\t"                          \
    MF_DSP_VFP_ROTATE(c_re, c_im)

/* The same with every twiddle 1 (j = 0). */
#define MF_DSP_VFP_LOAD(address, twiddle, c_re, c_im, pair) "vldr " pair ", " address "\n\t"

/* The decimation of radix8_outputs, point k at address Pk (offset k * eighth), `LOAD` bringing
 * in a point with its twiddle, h a register holding 1 / sqrt 2: residue r's points are at
 * offsets 0, 4, 2, 6, 1, 5, 3, 7 (bit-reversed r). Even residues' DFT4 E lands in s16..s23 (E0,
 * E2, E1, E3), the odd ones' O, with W_8^k applied, in s0..s3 (O0, O2) and s8..s11 (O1, O3);
 * output k is E_k + O_k, output k + 4 E_k - O_k. */
#define MF_DSP_VFP_RADIX8_HALVES(LOAD, h, P0, P1, P2, P3, P4, P5, P6, P7) \
    /* c4, c0: their sum and difference in s8..s11. */                 \
    LOAD(P1, "24", "s6", "s7", "d3")                                   \
    "vldr d0, " P0 "\n\t"                                              \
    "vadd.f32 s8, s0, s6\n\t"                                          \
    "vadd.f32 s9, s1, s7\n\t"                                          \
    "vsub.f32 s10, s0, s6\n\t"                                         \
    "vsub.f32 s11, s1, s7\n\t"                                         \
    /* c2, c6: sum et in s12, s13, difference eu in s14, s15. */        \
    LOAD(P2, "8", "s4", "s5", "d2")                                    \
    LOAD(P3, "40", "s6", "s7", "d3")                                   \
    "vadd.f32 s12, s4, s6\n\t"                                         \
    "vadd.f32 s13, s5, s7\n\t"                                         \
    "vsub.f32 s14, s4, s6\n\t"                                         \
    "vsub.f32 s15, s5, s7\n\t"                                         \
    "vadd.f32 s16, s8, s12\n\t"  /* E0 = es + et */                    \
    "vadd.f32 s17, s9, s13\n\t"                                        \
    "vsub.f32 s18, s8, s12\n\t"  /* E2 = es - et */                    \
    "vsub.f32 s19, s9, s13\n\t"                                        \
    "vadd.f32 s20, s10, s15\n\t" /* E1 = ed - i eu */                  \
    "vsub.f32 s21, s11, s14\n\t"                                       \
    "vsub.f32 s22, s10, s15\n\t" /* E3 = ed + i eu */                  \
    "vadd.f32 s23, s11, s14\n\t"                                       \
    /* c1, c5: os in s8, s9, od in s10, s11. */                        \
    LOAD(P4, "0", "s4", "s5", "d2")                                    \
    LOAD(P5, "32", "s6", "s7", "d3")                                   \
    "vadd.f32 s8, s4, s6\n\t"                                          \
    "vadd.f32 s9, s5, s7\n\t"                                          \
    "vsub.f32 s10, s4, s6\n\t"                                         \
    "vsub.f32 s11, s5, s7\n\t"                                         \
    /* c3, c7: ot in s12, s13, ou in s14, s15. */                      \
    LOAD(P6, "16", "s4", "s5", "d2")                                   \
    LOAD(P7, "48", "s6", "s7", "d3")                                   \
    "vadd.f32 s12, s4, s6\n\t"                                         \
    "vadd.f32 s13, s5, s7\n\t"                                         \
    "vsub.f32 s14, s4, s6\n\t"                                         \
    "vsub.f32 s15, s5, s7\n\t"                                         \
    "vadd.f32 s0, s8, s12\n\t"   /* O0 = os + ot */                    \
    "vadd.f32 s1, s9, s13\n\t"                                         \
    "vsub.f32 s2, s9, s13\n\t"   /* W_8^2 O2 = -i (os - ot) */         \
    "vsub.f32 s3, s12, s8\n\t"                                         \
    "vadd.f32 s4, s10, s15\n\t"  /* O1 = od - i ou */                  \
    "vsub.f32 s5, s11, s14\n\t"                                        \
    "vsub.f32 s6, s10, s15\n\t"  /* O3 = od + i ou */                  \
    "vadd.f32 s7, s11, s14\n\t"                                        \
    "vadd.f32 s8, s4, s5\n\t"    /* W_8 O1 = (1 - i) O1 / sqrt 2 */    \
    "vsub.f32 s9, s5, s4\n\t"                                          \
    "vmul.f32 s8, s8, " h "\n\t"                                       \
    "vmul.f32 s9, s9, " h "\n\t"                                       \
    "vsub.f32 s10, s7, s6\n\t"   /* W_8^3 O3 = -(1 + i) O3 / sqrt 2 */ \
    "vadd.f32 s11, s6, s7\n\t"                                         \
    "vmul.f32 s10, s10, " h "\n\t"                                     \
    "vnmul.f32 s11, s11, " h "\n\t"

/* Outputs k and k + 4 from E_k (e_re, e_im) and W_8^k O_k (o_re, o_im), stored at `low` and
 * `high`. */
#define MF_DSP_VFP_STORE_OUTPUTS(e_re, e_im, o_re, o_im, low, high) \
    "vadd.f32 s12, " e_re ", " o_re "\n\t"                          \
    "vadd.f32 s13, " e_im ", " o_im "\n\t"                          \
    "vsub.f32 s14, " e_re ", " o_re "\n\t"                          \
    "vsub.f32 s15, " e_im ", " o_im "\n\t"                          \
    "vstr d6, " low "\n\t"                                          \
    "vstr d7, " high "\n\t"

/* A whole radix-8 butterfly, in place. */
#define MF_DSP_VFP_RADIX8(LOAD, h, P0, P1, P2, P3, P4, P5, P6, P7)              \
    MF_DSP_VFP_RADIX8_HALVES(LOAD, h, P0, P1, P2, P3, P4, P5, P6, P7)           \
    MF_DSP_VFP_STORE_OUTPUTS("s16", "s17", "s0", "s1", P0, P4)                  \
    MF_DSP_VFP_STORE_OUTPUTS("s20", "s21", "s8", "s9", P1, P5)                  \
    MF_DSP_VFP_STORE_OUTPUTS("s18", "s19", "s2", "s3", P2, P6)                  \
    MF_DSP_VFP_STORE_OUTPUTS("s22", "s23", "s10", "s11", P3, P7)

/* m(arguments), the arguments expanded first: a macro may stand for several. */
#define MF_DSP_VFP_APPLY(m, ...) m(__VA_ARGS__)

#define MF_DSP_VFP_EIGHTH4_POINTS                                                           \
    "[%[p]]", "[%[p], #32]", "[%[p], #64]", "[%[p], #96]", "[%[p], #128]", "[%[p], #160]", \
        "[%[p], #192]", "[%[p], #224]"

#define MF_DSP_VFP_RADIX8_OPERANDS                                                            \
    : [p] "r"(p), [w] "r"(w), [h] "t"(half_root)                                              \
    : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", \
      "s14", "s15", "s16", "s17", "s18", "s19", "s20", "s21", "s22", "s23", "memory"

/* radix8_butterfly<twiddled> at p, twiddles W^(r j) at w, in a stage of eighth 4 (points 32
 * bytes apart). */
template <bool twiddled>
__attribute__((always_inline)) inline void mf_dsp_vfp_radix8_eighth4(float *p, const float *w,
                                                                      float half_root) {
    if (twiddled) {
        __asm__ volatile(
            MF_DSP_VFP_APPLY(MF_DSP_VFP_RADIX8, MF_DSP_VFP_LOAD_ROTATE, "%[h]",
                             MF_DSP_VFP_EIGHTH4_POINTS)
            : MF_DSP_VFP_RADIX8_OPERANDS);
    } else {
        __asm__ volatile(MF_DSP_VFP_APPLY(MF_DSP_VFP_RADIX8, MF_DSP_VFP_LOAD, "%[h]",
                                          MF_DSP_VFP_EIGHTH4_POINTS)
                         : MF_DSP_VFP_RADIX8_OPERANDS);
    }
}

/* split_values on the low point (a, b) and the high one (c, d), W_N^low at `twiddle`: the
 * powers stored at `low` and `high` (s0..s15 scratch but for the operands). The partner
 * loaded by the caller sits in s0, s1. */
#define MF_DSP_VFP_SPLIT(a, b, c, d, twiddle, low, high) \
    "vldr d1, " twiddle "\n\t"                          \
    "vadd.f32 s4, " a ", " c "\n\t"   /* 2E */          \
    "vsub.f32 s5, " b ", " d "\n\t"                     \
    "vadd.f32 s6, " b ", " d "\n\t"   /* 2O */          \
    "vsub.f32 s7, " c ", " a "\n\t"                     \
    "vmul.f32 s8, s2, s6\n\t"         /* B = W 2O */    \
    "vfms.f32 s8, s3, s7\n\t"                           \
    "vmul.f32 s9, s2, s7\n\t"                           \
    "vfma.f32 s9, s3, s6\n\t"                           \
    "vadd.f32 s10, s4, s8\n\t"        /* 2X[low] */     \
    "vadd.f32 s11, s5, s9\n\t"                          \
    "vsub.f32 s12, s4, s8\n\t"        /* conj 2X[high] */ \
    "vsub.f32 s13, s5, s9\n\t"                          \
    "vmul.f32 s14, s10, s10\n\t"                        \
    "vfma.f32 s14, s11, s11\n\t"                        \
    "vmul.f32 s15, s12, s12\n\t"                        \
    "vfma.f32 s15, s13, s13\n\t"                        \
    "vstr s14, " low "\n\t"                             \
    "vstr s15, " high "\n\t"

/* Output k of butterfly y (in registers: y_re, y_im) as the low point, output 7 - k of x (at
 * `partner`) as the high one. */
#define MF_DSP_VFP_SPLIT_Y_LOW(y_re, y_im, partner, twiddle, low) \
    "vldr d0, " partner "\n\t"                                    \
    MF_DSP_VFP_SPLIT(y_re, y_im, "s0", "s1", twiddle, low, partner)

/* Output k of butterfly x (at `partner`) as the low point, output 7 - k of y the high one. */
#define MF_DSP_VFP_SPLIT_Y_HIGH(y_re, y_im, partner, twiddle, high) \
    "vldr d0, " partner "\n\t"                                      \
    MF_DSP_VFP_SPLIT("s0", "s1", y_re, y_im, twiddle, partner, high)

/* The body of radix8_last_stage_split's loop for eighth 32 (points 256 bytes apart, so each
 * butterfly has a second pointer to its points 4..7): butterfly x = eighth - j is computed and
 * stored in place, butterfly y = j is kept in registers (outputs 0..3 in s24..s31, 4..7 in
 * s16, s17 / s20, s21 / s18, s19 / s22, s23), and the eight split pairs read x's outputs back
 * once each. split_y and split_x point at the split twiddles of j and eighth - j. */
__attribute__((always_inline)) inline void mf_dsp_vfp_last_pair_eighth32(
    float *y, const float *twiddles_y, const float *split_y, float *x, const float *twiddles_x,
    const float *split_x) {
    const uint32_t half_root_bits = 0x3F3504F3u;  // 1 / sqrt 2, for a vmov
    __asm__ volatile(
        "vmov s31, %[h]\n\t"
        MF_DSP_VFP_RADIX8(MF_DSP_VFP_LOAD_ROTATE_X, "s31", "[%[x]]", "[%[x], #256]",
                          "[%[x], #512]", "[%[x], #768]", "[%[x4]]", "[%[x4], #256]",
                          "[%[x4], #512]", "[%[x4], #768]")
        MF_DSP_VFP_RADIX8_HALVES(MF_DSP_VFP_LOAD_ROTATE_Y, "s31", "[%[y]]", "[%[y], #256]",
                                 "[%[y], #512]", "[%[y], #768]", "[%[y4]]", "[%[y4], #256]",
                                 "[%[y4], #512]", "[%[y4], #768]")
        "vadd.f32 s24, s16, s0\n\t"  /* y0, y4 */
        "vadd.f32 s25, s17, s1\n\t"
        "vsub.f32 s16, s16, s0\n\t"
        "vsub.f32 s17, s17, s1\n\t"
        "vadd.f32 s26, s20, s8\n\t"  /* y1, y5 */
        "vadd.f32 s27, s21, s9\n\t"
        "vsub.f32 s20, s20, s8\n\t"
        "vsub.f32 s21, s21, s9\n\t"
        "vadd.f32 s28, s18, s2\n\t"  /* y2, y6 */
        "vadd.f32 s29, s19, s3\n\t"
        "vsub.f32 s18, s18, s2\n\t"
        "vsub.f32 s19, s19, s3\n\t"
        "vadd.f32 s30, s22, s10\n\t" /* y3, y7 */
        "vadd.f32 s31, s23, s11\n\t"
        "vsub.f32 s22, s22, s10\n\t"
        "vsub.f32 s23, s23, s11\n\t"
        /* Low point j + k eighth: y_k with x_(7-k). */
        MF_DSP_VFP_SPLIT_Y_LOW("s24", "s25", "[%[x4], #768]", "[%[sy]]", "[%[y]]")
        MF_DSP_VFP_SPLIT_Y_LOW("s26", "s27", "[%[x4], #512]", "[%[sy], #256]", "[%[y], #256]")
        MF_DSP_VFP_SPLIT_Y_LOW("s28", "s29", "[%[x4], #256]", "[%[sy], #512]", "[%[y], #512]")
        MF_DSP_VFP_SPLIT_Y_LOW("s30", "s31", "[%[x4]]", "[%[sy], #768]", "[%[y], #768]")
        /* Low point eighth - j + k eighth: x_k with y_(7-k). */
        MF_DSP_VFP_SPLIT_Y_HIGH("s22", "s23", "[%[x]]", "[%[sx]]", "[%[y4], #768]")
        MF_DSP_VFP_SPLIT_Y_HIGH("s18", "s19", "[%[x], #256]", "[%[sx], #256]", "[%[y4], #512]")
        MF_DSP_VFP_SPLIT_Y_HIGH("s20", "s21", "[%[x], #512]", "[%[sx], #512]", "[%[y4], #256]")
        MF_DSP_VFP_SPLIT_Y_HIGH("s16", "s17", "[%[x], #768]", "[%[sx], #768]", "[%[y4]]")
        :
        : [y] "r"(y), [y4] "r"(y + 256), [x] "r"(x), [x4] "r"(x + 256), [wy] "r"(twiddles_y),
          [wx] "r"(twiddles_x), [sy] "r"(split_y), [sx] "r"(split_x), [h] "r"(half_root_bits)
        : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13",
          "s14", "s15", "s16", "s17", "s18", "s19", "s20", "s21", "s22", "s23", "s24", "s25",
          "s26", "s27", "s28", "s29", "s30", "s31", "memory");
}

/* first_stage_run<V, false> of a 256-point transform (quarter 64: a quarter's points 512 bytes
 * apart) for V = 3 or 2, `count` >= 1 groups from k: x and w point at sample and window 2 (k + 64),
 * the second quarter's point, so the first and third quarters are within vldr's reach, and
 * advance with its loads. A group's four outputs are consecutive: one vstmia. */
__attribute__((always_inline)) inline void mf_dsp_vfp_first_stage_quarter64(
    float *data, const uint16_t *bit_reversed, const float *x, const float *w, int count,
    int inside) {
    uint32_t at;
    if (inside == 3) {
        __asm__ volatile(
            "1:\n\t"
            "vldr d0, [%[x], #-512]\n\t"
            "vldr d1, [%[w], #-512]\n\t"
            "vldr d2, [%[x], #512]\n\t"
            "vldr d3, [%[w], #512]\n\t"
            "vmul.f32 s0, s0, s2\n\t"     /* a0 = z[k] windowed */
            "vmul.f32 s1, s1, s3\n\t"
            "vmul.f32 s4, s4, s6\n\t"     /* a1 = z[k + M/2] */
            "vmul.f32 s5, s5, s7\n\t"
            "vldmia %[x]!, {d1}\n\t"
            "vldmia %[w]!, {d3}\n\t"
            "vmul.f32 s2, s2, s6\n\t"     /* a2 = z[k + M/4] (a3 = 0) */
            "vmul.f32 s3, s3, s7\n\t"
            "vadd.f32 s6, s0, s4\n\t"     /* s = a0 + a1 */
            "vadd.f32 s7, s1, s5\n\t"
            "vsub.f32 s0, s0, s4\n\t"     /* d = a0 - a1 */
            "vsub.f32 s1, s1, s5\n\t"
            "vadd.f32 s8, s6, s2\n\t"     /* s + a2 */
            "vadd.f32 s9, s7, s3\n\t"
            "vadd.f32 s10, s0, s3\n\t"    /* d - i a2 */
            "vsub.f32 s11, s1, s2\n\t"
            "vsub.f32 s12, s6, s2\n\t"    /* s - a2 */
            "vsub.f32 s13, s7, s3\n\t"
            "vsub.f32 s14, s0, s3\n\t"    /* d + i a2 */
            "vadd.f32 s15, s1, s2\n\t"
            "ldrh %[at], [%[order]], #2\n\t"
            "add.w %[at], %[data], %[at], lsl #3\n\t"
            "vstmia %[at], {d4-d7}\n\t"
            "subs %[count], %[count], #1\n\t"
            "bne 1b\n\t"
            : [x] "+r"(x), [w] "+r"(w), [order] "+r"(bit_reversed), [count] "+r"(count),
              [at] "=&r"(at)
            : [data] "r"(data)
            : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12",
              "s13", "s14", "s15", "cc", "memory");
    } else {
        __asm__ volatile(
            "1:\n\t"
            "vldr d0, [%[x], #-512]\n\t"
            "vldr d1, [%[w], #-512]\n\t"
            "vmul.f32 s0, s0, s2\n\t"     /* a0 = z[k] windowed */
            "vmul.f32 s1, s1, s3\n\t"
            "vldmia %[x]!, {d1}\n\t"
            "vldmia %[w]!, {d2}\n\t"
            "vmul.f32 s2, s2, s4\n\t"     /* a2 = z[k + M/4] (a1 = a3 = 0) */
            "vmul.f32 s3, s3, s5\n\t"
            "vadd.f32 s8, s0, s2\n\t"     /* a0 + a2 */
            "vadd.f32 s9, s1, s3\n\t"
            "vadd.f32 s10, s0, s3\n\t"    /* a0 - i a2 */
            "vsub.f32 s11, s1, s2\n\t"
            "vsub.f32 s12, s0, s2\n\t"    /* a0 - a2 */
            "vsub.f32 s13, s1, s3\n\t"
            "vsub.f32 s14, s0, s3\n\t"    /* a0 + i a2 */
            "vadd.f32 s15, s1, s2\n\t"
            "ldrh %[at], [%[order]], #2\n\t"
            "add.w %[at], %[data], %[at], lsl #3\n\t"
            "vstmia %[at], {d4-d7}\n\t"
            "subs %[count], %[count], #1\n\t"
            "bne 1b\n\t"
            : [x] "+r"(x), [w] "+r"(w), [order] "+r"(bit_reversed), [count] "+r"(count),
              [at] "=&r"(at)
            : [data] "r"(data)
            : "s0", "s1", "s2", "s3", "s4", "s5", "s8", "s9", "s10", "s11", "s12", "s13", "s14",
              "s15", "cc", "memory");
    }
}

#undef MF_DSP_VFP_SPLIT_Y_HIGH
#undef MF_DSP_VFP_SPLIT_Y_LOW
#undef MF_DSP_VFP_SPLIT
#undef MF_DSP_VFP_RADIX8_OPERANDS
#undef MF_DSP_VFP_EIGHTH4_POINTS
#undef MF_DSP_VFP_APPLY
#undef MF_DSP_VFP_RADIX8
#undef MF_DSP_VFP_STORE_OUTPUTS
#undef MF_DSP_VFP_RADIX8_HALVES
#undef MF_DSP_VFP_LOAD
#undef MF_DSP_VFP_LOAD_ROTATE_Y
#undef MF_DSP_VFP_LOAD_ROTATE_X
#undef MF_DSP_VFP_LOAD_ROTATE
#undef MF_DSP_VFP_ROTATE

#endif /* MF_DSP_FFT_VFP */

#endif /* MF_DSP_FFT_VFP_H */
