/* mcuforge DSP runtime: return codes and helpers shared by every block. C++11, no heap. */
#ifndef MF_DSP_COMMON_H
#define MF_DSP_COMMON_H

#include <stdint.h>
#include <string.h>

/* The audio blocks' arithmetic: 1 selects the fixed-point path (mf_dsp_fixed.h) for MFCC and MFE,
 * 0 the float one. Defaults to fixed point on an ARM core without an FPU (Cortex-M0+, M3, or an
 * M4 built for soft float), where every float operation is a library call; define it (-D) to
 * choose. */
#ifndef MF_DSP_FIXED_POINT
#if defined(__arm__) && !defined(__ARM_FP)
#define MF_DSP_FIXED_POINT 1
#else
#define MF_DSP_FIXED_POINT 0
#endif
#endif

/* 1: the fixed-point path builds its 64-bit products from 16-bit halves (32-bit MULS only), for
 * a core without a 32 x 32 -> 64-bit multiply (ARMv6-M: Cortex-M0/M0+, where each would be a
 * __muldi3 call). Defaults to that core; define it (-D) to test that arithmetic elsewhere. */
#ifndef MF_DSP_FIXED_NARROW_PRODUCTS
#if defined(__ARM_ARCH_6M__)
#define MF_DSP_FIXED_NARROW_PRODUCTS 1
#else
#define MF_DSP_FIXED_NARROW_PRODUCTS 0
#endif
#endif

/* In generated configs: an initialiser that only one of the two paths has (0 in the other). */
#if MF_DSP_FIXED_POINT
#define MF_DSP_FIXED_ONLY(x) x
#define MF_DSP_FLOAT_ONLY(x) 0
#else
#define MF_DSP_FIXED_ONLY(x) 0
#define MF_DSP_FLOAT_ONLY(x) x
#endif

enum {
    MF_DSP_OK = 0,
    MF_DSP_ERROR_NULL_POINTER = -1
};

/* 10 log10(max(power, 1e-10)): the same floor (-100 dB) as the Python blocks. */
float mf_dsp_power_to_db(float power);

/* clip((db - noise_floor_db) * inverse_range, 0, 1): 0 at the noise floor, 1 at +12 dB. */
float mf_dsp_scale_db(float db, float noise_floor_db, float inverse_range);

/* Natural log of a positive, normal, finite x, without libm: x = 2^e m with m in [sqrt(1/2),
 * sqrt(2)), ln x = e ln 2 + ln(1 + r), r = m - 1, and ln(1 + r) = r - r^2/2 + r^3 Q(r) with Q a
 * degree-5 Chebyshev fit. Error, measured over 4 M values from 1e-10 to FLT_MAX: at most
 * 4.6e-7 plus one float32 ulp of the result (the float32 product e ln 2 alone rounds by that ulp),
 * i.e. 2e-6 dB plus an ulp after 10 / ln 10. About 20
 * instructions on a Cortex-M4F against ~150 for newlib's logf, and no double or libm code on a
 * core without an FPU. Callers keep x above their floor (1e-10 or more), so it is never 0,
 * subnormal, infinite or NaN. Always inlined (-Os would call it): it runs once per mel filter
 * or spectrogram bin of every frame. */
#if defined(__GNUC__)
#define MF_DSP_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define MF_DSP_ALWAYS_INLINE inline
#endif

/* x = 2^e m as above: e into *exponent, r = m - 1 returned. */
MF_DSP_ALWAYS_INLINE float mf_dsp_ln_reduce(float x, float *exponent) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    /* Subtracting the bits of sqrt(1/2) puts the exponent of x / sqrt(1/2) in the top bits. */
    const uint32_t offset = bits - 0x3F3504F3u;
    *exponent = static_cast<float>(static_cast<int32_t>(offset) >> 23);
    const uint32_t mantissa_bits = (offset & 0x007FFFFFu) + 0x3F3504F3u;
    float m;
    memcpy(&m, &mantissa_bits, sizeof m);
    return m - 1.0f;
}

MF_DSP_ALWAYS_INLINE float mf_dsp_fast_ln(float x) {
    float exponent;
    const float r = mf_dsp_ln_reduce(x, &exponent);
    float q = -0.107436821f;
    q = q * r + 0.159031495f;
    q = q * r - 0.169733062f;
    q = q * r + 0.199401349f;
    q = q * r - 0.249925420f;
    q = q * r + 0.333336979f;
    const float r2 = r * r;
    return exponent * 0.693147182f + (r - 0.5f * r2 + r2 * r * q);
}

#endif /* MF_DSP_COMMON_H */
