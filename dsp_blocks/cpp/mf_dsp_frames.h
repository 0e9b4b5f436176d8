/* mcuforge DSP runtime: cut one frame out of a window: pre-emphasis, window, zero padding. */
#ifndef MF_DSP_FRAMES_H
#define MF_DSP_FRAMES_H

#include <stdint.h>

struct mf_dsp_frame_config {
    int frame_length;     /* samples per frame */
    int stride;           /* samples between the starts of two frames */
    int n_frames;         /* frames that fit in the window */
    float pre_emphasis;   /* y[n] = x[n] - c x[n-1], x[-1] = 0; 0 for none */
    const float *window;  /* frame_length weights (periodic Hann) */
};

/* buffer[0..fft_length) = frame `index` of `signal`, pre-emphasised, windowed, zero-padded. */
void mf_dsp_fill_frame(const mf_dsp_frame_config *config, const float *signal, int index,
                       float *buffer, int fft_length);

/* The same frame as the input of mf_dsp_real_fft_power: sample pair (2k, 2k+1) becomes the
 * complex point stored at position bit_reversed[k] of `buffer` (fft_length floats), in one pass
 * with the pre-emphasis and the window. `previous` is the sample before the frame (0 at the start
 * of the window: the window's own first sample has no predecessor, as in the Python block). */
void mf_dsp_fill_frame_fft(const mf_dsp_frame_config *config, const float *frame, float previous,
                           const uint16_t *bit_reversed, float *buffer, int fft_length);

#endif /* MF_DSP_FRAMES_H */
