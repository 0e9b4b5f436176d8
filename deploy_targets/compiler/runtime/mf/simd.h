// mcuforge runtime: the packed 16-bit multiply-accumulate instructions of the Cortex-M4/M7 DSP
// extension (ACLE <arm_acle.h>), with portable C++ twins so the fast kernels also build on hosts.
#ifndef MF_SIMD_H
#define MF_SIMD_H

#include <stdint.h>
#include <string.h>

#include "mf/fixed_point.h"

// MF_FAST_KERNELS selects the fast paths of conv.h and depthwise_conv.h. They are on by default
// where the DSP extension exists (Cortex-M4/M7/M33); -DMF_FAST_KERNELS=0 forces the reference
// loops there, and -DMF_FAST_KERNELS=1 runs the fast paths on a host with the portable twins
// below (how the tests compare both paths byte for byte without an ARM core).
#ifndef MF_FAST_KERNELS
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define MF_FAST_KERNELS 1
#else
#define MF_FAST_KERNELS 0
#endif
#endif

// The fast kernels' hot loops are compiled with -O2 whatever the library's flags (gcc; the
// estimator builds with -Os, whose register allocation spills the accumulators of the SMLAD
// loops to the stack). Other compilers use the library's own flags.
#if defined(__GNUC__) && !defined(__clang__)
#define MF_HOT_LOOP __attribute__((optimize("O2")))
#else
#define MF_HOT_LOOP
#endif

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define MF_SIMD_ACLE 1
#else
#define MF_SIMD_ACLE 0
#endif

namespace mf {
namespace simd {

// Four int8 values as one 32-bit word; unaligned reads are allowed on Cortex-M3 and later, and
// memcpy compiles to one LDR there.
MF_ALWAYS_INLINE int32_t read_s8x4(const int8_t* source) {
  int32_t word;
  memcpy(&word, source, sizeof(word));
  return word;
}

// Two int16 values as one word, low half first (the order SMLAD pairs them in).
MF_ALWAYS_INLINE int32_t pack_s16x2(int32_t low, int32_t high) {
  return static_cast<int32_t>((static_cast<uint32_t>(low) & 0xFFFFu) |
                              (static_cast<uint32_t>(high) << 16));
}

MF_ALWAYS_INLINE int32_t low_s16(int32_t word) { return static_cast<int16_t>(word & 0xFFFF); }
MF_ALWAYS_INLINE int32_t high_s16(int32_t word) {
  return static_cast<int16_t>(static_cast<uint32_t>(word) >> 16);
}

MF_ALWAYS_INLINE int32_t rotate_right_8(int32_t word) {
  const uint32_t bits = static_cast<uint32_t>(word);
  return static_cast<int32_t>((bits >> 8) | (bits << 24));
}

#if MF_SIMD_ACLE

// Bytes 0 and 2 sign-extended to the low and high halfwords.
MF_ALWAYS_INLINE int32_t sxtb16(int32_t word) { return __sxtb16(word); }
// Halfword-wise pair + sxtb16(word), without carries between the halves.
MF_ALWAYS_INLINE int32_t sxtab16(int32_t pair, int32_t word) { return __sxtab16(pair, word); }
// accumulator + low*low + high*high of two int16 pairs.
MF_ALWAYS_INLINE int32_t smlad(int32_t a, int32_t b, int32_t accumulator) {
  return __smlad(a, b, accumulator);
}
MF_ALWAYS_INLINE int32_t smlabb(int32_t a, int32_t b, int32_t accumulator) {
  return __smlabb(a, b, accumulator);
}
MF_ALWAYS_INLINE int32_t smlatt(int32_t a, int32_t b, int32_t accumulator) {
  return __smlatt(a, b, accumulator);
}
// The low halves of a and b, a's low (PKHBT with LSL #16).
MF_ALWAYS_INLINE int32_t low_halves(int32_t a, int32_t b) {
  int32_t result;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(result) : "r"(a), "r"(b));
  return result;
}
// The high halves of a and b, a's low (PKHTB with ASR #16).
MF_ALWAYS_INLINE int32_t high_halves(int32_t a, int32_t b) {
  int32_t result;
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(result) : "r"(b), "r"(a));
  return result;
}
// x clamped to [-128, 127] (SSAT #8).
MF_ALWAYS_INLINE int32_t saturate_s8(int32_t x) { return __ssat(x, 8); }
// Bytes 1 and 3 sign-extended: SXTB16 with its ROR #8 operand, which gcc does not fold from
// __sxtb16 of a rotated word (one instruction instead of two).
MF_ALWAYS_INLINE int32_t sxtb16_odd(int32_t word) {
  int32_t result;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(result) : "r"(word));
  return result;
}
MF_ALWAYS_INLINE int32_t sxtab16_odd(int32_t pair, int32_t word) {
  int32_t result;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(result) : "r"(pair), "r"(word));
  return result;
}

#else

MF_ALWAYS_INLINE int32_t sxtb16(int32_t word) {
  const uint32_t bits = static_cast<uint32_t>(word);
  return pack_s16x2(static_cast<int8_t>(bits & 0xFFu), static_cast<int8_t>((bits >> 16) & 0xFFu));
}
MF_ALWAYS_INLINE int32_t sxtab16(int32_t pair, int32_t word) {
  const int32_t extended = sxtb16(word);
  return pack_s16x2(low_s16(pair) + low_s16(extended), high_s16(pair) + high_s16(extended));
}
// The sum is taken modulo 2^32 as the instruction does (it only sets the Q flag on overflow).
MF_ALWAYS_INLINE int32_t smlad(int32_t a, int32_t b, int32_t accumulator) {
  const uint32_t sum = static_cast<uint32_t>(accumulator) +
                       static_cast<uint32_t>(low_s16(a) * low_s16(b)) +
                       static_cast<uint32_t>(high_s16(a) * high_s16(b));
  return static_cast<int32_t>(sum);
}
MF_ALWAYS_INLINE int32_t smlabb(int32_t a, int32_t b, int32_t accumulator) {
  return static_cast<int32_t>(static_cast<uint32_t>(accumulator) +
                              static_cast<uint32_t>(low_s16(a) * low_s16(b)));
}
MF_ALWAYS_INLINE int32_t smlatt(int32_t a, int32_t b, int32_t accumulator) {
  return static_cast<int32_t>(static_cast<uint32_t>(accumulator) +
                              static_cast<uint32_t>(high_s16(a) * high_s16(b)));
}
MF_ALWAYS_INLINE int32_t low_halves(int32_t a, int32_t b) {
  return static_cast<int32_t>((static_cast<uint32_t>(a) & 0xFFFFu) |
                              (static_cast<uint32_t>(b) << 16));
}
MF_ALWAYS_INLINE int32_t high_halves(int32_t a, int32_t b) {
  return static_cast<int32_t>((static_cast<uint32_t>(b) & 0xFFFF0000u) |
                              (static_cast<uint32_t>(a) >> 16));
}

MF_ALWAYS_INLINE int32_t saturate_s8(int32_t x) { return clamp_i32(x, -128, 127); }

// Bytes 1 and 3 sign-extended.
MF_ALWAYS_INLINE int32_t sxtb16_odd(int32_t word) { return sxtb16(rotate_right_8(word)); }
MF_ALWAYS_INLINE int32_t sxtab16_odd(int32_t pair, int32_t word) {
  return sxtab16(pair, rotate_right_8(word));
}

#endif

}  // namespace simd
}  // namespace mf

#endif  // MF_SIMD_H
