// Startup of the emulated serial board (QEMU mps2-an386): the estimator harness's reset
// sequence (copy .data, zero .bss, FPU on, UART on, constructors) with a full vector table up to SysTick,
// and a firmware that runs until QEMU is stopped.
#include <stdint.h>

extern "C" {
extern uint32_t mf_data_start, mf_data_end, mf_data_load_start, mf_bss_start, mf_bss_end;
extern uint32_t mf_stack_top;
typedef void (*mf_init_function)(void);
extern mf_init_function mf_init_array_start[], mf_init_array_end[];

int main(void);
void mf_reset_handler(void);
void mf_fault_handler(void);
void mf_systick_handler(void);
void mf_uart_write_byte(uint8_t byte);
void mf_uart_init(void);
}

#define MF_CPACR (*(volatile uint32_t *)0xE000ED88u)

extern "C" void mf_reset_handler(void) {
    MF_CPACR |= (0xFu << 20);
    __asm__ volatile("dsb\n isb" ::: "memory");
    uint32_t *source = &mf_data_load_start;
    for (uint32_t *target = &mf_data_start; target < &mf_data_end; ++target) {
        *target = *source++;
    }
    for (uint32_t *target = &mf_bss_start; target < &mf_bss_end; ++target) {
        *target = 0;
    }
    // The UART and the timer before anything runs: firmware written for a board whose stdio
    // is ready at main (the SDK's device_test example) prints from its first line.
    mf_uart_init();
    for (mf_init_function *init = mf_init_array_start; init < mf_init_array_end; ++init) {
        (*init)();
    }
    main();
    for (;;) {
        __asm__ volatile("wfi");
    }
}

extern "C" void mf_fault_handler(void) {
    // Said on the serial port, where the host is listening, then stop.
    const char *text = "\r\nmf_fault\r\n";
    while (*text != '\0') {
        mf_uart_write_byte(static_cast<uint8_t>(*text++));
    }
    for (;;) {
    }
}

// SP, Reset, NMI, HardFault, MemManage, BusFault, UsageFault, 4 reserved, SVCall, DebugMonitor,
// reserved, PendSV, SysTick.
__attribute__((section(".vectors"), used)) static const uintptr_t mf_vector_table[] = {
    reinterpret_cast<uintptr_t>(&mf_stack_top),
    reinterpret_cast<uintptr_t>(&mf_reset_handler),
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
    0u, 0u, 0u, 0u,
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
    0u,
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
    reinterpret_cast<uintptr_t>(&mf_systick_handler),
};
