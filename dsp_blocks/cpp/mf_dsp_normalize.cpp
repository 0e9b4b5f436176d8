/* mcuforge DSP runtime: sliding normalisation.
 *
 * The mean is a running sum: one value enters and one leaves per frame, O(frames) per
 * coefficient whatever the window. The sum is kept in 64-bit fixed point (2^-24 units): integer
 * sums are exact, so nothing drifts however long the window, a constant stretch (silence) sums to
 * exactly window x value, and no double arithmetic runs, which a Cortex-M4F would do in software
 * (the double version was two thirds of the default MFCC's 9.9 M instructions). */
#include "mf_dsp_normalize.h"

#include <math.h>

namespace {

const float kFixedOne = 16777216.0f;  // 2^24
// Larger magnitudes are clamped before conversion (cepstra of dB values stay far below it).
const float kFixedLimit = 1099511627776.0f;  // 2^40

int64_t to_fixed(float value) {
    if (!(value < kFixedLimit)) value = kFixedLimit;  // also NaN
    if (value < -kFixedLimit) value = -kFixedLimit;
    return static_cast<int64_t>(value * kFixedOne);
}

/* Index of position p in the mirrored sequence ... x1 x0 | x0 x1 ... x(n-1) | x(n-1) ... */
int mirrored(int position, int n_frames) {
    const int period = 2 * n_frames;
    int m = position % period;
    if (m < 0) m += period;
    return m >= n_frames ? period - 1 - m : m;
}

}  // namespace

void mf_dsp_sliding_normalize(float *features, int n_frames, int n_coefficients,
                              int window_frames, int variance, int64_t *column) {
    const int half = window_frames / 2;
    const float inverse_window = 1.0f / (kFixedOne * static_cast<float>(window_frames));
    for (int c = 0; c < n_coefficients; ++c) {
        float *value = &features[c];
        for (int t = 0; t < n_frames; ++t) column[t] = to_fixed(value[t * n_coefficients]);
        int64_t sum = 0;
        for (int p = -half; p <= half; ++p) sum += column[mirrored(p, n_frames)];
        for (int t = 0; t < n_frames; ++t, value += n_coefficients) {
            const float mean = static_cast<float>(sum) * inverse_window;
            if (variance) {
                /* The rare variance option keeps the direct two-pass form, in double. */
                const double mean_double = static_cast<double>(sum) / kFixedOne / window_frames;
                double squares = 0.0;
                for (int p = t - half; p <= t + half; ++p) {
                    const double d =
                        static_cast<double>(column[mirrored(p, n_frames)]) / kFixedOne -
                        mean_double;
                    squares += d * d;
                }
                *value = static_cast<float>((*value - mean_double) /
                                            (sqrt(squares / window_frames) + 1e-10));
            } else {
                *value -= mean;
            }
            sum += column[mirrored(t + half + 1, n_frames)] - column[mirrored(t - half, n_frames)];
        }
    }
}
