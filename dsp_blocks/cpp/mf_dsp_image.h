/* mcuforge DSP runtime: image resize (bilinear), grayscale and scaling (dsp_blocks/image.py). */
#ifndef MF_DSP_IMAGE_H
#define MF_DSP_IMAGE_H

#include <stdint.h>

#include "mf_dsp_common.h"

/* Output row y blends input rows row_a[y] and row_b[y] with weight row_weight[y] on row_b;
 * likewise for columns. The generator precomputes these taps. */
struct mf_dsp_image_config {
    int in_height, in_width, in_channels;
    int out_height, out_width;
    int grayscale;  /* 1: one output channel, 0.299 R + 0.587 G + 0.114 B when in_channels is 3 */
    const uint16_t *row_a;
    const uint16_t *row_b;
    const float *row_weight;
    const uint16_t *col_a;
    const uint16_t *col_b;
    const float *col_weight;
    float luma[3];
    float output_scale;  /* 1 / 255 */
};

/* image: in_height x in_width x in_channels (row-major, channels interleaved), values 0..255;
 * features: out_height x out_width x (grayscale ? 1 : 3). */
int mf_dsp_image_run(const mf_dsp_image_config *config, const float *image, float *features);

#endif /* MF_DSP_IMAGE_H */
