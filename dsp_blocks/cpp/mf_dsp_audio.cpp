/* mcuforge DSP runtime: MFCC, MFE and spectrogram, frame by frame, in the order of the Python
 * reference (dsp_blocks/mfcc.py, mfe.py, spectrogram.py). */
#include "mf_dsp_audio.h"

#include "mf_dsp_normalize.h"

int mf_dsp_mfcc_run(const mf_dsp_mfcc_config *config, const mf_dsp_audio_scratch *scratch,
                    const float *window, float *features) {
    if (!config || !scratch || !window || !features) return MF_DSP_ERROR_NULL_POINTER;
    const int n_filters = config->mel.n_filters;
    const int n_coefficients = config->n_coefficients;
    /* With normalisation the raw cepstrum goes to scratch first: each output frame needs its
     * unnormalised neighbours. */
    float *cepstrum = config->normalization_window_frames ? scratch->unnormalized : features;
    for (int t = 0; t < config->frames.n_frames; ++t) {
        mf_dsp_fill_frame(&config->frames, window, t, scratch->fft_buffer, config->fft.length);
        mf_dsp_power_spectrum(&config->fft, scratch->fft_buffer, scratch->power);
        mf_dsp_mel_energies(&config->mel, scratch->power, scratch->mel);
        for (int f = 0; f < n_filters; ++f) {
            scratch->mel[f] = mf_dsp_power_to_db(scratch->mel[f]);
        }
        for (int k = 0; k < n_coefficients; ++k) {
            const float *dct_row = &config->dct[k * n_filters];
            float sum = 0.0f;
            for (int f = 0; f < n_filters; ++f) sum += dct_row[f] * scratch->mel[f];
            cepstrum[t * n_coefficients + k] = sum;
        }
    }
    if (config->normalization_window_frames) {
        mf_dsp_sliding_normalize(cepstrum, config->frames.n_frames, n_coefficients,
                                 config->normalization_window_frames, config->normalize_variance,
                                 features);
    }
    return MF_DSP_OK;
}

int mf_dsp_mfe_run(const mf_dsp_mfe_config *config, const mf_dsp_audio_scratch *scratch,
                   const float *window, float *features) {
    if (!config || !scratch || !window || !features) return MF_DSP_ERROR_NULL_POINTER;
    const int n_filters = config->mel.n_filters;
    for (int t = 0; t < config->frames.n_frames; ++t) {
        mf_dsp_fill_frame(&config->frames, window, t, scratch->fft_buffer, config->fft.length);
        mf_dsp_power_spectrum(&config->fft, scratch->fft_buffer, scratch->power);
        mf_dsp_mel_energies(&config->mel, scratch->power, &features[t * n_filters]);
        for (int f = 0; f < n_filters; ++f) {
            float *value = &features[t * n_filters + f];
            *value = mf_dsp_scale_db(mf_dsp_power_to_db(*value), config->noise_floor_db,
                                     config->inverse_range);
        }
    }
    return MF_DSP_OK;
}

int mf_dsp_spectrogram_run(const mf_dsp_spectrogram_config *config,
                           const mf_dsp_audio_scratch *scratch, const float *window,
                           float *features) {
    if (!config || !scratch || !window || !features) return MF_DSP_ERROR_NULL_POINTER;
    const int n_bins = config->fft.length / 2 + 1;
    for (int t = 0; t < config->frames.n_frames; ++t) {
        mf_dsp_fill_frame(&config->frames, window, t, scratch->fft_buffer, config->fft.length);
        float *row = &features[t * n_bins];
        mf_dsp_power_spectrum(&config->fft, scratch->fft_buffer, row);
        for (int k = 0; k < n_bins; ++k) {
            row[k] = mf_dsp_scale_db(mf_dsp_power_to_db(row[k]), config->noise_floor_db,
                                     config->inverse_range);
        }
    }
    return MF_DSP_OK;
}
