/* mcuforge DSP runtime: return codes and helpers shared by every block. C++11, no heap. */
#ifndef MF_DSP_COMMON_H
#define MF_DSP_COMMON_H

#include <stdint.h>

enum {
    MF_DSP_OK = 0,
    MF_DSP_ERROR_NULL_POINTER = -1
};

/* 10 log10(max(power, 1e-10)): the same floor (-100 dB) as the Python blocks. */
float mf_dsp_power_to_db(float power);

/* clip((db - noise_floor_db) * inverse_range, 0, 1): 0 at the noise floor, 1 at +12 dB. */
float mf_dsp_scale_db(float db, float noise_floor_db, float inverse_range);

#endif /* MF_DSP_COMMON_H */
