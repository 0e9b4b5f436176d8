/* FOMO decoding (see mf_detection.h): connected components of each label's cells. */
#include "mf_detection.h"

#include <string.h>

namespace {

struct FloatCells {
    const float *cells;
    float operator()(size_t index) const { return cells[index]; }
};

// Dequantized as the platform does: the integer difference is exact, then one float product.
struct Int8Cells {
    const int8_t *cells;
    float scale;
    int32_t zero_point;
    float operator()(size_t index) const {
        return static_cast<float>(static_cast<int32_t>(cells[index]) - zero_point) * scale;
    }
};

template <typename Cells>
size_t decode(const Cells &probability, const mf_detection_params_t *params,
              const char *const *labels, uint8_t *taken, uint16_t *pending,
              mf_bounding_box_t *objects, size_t max_objects) {
    const int rows = params->rows;
    const int columns = params->columns;
    const int channels = params->label_count + 1;
    size_t count = 0;
    for (int channel = 1; channel < channels; ++channel) {
        memset(taken, 0, static_cast<size_t>(rows) * columns);
        for (int start = 0; start < rows * columns; ++start) {
            if (taken[start] || !(probability(start * channels + channel) >= params->threshold)) {
                continue;
            }
            if (count == max_objects) {
                return count;
            }
            taken[start] = 1;
            int pending_count = 0;
            pending[pending_count++] = static_cast<uint16_t>(start);
            int top = start / columns, bottom = top, left = start % columns, right = left;
            float best = probability(start * channels + channel);
            while (pending_count > 0) {
                const int cell = pending[--pending_count];
                const int row = cell / columns;
                const int column = cell % columns;
                if (row < top) top = row;
                if (row > bottom) bottom = row;
                if (column < left) left = column;
                if (column > right) right = column;
                const float value = probability(cell * channels + channel);
                if (value > best) best = value;
                // Up, down, left, right: 4-connected neighbours inside the map.
                const int near_rows[4] = {row - 1, row + 1, row, row};
                const int near_columns[4] = {column, column, column - 1, column + 1};
                for (int k = 0; k < 4; ++k) {
                    if (near_rows[k] < 0 || near_rows[k] >= rows || near_columns[k] < 0 ||
                        near_columns[k] >= columns) {
                        continue;
                    }
                    const int near = near_rows[k] * columns + near_columns[k];
                    if (!taken[near] &&
                        probability(near * channels + channel) >= params->threshold) {
                        taken[near] = 1;
                        pending[pending_count++] = static_cast<uint16_t>(near);
                    }
                }
            }
            mf_bounding_box_t *object = &objects[count++];
            object->label = labels[channel - 1];
            object->x = static_cast<uint32_t>(left) * params->cell_width;
            object->y = static_cast<uint32_t>(top) * params->cell_height;
            object->width = static_cast<uint32_t>(right - left + 1) * params->cell_width;
            object->height = static_cast<uint32_t>(bottom - top + 1) * params->cell_height;
            object->value = best;
        }
    }
    return count;
}

}  // namespace

size_t mf_decode_objects(const float *cells, const mf_detection_params_t *params,
                         const char *const *labels, uint8_t *taken, uint16_t *pending,
                         mf_bounding_box_t *objects, size_t max_objects) {
    const FloatCells probability = {cells};
    return decode(probability, params, labels, taken, pending, objects, max_objects);
}

size_t mf_decode_objects_int8(const int8_t *cells, float scale, int32_t zero_point,
                              const mf_detection_params_t *params, const char *const *labels,
                              uint8_t *taken, uint16_t *pending, mf_bounding_box_t *objects,
                              size_t max_objects) {
    const Int8Cells probability = {cells, scale, zero_point};
    return decode(probability, params, labels, taken, pending, objects, max_objects);
}
