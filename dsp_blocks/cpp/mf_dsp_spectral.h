/* mcuforge DSP runtime: spectral analysis of motion/vibration windows (dsp_blocks/spectral.py). */
#ifndef MF_DSP_SPECTRAL_H
#define MF_DSP_SPECTRAL_H

#include "mf_dsp_common.h"
#include "mf_dsp_fft.h"

struct mf_dsp_spectral_config {
    int n_samples;
    int n_axes;
    double scale;
    int n_sections;           /* Butterworth second-order sections; 0 for no filter */
    const float *sos;         /* n_sections x [b0 b1 b2 a0 a1 a2], a0 = 1 */
    mf_dsp_fft_plan fft;      /* Welch segment length = fft.length, hop = length / 2 */
    const float *segment_window;  /* periodic Hann, fft.length */
    int n_segments;
    int n_power_bands;
    int n_peaks;
    float sample_rate_hz;
    int log_powers;
    /* With log_powers: log powers are floored at this ratio times the axis' strongest band
     * power, and lower local maxima are not peaks (10^(-dB/10) of the dynamic range; 0: only
     * the fixed 1e-10 floor). */
    float log_power_floor_ratio;
};

/* Work areas: signal n_samples, fft_buffer fft.length, power and power_sum fft.length/2+1. */
struct mf_dsp_spectral_scratch {
    float *signal;
    float *fft_buffer;
    float *power;
    float *power_sum;
};

/* Applies second-order sections (direct form II transposed, zero initial state) in place. */
void mf_dsp_sos_filter(const float *sos, int n_sections, float *signal, int n_samples);

/* features, per axis: rms, skewness, kurtosis, n_power_bands band powers,
 * n_peaks (frequency Hz, power) pairs. */
int mf_dsp_spectral_run(const mf_dsp_spectral_config *config,
                        const mf_dsp_spectral_scratch *scratch, const float *window,
                        float *features);

#endif /* MF_DSP_SPECTRAL_H */
