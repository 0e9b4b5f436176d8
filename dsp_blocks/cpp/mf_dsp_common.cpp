/* mcuforge DSP runtime: helpers shared by every block. */
#include "mf_dsp_common.h"

#include <math.h>

float mf_dsp_power_to_db(float power) {
    const float floor_power = 1e-10f;
    return 10.0f * log10f(power > floor_power ? power : floor_power);
}

float mf_dsp_scale_db(float db, float noise_floor_db, float inverse_range) {
    float scaled = (db - noise_floor_db) * inverse_range;
    if (scaled < 0.0f) return 0.0f;
    if (scaled > 1.0f) return 1.0f;
    return scaled;
}
