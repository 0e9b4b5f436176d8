/* mcuforge DSP runtime: the audio blocks (MFCC, MFE, spectrogram), one generic run function each.
 * A generated config header fills the structs below from the block's parameters and owns the
 * static scratch buffers; see dsp_blocks/cpp_export.py. */
#ifndef MF_DSP_AUDIO_H
#define MF_DSP_AUDIO_H

#include "mf_dsp_common.h"
#include "mf_dsp_fft.h"
#include "mf_dsp_frames.h"
#include "mf_dsp_mel.h"

/* Work areas, sized by the generator: fft_buffer fft_length, power fft_length/2+1,
 * mel n_filters, unnormalized n_frames * n_coefficients (MFCC with normalisation only). */
struct mf_dsp_audio_scratch {
    float *fft_buffer;
    float *power;
    float *mel;
    float *unnormalized;
};

struct mf_dsp_mfcc_config {
    mf_dsp_frame_config frames;
    mf_dsp_fft_plan fft;
    mf_dsp_mel_config mel;
    int n_coefficients;
    const float *dct;                 /* n_coefficients x n_filters, orthonormal DCT-II rows */
    int normalization_window_frames;  /* 0: none */
    int normalize_variance;
};

struct mf_dsp_mfe_config {
    mf_dsp_frame_config frames;
    mf_dsp_fft_plan fft;
    mf_dsp_mel_config mel;
    float noise_floor_db; /* in dB of the samples' units: dBFS floor + 20 log10(full scale) */
    float inverse_range;  /* 1 / (12 - dBFS floor) */
};

struct mf_dsp_spectrogram_config {
    mf_dsp_frame_config frames;
    mf_dsp_fft_plan fft;
    float noise_floor_db; /* in dB of the samples' units: dBFS floor + 20 log10(full scale) */
    float inverse_range;  /* 1 / (12 - dBFS floor) */
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

#endif /* MF_DSP_AUDIO_H */
