// CMSDK APB UART0 driver, newlib's system calls routed to it (printf, fgets on stdin), and the
// device_test counter of this board.
#include "cmsdk_uart.h"

#include <errno.h>
#include <stddef.h>
#include <sys/stat.h>

namespace {

struct CmsdkUart {
    volatile uint32_t data;
    volatile uint32_t state;  // bit 0: transmit buffer full, bit 1: receive buffer full
    volatile uint32_t ctrl;   // bit 0: transmit enable, bit 1: receive enable
    volatile uint32_t intstatus;
    volatile uint32_t bauddiv;
};
CmsdkUart *const uart0 = reinterpret_cast<CmsdkUart *>(0x40004000u);

// CMSDK APB timer 0, the 25 MHz system clock: under QEMU -icount shift=0 one instruction is
// 1 ns of virtual time, so one tick is 40 instructions.
struct CmsdkTimer {
    volatile uint32_t ctrl;
    volatile uint32_t value;
    volatile uint32_t reload;
};
CmsdkTimer *const timer0 = reinterpret_cast<CmsdkTimer *>(0x40000000u);
const uint32_t kInstructionsPerTick = 40u;

struct SysTick {
    volatile uint32_t ctrl;
    volatile uint32_t load;
    volatile uint32_t value;
};
SysTick *const systick = reinterpret_cast<SysTick *>(0xE000E010u);
const uint32_t kCpuHz = 25000000u;

}  // namespace

volatile uint32_t mf_systick_count = 0;

extern "C" void mf_uart_init(void) {
    uart0->bauddiv = 16u;  // the smallest divisor the UART takes; QEMU ignores the baud rate
    uart0->ctrl = 3u;
    timer0->ctrl = 0u;
    timer0->reload = 0xFFFFFFFFu;
    timer0->value = 0xFFFFFFFFu;
    timer0->ctrl = 1u;
}

extern "C" void mf_uart_write_byte(uint8_t byte) {
    while (uart0->state & 1u) {
    }
    uart0->data = byte;
}

extern "C" int mf_uart_read_byte(void) {
    while ((uart0->state & 2u) == 0u) {
    }
    return static_cast<int>(uart0->data & 0xFFu);
}

extern "C" void mf_systick_start(uint32_t hz) {
    systick->ctrl = 0u;
    systick->load = kCpuHz / hz - 1u;
    systick->value = 0u;
    systick->ctrl = 7u;  // processor clock, exception on wrap, enabled
}

extern "C" uint64_t mf_clock_ticks(void) {
    static uint32_t last = 0xFFFFFFFFu;
    static uint64_t total = 0;
    const uint32_t value = timer0->value;
    total += last - value;  // a down counter: elapsed ticks, also across a wrap
    last = value;
    return total;
}

extern "C" void mf_systick_handler(void) { mf_systick_count = mf_systick_count + 1u; }

// The device_test example's counter on this board: QEMU has no DWT cycle counter, so it counts
// instructions (timer ticks x 40 under -icount shift=0), which is a Cortex-M4's cycle count
// when every instruction takes one cycle (loads, multiplies and branches take more on silicon).
extern "C" uint32_t mf_device_test_counter(void) {
    return (0xFFFFFFFFu - timer0->value) * kInstructionsPerTick;
}
extern "C" const char *mf_device_test_counter_unit(void) { return "instructions"; }

// newlib's system calls: stdout and stderr to the UART (with CR before LF for terminals),
// stdin from it; no files.
extern "C" {
extern char end;
int _write(int file, const char *data, int length);
int _read(int file, char *data, int length);
void *_sbrk(ptrdiff_t increment);
int _close(int file);
int _fstat(int file, struct stat *status);
int _isatty(int file);
int _lseek(int file, int offset, int whence);
void _exit(int code);
int _kill(int pid, int signal);
int _getpid(void);
}

int _write(int file, const char *data, int length) {
    if (file != 1 && file != 2) {
        errno = EBADF;
        return -1;
    }
    for (int i = 0; i < length; ++i) {
        mf_uart_write_byte(static_cast<uint8_t>(data[i]));
    }
    return length;
}

int _read(int file, char *data, int length) {
    if (file != 0) {
        errno = EBADF;
        return -1;
    }
    // One line at most: fgets then sees it as soon as its newline came.
    int count = 0;
    while (count < length) {
        const int byte = mf_uart_read_byte();
        data[count++] = static_cast<char>(byte);
        if (byte == '\n') {
            break;
        }
    }
    return count;
}

void *_sbrk(ptrdiff_t increment) {
    static char *heap_end = &end;
    char *previous = heap_end;
    heap_end += increment;
    return previous;
}

int _close(int) { return -1; }
int _fstat(int, struct stat *status) {
    status->st_mode = S_IFCHR;
    return 0;
}
int _isatty(int) { return 1; }
int _lseek(int, int, int) { return 0; }
void _exit(int) {
    for (;;) {
    }
}
int _kill(int, int) {
    errno = EINVAL;
    return -1;
}
int _getpid(void) { return 1; }
