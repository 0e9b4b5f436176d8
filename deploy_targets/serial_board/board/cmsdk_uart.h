// The emulated serial board: QEMU's mps2-an386 (Cortex-M4) with the CMSDK APB UART0 as the
// board's serial port. QEMU passes characters through as fast as its character device takes
// them (it models no baud rate), so the signal firmware paces its characters itself.
#ifndef MF_CMSDK_UART_H
#define MF_CMSDK_UART_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void mf_uart_init(void);
void mf_uart_write_byte(uint8_t byte);
int mf_uart_read_byte(void);  // blocks until a byte arrives
// The SysTick exception, at `hz` (processor clock 25 MHz; at least 2 Hz).
void mf_systick_start(uint32_t hz);
extern volatile uint32_t mf_systick_count;
// Ticks of the 25 MHz CMSDK timer 0 since mf_uart_init, widened to 64 bits (call it at least
// once every 171 s, the 32-bit counter's period).
uint64_t mf_clock_ticks(void);

#ifdef __cplusplus
}
#endif

#endif  // MF_CMSDK_UART_H
