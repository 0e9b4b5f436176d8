/* mcuforge DSP runtime: sliding-window mean (and variance) normalisation of frame features. */
#ifndef MF_DSP_NORMALIZE_H
#define MF_DSP_NORMALIZE_H

/* output[t][c] = (input[t][c] - mean) / (std + 1e-10 if variance else 1), mean and std over the
 * frames t - window/2 .. t + window/2, mirrored at the edges (frame -1 is frame 0).
 * input and output must not overlap. */
void mf_dsp_sliding_normalize(const float *input, int n_frames, int n_coefficients,
                              int window_frames, int variance, float *output);

#endif /* MF_DSP_NORMALIZE_H */
