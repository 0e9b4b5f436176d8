/* Camera frames as the classifier's input: each pixel converted to the impulse's channels as the
 * classifier reads it (see mf_image.h for the pixel formats). */
#include "mf_image.h"

#if MF_IMAGE_INPUT

namespace {

const int kPixels = MF_IMAGE_INPUT_WIDTH * MF_IMAGE_INPUT_HEIGHT;

// 5 or 6 bits widened to 0..255 by repeating the top bits: 0 -> 0, full scale -> 255.
float widen5(unsigned value) { return static_cast<float>((value << 3) | (value >> 2)); }
float widen6(unsigned value) { return static_cast<float>((value << 2) | (value >> 4)); }

void rgb565(unsigned value, float *rgb) {
    rgb[0] = widen5((value >> 11) & 0x1f);
    rgb[1] = widen6((value >> 5) & 0x3f);
    rgb[2] = widen5(value & 0x1f);
}

// Pixel `index` of the frame as red, green, blue (0..255).
void pixel_rgb(const mf_frame_t *frame, int index, float *rgb) {
    const uint8_t *bytes = static_cast<const uint8_t *>(frame->pixels);
    switch (frame->format) {
        case MF_PIXEL_RGB888:
            rgb[0] = bytes[index * 3];
            rgb[1] = bytes[index * 3 + 1];
            rgb[2] = bytes[index * 3 + 2];
            return;
        case MF_PIXEL_RGB565:
            rgb565(bytes[index * 2] | (bytes[index * 2 + 1] << 8), rgb);
            return;
        case MF_PIXEL_RGB565_BE:
            rgb565((bytes[index * 2] << 8) | bytes[index * 2 + 1], rgb);
            return;
        case MF_PIXEL_GRAY8:
        default:
            rgb[0] = rgb[1] = rgb[2] = bytes[index];
            return;
    }
}

int frame_get_data(void *context, size_t offset, size_t length, float *out) {
    const mf_frame_t *frame = static_cast<const mf_frame_t *>(context);
    const size_t channels = MF_IMAGE_INPUT_CHANNELS;
    for (size_t i = 0; i < length; ++i) {
        const size_t value = offset + i;
        const int index = static_cast<int>(value / channels);
        if (index >= kPixels) {
            return 1;
        }
        if (frame->format == MF_PIXEL_GRAY8) {
            // Gray in every channel; no luma round trip, so gray frames stay exact.
            out[i] = static_cast<const uint8_t *>(frame->pixels)[index];
            continue;
        }
        float rgb[3];
        pixel_rgb(frame, index, rgb);
#if MF_IMAGE_INPUT_CHANNELS == 1
        out[i] = 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
#else
        out[i] = rgb[value % channels];
#endif
    }
    return 0;
}

}  // namespace

extern "C" int mf_signal_from_frame(const mf_frame_t *frame, mf_signal_t *signal) {
    if (frame == 0 || frame->pixels == 0 || signal == 0) {
        return MF_ERR_NULL;
    }
    if (mf_frame_bytes(frame->format) == 0) {
        return MF_ERR_SIGNAL_READ;
    }
    signal->total_length = MF_RAW_FRAME_SIZE;
    signal->get_data = frame_get_data;
    signal->context = const_cast<mf_frame_t *>(frame);
    return MF_OK;
}

extern "C" size_t mf_frame_bytes(mf_pixel_format_t format) {
    switch (format) {
        case MF_PIXEL_RGB888:
            return static_cast<size_t>(kPixels) * 3;
        case MF_PIXEL_RGB565:
        case MF_PIXEL_RGB565_BE:
            return static_cast<size_t>(kPixels) * 2;
        case MF_PIXEL_GRAY8:
            return static_cast<size_t>(kPixels);
    }
    return 0;
}

#else

extern "C" size_t mf_frame_bytes(mf_pixel_format_t format) {
    (void)format;
    return 0;  // a time-series impulse takes no frames
}

#endif /* MF_IMAGE_INPUT */
