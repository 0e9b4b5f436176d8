/* mcuforge DSP runtime: mel filterbank. */
#include "mf_dsp_mel.h"

void mf_dsp_mel_energies(const mf_dsp_mel_config *config, const float *power, float *energies) {
    const int n_filters = config->n_filters;
    const float scale = config->weight_scale;
    int bin = config->start_bin[0];
    const float *p = &power[2 * bin];
    const float *r = config->rising;
    float previous_rising = 0.0f;  // filter j - 1's share of segment j - 1
    for (int j = 0; j <= n_filters; ++j) {
        const int end = config->segment_end[j];
        /* Two sums of each, four bins a step: a quarter of the loop overhead, independent adds
         * (segments span 1 to ~16 bins in the default MFE). A counted loop: GCC at -Os computes
         * a pointer-bounded one's exit values with divisions' worth of shifts per segment. */
        float total0 = 0.0f, total1 = 0.0f, rising0 = 0.0f, rising1 = 0.0f;
        int left = end - bin;
        /* Loops tested at the bottom: -Os leaves a for loop's test at the top and a jump back. */
        if (left >= 4) {
            do {
                total0 += p[0];
                rising0 += r[0] * p[0];
                total1 += p[2];
                rising1 += r[1] * p[2];
                total0 += p[4];
                rising0 += r[2] * p[4];
                total1 += p[6];
                rising1 += r[3] * p[6];
                r += 4;
                p += 8;
                left -= 4;
            } while (left >= 4);
        }
        if (left > 0) {
            do {
                total0 += p[0];
                rising0 += *r++ * p[0];
                p += 2;
            } while (--left > 0);
        }
        bin = end;
        const float rising = rising0 + rising1;
        /* Filter j - 1: its rising share plus the falling one, (total - rising) x the unit. */
        if (j > 0) energies[j - 1] = previous_rising + (total0 + total1) * scale - rising;
        previous_rising = rising;
    }
}
