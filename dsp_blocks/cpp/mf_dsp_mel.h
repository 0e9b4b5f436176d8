/* mcuforge DSP runtime: mel filterbank applied to a power spectrum, weights stored sparsely. */
#ifndef MF_DSP_MEL_H
#define MF_DSP_MEL_H

#include <stdint.h>

/* Filter f covers bins start_bin[f] .. start_bin[f] + n_bins[f] - 1; its weights follow those of
 * filter f - 1 in `weights`. Each filter is a triangle, so a spectrum bin feeds at most two
 * filters: ~2 multiply-adds per bin instead of n_filters for a dense matrix. */
struct mf_dsp_mel_config {
    int n_filters;
    const uint16_t *start_bin;
    const uint16_t *n_bins;
    const float *weights;
};

/* energies[f] = sum over the filter's bins of weight * power[2 * bin]: the powers as
 * mf_dsp_real_fft_power leaves them, every second float. */
void mf_dsp_mel_energies(const mf_dsp_mel_config *config, const float *power, float *energies);

#endif /* MF_DSP_MEL_H */
