/* Camera frames as the classifier's input, for image impulses (MF_IMAGE_INPUT is 1).
 *
 * The impulse classifies frames of MF_IMAGE_INPUT_WIDTH x MF_IMAGE_INPUT_HEIGHT pixels (the size
 * of the images it was trained on); its DSP block resizes them to the model's input size. The
 * classifier's raw window is that frame as MF_IMAGE_INPUT_CHANNELS floats a pixel, 0..255, row by
 * row from the top-left pixel (MF_RAW_FRAME_SIZE floats): any mf_signal_t giving that works.
 * mf_signal_from_frame gives it from a camera's frame buffer, converting each pixel as it is read
 * so no float copy of the frame is kept beside the classifier's own. A frame buffer holds the
 * pixels row by row from the top left, rows without padding, in one of these formats:
 *
 *   MF_PIXEL_RGB888     3 bytes a pixel: red, green, blue, each 0..255
 *   MF_PIXEL_RGB565     2 bytes a pixel, low byte first (little-endian uint16_t): red in bits
 *                       15..11, green 10..5, blue 4..0
 *   MF_PIXEL_RGB565_BE  the same 16 bits, high byte first (as many camera modules send them)
 *   MF_PIXEL_GRAY8      1 byte a pixel, 0..255
 *
 * RGB565 channels are widened to 0..255 by repeating their top bits (r5 << 3 | r5 >> 2), so 0
 * and full scale stay 0 and 255. An impulse trained on grayscale images (MF_IMAGE_INPUT_CHANNELS
 * 1) takes RGB frames as 0.299 R + 0.587 G + 0.114 B; one trained on RGB images takes a gray
 * frame as that value in all three channels.
 *
 *     static mf_frame_t frame = { camera_buffer, MF_PIXEL_RGB565_BE };
 *     mf_signal_t signal;
 *     mf_signal_from_frame(&frame, &signal);
 *     mf_run_classifier(&signal, &result, false);
 */
#ifndef MF_IMAGE_H
#define MF_IMAGE_H

#include "mf_classifier.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MF_PIXEL_RGB888 = 0,
    MF_PIXEL_RGB565 = 1,
    MF_PIXEL_RGB565_BE = 2,
    MF_PIXEL_GRAY8 = 3
} mf_pixel_format_t;

/* One frame of MF_IMAGE_INPUT_WIDTH x MF_IMAGE_INPUT_HEIGHT pixels; must outlive its signal. */
typedef struct {
    const void *pixels;
    mf_pixel_format_t format;
} mf_frame_t;

/* Bytes of one frame in `format` (0 for an unknown format). */
size_t mf_frame_bytes(mf_pixel_format_t format);

#if MF_IMAGE_INPUT
/* A signal over `frame` (MF_RAW_FRAME_SIZE values). MF_ERR_NULL for null pointers,
 * MF_ERR_SIGNAL_READ for an unknown pixel format. */
int mf_signal_from_frame(const mf_frame_t *frame, mf_signal_t *signal);
#endif

#ifdef __cplusplus
}
#endif

#endif /* MF_IMAGE_H */
