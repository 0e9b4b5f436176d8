/* mcuforge DSP runtime: sliding normalisation. Sums run in double so that a constant stretch
 * (silence) normalises to exactly 0, as in Python; the work is small (frames x window x coeffs). */
#include "mf_dsp_normalize.h"

#include <math.h>

/* Index of position p in the mirrored sequence ... x1 x0 | x0 x1 ... x(n-1) | x(n-1) ... */
static int mirrored(int position, int n_frames) {
    const int period = 2 * n_frames;
    int m = position % period;
    if (m < 0) m += period;
    return m >= n_frames ? period - 1 - m : m;
}

void mf_dsp_sliding_normalize(const float *input, int n_frames, int n_coefficients,
                              int window_frames, int variance, float *output) {
    const int half = window_frames / 2;
    for (int t = 0; t < n_frames; ++t) {
        for (int c = 0; c < n_coefficients; ++c) {
            double sum = 0.0;
            for (int p = t - half; p <= t + half; ++p) {
                sum += input[mirrored(p, n_frames) * n_coefficients + c];
            }
            const double mean = sum / window_frames;
            double value = input[t * n_coefficients + c] - mean;
            if (variance) {
                double squares = 0.0;
                for (int p = t - half; p <= t + half; ++p) {
                    const double d = input[mirrored(p, n_frames) * n_coefficients + c] - mean;
                    squares += d * d;
                }
                value /= sqrt(squares / window_frames) + 1e-10;
            }
            output[t * n_coefficients + c] = (float)value;
        }
    }
}
