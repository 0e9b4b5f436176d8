/* FOMO object detection: the model's output map (one cell per 8x8 input pixels, channel 0
 * background, then one channel per label) decoded into objects.
 *
 * The same decoding as the platform's (worker/learning/detection.py), so the device reports the
 * objects Model testing showed: for each label in order, its cells are scanned row by row; a cell
 * whose probability of the label is at least the threshold and not yet taken starts an object, the
 * 4-connected cells above the threshold around it belong to it; the object's box is the bounding
 * rectangle of its cells in input pixels and its value the highest probability among them. At
 * most `max_objects` objects, in that order.
 *
 * No heap: the caller gives the scratch space (rows x columns bytes and as many uint16_t).
 *
 *     static uint8_t taken[ROWS * COLUMNS];
 *     static uint16_t pending[ROWS * COLUMNS];
 *     mf_bounding_box_t objects[8];
 *     size_t count = mf_decode_objects_int8(output, output_scale, output_zero_point, &params,
 *                                           labels, taken, pending, objects, 8);
 */
#ifndef MF_DETECTION_H
#define MF_DETECTION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *label;
    uint32_t x; /* top-left corner and size in input pixels */
    uint32_t y;
    uint32_t width;
    uint32_t height;
    float value; /* the highest probability of the label among the object's cells */
} mf_bounding_box_t;

typedef struct {
    uint16_t rows;        /* output map height in cells */
    uint16_t columns;     /* output map width in cells */
    uint16_t label_count; /* object labels; the map has label_count + 1 channels */
    uint16_t cell_width;  /* input pixels per cell */
    uint16_t cell_height;
    float threshold; /* a cell belongs to a label at this probability or above */
} mf_detection_params_t;

/* Objects of a float map (rows x columns x (label_count + 1), channels last). Returns how many
 * were written to `objects`. */
size_t mf_decode_objects(const float *cells, const mf_detection_params_t *params,
                         const char *const *labels, uint8_t *taken, uint16_t *pending,
                         mf_bounding_box_t *objects, size_t max_objects);

/* The same on the int8 model's output: a cell's probability is (q - zero_point) * scale. */
size_t mf_decode_objects_int8(const int8_t *cells, float scale, int32_t zero_point,
                              const mf_detection_params_t *params, const char *const *labels,
                              uint8_t *taken, uint16_t *pending, mf_bounding_box_t *objects,
                              size_t max_objects);

#ifdef __cplusplus
}
#endif

#endif /* MF_DETECTION_H */
