// The test core's functions: semihosting output, a counting clock, and a main() that runs the
// sketch's setup() once (loop() would run forever) before the startup code exits QEMU.
#include "Arduino.h"

SemihostingSerial Serial;

namespace {

unsigned long fake_time_us = 0;

int semihost_call(int operation, const void *argument) {
    register int r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

}  // namespace

void SemihostingSerial::print(const char *text) { semihost_call(0x04, text); }  // SYS_WRITE0

int SemihostingSerial::read(void) { return -1; }

unsigned long micros(void) { return fake_time_us += 10; }

void delay(unsigned long ms) { fake_time_us += ms * 1000; }

void setup();

int main(void) {
    setup();
    return 0;
}

extern "C" void mf_semihost_exit(int success) {
    // SYS_EXIT with ADP_Stopped_ApplicationExit or ADP_Stopped_RunTimeErrorUnknown.
    semihost_call(0x18, reinterpret_cast<const void *>(success ? 0x20026u : 0x20023u));
}
