/* mcuforge DSP runtime: mel filterbank. */
#include "mf_dsp_mel.h"

void mf_dsp_mel_energies(const mf_dsp_mel_config *config, const float *power, float *energies) {
    const float *weight = config->weights;
    for (int f = 0; f < config->n_filters; ++f) {
        const float *bin = &power[2 * config->start_bin[f]];
        const int n_bins = config->n_bins[f];
        /* Two sums, two bins a step: half the loop overhead, and two independent adds. */
        float even = 0.0f, odd = 0.0f;
        int i = 0;
        for (; i + 2 <= n_bins; i += 2) {
            even += weight[i] * bin[2 * i];
            odd += weight[i + 1] * bin[2 * i + 2];
        }
        if (i < n_bins) even += weight[i] * bin[2 * i];
        weight += n_bins;
        energies[f] = even + odd;
    }
}
