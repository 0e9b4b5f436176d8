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
