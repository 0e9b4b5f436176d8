/* mcuforge DSP runtime: power spectra of real frames.
 *
 * Two transforms live here:
 * - mf_dsp_power_spectrum: a plain radix-2 FFT over cos/sin tables (the spectral block's).
 * - mf_dsp_real_fft_power: the audio blocks' fast path, a radix-8/4 complex FFT of N/2 points with
 *   every table (twiddles, input order) precomputed for the build's one FFT length. */
#ifndef MF_DSP_FFT_H
#define MF_DSP_FFT_H

#include <stdint.h>

#include "mf_dsp_frames.h"

/* Twiddles of the N-point transform: cos_table[k] = cos(2 pi k / N), sin_table[k] = sin(2 pi k / N),
 * k < N / 2, precomputed by the generator so no trigonometry runs on the device. */
struct mf_dsp_fft_plan {
    int length;
    const float *cos_table;
    const float *sin_table;
};

/* power[k] = |X[k]|^2 / N for k = 0..N/2, X the DFT of the N real samples in `buffer`.
 * `buffer` (N floats) is used as the work area and is overwritten. */
void mf_dsp_power_spectrum(const mf_dsp_fft_plan *plan, float *buffer, float *power);

/* The fast real FFT of N = `length` samples (a power of two, at least 4), read as M = N/2 complex
 * points z[k] = x[2k] + i x[2k+1]. Tables, all generated for this N:
 *   bit_reversed  M entries, k with its log2(M) bits reversed: the input pass reads z[k] into
 *                 position bit_reversed[k], so the in-place FFT needs no permutation pass and
 *                 ends in natural order;
 *   twiddles      (re, im) pairs in the order the stages read them: after the first stage
 *                 (adds only; span 4 when M is a power of 4, else 2), radix-4 stages while the
 *                 bits left are not a multiple of 3, then radix-8 ones (256 points: 4, 8, 8);
 *                 a radix-4 stage of span L reads W_L^j, W_L^2j, W_L^3j for j = 0..L/4 - 1,
 *                 a radix-8 stage W_L^rj, r = 1..7, for j = 1..L/8 - 1 (see cpp_export.py);
 *   split         exp(-2 pi i k / N) as (re, im) pairs, k <= M/2 (the step from the M-point
 *                 complex spectrum to the N-point real one). */
struct mf_dsp_real_fft {
    int length;
    const uint16_t *bit_reversed;
    const float *twiddles;
    const float *split;
};

/* The power spectrum of one frame (zero-padded to N), in `buffer` (N + 2 floats):
 * buffer[2k] = 4 |X[k]|^2 for k = 0..N/2, four times the squared magnitude (the halves of the
 * split step are folded into whoever scales the power: mel weights or dB offset), every second
 * float, because each power is written where the value it came from was just read.
 * The frame's samples are read, pre-emphasised and windowed by the FFT's first stage itself. */
void mf_dsp_real_fft_power(const mf_dsp_real_fft *plan, const mf_dsp_frame_samples *frame,
                           float *buffer);

#endif /* MF_DSP_FFT_H */
