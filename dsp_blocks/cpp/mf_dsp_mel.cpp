/* mcuforge DSP runtime: mel filterbank. */
#include "mf_dsp_mel.h"

void mf_dsp_mel_energies(const mf_dsp_mel_config *config, const float *power, float *energies) {
    const float *weight = config->weights;
    for (int f = 0; f < config->n_filters; ++f) {
        const float *bins = &power[config->start_bin[f]];
        float energy = 0.0f;
        for (int i = 0; i < config->n_bins[f]; ++i) {
            energy += weight[i] * bins[i];
        }
        weight += config->n_bins[f];
        energies[f] = energy;
    }
}
