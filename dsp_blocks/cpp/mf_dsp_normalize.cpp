/* mcuforge DSP runtime: sliding normalisation.
 *
 * The mean is a running sum: one value enters and one leaves per frame, O(frames) per
 * coefficient whatever the window. Values enter in 32-bit fixed point (2^-16 units, converted by
 * the FPU in one instruction) and the sum is 64-bit, so the sum is exact: nothing drifts however
 * long the window and a constant stretch (silence) sums to exactly window x value. No double
 * arithmetic and no 64-bit conversion routine runs: a Cortex-M4F would do those in software (the
 * double version was two thirds of the default MFCC's 9.9 M instructions). Fixed-point rounding
 * moves a mean by at most 2^-17; inputs are clamped to +-32767 (cepstra of dB energies stay far
 * below: 385 dB, the largest float power, times sqrt(256) filters is 6160). */
#include "mf_dsp_normalize.h"

#include <math.h>

#include "mf_dsp_common.h"

namespace {

const float kFixedOne = 65536.0f;  // 2^16
const float kFixedLimit = 32767.0f;

int32_t to_fixed(float value) {
    if (!(value < kFixedLimit)) value = kFixedLimit;  // also NaN
    if (value < -kFixedLimit) value = -kFixedLimit;
    return static_cast<int32_t>(value * kFixedOne);
}

/* A 64-bit sum as float from its halves: two hardware conversions, no library call. */
float sum_to_float(int64_t sum) {
    const int32_t high = static_cast<int32_t>(sum >> 32);
    const uint32_t low = static_cast<uint32_t>(sum & 0xFFFFFFFFu);
    return static_cast<float>(high) * 4294967296.0f + static_cast<float>(low);
}

/* Walks the frame indices of positions p, p + 1, ... of the mirrored sequence
 * ... x1 x0 | x0 x1 ... x(n-1) | x(n-1) ... : each edge frame repeats once. */
struct Mirror {
    int index;
    int step;

    Mirror(int position, int n_frames) {
        const int period = 2 * n_frames;
        int m = position % period;
        if (m < 0) m += period;
        const bool rising = m < n_frames;
        index = rising ? m : period - 1 - m;
        step = rising ? 1 : -1;
    }

    /* Always inlined: it runs twice per value, and -Os would call it. */
    MF_DSP_ALWAYS_INLINE void advance(int n_frames) {
        if (step > 0 && index == n_frames - 1) {
            step = -1;
        } else if (step < 0 && index == 0) {
            step = 1;
        } else {
            index += step;
        }
    }
};

/* The int32 whose bits a float slot holds (the fixed-point path's Q16 cepstra). A union, not
 * memcpy: an ARMv6-M build at -Os calls memcpy for 4 bytes. */
int32_t slot_bits(const float *slot) {
    union {
        float f;
        int32_t i;
    } pun;
    pun.f = *slot;
    return pun.i;
}

/* value - mean, mean = sum / (2^16 window), as float: exact in integers, then one conversion
 * (two when the difference needs more than 32 bits) and one multiply. */
float minus_mean(int32_t value, int64_t sum, int window_frames, float inverse_window) {
    const int64_t difference = static_cast<int64_t>(value) * window_frames - sum;
    const int32_t low = static_cast<int32_t>(difference);
    if (static_cast<int64_t>(low) == difference) return static_cast<float>(low) * inverse_window;
    return sum_to_float(difference) * inverse_window;
}

/* A fixed-point value's square in real units. */
double square_of_fixed(int32_t value) {
    const double real = value / static_cast<double>(kFixedOne);
    return real * real;
}

void sliding_normalize(float *features, int n_frames, int n_coefficients, int window_frames,
                       int variance, int64_t *column, bool q16_input) {
    const int half = window_frames / 2;
    const float inverse_window = 1.0f / (kFixedOne * static_cast<float>(window_frames));
    /* column holds int64_t slots; 32-bit fixed values are all this needs. */
    int32_t *values = reinterpret_cast<int32_t *>(column);
    for (int c = 0; c < n_coefficients; ++c) {
        float *value = &features[c];
        for (int t = 0; t < n_frames; ++t) {
            const float *slot = &value[t * n_coefficients];
            values[t] = q16_input ? slot_bits(slot) : to_fixed(*slot);
        }
        int64_t sum = 0;
        double squares = 0.0;  // only with the variance option
        Mirror entering(-half, n_frames);
        for (int p = -half; p <= half; ++p, entering.advance(n_frames)) {
            sum += values[entering.index];
            if (variance) squares += square_of_fixed(values[entering.index]);
        }
        Mirror leaving(-half, n_frames);
        for (int t = 0; t < n_frames; ++t, value += n_coefficients) {
            if (variance) {
                /* std = sqrt(mean of squares - mean^2), both running sums, as the Python block
                 * computes it from cumulative sums: O(frames) per coefficient, not O(frames x
                 * window). Double, because the subtraction cancels most digits when the window's
                 * spread is small beside its mean (a quiet stretch of c0). */
                const double mean = static_cast<double>(sum) / kFixedOne / window_frames;
                double spread = squares / window_frames - mean * mean;
                if (spread < 0.0) spread = 0.0;
                const double x = q16_input ? values[t] / static_cast<double>(kFixedOne) : *value;
                *value = static_cast<float>((x - mean) / (sqrt(spread) + 1e-10));
                squares += square_of_fixed(values[entering.index]) -
                           square_of_fixed(values[leaving.index]);
            } else if (q16_input) {
                *value = minus_mean(values[t], sum, window_frames, inverse_window);
            } else {
                *value -= sum_to_float(sum) * inverse_window;
            }
            sum += static_cast<int64_t>(values[entering.index]) - values[leaving.index];
            entering.advance(n_frames);
            leaving.advance(n_frames);
        }
    }
}

}  // namespace

void mf_dsp_sliding_normalize(float *features, int n_frames, int n_coefficients,
                              int window_frames, int variance, int64_t *column) {
    sliding_normalize(features, n_frames, n_coefficients, window_frames, variance, column, false);
}

void mf_dsp_sliding_normalize_q16(float *features, int n_frames, int n_coefficients,
                                  int window_frames, int variance, int64_t *column) {
    sliding_normalize(features, n_frames, n_coefficients, window_frames, variance, column, true);
}
