/* mcuforge DSP runtime: cut one frame out of a window: pre-emphasis, window, zero padding. */
#ifndef MF_DSP_FRAMES_H
#define MF_DSP_FRAMES_H

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

#endif /* MF_DSP_FRAMES_H */
