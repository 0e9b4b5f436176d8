/* mcuforge DSP runtime: sliding-window mean (and variance) normalisation of frame features. */
#ifndef MF_DSP_NORMALIZE_H
#define MF_DSP_NORMALIZE_H

#include <stdint.h>

/* In place: features[t][c] -= mean, then (variance) /= std + 1e-10, mean and std over the frames
 * t - window/2 .. t + window/2, mirrored at the edges (frame -1 is frame 0).
 * `column` (n_frames values) is scratch: one coefficient's frames at a time, in fixed point. */
void mf_dsp_sliding_normalize(float *features, int n_frames, int n_coefficients,
                              int window_frames, int variance, int64_t *column);

/* The same from Q16 fixed-point values (the fixed-point MFCC's cepstra) whose int32 bits the
 * float slots of `features` hold; the result is float. Without the variance option the mean is
 * subtracted in integers: one conversion and one multiply per value, no float add. */
void mf_dsp_sliding_normalize_q16(float *features, int n_frames, int n_coefficients,
                                  int window_frames, int variance, int64_t *column);

#endif /* MF_DSP_NORMALIZE_H */
