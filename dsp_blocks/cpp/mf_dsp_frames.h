/* mcuforge DSP runtime: one frame of a window: pre-emphasis, window, zero padding. */
#ifndef MF_DSP_FRAMES_H
#define MF_DSP_FRAMES_H

#include <stdint.h>

#include "mf_dsp_common.h"

struct mf_dsp_frame_config {
    int frame_length;     /* samples per frame */
    int stride;           /* samples between the starts of two frames */
    int n_frames;         /* frames that fit in the window */
    float pre_emphasis;   /* y[n] = x[n] - c x[n-1], x[-1] = 0; 0 for none */
    const float *window;  /* frame_length weights (periodic Hann) */
};

/* Where a frame's samples are: `samples` points at its first sample in the window, `previous`
 * is the sample before it (0 for the window's first frame: the window's first sample has no
 * predecessor, as in the Python block). */
struct mf_dsp_frame_samples {
    const mf_dsp_frame_config *config;
    const float *samples;
    float previous;
};

/* The frame as the FFT's first stage reads it: copy into a local before a loop, so the compiler
 * keeps it in registers (the stores into the FFT buffer could otherwise alias its fields). */
struct mf_dsp_frame_reader {
    const float *samples;
    const float *window;
    float minus_c;  /* -pre_emphasis */
    float previous;
    int length;

    explicit mf_dsp_frame_reader(const mf_dsp_frame_samples *frame)
        : samples(frame->samples),
          window(frame->config->window),
          minus_c(-frame->config->pre_emphasis),
          previous(frame->previous),
          length(frame->config->frame_length) {}
};

/* Samples 2k and 2k+1 of the frame, pre-emphasised (y = x + (-c) x[n-1], the Python block's
 * order of operations), windowed, zero past the frame: the complex point z[k] = re + i im that
 * the real FFT reads. Read straight into the FFT's first stage, so no frame buffer is filled.
 * k > 0 (z[0] needs the sample before the frame: mf_dsp_frame_first_point). */
MF_DSP_ALWAYS_INLINE void mf_dsp_frame_point(const mf_dsp_frame_reader &frame, int k, float *re,
                                             float *im) {
    const int j = 2 * k;
    const float *x = frame.samples;
    if (j + 1 < frame.length) {
        const float x0 = x[j];
        *re = (x0 + frame.minus_c * x[j - 1]) * frame.window[j];
        *im = (x[j + 1] + frame.minus_c * x0) * frame.window[j + 1];
    } else if (j < frame.length) {  // odd frame length: the last sample pairs with a zero
        *re = (x[j] + frame.minus_c * x[j - 1]) * frame.window[j];
        *im = 0.0f;
    } else {
        *re = 0.0f;
        *im = 0.0f;
    }
}

/* z[0]: samples 0 and 1, the first pre-emphasised with the sample before the frame. */
MF_DSP_ALWAYS_INLINE void mf_dsp_frame_first_point(const mf_dsp_frame_reader &frame, float *re,
                                                   float *im) {
    const float *x = frame.samples;
    *re = (x[0] + frame.minus_c * frame.previous) * frame.window[0];
    *im = frame.length > 1 ? (x[1] + frame.minus_c * x[0]) * frame.window[1] : 0.0f;
}

#endif /* MF_DSP_FRAMES_H */
