/* mcuforge DSP runtime: image resize (bilinear), grayscale and scaling (dsp_blocks/image.py). */
#ifndef MF_DSP_IMAGE_H
#define MF_DSP_IMAGE_H

#include <stdint.h>

#include "mf_dsp_common.h"

enum {
    MF_DSP_IMAGE_ERROR_ROW = -20 /* get_row of mf_dsp_image_run_rows returned nonzero */
};

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

/* Writes input row `row` (in_width x in_channels floats) into `out`; 0 on success. */
typedef int (*mf_dsp_image_row_fn)(void *context, int row, float *out);

/* The same features from an image read a row at a time by get_row, so the image need not be in
 * memory as floats: `rows` is scratch of 2 x in_width x in_channels floats. The taps' rows only
 * move down, so each input row is read at most once. Returns MF_DSP_IMAGE_ERROR_ROW when get_row
 * fails. */
int mf_dsp_image_run_rows(const mf_dsp_image_config *config, mf_dsp_image_row_fn get_row,
                          void *context, float *rows, float *features);

#endif /* MF_DSP_IMAGE_H */
