/* mcuforge DSP runtime: mel filterbank. */
#include "mf_dsp_mel.h"

/* Bin `back` places before the segment's end: a sum and a multiply-add. */
#define MF_DSP_MEL_BIN(back)                        \
    total += p[-2 * (back)];                        \
    rising += r[-(back)] * p[-2 * (back)]

void mf_dsp_mel_energies(const mf_dsp_mel_config *config, const float *power, float *energies) {
    const int n_filters = config->n_filters;
    const float scale = config->weight_scale;
    int bin = config->start_bin[0];
    const float *p = &power[2 * bin];
    const float *r = config->rising;
    float previous_rising = 0.0f;  // filter j - 1's share of segment j - 1
    for (int j = 0; j <= n_filters; ++j) {
        const int end = config->segment_end[j];
        float total = 0.0f, rising = 0.0f;
        int left = end - bin;
        bin = end;
        /* Segments span 1 to ~17 bins in the default MFE: whole blocks of 16 in a loop, then a
         * jump into the unrolled block at the bin count left, so a segment pays one computed
         * jump instead of a loop's test per step and a tail loop (half the instructions were
         * those). p and r point just past the bins summed next. */
        for (; left > 16; left -= 16) {
            p += 32;
            r += 16;
            MF_DSP_MEL_BIN(16); MF_DSP_MEL_BIN(15); MF_DSP_MEL_BIN(14); MF_DSP_MEL_BIN(13);
            MF_DSP_MEL_BIN(12); MF_DSP_MEL_BIN(11); MF_DSP_MEL_BIN(10); MF_DSP_MEL_BIN(9);
            MF_DSP_MEL_BIN(8); MF_DSP_MEL_BIN(7); MF_DSP_MEL_BIN(6); MF_DSP_MEL_BIN(5);
            MF_DSP_MEL_BIN(4); MF_DSP_MEL_BIN(3); MF_DSP_MEL_BIN(2); MF_DSP_MEL_BIN(1);
        }
        p += 2 * left;
        r += left;
        switch (left) {
            case 16: MF_DSP_MEL_BIN(16);  // fall through
            case 15: MF_DSP_MEL_BIN(15);  // fall through
            case 14: MF_DSP_MEL_BIN(14);  // fall through
            case 13: MF_DSP_MEL_BIN(13);  // fall through
            case 12: MF_DSP_MEL_BIN(12);  // fall through
            case 11: MF_DSP_MEL_BIN(11);  // fall through
            case 10: MF_DSP_MEL_BIN(10);  // fall through
            case 9: MF_DSP_MEL_BIN(9);    // fall through
            case 8: MF_DSP_MEL_BIN(8);    // fall through
            case 7: MF_DSP_MEL_BIN(7);    // fall through
            case 6: MF_DSP_MEL_BIN(6);    // fall through
            case 5: MF_DSP_MEL_BIN(5);    // fall through
            case 4: MF_DSP_MEL_BIN(4);    // fall through
            case 3: MF_DSP_MEL_BIN(3);    // fall through
            case 2: MF_DSP_MEL_BIN(2);    // fall through
            case 1: MF_DSP_MEL_BIN(1);    // fall through
            default: break;
        }
        /* Filter j - 1: its rising share plus the falling one, (total - rising) x the unit. */
        if (j > 0) energies[j - 1] = previous_rising + total * scale - rising;
        previous_rising = rising;
    }
}

#undef MF_DSP_MEL_BIN
