// Estimator harness: fill the input with deterministic bytes, run MF_MODEL_invoke once, count
// the instructions it took with a timer that QEMU -icount shift=0 advances 1 ns per
// instruction, measure its stack by painting, and print the figures over semihosting.
// Built with -DMF_HEADER="name.h" -DMF_INVOKE=name_invoke -DMF_INPUT_BYTES=... -DMF_OUTPUT_BYTES=...
#include <stdint.h>

#include MF_HEADER

extern "C" void mf_semihost_exit(int success);

namespace {

// CMSDK APB timer 0 of the mps2 boards: a 32-bit down counter at the system clock (25 MHz, so
// one tick is 40 ns of virtual time, i.e. 40 instructions under -icount shift=0; 20 MHz on the
// AN505, which the estimator addresses at its secure alias: machines.py passes MF_TIMER_BASE).
struct CmsdkTimer {
    volatile uint32_t ctrl;
    volatile uint32_t value;
    volatile uint32_t reload;
};
#ifndef MF_TIMER_BASE
#define MF_TIMER_BASE 0x40000000u
#endif
CmsdkTimer *const timer0 = reinterpret_cast<CmsdkTimer *>(MF_TIMER_BASE);

const uint32_t kStackPaint = 0x5A5AA5A5u;
const uint32_t kStackPaintWords = 64u * 1024u;  // 256 KB below the caller's frame

uint8_t input_buffer[MF_INPUT_BYTES];
uint8_t output_buffer[MF_OUTPUT_BYTES];

int semihost_call(int operation, const void *argument) {
    register int r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void write_text(const char *text) { semihost_call(0x04, text); }  // SYS_WRITE0

void write_number(const char *key, uint32_t value) {
    char digits[12];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + value % 10u);
        value /= 10u;
    } while (value != 0u);
    char line[48];
    int length = 0;
    while (*key != '\0') {
        line[length++] = *key++;
    }
    line[length++] = '=';
    while (count > 0) {
        line[length++] = digits[--count];
    }
    line[length++] = '\n';
    line[length] = '\0';
    write_text(line);
}

uint32_t stack_pointer() {
    uint32_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

// Paints the words below its own frame (noinline: the frame holds its return address) and
// returns the lowest painted address.
__attribute__((noinline)) uint32_t paint_stack() {
    volatile uint32_t *top = reinterpret_cast<volatile uint32_t *>(stack_pointer() & ~3u);
    for (uint32_t i = 1; i <= kStackPaintWords; ++i) {
        top[-static_cast<int32_t>(i)] = kStackPaint;
    }
    return reinterpret_cast<uint32_t>(top - kStackPaintWords);
}

uint32_t lowest_touched(uint32_t painted_bottom) {
    volatile uint32_t *bottom = reinterpret_cast<volatile uint32_t *>(painted_bottom);
    uint32_t i = 0;
    while (i < kStackPaintWords && bottom[i] == kStackPaint) {
        ++i;
    }
    return reinterpret_cast<uint32_t>(bottom + i);
}

}  // namespace

int main(void) {
    // Same bytes on every run and every board: a 32-bit LCG (Numerical Recipes constants).
    uint32_t state = 12345u;
    for (uint32_t i = 0; i < MF_INPUT_BYTES; ++i) {
        state = state * 1664525u + 1013904223u;
        input_buffer[i] = static_cast<uint8_t>(state >> 24);
    }

    timer0->ctrl = 0u;
    timer0->reload = 0xFFFFFFFFu;
    timer0->value = 0xFFFFFFFFu;
    timer0->ctrl = 1u;

#ifdef MF_PREPARE
    // What the library's caller does to the input before calling it (the DSP estimate's
    // window), before the stack is painted: its stack is not the library's.
    MF_PREPARE(input_buffer);
#endif

    // The stack of invoke is measured from main's stack pointer at the call down to the lowest
    // painted word it overwrote; the resolution is paint_stack's own frame (a few words).
    const uint32_t caller_stack_pointer = stack_pointer();
    const uint32_t painted_bottom = paint_stack();

    const uint32_t ticks_before = timer0->value;
    const int status = MF_INVOKE(input_buffer, output_buffer);
    const uint32_t ticks_after = timer0->value;

    const uint32_t stack_low = lowest_touched(painted_bottom);

    // FNV-1a over the output bytes: compared with the host build's output.
    uint32_t checksum = 2166136261u;
    for (uint32_t i = 0; i < MF_OUTPUT_BYTES; ++i) {
        checksum = (checksum ^ output_buffer[i]) * 16777619u;
    }

    write_number("mf_status", static_cast<uint32_t>(status));
    write_number("mf_timer_ticks", ticks_before - ticks_after);
    write_number("mf_stack_bytes", caller_stack_pointer - stack_low);
    write_number("mf_output_fnv1a", checksum);
    write_text("mf_done\n");
    return status == 0 ? 0 : 1;
}

extern "C" void mf_semihost_exit(int success) {
    // SYS_EXIT with ADP_Stopped_ApplicationExit (exit code 0) or ADP_Stopped_RunTimeErrorUnknown.
    semihost_call(0x18, reinterpret_cast<const void *>(success ? 0x20026u : 0x20023u));
}
