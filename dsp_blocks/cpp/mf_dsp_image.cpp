/* mcuforge DSP runtime: image block. Grayscale is computed per input pixel as it is read, so no
 * intermediate image buffer is needed. Both entry points blend the same pixels in the same order,
 * so they give the very same features. */
#include "mf_dsp_image.h"

/* Channel `channel` of pixel `col` of one input row (luma when converting to grayscale). */
static float pixel(const mf_dsp_image_config *config, const float *row, int col, int channel) {
    const float *p = &row[col * config->in_channels];
    if (config->grayscale && config->in_channels == 3) {
        return p[0] * config->luma[0] + p[1] * config->luma[1] + p[2] * config->luma[2];
    }
    return p[channel];
}

static float horizontal(const mf_dsp_image_config *config, const float *row, int x, int channel) {
    const float w = config->col_weight[x];
    return pixel(config, row, config->col_a[x], channel) * (1.0f - w) +
           pixel(config, row, config->col_b[x], channel) * w;
}

/* Output row y from its two input rows. */
static void output_row(const mf_dsp_image_config *config, const float *top_row,
                       const float *bottom_row, int y, float *out) {
    const int out_channels = config->grayscale ? 1 : 3;
    const float w = config->row_weight[y];
    for (int x = 0; x < config->out_width; ++x) {
        for (int c = 0; c < out_channels; ++c) {
            const float top = horizontal(config, top_row, x, c);
            const float bottom = horizontal(config, bottom_row, x, c);
            *out++ = (top * (1.0f - w) + bottom * w) * config->output_scale;
        }
    }
}

int mf_dsp_image_run(const mf_dsp_image_config *config, const float *image, float *features) {
    if (!config || !image || !features) return MF_DSP_ERROR_NULL_POINTER;
    const int row_length = config->in_width * config->in_channels;
    const int out_row_length = config->out_width * (config->grayscale ? 1 : 3);
    for (int y = 0; y < config->out_height; ++y) {
        output_row(config, &image[config->row_a[y] * row_length],
                   &image[config->row_b[y] * row_length], y, &features[y * out_row_length]);
    }
    return MF_DSP_OK;
}

int mf_dsp_image_run_rows(const mf_dsp_image_config *config, mf_dsp_image_row_fn get_row,
                          void *context, float *rows, float *features) {
    if (!config || !get_row || !rows || !features) return MF_DSP_ERROR_NULL_POINTER;
    const int row_length = config->in_width * config->in_channels;
    const int out_row_length = config->out_width * (config->grayscale ? 1 : 3);
    // Two slots, each remembering which input row it holds (-1: none yet).
    float *slot[2] = {rows, rows + row_length};
    int held[2] = {-1, -1};
    for (int y = 0; y < config->out_height; ++y) {
        const int wanted[2] = {config->row_a[y], config->row_b[y]};
        const float *found[2] = {0, 0};
        int keep = -1;  // the slot whose row this output row still needs
        for (int k = 0; k < 2; ++k) {
            for (int s = 0; s < 2; ++s) {
                if (held[s] == wanted[k]) {
                    found[k] = slot[s];
                    keep = s;
                }
            }
        }
        for (int k = 0; k < 2; ++k) {
            if (found[k]) continue;
            if (k == 1 && wanted[1] == wanted[0]) {
                found[1] = found[0];
                continue;
            }
            const int s = keep == 0 ? 1 : 0;  // the slot not holding a needed row
            if (get_row(context, wanted[k], slot[s]) != 0) return MF_DSP_IMAGE_ERROR_ROW;
            held[s] = wanted[k];
            found[k] = slot[s];
            keep = s;
        }
        output_row(config, found[0], found[1], y, &features[y * out_row_length]);
    }
    return MF_DSP_OK;
}
