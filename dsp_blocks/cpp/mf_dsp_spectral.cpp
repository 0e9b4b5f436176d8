/* mcuforge DSP runtime: spectral analysis, axis by axis, in the order of dsp_blocks/spectral.py.
 *
 * Everything runs in single precision: a Cortex-M4F's FPU has no double-precision unit, and the
 * double moments this block used before were ~85 % of its instructions (soft-float calls). The
 * sums that need more than float's 24 bits (the mean of an axis with a large offset, the
 * moments) are compensated (Kahan), which keeps their error at about one float rounding. */
#include "mf_dsp_spectral.h"

#include <math.h>

void mf_dsp_sos_filter(const float *sos, int n_sections, float *signal, int n_samples) {
    for (int s = 0; s < n_sections; ++s) {
        const float *c = &sos[6 * s];
        const float b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[4], a2 = c[5];
        float z1 = 0.0f, z2 = 0.0f;
        for (int t = 0; t < n_samples; ++t) {
            const float x = signal[t];
            const float y = b0 * x + z1;
            z1 = b1 * x - a1 * y + z2;
            z2 = b2 * x - a2 * y;
            signal[t] = y;
        }
    }
}

/* A float sum that carries its own rounding error (Kahan): `sum - error` is the exact total to
 * within about one float rounding, whatever the number of terms. */
struct compensated_sum {
    float sum, error;
};

static void add_compensated(compensated_sum *total, float value) {
    const float corrected = value - total->error;
    const float next = total->sum + corrected;
    total->error = (next - total->sum) - corrected;
    total->sum = next;
}

/* Samples per block of the sums below: a block is summed in plain float (at most 7 roundings of
 * terms of one block), the block sums are compensated. Costs a Kahan step per 8 samples, not one
 * per sample, for the same accuracy to within a few float roundings. */
#define MF_DSP_SPECTRAL_SUM_BLOCK 8

/* x * scale - offset, rounded once where the FPU fuses multiply and add (VFMA on the Cortex-M4F,
 * M7 and M33); elsewhere rounded twice, because a core without an FPU would emulate fmaf in
 * double precision (~800 instructions a call on the Cortex-M0+). With scale 1 both are exact. */
static inline float scaled_minus(float x, float scale, float offset) {
#if defined(__ARM_FEATURE_FMA) || defined(FP_FAST_FMAF)
    return fmaf(x, scale, -offset);
#else
    return x * scale - offset;
#endif
}

/* The mean of v[t] = window[t * n_axes + axis] * scale, as offset + mean of (v - offset) with
 * offset = v[0]: the deviations are summed, not the values, so an axis with a large offset
 * (gravity on an accelerometer) loses nothing to it, and a constant axis gives exactly 0. */
struct axis_mean {
    float offset, mean_deviation;
};

static axis_mean scaled_axis_mean(const float *window, int n_samples, int n_axes, int axis,
                                  float scale) {
    axis_mean result;
    result.offset = window[axis] * scale;
    compensated_sum total = {0.0f, 0.0f};
    for (int start = 0; start < n_samples; start += MF_DSP_SPECTRAL_SUM_BLOCK) {
        const int end = start + MF_DSP_SPECTRAL_SUM_BLOCK < n_samples
                            ? start + MF_DSP_SPECTRAL_SUM_BLOCK : n_samples;
        float block = 0.0f;
        for (int t = start; t < end; ++t) {
            block += scaled_minus(window[t * n_axes + axis], scale, result.offset);
        }
        add_compensated(&total, block);
    }
    result.mean_deviation = (total.sum - total.error) / (float)n_samples;
    return result;
}

/* signal[t] = window[t * n_axes + axis] * scale minus its mean over t. */
static void centred_axis(const float *window, int n_samples, int n_axes, int axis, float scale,
                         float *signal) {
    const axis_mean mean = scaled_axis_mean(window, n_samples, n_axes, axis, scale);
    for (int t = 0; t < n_samples; ++t) {
        signal[t] =
            scaled_minus(window[t * n_axes + axis], scale, mean.offset) - mean.mean_deviation;
    }
}

/* Population moments of one filtered axis, float with compensated block sums. */
struct spectral_moments {
    float m2, m3, m4, mean_square;
};

static spectral_moments axis_moments(const float *signal, int n_samples) {
    const axis_mean centre = scaled_axis_mean(signal, n_samples, 1, 0, 1.0f);
    const float mean = centre.offset + centre.mean_deviation;
    compensated_sum m2 = {0.0f, 0.0f}, m3 = {0.0f, 0.0f}, m4 = {0.0f, 0.0f};
    for (int start = 0; start < n_samples; start += MF_DSP_SPECTRAL_SUM_BLOCK) {
        const int end = start + MF_DSP_SPECTRAL_SUM_BLOCK < n_samples
                            ? start + MF_DSP_SPECTRAL_SUM_BLOCK : n_samples;
        float s2 = 0.0f, s3 = 0.0f, s4 = 0.0f;
        for (int t = start; t < end; ++t) {
            const float d = (signal[t] - centre.offset) - centre.mean_deviation;
            const float d2 = d * d;
            s2 += d2;
            s3 += d2 * d;
            s4 += d2 * d2;
        }
        add_compensated(&m2, s2);
        add_compensated(&m3, s3);
        add_compensated(&m4, s4);
    }
    const float inverse_n = 1.0f / (float)n_samples;
    spectral_moments moments;
    moments.m2 = (m2.sum - m2.error) * inverse_n;
    moments.m3 = (m3.sum - m3.error) * inverse_n;
    moments.m4 = (m4.sum - m4.error) * inverse_n;
    /* E[x^2] = m2 + mean^2 */
    moments.mean_square = moments.m2 + mean * mean;
    return moments;
}

static float skewness(const spectral_moments &moments) {
    if (!(moments.m2 > 0.0f)) return 0.0f;
    return moments.m3 / (moments.m2 * sqrtf(moments.m2));
}

static float excess_kurtosis(const spectral_moments &moments) {
    if (!(moments.m2 > 0.0f)) return 0.0f;
    return moments.m4 / (moments.m2 * moments.m2) - 3.0f;
}

static float log_power(float power, int log_powers, float floor) {
    if (!log_powers) return power;
    return log10f(power > floor ? power : floor);
}

/* The Welch segments' FFT, kept here rather than in mf_dsp_fft (the audio blocks' FFT): the same
 * real FFT (an N/2-point complex radix-2 FFT plus a split step, mf_dsp_fft.cpp explains it) with
 * the segment's window applied while the samples are loaded in bit-reversed order, the first
 * butterfly stage done in that same pass, each twiddle loaded once per stage, and |X[k]|^2 / N
 * added straight into the running Welch sum. About half the instructions of windowing into a
 * buffer and calling mf_dsp_power_spectrum, for the same arithmetic on every value. */
static void add_segment_power(const mf_dsp_fft_plan *plan, const float *segment,
                              const float *window, float *data, float *power_sum) {
    const int n = plan->length / 2; /* complex points */
    const int half = n / 2;
    /* z[q] = x[2q] + i x[2q+1] (windowed) and z[q + n/2] go to bit-reversed position 2p, 2p + 1
     * (p = the (log2 n - 1)-bit reversal of q), already combined by the first, twiddle-free
     * stage: a + b and a - b. */
    for (int q = 0, p = 0; q < half; ++q) {
        const float a_re = segment[2 * q] * window[2 * q];
        const float a_im = segment[2 * q + 1] * window[2 * q + 1];
        const float b_re = segment[2 * (q + half)] * window[2 * (q + half)];
        const float b_im = segment[2 * (q + half) + 1] * window[2 * (q + half) + 1];
        float *out = &data[4 * p];
        out[0] = a_re + b_re;
        out[1] = a_im + b_im;
        out[2] = a_re - b_re;
        out[3] = a_im - b_im;
        /* p = reversed(q + 1): add one at the top bit, carrying downwards. */
        int bit = half >> 1;
        for (; bit > 0 && (p & bit); bit >>= 1) p ^= bit;
        p |= bit;
    }
    for (int size = 4; size <= n; size *= 2) {
        const int half_size = size / 2;
        const int step = plan->length / size; /* W_size^j = W_N^(j N / size) */
        for (int j = 0; j < half_size; ++j) {
            const float w_re = plan->cos_table[j * step];
            const float w_im = -plan->sin_table[j * step];
            for (int start = j; start < n; start += size) {
                float *a = &data[2 * start];
                float *b = &data[2 * (start + half_size)];
                const float t_re = b[0] * w_re - b[1] * w_im;
                const float t_im = b[0] * w_im + b[1] * w_re;
                b[0] = a[0] - t_re;
                b[1] = a[1] - t_im;
                a[0] += t_re;
                a[1] += t_im;
            }
        }
    }
    /* Split into the real transform's bins, as mf_dsp_power_spectrum does. */
    const float inverse_length = 1.0f / (float)plan->length;
    const float dc = data[0] + data[1];
    const float nyquist = data[0] - data[1];
    power_sum[0] += dc * dc * inverse_length;
    power_sum[n] += nyquist * nyquist * inverse_length;
    for (int k = 1; k < n; ++k) {
        const float z_re = data[2 * k], z_im = data[2 * k + 1];
        const float c_re = data[2 * (n - k)], c_im = -data[2 * (n - k) + 1];
        const float even_re = 0.5f * (z_re + c_re), even_im = 0.5f * (z_im + c_im);
        const float odd_re = 0.5f * (z_im - c_im), odd_im = -0.5f * (z_re - c_re);
        const float w_re = plan->cos_table[k], w_im = -plan->sin_table[k];
        const float x_re = even_re + w_re * odd_re - w_im * odd_im;
        const float x_im = even_im + w_re * odd_im + w_im * odd_re;
        power_sum[k] += (x_re * x_re + x_im * x_im) * inverse_length;
    }
}

/* Welch: the average |FFT|^2 / N of Hann-windowed, half-overlapping segments into power_sum. */
static void welch_power(const mf_dsp_spectral_config *config,
                        const mf_dsp_spectral_scratch *scratch) {
    const int fft_length = config->fft.length;
    const int n_bins = fft_length / 2 + 1;
    const int hop = fft_length / 2;
    for (int k = 0; k < n_bins; ++k) scratch->power_sum[k] = 0.0f;
    for (int s = 0; s < config->n_segments; ++s) {
        add_segment_power(&config->fft, scratch->signal + s * hop, config->segment_window,
                          scratch->fft_buffer, scratch->power_sum);
    }
    const float inverse_segments = 1.0f / (float)config->n_segments;
    for (int k = 0; k < n_bins; ++k) scratch->power_sum[k] *= inverse_segments;
}

int mf_dsp_spectral_run(const mf_dsp_spectral_config *config,
                        const mf_dsp_spectral_scratch *scratch, const float *window,
                        float *features) {
    if (!config || !scratch || !window || !features) return MF_DSP_ERROR_NULL_POINTER;
    const int n = config->n_samples;
    const int n_bins = config->fft.length / 2 + 1;
    const float scale = (float)config->scale;
    float *out = features;
    for (int axis = 0; axis < config->n_axes; ++axis) {
        /* Scale, remove the mean (so a high-pass starts without a step), filter. */
        centred_axis(window, n, config->n_axes, axis, scale, scratch->signal);
        mf_dsp_sos_filter(config->sos, config->n_sections, scratch->signal, n);

        const spectral_moments moments = axis_moments(scratch->signal, n);
        *out++ = sqrtf(moments.mean_square);
        *out++ = skewness(moments);
        *out++ = excess_kurtosis(moments);

        welch_power(config, scratch);
        const float *power = scratch->power_sum;

        /* Bin k belongs to band k * n_bands / n_bins: one pass over the bins. */
        float *bands = out;
        for (int b = 0; b < config->n_power_bands; ++b) bands[b] = 0.0f;
        for (int k = 0; k < n_bins; ++k) bands[k * config->n_power_bands / n_bins] += power[k];
        /* The dynamic range: below it, behind a filter, bands are float32 rounding noise that
         * the platform's float64 would round differently (dsp_blocks/spectral.py). */
        float floor = 1e-10f, lowest_peak = 0.0f;
        if (config->log_powers && config->log_power_floor_ratio > 0.0f) {
            float strongest = 0.0f;
            for (int b = 0; b < config->n_power_bands; ++b) {
                if (bands[b] > strongest) strongest = bands[b];
            }
            if (strongest * config->log_power_floor_ratio > floor) {
                floor = strongest * config->log_power_floor_ratio;
            }
            lowest_peak = floor;
        }
        for (int b = 0; b < config->n_power_bands; ++b) {
            bands[b] = log_power(bands[b], config->log_powers, floor);
        }
        out += config->n_power_bands;

        /* Highest local maxima first; a strict '>' keeps the lower bin on ties. */
        int previous_bin = -1;
        float previous_height = 0.0f;
        for (int p = 0; p < config->n_peaks; ++p) {
            int best = -1;
            for (int k = 1; k < n_bins - 1; ++k) {
                if (!(power[k] > power[k - 1] && power[k] >= power[k + 1])) continue;
                if (power[k] < lowest_peak) continue;
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
            *out++ = (float)best * config->sample_rate_hz / (float)config->fft.length;
            *out++ = log_power(power[best], config->log_powers, floor);
        }
    }
    return MF_DSP_OK;
}
