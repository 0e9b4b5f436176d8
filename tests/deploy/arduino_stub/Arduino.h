// A minimal Arduino core for the tests: enough for the generated library and its static_buffer
// example to compile for Cortex-M4 and run under QEMU, printing over semihosting, and for the
// device_test example to compile.
#ifndef ARDUINO_H
#define ARDUINO_H

#include <stddef.h>
#include <stdint.h>

unsigned long micros(void);
void delay(unsigned long ms);

class SemihostingSerial {
public:
    void begin(unsigned long baud) { (void)baud; }
    void print(const char *text);
    int read(void);  // no input over semihosting: -1 (the device_test sketch only compiles)
    explicit operator bool() const { return true; }
};

extern SemihostingSerial Serial;

#endif  // ARDUINO_H
