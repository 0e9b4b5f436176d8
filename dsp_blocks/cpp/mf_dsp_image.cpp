/* mcuforge DSP runtime: image block. Grayscale is computed per input pixel as it is read, so no
 * intermediate image buffer is needed. */
#include "mf_dsp_image.h"

static float pixel(const mf_dsp_image_config *config, const float *image, int row, int col,
                   int channel) {
    const float *p = &image[(row * config->in_width + col) * config->in_channels];
    if (config->grayscale && config->in_channels == 3) {
        return p[0] * config->luma[0] + p[1] * config->luma[1] + p[2] * config->luma[2];
    }
    return p[channel];
}

static float horizontal(const mf_dsp_image_config *config, const float *image, int row, int x,
                        int channel) {
    const float w = config->col_weight[x];
    return pixel(config, image, row, config->col_a[x], channel) * (1.0f - w) +
           pixel(config, image, row, config->col_b[x], channel) * w;
}

int mf_dsp_image_run(const mf_dsp_image_config *config, const float *image, float *features) {
    if (!config || !image || !features) return MF_DSP_ERROR_NULL_POINTER;
    const int out_channels = config->grayscale ? 1 : 3;
    float *out = features;
    for (int y = 0; y < config->out_height; ++y) {
        const float w = config->row_weight[y];
        for (int x = 0; x < config->out_width; ++x) {
            for (int c = 0; c < out_channels; ++c) {
                const float top = horizontal(config, image, config->row_a[y], x, c);
                const float bottom = horizontal(config, image, config->row_b[y], x, c);
                *out++ = (top * (1.0f - w) + bottom * w) * config->output_scale;
            }
        }
    }
    return MF_DSP_OK;
}
