/* mcuforge DSP runtime: power spectrum of a real frame with a radix-2 FFT (N a power of two). */
#ifndef MF_DSP_FFT_H
#define MF_DSP_FFT_H

/* Twiddles of the N-point transform: cos_table[k] = cos(2 pi k / N), sin_table[k] = sin(2 pi k / N),
 * k < N / 2, precomputed by the generator so no trigonometry runs on the device. */
struct mf_dsp_fft_plan {
    int length;
    const float *cos_table;
    const float *sin_table;
};

/* power[k] = |X[k]|^2 / N for k = 0..N/2, X the DFT of the N real samples in `buffer`.
 * `buffer` (N floats) is used as the work area and is overwritten. */
void mf_dsp_power_spectrum(const mf_dsp_fft_plan *plan, float *buffer, float *power);

#endif /* MF_DSP_FFT_H */
