/* mcuforge DSP runtime: the audio blocks' fixed-point path, for cores without an FPU.
 *
 * Selected at build time by MF_DSP_FIXED_POINT (mf_dsp_common.h: on by default for an ARM
 * target without __ARM_FP, e.g. Cortex-M0+/M3, or an M4 built with -mfloat-abi=soft). Per frame:
 *   - the frame's samples (floats, any scale) become int32 with one exponent for the frame
 *     (block floating point): its largest magnitude lands in [2^(b-1), 2^b), read from the
 *     float's bits, so no soft-float routine runs and a frame's result depends on its samples
 *     only (streaming reuses frames exactly); b = 27 - log2(N/2) + the bits the stages shift
 *     out, at most 23 (23 bits for a 512-point FFT), the most that keeps every value below 2^31;
 *   - pre-emphasis in Q15 and the Hann window in Q30 (a Q15 window's rounding, ~1e-5 of each
 *     sample, would be a noise floor 100 dB below the frame's peak; without pre-emphasis, as
 *     MFE's, a sample's mantissa and its weight are one 32 x 32-bit product, rounded once),
 *     then the float path's radix-8/4 complex FFT of N/2 points on int32: a first stage of
 *     adds, then radix-4 stages whose twiddle products are the rounded high words of 64-bit
 *     products with Q31 twiddles (one SMULL on ARMv7-M), every output halved, and radix-8
 *     stages (the 512-point FFT's two after the first) whose outputs are quartered, the
 *     products rounded at bit 33 (truncating instead of rounding doubled the differences on a
 *     chirp);
 *   - powers as uint64, whole (the split step in Q30; below 2^62), mel energies as sums of
 *     their Q12-weighted low and high words apart (two 64-bit sums, one UMLAL a word; on
 *     ARMv6-M four 32-bit sums of 16-bit parts), log2 from a 64-entry table with linear
 *     interpolation (error below 5e-5, i.e. 1.5e-4 dB), MFCC's levels in Q16 through an
 *     integer DCT (one 64-bit multiply-accumulate a filter; on ARMv6-M two 32-bit sums: the
 *     levels' Q6 part and their low 10 bits), its cepstra kept in Q16 through the sliding
 *     normalisation.
 * Its precision keeps the quiet bands that a 16-bit FFT (about 90 dB below the frame's loudest
 * bin) would bury in its rounding: MFE's range reaches 64 dB below +12 dB, and MFCC reads every
 * band. On an ARMv6-M core (Cortex-M0+, no 32 x 32 -> 64-bit multiply) the products are narrow
 * (MF_DSP_FIXED_NARROW_PRODUCTS): high words from three 16 x 16-bit MULS, within 2 units
 * (the wide path's: 0.5), exact pre-emphasis and powers, no __muldi3 call; the same tolerances
 * hold (the tests run both). On Thumb-2 cores with 64-bit products (ARMv7-M and later) the
 * frame scan, the frame's load (with the first stage, or the pre-emphasis), the split step and the
 * mel sums are inline assembly computing the C++'s values bit for bit (MF_DSP_FIXED_NO_ASM builds
 * the C++ instead; so does a frame whose largest magnitude is near the float range's end).
 * Tolerances against the Python blocks: see mf_dsp_audio.h. */
#ifndef MF_DSP_FIXED_H
#define MF_DSP_FIXED_H

#include <stdint.h>

#include "mf_dsp_common.h"
#include "mf_dsp_fft.h"
#include "mf_dsp_frames.h"
#include "mf_dsp_mel.h"

/* The generated tables of one block's fixed-point path. */
struct mf_dsp_fixed_tables {
    const int32_t *window;        /* frame_length Hann weights, Q30 */
    int32_t pre_emphasis;         /* Q15 */
    const int32_t *twiddles;      /* the float plan's twiddles, Q31 (re, im) pairs, 1 as 2^31 - 1 */
    const int32_t *split;         /* the float plan's split twiddles, Q30 pairs */
    const uint16_t *mel_weights;  /* the float filterbank's weights / largest weight x 2^mel_q
                                     (0 for the spectrogram) */
    int32_t log2_scale_q16;       /* log2(largest weight / (N 2^mel_q)), Q16: what turns the
                                     integer sums into the Python block's |X|^2 / N energies;
                                     the spectrogram's, without mel weights, log2(1 / N) */
    const int16_t *dct;           /* MFCC: DCT rows x 10 log10(2), Q(dct_q); else 0 */
    const int32_t *dct_row_sums;  /* MFCC: each row of `dct` summed */
    int dct_q;
};

/* Frame `frame` through the FFT: the powers |2X[k]|^2 2^(2S), k = 0..N/2, as uint64 in the
 * buffer's slots 2k (low word) and 2k + 1 (high word); returns S, the frame's exponent (below
 * -1000 for a frame of zeros, whose powers are not written). `buffer`: fft_length + 2 int32. */
int mf_dsp_fixed_power(const mf_dsp_frame_samples *frame, const mf_dsp_real_fft *plan,
                       const mf_dsp_fixed_tables *tables, int32_t *buffer);

/* log2 of each bin's power of one frame, in Q16 (the Python spectrogram's |X|^2 / N, with
 * `tables->log2_scale_q16` = -log2 N), floored at log2(1e-10): n_bins = fft_length / 2 + 1
 * values written over the start of `buffer` (fft_length + 2 int32 of work). */
void mf_dsp_fixed_log2_power(const mf_dsp_frame_samples *frame, const mf_dsp_real_fft *plan,
                             const mf_dsp_fixed_tables *tables, int32_t *buffer);

/* log2 of each mel energy of one frame, in Q16 (the Python block's energies, |X|^2 / N through
 * the filterbank), floored at log2(1e-10) as the Python block floors at -100 dB.
 * `buffer`: fft_length + 2 int32 of work. */
void mf_dsp_fixed_log2_mel(const mf_dsp_frame_samples *frame, const mf_dsp_real_fft *plan,
                           const mf_dsp_mel_config *mel,
                           const mf_dsp_fixed_tables *tables, int32_t *buffer,
                           int32_t *log2_energies);

/* log2 of a 64-bit value (> 0), Q16. */
int32_t mf_dsp_fixed_log2(uint32_t high, uint32_t low);

/* log2(1e-10) in Q16: the -100 dB floor. */
#define MF_DSP_FIXED_LOG2_FLOOR_Q16 (-2177060)

#endif /* MF_DSP_FIXED_H */
