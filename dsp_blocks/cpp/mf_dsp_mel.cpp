/* mcuforge DSP runtime: mel filterbank. */
#include "mf_dsp_mel.h"

void mf_dsp_mel_energies(const mf_dsp_mel_config *config, const float *power, float *energies) {
    const float *weight = config->weights;
    for (int f = 0; f < config->n_filters; ++f) {
        const float *bin = &power[2 * config->start_bin[f]];
        const int n_bins = config->n_bins[f];
        /* Two sums, four bins a step: a quarter of the loop overhead (a filter of the default
         * MFE spans ~13 bins), two independent adds. */
        const float *w = weight;
        float even = 0.0f, odd = 0.0f;
        int left = n_bins;
        for (; left >= 4; left -= 4, w += 4, bin += 8) {
            even += w[0] * bin[0];
            odd += w[1] * bin[2];
            even += w[2] * bin[4];
            odd += w[3] * bin[6];
        }
        for (; left > 0; --left, ++w, bin += 2) even += w[0] * bin[0];
        weight += n_bins;
        energies[f] = even + odd;
    }
}
