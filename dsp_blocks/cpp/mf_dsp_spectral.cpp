/* mcuforge DSP runtime: spectral analysis, axis by axis, in the order of dsp_blocks/spectral.py. */
#include "mf_dsp_spectral.h"

#include <math.h>

#include "mf_dsp_stats.h"

void mf_dsp_sos_filter(const float *sos, int n_sections, float *signal, int n_samples) {
    for (int s = 0; s < n_sections; ++s) {
        const float *c = &sos[6 * s];
        const double b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[4], a2 = c[5];
        double z1 = 0.0, z2 = 0.0;
        for (int t = 0; t < n_samples; ++t) {
            const double x = signal[t];
            const double y = b0 * x + z1;
            z1 = b1 * x - a1 * y + z2;
            z2 = b2 * x - a2 * y;
            signal[t] = (float)y;
        }
    }
}

/* Adds |DFT|^2 / N of one Hann-windowed segment to power_sum (n / 2 + 1 bins), in double.
 *
 * Precision, not speed (issue 14): behind a low-pass, the upper bands hold ~1e-8 of the power.
 * A float32 FFT's rounding of the strong low band (~1e-7 of its amplitude) adds to their
 * amplitude and moves their log10 by up to ~2e-4 from the platform's float64 (the anomaly
 * score standardises features and read 1.7e-5 off). In double, with double twiddles (a phasor
 * rotated per sample from cos/sin of the bin's step), the device and the platform agree to
 * float32 rounding of each bin. A direct DFT, O(n^2): no double buffer to size, and for motion
 * windows (n = 16...128) a few thousand products per segment. */
static void welch_segment_power(const float *segment, const float *window, int n,
                                float *power_sum) {
    const double two_pi = 6.283185307179586476925286766559;
    for (int k = 0; k <= n / 2; ++k) {
        const double step_cos = cos(two_pi * k / n), step_sin = sin(two_pi * k / n);
        double phasor_cos = 1.0, phasor_sin = 0.0, real = 0.0, imaginary = 0.0;
        for (int i = 0; i < n; ++i) {
            const double x = (double)segment[i] * (double)window[i];
            real += x * phasor_cos;
            imaginary -= x * phasor_sin;
            const double next_cos = phasor_cos * step_cos - phasor_sin * step_sin;
            phasor_sin = phasor_cos * step_sin + phasor_sin * step_cos;
            phasor_cos = next_cos;
        }
        power_sum[k] += (float)((real * real + imaginary * imaginary) / n);
    }
}

static float log_power(float power, int log_powers) {
    if (!log_powers) return power;
    return log10f(power > 1e-10f ? power : 1e-10f);
}

int mf_dsp_spectral_run(const mf_dsp_spectral_config *config,
                        const mf_dsp_spectral_scratch *scratch, const float *window,
                        float *features) {
    if (!config || !scratch || !window || !features) return MF_DSP_ERROR_NULL_POINTER;
    const int n = config->n_samples;
    const int fft_length = config->fft.length;
    const int n_bins = fft_length / 2 + 1;
    const int hop = fft_length / 2;
    float *out = features;
    for (int axis = 0; axis < config->n_axes; ++axis) {
        /* Scale, remove the mean (so a high-pass starts without a step), filter. */
        const mf_dsp_moments raw = mf_dsp_axis_moments(window, n, config->n_axes, axis,
                                                       config->scale);
        for (int t = 0; t < n; ++t) {
            scratch->signal[t] = (float)((double)window[t * config->n_axes + axis] * config->scale
                                         - raw.mean);
        }
        mf_dsp_sos_filter(config->sos, config->n_sections, scratch->signal, n);

        const mf_dsp_moments moments = mf_dsp_axis_moments(scratch->signal, n, 1, 0, 1.0);
        *out++ = (float)sqrt(moments.mean_square);
        *out++ = (float)mf_dsp_skewness(&moments);
        *out++ = (float)mf_dsp_excess_kurtosis(&moments);

        /* Welch: average |DFT|^2 / N of Hann-windowed, half-overlapping segments. */
        for (int k = 0; k < n_bins; ++k) scratch->power_sum[k] = 0.0f;
        for (int s = 0; s < config->n_segments; ++s) {
            welch_segment_power(&scratch->signal[s * hop], config->segment_window, fft_length,
                                scratch->power_sum);
        }
        const float *power = scratch->power_sum;
        for (int k = 0; k < n_bins; ++k) {
            scratch->power_sum[k] /= (float)config->n_segments;
        }

        /* Bin k belongs to band k * n_bands / n_bins. */
        for (int b = 0; b < config->n_power_bands; ++b) {
            float band = 0.0f;
            for (int k = 0; k < n_bins; ++k) {
                if (k * config->n_power_bands / n_bins == b) band += power[k];
            }
            *out++ = log_power(band, config->log_powers);
        }

        /* Highest local maxima first; a strict '>' keeps the lower bin on ties. */
        int previous_bin = -1;
        float previous_height = 0.0f;
        for (int p = 0; p < config->n_peaks; ++p) {
            int best = -1;
            for (int k = 1; k < n_bins - 1; ++k) {
                if (!(power[k] > power[k - 1] && power[k] >= power[k + 1])) continue;
                /* Only peaks after the previous pick in (height desc, bin asc) order. */
                if (previous_bin >= 0 && (power[k] > previous_height ||
                                          (power[k] == previous_height && k <= previous_bin))) {
                    continue;
                }
                if (best < 0 || power[k] > power[best]) best = k;
            }
            if (best < 0) {
                *out++ = 0.0f;
                *out++ = 0.0f;
                continue;
            }
            previous_bin = best;
            previous_height = power[best];
            *out++ = (float)best * config->sample_rate_hz / (float)fft_length;
            *out++ = log_power(power[best], config->log_powers);
        }
    }
    return MF_DSP_OK;
}
