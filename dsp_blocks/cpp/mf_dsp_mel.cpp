/* mcuforge DSP runtime: mel filterbank. */
#include "mf_dsp_mel.h"

void mf_dsp_mel_energies(const mf_dsp_mel_config *config, const float *power, int power_stride,
                         float *energies) {
    const float *weight = config->weights;
    for (int f = 0; f < config->n_filters; ++f) {
        const float *bin = &power[config->start_bin[f] * power_stride];
        const float *end = weight + config->n_bins[f];
        float energy = 0.0f;
        for (; weight < end; ++weight, bin += power_stride) {
            energy += *weight * *bin;
        }
        energies[f] = energy;
    }
}
