/* mcuforge DSP runtime: the FFT's hot butterflies in VFP assembly, for cores with a single-
 * precision FPU in Thumb-2 (Cortex-M4F, M7, M33F). A complex value is one 64-bit register
 * (d0 = s0:s1) loaded or stored by one vldr/vstr.64, where the compiler spends two vldr.32 and
 * cannot keep the values and twiddles of a radix-8 butterfly in registers: about a fifth of the
 * butterfly's instructions were loads, stores and register moves. The portable C++ in
 * mf_dsp_fft.cpp computes the same values (up to the rounding of fused multiply-adds) and is
 * the reference. */
#ifndef MF_DSP_FFT_VFP_H
#define MF_DSP_FFT_VFP_H

#if defined(__GNUC__) && defined(__thumb2__) && defined(__ARM_FP) && (__ARM_FP & 4) && \
    !defined(MF_DSP_FFT_NO_ASM)
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

/* Point k of the butterfly (at byte offset k * 32) times W^(r j), r's twiddle at byte offset
 * 8 (r - 1) of w, into (c_re, c_im) (`pair`, the d register of the two, unused: the untwiddled
 * variant loads there). */
#define MF_DSP_VFP_LOAD_ROTATE(point, twiddle, c_re, c_im, pair) \
    "vldr d0, [%[p], #" point "]\n\t"                           \
    "vldr d1, [%[w], #" twiddle "]\n\t"                         \
    MF_DSP_VFP_ROTATE(c_re, c_im)

/* The same with every twiddle 1 (j = 0). */
#define MF_DSP_VFP_LOAD(point, twiddle, c_re, c_im, pair) "vldr " pair ", [%[p], #" point "]\n\t"

/* radix8_butterfly of a stage with eighth 4 (points 32 bytes apart), `LOAD` bringing in a point
 * with its twiddle: the same decimation, residue r's points at offsets 0, 4, 2, 6, 1, 5, 3, 7
 * (bit-reversed r), output k at offset k. Even residues' DFT4 E lands in s16..s23 (E0, E2, E1,
 * E3), the odd ones' O, with W_8^k applied, in s0..s3 (O0, O2) and s8..s11 (O1, O3). */
#define MF_DSP_VFP_RADIX8(LOAD)                                 \
    /* c4, c0: their sum and difference in s8..s11. */          \
    LOAD("32", "24", "s6", "s7", "d3")                          \
    "vldr d0, [%[p]]\n\t"                                       \
    "vadd.f32 s8, s0, s6\n\t"                                   \
    "vadd.f32 s9, s1, s7\n\t"                                   \
    "vsub.f32 s10, s0, s6\n\t"                                  \
    "vsub.f32 s11, s1, s7\n\t"                                  \
    /* c2, c6: sum et in s12, s13, difference eu in s14, s15. */ \
    LOAD("64", "8", "s4", "s5", "d2")                           \
    LOAD("96", "40", "s6", "s7", "d3")                          \
    "vadd.f32 s12, s4, s6\n\t"                                  \
    "vadd.f32 s13, s5, s7\n\t"                                  \
    "vsub.f32 s14, s4, s6\n\t"                                  \
    "vsub.f32 s15, s5, s7\n\t"                                  \
    "vadd.f32 s16, s8, s12\n\t"  /* E0 = es + et */             \
    "vadd.f32 s17, s9, s13\n\t"                                 \
    "vsub.f32 s18, s8, s12\n\t"  /* E2 = es - et */             \
    "vsub.f32 s19, s9, s13\n\t"                                 \
    "vadd.f32 s20, s10, s15\n\t" /* E1 = ed - i eu */           \
    "vsub.f32 s21, s11, s14\n\t"                                \
    "vsub.f32 s22, s10, s15\n\t" /* E3 = ed + i eu */           \
    "vadd.f32 s23, s11, s14\n\t"                                \
    /* c1, c5: os in s8, s9, od in s10, s11. */                 \
    LOAD("128", "0", "s4", "s5", "d2")                          \
    LOAD("160", "32", "s6", "s7", "d3")                         \
    "vadd.f32 s8, s4, s6\n\t"                                   \
    "vadd.f32 s9, s5, s7\n\t"                                   \
    "vsub.f32 s10, s4, s6\n\t"                                  \
    "vsub.f32 s11, s5, s7\n\t"                                  \
    /* c3, c7: ot in s12, s13, ou in s14, s15. */               \
    LOAD("192", "16", "s4", "s5", "d2")                         \
    LOAD("224", "48", "s6", "s7", "d3")                         \
    "vadd.f32 s12, s4, s6\n\t"                                  \
    "vadd.f32 s13, s5, s7\n\t"                                  \
    "vsub.f32 s14, s4, s6\n\t"                                  \
    "vsub.f32 s15, s5, s7\n\t"                                  \
    "vadd.f32 s0, s8, s12\n\t"   /* O0 = os + ot */             \
    "vadd.f32 s1, s9, s13\n\t"                                  \
    "vsub.f32 s2, s9, s13\n\t"   /* W_8^2 O2 = -i (os - ot) */  \
    "vsub.f32 s3, s12, s8\n\t"                                  \
    "vadd.f32 s4, s10, s15\n\t"  /* O1 = od - i ou */           \
    "vsub.f32 s5, s11, s14\n\t"                                 \
    "vsub.f32 s6, s10, s15\n\t"  /* O3 = od + i ou */           \
    "vadd.f32 s7, s11, s14\n\t"                                 \
    "vadd.f32 s8, s4, s5\n\t"    /* W_8 O1 = (1 - i) O1 / sqrt 2 */ \
    "vsub.f32 s9, s5, s4\n\t"                                   \
    "vmul.f32 s8, s8, %[h]\n\t"                                 \
    "vmul.f32 s9, s9, %[h]\n\t"                                 \
    "vsub.f32 s10, s7, s6\n\t"   /* W_8^3 O3 = -(1 + i) O3 / sqrt 2 */ \
    "vadd.f32 s11, s6, s7\n\t"                                  \
    "vmul.f32 s10, s10, %[h]\n\t"                               \
    "vnmul.f32 s11, s11, %[h]\n\t"                              \
    /* y_k = E_k + W_8^k O_k at offset k, y_(k+4) = E_k - W_8^k O_k at k + 4. */ \
    "vadd.f32 s12, s16, s0\n\t"                                 \
    "vadd.f32 s13, s17, s1\n\t"                                 \
    "vsub.f32 s14, s16, s0\n\t"                                 \
    "vsub.f32 s15, s17, s1\n\t"                                 \
    "vstr d6, [%[p]]\n\t"                                       \
    "vstr d7, [%[p], #128]\n\t"                                 \
    "vadd.f32 s12, s20, s8\n\t"                                 \
    "vadd.f32 s13, s21, s9\n\t"                                 \
    "vsub.f32 s14, s20, s8\n\t"                                 \
    "vsub.f32 s15, s21, s9\n\t"                                 \
    "vstr d6, [%[p], #32]\n\t"                                  \
    "vstr d7, [%[p], #160]\n\t"                                 \
    "vadd.f32 s12, s18, s2\n\t"                                 \
    "vadd.f32 s13, s19, s3\n\t"                                 \
    "vsub.f32 s14, s18, s2\n\t"                                 \
    "vsub.f32 s15, s19, s3\n\t"                                 \
    "vstr d6, [%[p], #64]\n\t"                                  \
    "vstr d7, [%[p], #192]\n\t"                                 \
    "vadd.f32 s12, s22, s10\n\t"                                \
    "vadd.f32 s13, s23, s11\n\t"                                \
    "vsub.f32 s14, s22, s10\n\t"                                \
    "vsub.f32 s15, s23, s11\n\t"                                \
    "vstr d6, [%[p], #96]\n\t"                                  \
    "vstr d7, [%[p], #224]\n\t"

#define MF_DSP_VFP_RADIX8_OPERANDS                                                            \
    : [p] "r"(p), [w] "r"(w), [h] "t"(half_root)                                              \
    : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", \
      "s14", "s15", "s16", "s17", "s18", "s19", "s20", "s21", "s22", "s23", "memory"

/* radix8_butterfly<twiddled> at p, twiddles W^(r j) at w, for eighth 4. */
template <bool twiddled>
__attribute__((always_inline)) inline void mf_dsp_vfp_radix8_eighth4(float *p, const float *w,
                                                                      float half_root) {
    if (twiddled) {
        __asm__ volatile(MF_DSP_VFP_RADIX8(MF_DSP_VFP_LOAD_ROTATE) : MF_DSP_VFP_RADIX8_OPERANDS);
    } else {
        __asm__ volatile(MF_DSP_VFP_RADIX8(MF_DSP_VFP_LOAD) : MF_DSP_VFP_RADIX8_OPERANDS);
    }
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

#undef MF_DSP_VFP_RADIX8_OPERANDS
#undef MF_DSP_VFP_RADIX8
#undef MF_DSP_VFP_LOAD
#undef MF_DSP_VFP_LOAD_ROTATE
#undef MF_DSP_VFP_ROTATE

#endif /* MF_DSP_FFT_VFP */

#endif /* MF_DSP_FFT_VFP_H */
