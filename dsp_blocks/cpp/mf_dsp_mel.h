/* mcuforge DSP runtime: mel filterbank applied to a power spectrum, weights stored sparsely. */
#ifndef MF_DSP_MEL_H
#define MF_DSP_MEL_H

#include <stdint.h>

/* Filter f covers bins start_bin[f] .. start_bin[f] + n_bins[f] - 1 (the fixed-point path's
 * layout, with its own weights). The float path walks the bins once, in segments: segment j
 * (bins segment_end[j - 1] .. segment_end[j] - 1, segment 0 from start_bin[0]) lies between the
 * peaks of filters j - 1 and j, where filter j rises with weight r = rising[bin - start_bin[0]]
 * and filter j - 1 falls with 1 - r (the triangles share their edges). So a bin costs one
 * multiply-add (the rising sum) and one add (the segment's total) instead of two multiply-adds,
 * and filter j - 1 takes the total minus the rising sum. */
struct mf_dsp_mel_config {
    int n_filters;
    const uint16_t *start_bin;
    const uint16_t *n_bins;
    const uint16_t *segment_end; /* n_filters + 1 */
    const float *rising;         /* times weight_scale */
    float weight_scale;          /* the power spectrum's 1 / (4 N): the weights' unit */
};

/* energies[f] = sum over the filter's bins of weight * power[2 * bin]: the powers as
 * mf_dsp_real_fft_power leaves them, every second float. */
void mf_dsp_mel_energies(const mf_dsp_mel_config *config, const float *power, float *energies);

#endif /* MF_DSP_MEL_H */
