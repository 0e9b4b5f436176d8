// A board that prints a synthetic 3-axis accelerometer signal, one sample a line
// ("x,y,z\r\n", m/s^2 with 3 decimals), MF_SIGNAL_HZ lines a second, on its serial port.
//
// The serial port is paced as a UART at MF_BAUD would be (8N1: 10 bits a character): character
// slots fall every 10 / MF_BAUD s and sample k falls due at k / MF_SIGNAL_HZ s, both on the
// CMSDK timer's 25 MHz clock, from the start. A sample that falls due while the previous line
// is still being sent is dropped, as on a board that cannot print fast enough. The firmware
// wakes on SysTick (MF_WAKE_HZ) and sends every character whose slot has passed, so a late wake
// costs no rate. With MF_SEQUENCE the line ends in the sample's index: the host sees a dropped
// sample as a gap. Built with -DMF_SIGNAL_HZ=100u -DMF_BAUD=115200u [-DMF_SEQUENCE=1].

#include <math.h>
#include <stdint.h>

#include "cmsdk_uart.h"

#ifndef MF_SEQUENCE
#define MF_SEQUENCE 0
#endif

namespace {

const uint64_t kClockHz = 25000000u;  // CMSDK timer 0: the system clock
const uint64_t kCharactersPerSecond = MF_BAUD / 10u;
const uint32_t kWakeHz = 2000u;
static_assert(MF_BAUD / 10u >= MF_SIGNAL_HZ, "MF_SIGNAL_HZ above one character a sample");

char line[64];

int append_number(char *out, int32_t thousandths) {
    int length = 0;
    uint32_t magnitude = static_cast<uint32_t>(thousandths);
    if (thousandths < 0) {
        out[length++] = '-';
        magnitude = static_cast<uint32_t>(-thousandths);
    }
    char digits[12];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + magnitude % 10u);
        magnitude /= 10u;
    } while (magnitude != 0u || count < 4);  // at least "0.000"
    while (count > 3) {
        out[length++] = digits[--count];
    }
    out[length++] = '.';
    while (count > 0) {
        out[length++] = digits[--count];
    }
    return length;
}

int format_sample(uint32_t index) {
    const float t = static_cast<float>(index) / static_cast<float>(MF_SIGNAL_HZ);
    const float two_pi = 6.28318530718f;
    // A slow sway on x, a faster shake on y, gravity plus a ripple on z.
    const float x = 2.0f * sinf(two_pi * 1.0f * t);
    const float y = 1.0f * sinf(two_pi * 5.0f * t) + 0.5f * cosf(two_pi * 0.5f * t);
    const float z = 9.81f + 0.3f * sinf(two_pi * 3.0f * t);
    const float axes[3] = {x, y, z};
    int length = 0;
    for (int axis = 0; axis < 3; ++axis) {
        if (axis > 0) {
            line[length++] = ',';
        }
        length += append_number(line + length, static_cast<int32_t>(lroundf(axes[axis] * 1000.0f)));
    }
#if MF_SEQUENCE
    line[length++] = ',';
    length += append_number(line + length, static_cast<int32_t>(index % 1000000u) * 1000) - 4;
#endif
    line[length++] = '\r';
    line[length++] = '\n';
    return length;
}

}  // namespace

int main(void) {
    mf_systick_start(kWakeHz);
    uint64_t slot = 0;         // the next character slot
    uint32_t next_sample = 0;  // the next sample to fall due
    int sending = 0;
    int length = 0;
    for (;;) {
        __asm__ volatile("wfi");
        const uint64_t now = mf_clock_ticks();
        while (slot * kClockHz / kCharactersPerSecond <= now) {
            const uint64_t slot_time = slot * kClockHz / kCharactersPerSecond;
            while (static_cast<uint64_t>(next_sample) * kClockHz / MF_SIGNAL_HZ <= slot_time) {
                if (sending == length) {
                    length = format_sample(next_sample);
                    sending = 0;
                }
                ++next_sample;  // sent or dropped, the next sample is the next index
            }
            if (sending < length) {
                mf_uart_write_byte(static_cast<uint8_t>(line[sending++]));
            }
            ++slot;
        }
    }
}
