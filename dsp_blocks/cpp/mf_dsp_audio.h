/* mcuforge DSP runtime: the audio blocks (MFCC, MFE, spectrogram), one generic run function each.
 * A generated config header fills the structs below from the block's parameters and owns the
 * static scratch buffers; see dsp_blocks/cpp_export.py.
 *
 * Per frame: a radix-8/4 real FFT whose first stage reads the frame, pre-emphasis (if any) and
 * window included, and whose powers stay in its own buffer (mf_dsp_real_fft_power), the sparse
 * mel filterbank, a libm-free log (mf_dsp_fast_ln; MFE and the spectrogram skip it where the
 * value clips to 0 or 1), then the block's last step. The generator folds
 * the constants into the tables: mel weights carry the 1 / (4 N) of the power spectrum, MFCC's
 * DCT rows carry the 10 / ln 10 of the dB conversion.
 *
 * Agreement with the Python blocks, per block (tests/dsp/test_cpp_parity_audio.py checks every
 * feature of shared clips, noise at three levels and a chirp):
 *   MFCC         |C++ - Python| <= 1e-3 x the range of the cepstra (measured: 1.2e-4 absolute,
 *                3e-7 of the range, on the default 1 s keyword clip);
 *   MFE          <= 1e-3 x the range of the features, which lie in [0, 1] (measured 3.4e-7);
 *   spectrogram  the same (measured 1.4e-6).
 * The float32 FFT's rounding differs from numpy's pocketfft; the log's error is 2e-6 dB at most
 * (mf_dsp_fast_ln); the fixed-point normalisation moves a mean by at most 2^-17.
 *
 * The fixed-point path (MF_DSP_FIXED_POINT, mf_dsp_fixed.h: MFCC, MFE and the spectrogram on
 * cores without an FPU) is held to the same 1e-3 x the range on 16-bit audio
 * (tests/dsp/test_cpp_parity_audio.py, test_fixed_point_build_matches_python). The model reads the features as int8 quantised over
 * about their range, one step = range / 255, so what matters is the fraction of a step:
 *   MFCC  measured at most 0.0057 absolute on the shared clips with the defaults (range 369:
 *         0.004 of a step; on average 0.0006 of a step, which is about the share of int8 inputs
 *         that land a step from the platform's; on espeak-ng speech 50 of 75 600); before the
 *         levels went from Q8 to Q16 0.03 there, 0.08 over the other settings tested, 0.013 on
 *         noise;
 *   MFE   measured at most 1.1e-4 on the clips and 2.5e-4 over the settings tested (0.06 of a
 *         step of 1 / 255);
 *   spectrogram  the bins' own powers through MFE's log2 and scaling (no filterbank, so each
 *         value carries one bin's rounding): measured 2.4e-5 on the default 1 s keyword clip
 *         (bench/dsp_device.py; 0.006 of a step);
 *   a pure synthetic chirp, whose quietest bands lie 105 dB below its tone, meets the path's
 *   arithmetic noise (about 110 dB below a frame's loudest bin): 0.14 of a step (MFCC 0.2 over
 *   a range of 369), 0.5 with variance normalisation (it divides by the small spread of the
 *   cepstra); the test allows one step for it. Recorded audio has its own noise far above that
 *   floor. Sources: 22-bit samples (the frame's own exponent), Q30 window, Q31 twiddles (rounded
 *   high words, halving per stage), powers whole (below 2^62), Q12 mel weights, the table log2
 *   (1.5e-4 dB), MFCC's int16 DCT weights.
 * The narrow products of an ARMv6-M core (MF_DSP_FIXED_NARROW_PRODUCTS: high words within 2
 * units instead of 0.5, their middle products floored apart to save a quarter of each product's
 * instructions; rounded, within 1.5, the chirp read 0.47 of a step and speech 0.00053) meet the
 * same tests: over their settings at most 4.1e-4 of the range on the recordings and noise (the
 * wide products: 2.6e-4), the chirp 0.74 of a step (0.36), MFCC's int8 inputs of speech 0.00071
 * of a step on average (0.00044).
 * Figures from bench/dsp_device.py. */
#ifndef MF_DSP_AUDIO_H
#define MF_DSP_AUDIO_H

#include <stdint.h>

#include "mf_dsp_common.h"
#include "mf_dsp_fft.h"
#include "mf_dsp_fixed.h"
#include "mf_dsp_frames.h"
#include "mf_dsp_mel.h"

/* Work areas, sized by the generator: fft_buffer fft_length + 2; mel n_filters (MFCC);
 * column n_frames (MFCC with normalisation); history n_frames x n_coefficients (the shifted
 * entry point of MFCC with normalisation: the unnormalised cepstra kept from call to call);
 * the fixed-point path's fixed_buffer (fft_length + 2) and log2_mel (n_filters, MFCC and MFE;
 * the spectrogram's levels go over fixed_buffer) in place of fft_buffer and mel. Unused ones
 * are 0. */
struct mf_dsp_audio_scratch {
    float *fft_buffer;
    float *mel;
    int64_t *column;
    float *history;
    int32_t *fixed_buffer;
    int32_t *log2_mel;
};

struct mf_dsp_mfcc_config {
    mf_dsp_frame_config frames;
    mf_dsp_real_fft fft;
    mf_dsp_mel_config mel;            /* weights include the power spectrum's 1 / (4 N) */
    int n_coefficients;
    const float *dct;                 /* n_coefficients x n_filters, orthonormal DCT-II rows
                                         times 10 / ln 10 */
    int normalization_window_frames;  /* 0: none */
    int normalize_variance;
    const mf_dsp_fixed_tables *fixed;  /* the fixed-point path's tables (0 in a float build) */
};

struct mf_dsp_mfe_config {
    mf_dsp_frame_config frames;
    mf_dsp_real_fft fft;
    mf_dsp_mel_config mel;  /* weights include the power spectrum's 1 / (4 N) */
    float noise_floor_db; /* in dB of the samples' units: dBFS floor + 20 log10(full scale) */
    float inverse_range;  /* 1 / (12 - dBFS floor) */
    const mf_dsp_fixed_tables *fixed;  /* the fixed-point path's tables (0 in a float build) */
};

struct mf_dsp_spectrogram_config {
    mf_dsp_frame_config frames;
    mf_dsp_real_fft fft;
    float noise_floor_db; /* in dB of the samples' units: dBFS floor + 20 log10(full scale) */
    float inverse_range;  /* 1 / (12 - dBFS floor) */
    const mf_dsp_fixed_tables *fixed;  /* the fixed-point path's tables, without mel weights
                                          (0 in a float build) */
};

/* features: n_frames x n_coefficients, row-major. */
int mf_dsp_mfcc_run(const mf_dsp_mfcc_config *config, const mf_dsp_audio_scratch *scratch,
                    const float *window, float *features);

/* features: n_frames x n_filters in [0, 1]. */
int mf_dsp_mfe_run(const mf_dsp_mfe_config *config, const mf_dsp_audio_scratch *scratch,
                   const float *window, float *features);

/* features: n_frames x (fft_length / 2 + 1) in [0, 1]. */
int mf_dsp_spectrogram_run(const mf_dsp_spectrogram_config *config,
                           const mf_dsp_audio_scratch *scratch, const float *window,
                           float *features);

/* Streaming: the same features, when `window` is the previous call's window moved forward by
 * `shifted_samples` (new samples at its end) and `features` still holds that call's result.
 * When the shift is a whole number of frame strides, the frames both windows share are moved,
 * not recomputed: only the frames that reach into the new samples are (plus frame 0 when there
 * is pre-emphasis: the window's first sample has no predecessor). Any other shift (0 included:
 * nothing to reuse) computes every frame. The result equals the plain run's exactly. */
int mf_dsp_mfcc_run_shifted(const mf_dsp_mfcc_config *config,
                            const mf_dsp_audio_scratch *scratch, const float *window,
                            int shifted_samples, float *features);
int mf_dsp_mfe_run_shifted(const mf_dsp_mfe_config *config, const mf_dsp_audio_scratch *scratch,
                           const float *window, int shifted_samples, float *features);
int mf_dsp_spectrogram_run_shifted(const mf_dsp_spectrogram_config *config,
                                   const mf_dsp_audio_scratch *scratch, const float *window,
                                   int shifted_samples, float *features);

/* Frames computed by the last run of this program, for tests and benchmarks of streaming. */
int mf_dsp_audio_frames_computed(void);

#endif /* MF_DSP_AUDIO_H */
