/* mcuforge DSP runtime: MFCC, MFE and spectrogram, frame by frame, in the order of the Python
 * reference (dsp_blocks/mfcc.py, mfe.py, spectrogram.py). */
#include "mf_dsp_audio.h"

#include <stdint.h>
#include <string.h>

#include "mf_dsp_normalize.h"

namespace {

const float kLogPowerFloor = 1e-10f;          // -100 dB, as the Python blocks
const float kDecibelsPerNeper = 4.34294482f;  // 10 / ln 10

int frames_computed = 0;

#if !MF_DSP_FIXED_POINT
/* Frame `index` of `window` through the FFT: buffer[2k] = 4 |X[k]|^2. */
void frame_power(const mf_dsp_frame_config *frames, const mf_dsp_real_fft *fft,
                 const float *window, int index, float *buffer) {
    const int first = index * frames->stride;
    const mf_dsp_frame_samples frame = {frames, &window[first],
                                        first > 0 ? window[first - 1] : 0.0f};
    mf_dsp_real_fft_power(fft, &frame, buffer);
    ++frames_computed;
}

/* clip(ln(x) * slope + offset, 0, 1). Not a coarser log: its error is a tiny fraction of a
 * feature, but features land on int8 rounding boundaries often enough (2 000 a window) that a
 * 1.7e-5 log moved the model's int8 inputs in 2 of 9 MFE windows; the platform and the device
 * must feed the network the same bytes. */
MF_DSP_ALWAYS_INLINE float unit_log(float x, float slope, float offset) {
    const float scaled = mf_dsp_fast_ln(x) * slope + offset;
    if (scaled < 0.0f) return 0.0f;
    if (scaled > 1.0f) return 1.0f;
    return scaled;
}

/* clip(ln(max(x, floor)) * slope + offset, 0, 1): dB scaled above the noise floor. */
MF_DSP_ALWAYS_INLINE float scaled_log(float x, float floor, float slope, float offset) {
    return unit_log(x > floor ? x : floor, slope, offset);
}

/* scaled_log with its parameters and the powers outside which it clips: at or below
 * `zero_below` it is 0, at or above `one_above` 1, known without the log (a quiet frame of MFE
 * or the spectrogram is mostly zeros). The bounds are within a factor 1.06 of the exact ones,
 * on the safe side, so every value is the one scaled_log gives. */
struct ScaledLog {
    float floor;
    float slope;
    float offset;
    float zero_below;
    float one_above;
};

/* 2^n as a float, -126 <= n <= 128 (128: infinity). */
float power_of_two(int n) {
    const uint32_t bits = static_cast<uint32_t>(n + 127) << 23;
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* A lower (`upper` false) or upper bound on e^y, within a factor 1.06: e^y = 2^(n + f) with
 * f in [0, 1), and 2^f lies between its tangent at 0, 1 + f ln 2, and its chord, 1 + f. */
float exp_bound(float y, bool upper) {
    const float t = y * 1.44269504f;  // log2(e)
    if (t < -126.0f) return upper ? power_of_two(-126) : 0.0f;
    if (t >= 127.0f) return upper ? power_of_two(128) : power_of_two(127);
    int n = static_cast<int>(t);
    if (static_cast<float>(n) > t) --n;  // floor
    const float f = t - static_cast<float>(n);
    return power_of_two(n) * (upper ? 1.0f + f : 1.0f + 0.693147182f * f);
}

ScaledLog scaled_log_bounds(float floor, float slope, float offset) {
    /* ln x slope + offset <= 0 below e^(-offset / slope), >= 1 above e^((1 - offset) / slope). */
    ScaledLog scale = {floor, slope, offset, exp_bound(-offset / slope, false),
                       exp_bound((1.0f - offset) / slope, true)};
    /* Below the floor the floor's own value counts: no shortcut to 0 if that is above 0. If it
     * is 0, so is every value up to the floor: the shortcut takes them, and what is left of x is
     * above the floor. */
    if (scaled_log(floor, floor, slope, offset) > 0.0f) {
        scale.zero_below = -1.0f;
    } else if (scale.zero_below < floor) {
        scale.zero_below = floor;
    }
    return scale;
}

/* out[i] = scaled_log of in[i * stride], i < n, by the shortcuts where they apply. above_floor:
 * zero_below is at least the floor, so a value past the shortcut needs no max with it. `scale`
 * by value: in registers, where through a reference every store to out could change it. */
template <bool above_floor>
void clipped_scaled_logs_of(const float *in, int stride, int n, const ScaledLog scale,
                            float *out) {
    for (int i = 0; i < n; ++i, in += stride) {
        const float x = *in;
        if (x <= scale.zero_below) {
            out[i] = 0.0f;
        } else if (x >= scale.one_above) {
            out[i] = 1.0f;
        } else {
            out[i] = unit_log(above_floor || x > scale.floor ? x : scale.floor, scale.slope,
                              scale.offset);
        }
    }
}

void clipped_scaled_logs(const float *in, int stride, int n, const ScaledLog &scale, float *out) {
    if (scale.zero_below >= scale.floor) {
        clipped_scaled_logs_of<true>(in, stride, n, scale, out);
    } else {
        clipped_scaled_logs_of<false>(in, stride, n, scale, out);
    }
}
#endif

/* The first frame a run must compute into rows of `row_length` values: frames that a shift of
 * whole strides carried over are moved up in `rows` and kept. */
int first_new_frame(const mf_dsp_frame_config *frames, int shifted_samples, float *rows,
                    int row_length) {
    if (shifted_samples <= 0 || shifted_samples % frames->stride != 0) return 0;
    const int shifted_frames = shifted_samples / frames->stride;
    const int kept = frames->n_frames - shifted_frames;
    if (kept <= 0) return 0;
    memmove(rows, &rows[shifted_frames * row_length],
            static_cast<size_t>(kept) * row_length * sizeof(float));
    return kept;
}

/* Whether frame 0 must be recomputed although a shift kept it: its first sample had a
 * predecessor in the previous window, and pre-emphasis used it. */
bool frame_zero_changed(const mf_dsp_frame_config *frames, int first) {
    return first > 0 && frames->pre_emphasis != 0.0f;
}

#if MF_DSP_FIXED_POINT
/* log2 of frame t's mel energies (Q16) into scratch->log2_mel. */
void fixed_log2_mel(const mf_dsp_frame_config *frames, const mf_dsp_real_fft *fft,
                    const mf_dsp_mel_config *mel, const mf_dsp_fixed_tables *tables,
                    const mf_dsp_audio_scratch *scratch, const float *window, int t) {
    const int first = t * frames->stride;
    const mf_dsp_frame_samples frame = {frames, &window[first],
                                        first > 0 ? window[first - 1] : 0.0f};
    mf_dsp_fixed_log2_mel(&frame, fft, mel, tables, scratch->fixed_buffer, scratch->log2_mel);
    ++frames_computed;
}

/* log2 of frame t's bin powers (Q16) over the start of scratch->fixed_buffer. */
void fixed_log2_power(const mf_dsp_frame_config *frames, const mf_dsp_real_fft *fft,
                      const mf_dsp_fixed_tables *tables, const mf_dsp_audio_scratch *scratch,
                      const float *window, int t) {
    const int first = t * frames->stride;
    const mf_dsp_frame_samples frame = {frames, &window[first],
                                        first > 0 ? window[first - 1] : 0.0f};
    mf_dsp_fixed_log2_power(&frame, fft, tables, scratch->fixed_buffer);
    ++frames_computed;
}

/* Q16 value v in a float slot: its int32 bits (`bits`, for the normaliser, which converts) or
 * as a float. A union, not memcpy: an ARMv6-M build at -Os calls memcpy for 4 bytes. */
MF_DSP_ALWAYS_INLINE void store_q16(float *slot, int32_t v, bool bits) {
    if (!bits) {
        *slot = static_cast<float>(v) * (1.0f / 65536.0f);
        return;
    }
    union {
        int32_t i;
        float f;
    } pun;
    pun.i = v;
    *slot = pun.f;
}

/* Row t of the raw cepstrum from the fixed-point path: the log2 energies in Q16 relative to the
 * frame's loudest filter (a filter more than 64 octaves, 193 dB, below it reads as 193 dB below),
 * through the integer DCT in two parts so that every sum fits in 32 bits: the levels' Q6 part
 * (below 2^12, times Q(dct_q) rows whose magnitudes sum below 2^19) and their low 10 bits.
 * Rounding the levels to Q8 instead, with coarser rows, put 0.4 % of the int8 inputs of espeak
 * speech a step from the platform's. The loudest filter's level comes back through the rows'
 * sums; the parts and it meet in 64 bits, rounded to Q16 (at most 32767 either way, as the
 * normaliser takes them). With normalisation (`q16_bits`) each coefficient stays Q16, its int32
 * bits in the float slot, and the normaliser subtracts the means in integers: no float
 * arithmetic per coefficient, which a core without an FPU runs in software. */
void mfcc_frame(const mf_dsp_mfcc_config *config, const mf_dsp_audio_scratch *scratch,
                const float *window, int t, float *cepstrum) {
    const mf_dsp_fixed_tables *tables = config->fixed;
    const int n_filters = config->mel.n_filters;
    const bool q16_bits = config->normalization_window_frames != 0;
    fixed_log2_mel(&config->frames, &config->fft, &config->mel, tables, scratch, window, t);
    int32_t *level = scratch->log2_mel;
    int32_t loudest = INT32_MIN;
    int32_t quietest = INT32_MAX;
    for (int f = 0; f < n_filters; ++f) {
        if (level[f] > loudest) loudest = level[f];
        if (level[f] < quietest) quietest = level[f];
    }
    const int32_t lowest = -(64 << 16);
#if MF_DSP_FIXED_NARROW_PRODUCTS
    const bool relative_levels = true;  // the 32-bit sums need levels relative to the loudest
#else
    /* With 64-bit sums the levels go in as they are when no filter is clamped: the DCT of
     * (level - loudest) plus loudest x the row's sum is the DCT of the levels, exactly. */
    const bool relative_levels = quietest - loudest < lowest;
#endif
    if (relative_levels) {
        for (int f = 0; f < n_filters; ++f) {
            const int32_t relative = level[f] - loudest;
            level[f] = relative > lowest ? relative : lowest;
        }
    }
    const int dct_q = tables->dct_q;
    const int64_t half = dct_q > 0 ? static_cast<int64_t>(1) << (dct_q - 1) : 0;
    const int64_t limit = static_cast<int64_t>(32767) << 16;
    const int16_t *dct_row = tables->dct;
    float *row = &cepstrum[t * config->n_coefficients];
    for (int k = 0; k < config->n_coefficients; ++k, dct_row += n_filters) {
#if MF_DSP_FIXED_NARROW_PRODUCTS
        /* ARMv6-M has no 64-bit multiply-accumulate: two 32-bit sums. */
        int32_t high = 0;
        int32_t low = 0;
        for (int f = 0; f < n_filters; ++f) {
            high += dct_row[f] * (level[f] >> 10);  // floor: level = 1024 x high + low
            low += dct_row[f] * (level[f] & 0x3FF);
        }
        const int64_t sum = static_cast<int64_t>(high) * 1024 + low;
#else
        /* The same sum, one multiply-accumulate (SMLAL) a filter. */
        int64_t sum = 0;
        for (int f = 0; f < n_filters; ++f) sum += static_cast<int64_t>(dct_row[f]) * level[f];
#endif
        /* Q(16 + dct_q): the sum (+ loudest x the row's sum). */
        const int64_t total =
            relative_levels ? sum + static_cast<int64_t>(loudest) * tables->dct_row_sums[k] : sum;
        int64_t value = (total + half) >> dct_q;
        if (value > limit) value = limit;
        if (value < -limit) value = -limit;
        store_q16(&row[k], static_cast<int32_t>(value), q16_bits);
    }
}
#else
/* Row t of the raw cepstrum (dB mel energies through the DCT). */
void mfcc_frame(const mf_dsp_mfcc_config *config, const mf_dsp_audio_scratch *scratch,
                const float *window, int t, float *cepstrum) {
    const int n_filters = config->mel.n_filters;
    const int n_coefficients = config->n_coefficients;
    frame_power(&config->frames, &config->fft, window, t, scratch->fft_buffer);
    float *mel = scratch->mel;
    mf_dsp_mel_energies(&config->mel, scratch->fft_buffer, mel);
    for (int f = 0; f < n_filters; ++f) {
        mel[f] = mf_dsp_fast_ln(mel[f] > kLogPowerFloor ? mel[f] : kLogPowerFloor);
    }
    const float *dct_row = config->dct;
    float *row = &cepstrum[t * n_coefficients];
    for (int k = 0; k < n_coefficients; ++k, dct_row += n_filters) {
        /* Four sums, four filters a step: a quarter of the loop overhead. */
        float sum0 = 0.0f, sum1 = 0.0f, sum2 = 0.0f, sum3 = 0.0f;
        int f = 0;
        for (; f + 4 <= n_filters; f += 4) {
            sum0 += dct_row[f] * mel[f];
            sum1 += dct_row[f + 1] * mel[f + 1];
            sum2 += dct_row[f + 2] * mel[f + 2];
            sum3 += dct_row[f + 3] * mel[f + 3];
        }
        for (; f < n_filters; ++f) sum0 += dct_row[f] * mel[f];
        row[k] = (sum0 + sum1) + (sum2 + sum3);
    }
}
#endif

/* Rows first..n_frames-1 of the raw cepstrum, and row 0 when pre-emphasis changed it. */
void mfcc_frames(const mf_dsp_mfcc_config *config, const mf_dsp_audio_scratch *scratch,
                 const float *window, int first, float *cepstrum) {
    if (frame_zero_changed(&config->frames, first)) mfcc_frame(config, scratch, window, 0, cepstrum);
    for (int t = first; t < config->frames.n_frames; ++t) {
        mfcc_frame(config, scratch, window, t, cepstrum);
    }
}

#if MF_DSP_FIXED_POINT
/* Row t of MFE's features from the fixed-point path: (log2 E - floor) as a fraction of the range,
 * the floor and the range in log2 units (Q16) found once per run; integer work only per feature
 * (scaled_fraction), none for those clipped. */
struct FixedScale {
    int32_t floor_q16;
    int32_t range_q16;
    uint32_t unit_mantissa;  // the float 1 / range_q16 as mantissa x 2^unit_exponent,
    int unit_exponent;       // 2^23 <= mantissa < 2^24
};

FixedScale fixed_scale(float noise_floor_db, float inverse_range) {
    const float log2_per_db = 0.332192809f;  // 1 / (10 log10 2)
    FixedScale scale;
    scale.floor_q16 = static_cast<int32_t>(noise_floor_db * log2_per_db * 65536.0f);
    scale.range_q16 = static_cast<int32_t>(log2_per_db / inverse_range * 65536.0f);
    const float per_unit = inverse_range / (log2_per_db * 65536.0f);
    uint32_t bits;
    memcpy(&bits, &per_unit, sizeof bits);
    scale.unit_mantissa = (bits & 0x007FFFFFu) | 0x00800000u;
    scale.unit_exponent = static_cast<int>((bits >> 23) & 0xFFu) - 127 - 23;
    return scale;
}

/* above x the float 1 / range_q16, 0 < above < 2^24, as a float built from integers: the
 * mantissas' product (below 2^48), its top 24 bits (truncated: within 2^-23 of the float
 * product) and the exponents' sum. No soft-float routine, on a core without an FPU, for each of
 * a frame's features. */
MF_DSP_ALWAYS_INLINE float scaled_fraction(int32_t above, const FixedScale &scale) {
    const uint64_t product = static_cast<uint64_t>(static_cast<uint32_t>(above)) *
                             scale.unit_mantissa;
    const uint32_t high = static_cast<uint32_t>(product >> 32);
    const uint32_t low = static_cast<uint32_t>(product);
    int top;  // the product's highest bit
    uint32_t mantissa;
    if (high) {
        top = 63 - __builtin_clz(high);
        const int shift = top - 23;  // 9..24
        mantissa = (low >> shift) | (high << (32 - shift));
    } else {
        top = 31 - __builtin_clz(low);  // >= 23: the unit's mantissa alone has bit 23
        mantissa = low >> (top - 23);
    }
    union {
        uint32_t u;
        float f;
    } pun;
    pun.u = (static_cast<uint32_t>(top + scale.unit_exponent + 127) << 23) |
            (mantissa & 0x007FFFFFu);
    if (pun.u >= 0x3F800000u) return 1.0f;  // 1 or more (rounding at the range's top): 1
    return pun.f;
}

/* n log2 levels (Q16) as features in [0, 1]: above the floor, as a fraction of the range. */
void scaled_levels(const int32_t *level, int n, const FixedScale &scale, float *row) {
    for (int i = 0; i < n; ++i) {
        const int32_t above = level[i] - scale.floor_q16;
        if (above <= 0) {
            row[i] = 0.0f;
        } else if (above >= scale.range_q16) {
            row[i] = 1.0f;
        } else {
            row[i] = scaled_fraction(above, scale);
        }
    }
}

void mfe_frame(const mf_dsp_mfe_config *config, const mf_dsp_audio_scratch *scratch,
               const float *window, int t, const FixedScale &scale, float *features) {
    const int n_filters = config->mel.n_filters;
    fixed_log2_mel(&config->frames, &config->fft, &config->mel, config->fixed, scratch, window,
                   t);
    scaled_levels(scratch->log2_mel, n_filters, scale, &features[t * n_filters]);
}

/* Row t of the spectrogram from the fixed-point path: MFE's scaling of each bin's log2 power. */
void spectrogram_frame(const mf_dsp_spectrogram_config *config,
                       const mf_dsp_audio_scratch *scratch, const float *window, int t,
                       const FixedScale &scale, float *features) {
    const int n_bins = config->fft.length / 2 + 1;
    fixed_log2_power(&config->frames, &config->fft, config->fixed, scratch, window, t);
    scaled_levels(scratch->fixed_buffer, n_bins, scale, &features[t * n_bins]);
}
#else
/* Row t of MFE's features: scaled dB of the mel energies. */
void mfe_frame(const mf_dsp_mfe_config *config, const mf_dsp_audio_scratch *scratch,
               const float *window, int t, const ScaledLog &scale, float *features) {
    const int n_filters = config->mel.n_filters;
    float *row = &features[t * n_filters];
    frame_power(&config->frames, &config->fft, window, t, scratch->fft_buffer);
    mf_dsp_mel_energies(&config->mel, scratch->fft_buffer, row);
    clipped_scaled_logs(row, 1, n_filters, scale, row);
}
#endif

#if !MF_DSP_FIXED_POINT
/* Row t of the spectrogram: scaled dB of every bin's power. */
void spectrogram_frame(const mf_dsp_spectrogram_config *config,
                       const mf_dsp_audio_scratch *scratch, const float *window, int t,
                       const ScaledLog &scale, float *features) {
    const int n_bins = config->fft.length / 2 + 1;
    frame_power(&config->frames, &config->fft, window, t, scratch->fft_buffer);
    float *row = &features[t * n_bins];
    clipped_scaled_logs(scratch->fft_buffer, 2, n_bins, scale, row);
}
#endif

}  // namespace

int mf_dsp_audio_frames_computed(void) { return frames_computed; }

int mf_dsp_mfcc_run_shifted(const mf_dsp_mfcc_config *config,
                            const mf_dsp_audio_scratch *scratch, const float *window,
                            int shifted_samples, float *features) {
    if (!config || !scratch || !window || !features) return MF_DSP_ERROR_NULL_POINTER;
    frames_computed = 0;
    const int n_values = config->frames.n_frames * config->n_coefficients;
    if (!config->normalization_window_frames) {
        const int first = first_new_frame(&config->frames, shifted_samples, features,
                                          config->n_coefficients);
        mfcc_frames(config, scratch, window, first, features);
        return MF_DSP_OK;
    }
    /* Normalisation needs every frame's raw cepstrum: streaming keeps them in `history`, a plain
     * run computes them into `features` and normalises in place. */
    float *cepstrum = features;
    if (scratch->history && shifted_samples > 0) {
        cepstrum = scratch->history;
        const int first = first_new_frame(&config->frames, shifted_samples, cepstrum,
                                          config->n_coefficients);
        mfcc_frames(config, scratch, window, first, cepstrum);
        memcpy(features, cepstrum, static_cast<size_t>(n_values) * sizeof(float));
    } else {
        mfcc_frames(config, scratch, window, 0, features);
        if (scratch->history) {
            memcpy(scratch->history, features, static_cast<size_t>(n_values) * sizeof(float));
        }
    }
#if MF_DSP_FIXED_POINT
    mf_dsp_sliding_normalize_q16(features, config->frames.n_frames, config->n_coefficients,
                                 config->normalization_window_frames, config->normalize_variance,
                                 scratch->column);
#else
    mf_dsp_sliding_normalize(features, config->frames.n_frames, config->n_coefficients,
                             config->normalization_window_frames, config->normalize_variance,
                             scratch->column);
#endif
    return MF_DSP_OK;
}

int mf_dsp_mfcc_run(const mf_dsp_mfcc_config *config, const mf_dsp_audio_scratch *scratch,
                    const float *window, float *features) {
    return mf_dsp_mfcc_run_shifted(config, scratch, window, 0, features);
}

int mf_dsp_mfe_run_shifted(const mf_dsp_mfe_config *config, const mf_dsp_audio_scratch *scratch,
                           const float *window, int shifted_samples, float *features) {
    if (!config || !scratch || !window || !features) return MF_DSP_ERROR_NULL_POINTER;
    frames_computed = 0;
    const int n_filters = config->mel.n_filters;
#if MF_DSP_FIXED_POINT
    const FixedScale scale = fixed_scale(config->noise_floor_db, config->inverse_range);
#define MF_DSP_MFE_SCALE scale
#else
    /* ((10 / ln 10) ln E - floor) / (12 - floor) as one multiply-add on ln E. */
    const ScaledLog scale =
        scaled_log_bounds(kLogPowerFloor, kDecibelsPerNeper * config->inverse_range,
                          -config->noise_floor_db * config->inverse_range);
#define MF_DSP_MFE_SCALE scale
#endif
    const int first = first_new_frame(&config->frames, shifted_samples, features, n_filters);
    if (frame_zero_changed(&config->frames, first)) {
        mfe_frame(config, scratch, window, 0, MF_DSP_MFE_SCALE, features);
    }
    for (int t = first; t < config->frames.n_frames; ++t) {
        mfe_frame(config, scratch, window, t, MF_DSP_MFE_SCALE, features);
    }
#undef MF_DSP_MFE_SCALE
    return MF_DSP_OK;
}

int mf_dsp_mfe_run(const mf_dsp_mfe_config *config, const mf_dsp_audio_scratch *scratch,
                   const float *window, float *features) {
    return mf_dsp_mfe_run_shifted(config, scratch, window, 0, features);
}

int mf_dsp_spectrogram_run_shifted(const mf_dsp_spectrogram_config *config,
                                   const mf_dsp_audio_scratch *scratch, const float *window,
                                   int shifted_samples, float *features) {
    if (!config || !scratch || !window || !features) return MF_DSP_ERROR_NULL_POINTER;
    frames_computed = 0;
    const int n_bins = config->fft.length / 2 + 1;
#if MF_DSP_FIXED_POINT
    const FixedScale scale = fixed_scale(config->noise_floor_db, config->inverse_range);
#else
    /* The FFT leaves 4 N |X|^2 / N: the floor and the dB offset absorb the 4 N. */
    const float power_scale = 4.0f * static_cast<float>(config->fft.length);
    const float floor = kLogPowerFloor * power_scale;
    const float slope = kDecibelsPerNeper * config->inverse_range;
    const float offset =
        (-kDecibelsPerNeper * mf_dsp_fast_ln(power_scale) - config->noise_floor_db) *
        config->inverse_range;
    const ScaledLog scale = scaled_log_bounds(floor, slope, offset);
#endif
    const int first = first_new_frame(&config->frames, shifted_samples, features, n_bins);
    if (frame_zero_changed(&config->frames, first)) {
        spectrogram_frame(config, scratch, window, 0, scale, features);
    }
    for (int t = first; t < config->frames.n_frames; ++t) {
        spectrogram_frame(config, scratch, window, t, scale, features);
    }
    return MF_DSP_OK;
}

int mf_dsp_spectrogram_run(const mf_dsp_spectrogram_config *config,
                           const mf_dsp_audio_scratch *scratch, const float *window,
                           float *features) {
    return mf_dsp_spectrogram_run_shifted(config, scratch, window, 0, features);
}
