/* mcuforge DSP runtime: real FFT as an N/2-point complex FFT plus a split step.
 *
 * The N real samples x are read as N/2 complex z[k] = x[2k] + i x[2k+1]; after the complex FFT Z,
 * X[k] = E[k] + W^k O[k] with E[k] = (Z[k] + conj Z[N/2-k]) / 2, O[k] = (Z[k] - conj Z[N/2-k]) / 2i
 * and W = exp(-2 pi i / N). This halves the work of a complex FFT of the zero-imaginary signal. */
#include "mf_dsp_fft.h"

#include "mf_dsp_fft_vfp.h"

#if defined(__GNUC__)
#define MF_DSP_FFT_NOINLINE __attribute__((noinline))
#else
#define MF_DSP_FFT_NOINLINE
#endif

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

/* ---- The audio blocks' fast path. -------------------------------------------------------- */

/* One radix-4 decimation-in-time stage of span 4 * quarter over `m` complex points: the two
 * radix-2 stages of spans L/2 and L merged, so three twiddle products instead of four:
 *   c1 = a1 W^2j, c2 = a2 W^j, c3 = a3 W^3j
 *   y0 = a0 + c1 + (c2 + c3)       y2 = a0 + c1 - (c2 + c3)
 *   y1 = a0 - c1 - i (c2 - c3)     y3 = a0 - c1 + i (c2 - c3)
 * j runs outermost so each twiddle is loaded once per stage; `twiddles` holds W^j, W^2j, W^3j
 * for j = 0, 1, ... in order. Returns where the next stage's twiddles start. */
static const float *radix4_stage(float *data, int m, int quarter, const float *twiddles) {
    const int span = 4 * quarter;
    for (int j = 0; j < quarter; ++j, twiddles += 6) {
        const float w1_re = twiddles[0], w1_im = twiddles[1];
        const float w2_re = twiddles[2], w2_im = twiddles[3];
        const float w3_re = twiddles[4], w3_im = twiddles[5];
        for (int start = j; start < m; start += span) {
            float *p0 = &data[2 * start];
            float *p1 = p0 + 2 * quarter;
            float *p2 = p1 + 2 * quarter;
            float *p3 = p2 + 2 * quarter;
            const float c1_re = p1[0] * w2_re - p1[1] * w2_im;
            const float c1_im = p1[0] * w2_im + p1[1] * w2_re;
            const float c2_re = p2[0] * w1_re - p2[1] * w1_im;
            const float c2_im = p2[0] * w1_im + p2[1] * w1_re;
            const float c3_re = p3[0] * w3_re - p3[1] * w3_im;
            const float c3_im = p3[0] * w3_im + p3[1] * w3_re;
            const float s0_re = p0[0] + c1_re, s0_im = p0[1] + c1_im;
            const float d0_re = p0[0] - c1_re, d0_im = p0[1] - c1_im;
            const float s1_re = c2_re + c3_re, s1_im = c2_im + c3_im;
            const float d1_re = c2_re - c3_re, d1_im = c2_im - c3_im;
            p0[0] = s0_re + s1_re;
            p0[1] = s0_im + s1_im;
            p2[0] = s0_re - s1_re;
            p2[1] = s0_im - s1_im;
            p1[0] = d0_re + d1_im;
            p1[1] = d0_im - d1_re;
            p3[0] = d0_re - d1_im;
            p3[1] = d0_im + d1_re;
        }
    }
    return twiddles;
}

/* c = a W (complex). */
MF_DSP_ALWAYS_INLINE void rotate(const float *a, const float *w, float *c_re, float *c_im) {
    *c_re = a[0] * w[0] - a[1] * w[1];
    *c_im = a[0] * w[1] + a[1] * w[0];
}

/* One radix-8 decimation-in-time stage of span 8 * eighth: three radix-2 stages merged, so the
 * data are loaded and stored once for three bits of the transform instead of once per two, and
 * seven twiddle products per eight points instead of twelve (radix 4 twice); the rest is adds
 * and two products by 1/sqrt(2). With bit-reversed input, the block at offset q * eighth holds
 * the sub-transform of residue r = bit-reversed(q) (3 bits), so it takes W_span^(r j):
 *   c_r = a_r W^(r j),  E = DFT4(c0, c2, c4, c6),  O = DFT4(c1, c3, c5, c7)
 *   y_k = E_k + W_8^k O_k,  y_(k+4) = E_k - W_8^k O_k   (k < 4, output k goes to offset
 *   k * eighth; radix8_outputs leaves y_k in y[2k], y[2k + 1])
 * `twiddled` false: j = 0 only, every W^(r j) = 1. Per output group, E is finished before O is
 * loaded: at most ~24 floats live, within the FPU's 32 registers. */
template <bool twiddled>
MF_DSP_ALWAYS_INLINE void radix8_outputs(const float *p, int step, const float *w, float *y) {
    const float half_root = 0.707106781f;
    /* Residues 0, 2, 4, 6 sit at offsets 0, 2, 1, 3; w holds W^(r j), r = 1..7, in order. */
    float c0_re = p[0], c0_im = p[1], c2_re, c2_im, c4_re, c4_im, c6_re, c6_im;
    if (twiddled) {
        rotate(&p[2 * step], &w[2], &c2_re, &c2_im);
        rotate(&p[step], &w[6], &c4_re, &c4_im);
        rotate(&p[3 * step], &w[10], &c6_re, &c6_im);
    } else {
        c2_re = p[2 * step], c2_im = p[2 * step + 1];
        c4_re = p[step], c4_im = p[step + 1];
        c6_re = p[3 * step], c6_im = p[3 * step + 1];
    }
    const float es_re = c0_re + c4_re, es_im = c0_im + c4_im;
    const float ed_re = c0_re - c4_re, ed_im = c0_im - c4_im;
    const float et_re = c2_re + c6_re, et_im = c2_im + c6_im;
    const float eu_re = c2_re - c6_re, eu_im = c2_im - c6_im;
    const float e0_re = es_re + et_re, e0_im = es_im + et_im;
    const float e2_re = es_re - et_re, e2_im = es_im - et_im;
    const float e1_re = ed_re + eu_im, e1_im = ed_im - eu_re;  // ed - i eu
    const float e3_re = ed_re - eu_im, e3_im = ed_im + eu_re;  // ed + i eu
    /* Residues 1, 3, 5, 7 sit at offsets 4, 6, 5, 7. */
    float c1_re, c1_im, c3_re, c3_im, c5_re, c5_im, c7_re, c7_im;
    if (twiddled) {
        rotate(&p[4 * step], &w[0], &c1_re, &c1_im);
        rotate(&p[6 * step], &w[4], &c3_re, &c3_im);
        rotate(&p[5 * step], &w[8], &c5_re, &c5_im);
        rotate(&p[7 * step], &w[12], &c7_re, &c7_im);
    } else {
        c1_re = p[4 * step], c1_im = p[4 * step + 1];
        c3_re = p[6 * step], c3_im = p[6 * step + 1];
        c5_re = p[5 * step], c5_im = p[5 * step + 1];
        c7_re = p[7 * step], c7_im = p[7 * step + 1];
    }
    const float os_re = c1_re + c5_re, os_im = c1_im + c5_im;
    const float od_re = c1_re - c5_re, od_im = c1_im - c5_im;
    const float ot_re = c3_re + c7_re, ot_im = c3_im + c7_im;
    const float ou_re = c3_re - c7_re, ou_im = c3_im - c7_im;
    const float o0_re = os_re + ot_re, o0_im = os_im + ot_im;
    /* W_8^2 O_2 = -i (os - ot) */
    const float o2_re = os_im - ot_im, o2_im = ot_re - os_re;
    /* O_1 = od - i ou, times W_8 = (1 - i) / sqrt 2 */
    const float q1_re = od_re + ou_im, q1_im = od_im - ou_re;
    const float o1_re = (q1_re + q1_im) * half_root, o1_im = (q1_im - q1_re) * half_root;
    /* O_3 = od + i ou, times W_8^3 = -(1 + i) / sqrt 2 */
    const float q3_re = od_re - ou_im, q3_im = od_im + ou_re;
    const float o3_re = (q3_im - q3_re) * half_root, o3_im = -(q3_re + q3_im) * half_root;
    y[0] = e0_re + o0_re;
    y[1] = e0_im + o0_im;
    y[8] = e0_re - o0_re;
    y[9] = e0_im - o0_im;
    y[2] = e1_re + o1_re;
    y[3] = e1_im + o1_im;
    y[10] = e1_re - o1_re;
    y[11] = e1_im - o1_im;
    y[4] = e2_re + o2_re;
    y[5] = e2_im + o2_im;
    y[12] = e2_re - o2_re;
    y[13] = e2_im - o2_im;
    y[6] = e3_re + o3_re;
    y[7] = e3_im + o3_im;
    y[14] = e3_re - o3_re;
    y[15] = e3_im - o3_im;
}

/* The butterfly in place: output k (y[2k], y[2k + 1]) at offset k * step. */
template <bool twiddled>
MF_DSP_ALWAYS_INLINE void radix8_butterfly(float *p, int step, const float *w) {
    float y[16];
    radix8_outputs<twiddled>(p, step, w, y);
    p[0] = y[0];
    p[1] = y[1];
    p[4 * step] = y[8];
    p[4 * step + 1] = y[9];
    p[step] = y[2];
    p[step + 1] = y[3];
    p[5 * step] = y[10];
    p[5 * step + 1] = y[11];
    p[2 * step] = y[4];
    p[2 * step + 1] = y[5];
    p[6 * step] = y[12];
    p[6 * step + 1] = y[13];
    p[3 * step] = y[6];
    p[3 * step + 1] = y[7];
    p[7 * step] = y[14];
    p[7 * step + 1] = y[15];
}

/* One radix-8 stage that is not the last. kEighth > 0: the stage's eighth known at compile time,
 * so the eight points of a butterfly are immediate offsets from one or two pointers instead of
 * eight pointers stepped (and spilled) per butterfly. Returns where the next stage's twiddles
 * start. */
template <int kEighth>
static const float *radix8_middle_stage(float *data, int m, int runtime_eighth,
                                        const float *twiddles) {
    const int eighth = kEighth > 0 ? kEighth : runtime_eighth;
    const int span = 8 * eighth;
    const int step = 2 * eighth;
    for (int start = 0; start < m; start += span) {
#if MF_DSP_FFT_VFP
        if (kEighth == 4) {
            mf_dsp_vfp_radix8_eighth4<false>(&data[2 * start], twiddles, 0.707106781f);
            continue;
        }
#endif
        radix8_butterfly<false>(&data[2 * start], step, twiddles);
    }
    for (int j = 1; j < eighth; ++j, twiddles += 14) {
        for (int start = j; start < m; start += span) {
#if MF_DSP_FFT_VFP
            if (kEighth == 4) {
                mf_dsp_vfp_radix8_eighth4<true>(&data[2 * start], twiddles, 0.707106781f);
                continue;
            }
#endif
            radix8_butterfly<true>(&data[2 * start], step, twiddles);
        }
    }
    return twiddles;
}

/* A radix-8 stage that is not the last (the last is fused with the split step:
 * radix8_last_stage_split). The platform's 512-point FFT (256 complex points) runs one of eighth
 * 4 (and a last one of eighth 32); other lengths take the general loops. */
static const float *radix8_stage(float *data, int m, int eighth, const float *twiddles) {
    if (eighth == 4) return radix8_middle_stage<4>(data, m, eighth, twiddles);
    return radix8_middle_stage<0>(data, m, eighth, twiddles);
}

/* The input pass fused with the first radix-4 stage (span 4, every twiddle 1, so adds only):
 * positions b..b+3, b = bit_reversed[k] for k < M/4, take z[k], z[k + M/2], z[k + M/4] and
 * z[k + 3M/4] of the frame, read as they are needed; nothing is stored twice.
 *
 * Quarter q of the points (z[k + q M/4]) is inside the frame for k below an edge that falls as q
 * grows, so the quarters inside are always the first V. Runs of k with the same V go through a
 * copy of the butterfly made for that V: no bounds checks, and nothing computed for the zero
 * padding (a 20 ms frame in a 512-point FFT is 62 % of it). */
/* Samples q[0], q[1] pre-emphasised (when `emphasis`; MFE and the spectrogram have none, and
 * skip its load and multiply-add) and windowed by w[0], w[1]. */
template <bool emphasis>
MF_DSP_ALWAYS_INLINE void windowed_point(const float *q, const float *w, float minus_c, float *re,
                                         float *im) {
    if (emphasis) {
        *re = (q[0] + minus_c * q[-1]) * w[0];
        *im = (q[1] + minus_c * q[0]) * w[1];
    } else {
        *re = q[0] * w[0];
        *im = q[1] * w[1];
    }
}

template <int V, bool emphasis>
static void first_stage_run(float *data, int quarter, const uint16_t *bit_reversed,
                            const mf_dsp_frame_reader &frame, int begin, int end) {
    const float *x = frame.samples;
    const float *window = frame.window;
    const float minus_c = frame.minus_c;
    int k = begin;  // begin < end: tested at the bottom, without -Os's jump back to the top
    do {
        /* a0, a1, a2, a3 = z[k], z[k + M/2], z[k + M/4], z[k + 3M/4]: quarters 0, 2, 1, 3. */
        float a0_re = 0.0f, a0_im = 0.0f, a1_re = 0.0f, a1_im = 0.0f;
        float a2_re = 0.0f, a2_im = 0.0f, a3_re = 0.0f, a3_im = 0.0f;
        const float *q0 = &x[2 * k];
        const float *w0 = &window[2 * k];
        if (V > 0) windowed_point<emphasis>(q0, w0, minus_c, &a0_re, &a0_im);
        if (V > 1) {
            windowed_point<emphasis>(q0 + 2 * quarter, w0 + 2 * quarter, minus_c, &a2_re, &a2_im);
        }
        if (V > 2) {
            windowed_point<emphasis>(q0 + 4 * quarter, w0 + 4 * quarter, minus_c, &a1_re, &a1_im);
        }
        if (V > 3) {
            windowed_point<emphasis>(q0 + 6 * quarter, w0 + 6 * quarter, minus_c, &a3_re, &a3_im);
        }
        float *p = &data[2 * bit_reversed[k]];
        const float s0_re = V > 2 ? a0_re + a1_re : a0_re;
        const float s0_im = V > 2 ? a0_im + a1_im : a0_im;
        const float d0_re = V > 2 ? a0_re - a1_re : a0_re;
        const float d0_im = V > 2 ? a0_im - a1_im : a0_im;
        const float s1_re = V > 3 ? a2_re + a3_re : a2_re;
        const float s1_im = V > 3 ? a2_im + a3_im : a2_im;
        const float d1_re = V > 3 ? a2_re - a3_re : a2_re;
        const float d1_im = V > 3 ? a2_im - a3_im : a2_im;
        if (V > 1) {
            p[0] = s0_re + s1_re;
            p[1] = s0_im + s1_im;
            p[4] = s0_re - s1_re;
            p[5] = s0_im - s1_im;
            p[2] = d0_re + d1_im;
            p[3] = d0_im - d1_re;
            p[6] = d0_re - d1_im;
            p[7] = d0_im + d1_re;
        } else {
            p[0] = p[4] = s0_re;
            p[1] = p[5] = s0_im;
            p[2] = p[6] = d0_re;
            p[3] = p[7] = d0_im;
        }
        ++k;
    } while (k < end);
}

template <bool emphasis>
static void first_stage_runs(float *data, int quarter, const uint16_t *bit_reversed,
                             const mf_dsp_frame_reader &frame, int begin, int end, int inside) {
#if MF_DSP_FFT_VFP
    if (!emphasis && quarter == 64 && (inside == 3 || inside == 2)) {
        mf_dsp_vfp_first_stage_quarter64(data, &bit_reversed[begin],
                                         &frame.samples[2 * (begin + quarter)],
                                         &frame.window[2 * (begin + quarter)], end - begin, inside);
        return;
    }
#endif
    switch (inside) {
        case 4: first_stage_run<4, emphasis>(data, quarter, bit_reversed, frame, begin, end); break;
        case 3: first_stage_run<3, emphasis>(data, quarter, bit_reversed, frame, begin, end); break;
        case 2: first_stage_run<2, emphasis>(data, quarter, bit_reversed, frame, begin, end); break;
        case 1: first_stage_run<1, emphasis>(data, quarter, bit_reversed, frame, begin, end); break;
        default: first_stage_run<0, emphasis>(data, quarter, bit_reversed, frame, begin, end); break;
    }
}

/* One group with every check: k = 0 (z[0] needs the sample before the frame) and the group
 * holding the last, half-filled point of an odd frame length. */
static void first_stage_group(float *data, int quarter, const uint16_t *bit_reversed,
                              const mf_dsp_frame_reader &frame, int k) {
    float a0_re, a0_im, a1_re, a1_im, a2_re, a2_im, a3_re, a3_im;
    if (k == 0) {
        mf_dsp_frame_first_point(frame, &a0_re, &a0_im);
    } else {
        mf_dsp_frame_point(frame, k, &a0_re, &a0_im);
    }
    mf_dsp_frame_point(frame, k + 2 * quarter, &a1_re, &a1_im);
    mf_dsp_frame_point(frame, k + quarter, &a2_re, &a2_im);
    mf_dsp_frame_point(frame, k + 3 * quarter, &a3_re, &a3_im);
    float *p = &data[2 * bit_reversed[k]];
    const float s0_re = a0_re + a1_re, s0_im = a0_im + a1_im;
    const float d0_re = a0_re - a1_re, d0_im = a0_im - a1_im;
    const float s1_re = a2_re + a3_re, s1_im = a2_im + a3_im;
    const float d1_re = a2_re - a3_re, d1_im = a2_im - a3_im;
    p[0] = s0_re + s1_re;
    p[1] = s0_im + s1_im;
    p[4] = s0_re - s1_re;
    p[5] = s0_im - s1_im;
    p[2] = d0_re + d1_im;
    p[3] = d0_im - d1_re;
    p[6] = d0_re - d1_im;
    p[7] = d0_im + d1_re;
}

static void radix4_first_stage(float *data, int m, const uint16_t *bit_reversed,
                               const mf_dsp_frame_samples *samples) {
    const mf_dsp_frame_reader frame(samples);
    const int quarter = m / 4;
    const int whole_points = frame.length / 2;  // points with both samples inside the frame
    const bool odd = (frame.length & 1) != 0;
    first_stage_group(data, quarter, bit_reversed, frame, 0);
    int k = 1;
    while (k < quarter) {
        /* Quarters inside at k, and where that count next changes. */
        int inside = 0;
        int end = quarter;
        bool checked = false;
        for (int q = 0; q < 4; ++q) {
            const int edge = whole_points - q * quarter;  // quarter q is inside for k < edge
            if (k < edge) {
                ++inside;
                if (edge < end) end = edge;
            } else if (odd && k == edge) {
                checked = true;  // the half-filled point
            }
        }
        if (checked) {
            first_stage_group(data, quarter, bit_reversed, frame, k);
            ++k;
            continue;
        }
        if (odd && inside < 4) {
            const int half_point = whole_points - inside * quarter;  // next quarter's odd point
            if (half_point > k && half_point < end) end = half_point;
        }
        if (frame.minus_c != 0.0f) {
            first_stage_runs<true>(data, quarter, bit_reversed, frame, k, end, inside);
        } else {
            first_stage_runs<false>(data, quarter, bit_reversed, frame, k, end, inside);
        }
        k = end;
    }
}

/* The same for a radix-2 first stage (span 2), when log2(M) is odd: positions b, b+1 with
 * b = bit_reversed[k], k < M/2, take z[k] and z[k + M/2]. */
static void radix2_first_stage(float *data, int m, const uint16_t *bit_reversed,
                               const mf_dsp_frame_samples *samples) {
    const mf_dsp_frame_reader frame(samples);
    const int half = m / 2;
    for (int k = 0; k < half; ++k) {
        float a0_re, a0_im, a1_re, a1_im;
        if (k == 0) {
            mf_dsp_frame_first_point(frame, &a0_re, &a0_im);
        } else {
            mf_dsp_frame_point(frame, k, &a0_re, &a0_im);
        }
        mf_dsp_frame_point(frame, k + half, &a1_re, &a1_im);
        float *p = &data[2 * bit_reversed[k]];
        p[0] = a0_re + a1_re;
        p[1] = a0_im + a1_im;
        p[2] = a0_re - a1_re;
        p[3] = a0_im - a1_im;
    }
}

/* Split step, bins k and M - k together from Z[k] = (a, b) and Z[M - k] = (c, d):
 *   2E = Z[k] + conj Z[M-k],  2O = -i (Z[k] - conj Z[M-k]),  B = W_N^k 2O
 *   2X[k] = 2E + B,  2X[M-k] = conj(2E - B).
 * Each power goes to the even float of a complex slot this pair has just read. */
MF_DSP_ALWAYS_INLINE void split_values(float a, float b, float c, float d, const float *w,
                                       float *low, float *high) {
    const float e_re = a + c, e_im = b - d;
    const float o_re = b + d, o_im = c - a;
    const float b_re = w[0] * o_re - w[1] * o_im;
    const float b_im = w[0] * o_im + w[1] * o_re;
    const float low_re = e_re + b_re, low_im = e_im + b_im;
    const float high_re = e_re - b_re, high_im = e_im - b_im;
    *low = low_re * low_re + low_im * low_im;
    *high = high_re * high_re + high_im * high_im;
}

MF_DSP_ALWAYS_INLINE void split_pair(float *low, float *high, const float *w) {
    split_values(low[0], low[1], high[0], high[1], w, &low[0], &high[0]);
}

/* The ends of the split step, from Z[0] and Z[M/2] (in `z0`, `middle`): DC and Nyquist are real,
 * X[0] = re + im and X[N/2] = re - im of Z[0]; k = M/2 pairs with itself, 2X[M/2] =
 * 2 conj Z[M/2]. */
MF_DSP_ALWAYS_INLINE void split_ends(float *buffer, int m, float z0_re, float z0_im,
                                     float middle_re, float middle_im) {
    buffer[m] = 4.0f * (middle_re * middle_re + middle_im * middle_im);
    const float dc = 2.0f * (z0_re + z0_im);
    const float nyquist = 2.0f * (z0_re - z0_im);
    buffer[0] = dc * dc;
    buffer[2 * m] = nyquist * nyquist;
}

/* The split pair of output K of butterfly j (in `y`, Z[j + K eighth]) and output 7 - K of
 * butterfly eighth - j (in `x`: its partner Z[M - j - K eighth]). K a constant, so y and x stay
 * in registers. */
template <int K>
MF_DSP_ALWAYS_INLINE void split_outputs(const float *y, const float *x, float *data, int m,
                                        int eighth, int j, const float *split) {
    const int low = j + K * eighth;
    split_values(y[2 * K], y[2 * K + 1], x[14 - 2 * K], x[15 - 2 * K], &split[2 * low],
                 &data[2 * low], &data[2 * (m - low)]);
}

/* The last radix-8 stage (eighth = M/8 >= 2) and the split step at once. Output k of butterfly
 * j is Z[j + k eighth], whose partner Z[M - j - k eighth] is output 7 - k of butterfly
 * eighth - j: butterflies j and eighth - j (1 <= j < eighth / 2) give eight whole pairs, and
 * butterflies 0 and eighth / 2 pair their outputs among themselves (butterfly 0's outputs 0 and
 * 4 are Z[0] and Z[M/2], the ends). Butterfly eighth - j's outputs go to the split from
 * registers, not through the buffer, and each pair's values and powers are loaded and stored
 * once: no second pass over the spectrum. Powers land where mf_dsp_real_fft_power leaves them
 * (buffer[2k]). A pair of butterflies reads exactly the slots it writes. Not inlined: in the
 * transform's body its spills join the first stage's in one larger frame (192 bytes more stack,
 * and 1 % more instructions on the M4F). */
template <int kEighth>
static MF_DSP_FFT_NOINLINE void radix8_last_stage_split(float *data, int m, int runtime_eighth,
                                                        const float *twiddles,
                                                        const float *split) {
    const int eighth = kEighth > 0 ? kEighth : runtime_eighth;
    const int step = 2 * eighth;
    const int half = eighth / 2;
    float y[16];
    radix8_outputs<false>(data, step, twiddles, y);
    /* Butterfly 0: Z[K eighth] pairs with Z[(8 - K) eighth], its output 8 - K (y + 2 seen as
     * output 7 - K). */
    split_outputs<1>(y, y + 2, data, m, eighth, 0, split);
    split_outputs<2>(y, y + 2, data, m, eighth, 0, split);
    split_outputs<3>(y, y + 2, data, m, eighth, 0, split);
    split_ends(data, m, y[0], y[1], y[8], y[9]);
    radix8_outputs<true>(&data[2 * half], step, twiddles + 14 * (half - 1), y);
    split_outputs<0>(y, y, data, m, eighth, half, split);
    split_outputs<1>(y, y, data, m, eighth, half, split);
    split_outputs<2>(y, y, data, m, eighth, half, split);
    split_outputs<3>(y, y, data, m, eighth, half, split);
    for (int j = 1; j < half; ++j) {
#if MF_DSP_FFT_VFP
        if (kEighth == 32) {
            mf_dsp_vfp_last_pair_eighth32(&data[2 * j], twiddles + 14 * (j - 1), &split[2 * j],
                                          &data[2 * (eighth - j)],
                                          twiddles + 14 * (eighth - j - 1),
                                          &split[2 * (eighth - j)]);
            continue;
        }
#endif
        float x[16];
        radix8_outputs<true>(&data[2 * j], step, twiddles + 14 * (j - 1), y);
        radix8_outputs<true>(&data[2 * (eighth - j)], step, twiddles + 14 * (eighth - j - 1), x);
        split_outputs<0>(y, x, data, m, eighth, j, split);
        split_outputs<1>(y, x, data, m, eighth, j, split);
        split_outputs<2>(y, x, data, m, eighth, j, split);
        split_outputs<3>(y, x, data, m, eighth, j, split);
        split_outputs<0>(x, y, data, m, eighth, eighth - j, split);
        split_outputs<1>(x, y, data, m, eighth, eighth - j, split);
        split_outputs<2>(x, y, data, m, eighth, eighth - j, split);
        split_outputs<3>(x, y, data, m, eighth, eighth - j, split);
    }
}

/* The split step over every pair. Not inlined: in the transform's body -Os keeps the loop's
 * bound and pointers on the stack. */
static MF_DSP_FFT_NOINLINE void split_power(float *buffer, int m, const float *split) {
    float *low = &buffer[2];
    float *high = &buffer[2 * (m - 1)];
    const float *w = &split[2];
    int pairs = m / 2 - 1;  // k = 1 .. M/2 - 1
    if (pairs & 1) {
        split_pair(low, high, w);
        low += 2;
        high -= 2;
        w += 2;
    }
    pairs /= 2;
    if (pairs <= 0) return;
    /* Two pairs a step, tested at the bottom (-Os leaves a for loop's test at the top and a jump
     * back): a fifth of the step's instructions were the loop's. */
    do {
        split_pair(low, high, w);
        split_pair(low + 2, high - 2, w + 2);
        low += 4;
        high -= 4;
        w += 4;
    } while (--pairs > 0);
}

void mf_dsp_real_fft_power(const mf_dsp_real_fft *plan, const mf_dsp_frame_samples *frame,
                           float *buffer) {
    const int m = plan->length / 2;
    /* Spans 2 or 4 first (reading the frame), then radix-4 up to m. */
    int span;
    if ((m & 0x55555555) != 0 && m >= 4) {  // m is a power of 4
        radix4_first_stage(buffer, m, plan->bit_reversed, frame);
        span = 4;
    } else {
        radix2_first_stage(buffer, m, plan->bit_reversed, frame);
        span = 2;
    }
    /* Then radix 8 (fewest loads and products per bit) once the bits left are a multiple of
     * 3, radix 4 before that: 256 points (the 512-point FFT) go 4, 8, 8. */
    const float *twiddles = plan->twiddles;
    while (span < m) {
        int bits_left = 0;
        while ((span << bits_left) < m) ++bits_left;
        if (bits_left == 3 && span >= 2) {  // the last stage, radix 8, and the split step
            if (span == 32) {
                radix8_last_stage_split<32>(buffer, m, span, twiddles, plan->split);
            } else {
                radix8_last_stage_split<0>(buffer, m, span, twiddles, plan->split);
            }
            return;
        }
        if (bits_left % 3 == 0) {
            twiddles = radix8_stage(buffer, m, span, twiddles);
            span *= 8;
        } else {
            twiddles = radix4_stage(buffer, m, span, twiddles);
            span *= 4;
        }
    }

    const float z0_re = buffer[0], z0_im = buffer[1];
    split_power(buffer, m, plan->split);
    split_ends(buffer, m, z0_re, z0_im, buffer[m], buffer[m + 1]);
}
