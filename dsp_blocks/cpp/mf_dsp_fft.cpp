/* mcuforge DSP runtime: real FFT as an N/2-point complex FFT plus a split step.
 *
 * The N real samples x are read as N/2 complex z[k] = x[2k] + i x[2k+1]; after the complex FFT Z,
 * X[k] = E[k] + W^k O[k] with E[k] = (Z[k] + conj Z[N/2-k]) / 2, O[k] = (Z[k] - conj Z[N/2-k]) / 2i
 * and W = exp(-2 pi i / N). This halves the work of a complex FFT of the zero-imaginary signal. */
#include "mf_dsp_fft.h"

/* In-place iterative radix-2 decimation-in-time FFT of `n` complex values (re, im interleaved);
 * twiddle W_n^j is entry j * stride of the plan's tables. */
static void complex_fft(float *data, int n, const float *cos_table, const float *sin_table,
                        int table_stride) {
    /* Bit-reversal permutation. */
    for (int i = 1, j = 0; i < n; ++i) {
        int bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            float re = data[2 * i], im = data[2 * i + 1];
            data[2 * i] = data[2 * j];
            data[2 * i + 1] = data[2 * j + 1];
            data[2 * j] = re;
            data[2 * j + 1] = im;
        }
    }
    /* Butterflies: blocks of `size` values, twiddle exp(-2 pi i j / size). */
    for (int size = 2; size <= n; size *= 2) {
        const int half_size = size / 2;
        const int step = table_stride * (n / size);
        for (int start = 0; start < n; start += size) {
            for (int j = 0; j < half_size; ++j) {
                const float w_re = cos_table[j * step];
                const float w_im = -sin_table[j * step];
                float *a = &data[2 * (start + j)];
                float *b = &data[2 * (start + j + half_size)];
                const float t_re = b[0] * w_re - b[1] * w_im;
                const float t_im = b[0] * w_im + b[1] * w_re;
                b[0] = a[0] - t_re;
                b[1] = a[1] - t_im;
                a[0] += t_re;
                a[1] += t_im;
            }
        }
    }
}

void mf_dsp_power_spectrum(const mf_dsp_fft_plan *plan, float *buffer, float *power) {
    const int n = plan->length;
    const int half = n / 2;
    const float inverse_n = 1.0f / (float)n;
    /* The half-length transform's twiddles are every second entry of the N-point tables. */
    complex_fft(buffer, half, plan->cos_table, plan->sin_table, 2);

    /* k = 0 and k = N/2 are real: Z[0].re +- Z[0].im. */
    const float dc = buffer[0] + buffer[1];
    const float nyquist = buffer[0] - buffer[1];
    power[0] = dc * dc * inverse_n;
    power[half] = nyquist * nyquist * inverse_n;
    for (int k = 1; k < half; ++k) {
        const float z_re = buffer[2 * k], z_im = buffer[2 * k + 1];
        const float c_re = buffer[2 * (half - k)], c_im = -buffer[2 * (half - k) + 1];
        const float even_re = 0.5f * (z_re + c_re), even_im = 0.5f * (z_im + c_im);
        /* (Z - conj) / 2i = -i (Z - conj) / 2 */
        const float odd_re = 0.5f * (z_im - c_im), odd_im = -0.5f * (z_re - c_re);
        const float w_re = plan->cos_table[k], w_im = -plan->sin_table[k];
        const float x_re = even_re + w_re * odd_re - w_im * odd_im;
        const float x_im = even_im + w_re * odd_im + w_im * odd_re;
        power[k] = (x_re * x_re + x_im * x_im) * inverse_n;
    }
}
