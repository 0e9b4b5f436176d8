/* mcuforge DSP runtime: the raw and flatten blocks (time-domain values and statistics). */
#ifndef MF_DSP_STATS_H
#define MF_DSP_STATS_H

#include "mf_dsp_common.h"

struct mf_dsp_raw_config {
    int n_values;  /* n_samples * n_axes */
    float scale;
};

/* Indices into mf_dsp_flatten_config::selected, in output order. */
enum {
    MF_DSP_STAT_AVERAGE = 0,
    MF_DSP_STAT_MINIMUM,
    MF_DSP_STAT_MAXIMUM,
    MF_DSP_STAT_RMS,
    MF_DSP_STAT_STDEV,
    MF_DSP_STAT_SKEWNESS,
    MF_DSP_STAT_KURTOSIS,
    MF_DSP_STAT_COUNT
};

struct mf_dsp_flatten_config {
    int n_samples;
    int n_axes;
    double scale;
    int selected[MF_DSP_STAT_COUNT];  /* 1 where the statistic is part of the output */
};

/* Moments of one axis of an interleaved window, accumulated in double. */
struct mf_dsp_moments {
    double mean, m2, m3, m4, mean_square;
};

/* x[t] = window[t * n_axes + axis] * scale; population moments of x. */
mf_dsp_moments mf_dsp_axis_moments(const float *window, int n_samples, int n_axes, int axis,
                                   double scale);
double mf_dsp_skewness(const mf_dsp_moments *moments);        /* 0 when constant */
double mf_dsp_excess_kurtosis(const mf_dsp_moments *moments); /* 0 when constant */

/* features[i] = window[i] * scale */
int mf_dsp_raw_run(const mf_dsp_raw_config *config, const float *window, float *features);

/* features: for each axis, the selected statistics in enum order. */
int mf_dsp_flatten_run(const mf_dsp_flatten_config *config, const float *window,
                       float *features);

#endif /* MF_DSP_STATS_H */
