/* mcuforge DSP runtime: raw and flatten, in the order of dsp_blocks/raw.py and flatten.py. */
#include "mf_dsp_stats.h"

#include <math.h>

mf_dsp_moments mf_dsp_axis_moments(const float *window, int n_samples, int n_axes, int axis,
                                   double scale) {
    mf_dsp_moments moments = {0.0, 0.0, 0.0, 0.0, 0.0};
    for (int t = 0; t < n_samples; ++t) {
        const double x = (double)window[t * n_axes + axis] * scale;
        moments.mean += x;
        moments.mean_square += x * x;
    }
    moments.mean /= n_samples;
    moments.mean_square /= n_samples;
    for (int t = 0; t < n_samples; ++t) {
        const double d = (double)window[t * n_axes + axis] * scale - moments.mean;
        const double d2 = d * d;
        moments.m2 += d2;
        moments.m3 += d2 * d;
        moments.m4 += d2 * d2;
    }
    moments.m2 /= n_samples;
    moments.m3 /= n_samples;
    moments.m4 /= n_samples;
    return moments;
}

double mf_dsp_skewness(const mf_dsp_moments *moments) {
    if (!(moments->m2 > 0.0)) return 0.0;
    return moments->m3 / pow(moments->m2, 1.5);
}

double mf_dsp_excess_kurtosis(const mf_dsp_moments *moments) {
    if (!(moments->m2 > 0.0)) return 0.0;
    return moments->m4 / (moments->m2 * moments->m2) - 3.0;
}

int mf_dsp_raw_run(const mf_dsp_raw_config *config, const float *window, float *features) {
    if (!config || !window || !features) return MF_DSP_ERROR_NULL_POINTER;
    for (int i = 0; i < config->n_values; ++i) {
        features[i] = window[i] * config->scale;
    }
    return MF_DSP_OK;
}

int mf_dsp_flatten_run(const mf_dsp_flatten_config *config, const float *window,
                       float *features) {
    if (!config || !window || !features) return MF_DSP_ERROR_NULL_POINTER;
    float *out = features;
    for (int axis = 0; axis < config->n_axes; ++axis) {
        const mf_dsp_moments moments = mf_dsp_axis_moments(window, config->n_samples,
                                                           config->n_axes, axis, config->scale);
        double minimum = (double)window[axis] * config->scale;
        double maximum = minimum;
        for (int t = 1; t < config->n_samples; ++t) {
            const double x = (double)window[t * config->n_axes + axis] * config->scale;
            if (x < minimum) minimum = x;
            if (x > maximum) maximum = x;
        }
        const double values[MF_DSP_STAT_COUNT] = {
            moments.mean, minimum, maximum, sqrt(moments.mean_square), sqrt(moments.m2),
            mf_dsp_skewness(&moments), mf_dsp_excess_kurtosis(&moments),
        };
        for (int s = 0; s < MF_DSP_STAT_COUNT; ++s) {
            if (config->selected[s]) *out++ = (float)values[s];
        }
    }
    return MF_DSP_OK;
}
