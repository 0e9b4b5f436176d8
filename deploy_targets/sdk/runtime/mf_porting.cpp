/* Default porting functions: Arduino (micros, Serial), bare-metal Arm (newlib's vprintf, no
 * timer) or POSIX (clock_gettime, vprintf). */
#include "mf_porting.h"

#if !defined(MF_PORTING_CUSTOM)

#include <stdarg.h>
#include <stdio.h>

#if defined(ARDUINO)
#include <Arduino.h>

uint64_t mf_timer_us(void) { return static_cast<uint64_t>(micros()); }

void mf_printf(const char *format, ...) {
    char line[256];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line, sizeof(line), format, arguments);
    va_end(arguments);
    Serial.print(line);
}

#elif defined(__arm__) && !defined(__linux__)
/* Bare metal (arm-none-eabi): there is no clock every Cortex-M has, so the default timer reads
 * 0 (timings then show 0 us). It is weak: define mf_timer_us in your firmware, e.g. from SysTick
 * or the DWT cycle counter, and yours is linked instead. Output goes through newlib's _write,
 * which the firmware retargets to its UART. */
__attribute__((weak)) uint64_t mf_timer_us(void) { return 0; }

__attribute__((weak)) void mf_printf(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vprintf(format, arguments);
    va_end(arguments);
}

#else
#include <time.h>

uint64_t mf_timer_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1000000u + static_cast<uint64_t>(now.tv_nsec) / 1000u;
}

void mf_printf(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vprintf(format, arguments);
    va_end(arguments);
}

#endif /* ARDUINO */
#endif /* MF_PORTING_CUSTOM */
