/* mcuforge DSP runtime: framing. Pre-emphasis runs on the fly from the window's samples, so frame
 * boundaries see the previous frame's samples exactly as the whole-window Python version does. */
#include "mf_dsp_frames.h"

void mf_dsp_fill_frame(const mf_dsp_frame_config *config, const float *signal, int index,
                       float *buffer, int fft_length) {
    const int first = index * config->stride;
    const float coefficient = config->pre_emphasis;
    for (int i = 0; i < config->frame_length; ++i) {
        const int t = first + i;
        float sample = signal[t];
        if (coefficient != 0.0f && t > 0) {
            sample = sample + (-coefficient * signal[t - 1]);
        }
        buffer[i] = sample * config->window[i];
    }
    for (int i = config->frame_length; i < fft_length; ++i) {
        buffer[i] = 0.0f;
    }
}

void mf_dsp_fill_frame_fft(const mf_dsp_frame_config *config, const float *frame, float previous,
                           const uint16_t *bit_reversed, float *buffer, int fft_length) {
    /* y = x + (-c) x[n-1], the order of operations of the Python block. */
    const float minus_c = -config->pre_emphasis;
    const float *window = config->window;
    const int length = config->frame_length;
    int k = 0;
    for (; 2 * k + 1 < length; ++k) {
        const float x0 = frame[2 * k], x1 = frame[2 * k + 1];
        float *point = &buffer[2 * bit_reversed[k]];
        point[0] = (x0 + minus_c * previous) * window[2 * k];
        point[1] = (x1 + minus_c * x0) * window[2 * k + 1];
        previous = x1;
    }
    if (2 * k < length) {  // odd frame length: the last sample pairs with a zero
        float *point = &buffer[2 * bit_reversed[k]];
        point[0] = (frame[2 * k] + minus_c * previous) * window[2 * k];
        point[1] = 0.0f;
        ++k;
    }
    for (; 2 * k < fft_length; ++k) {
        float *point = &buffer[2 * bit_reversed[k]];
        point[0] = 0.0f;
        point[1] = 0.0f;
    }
}
