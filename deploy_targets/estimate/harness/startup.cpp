// Minimal Cortex-M startup for the estimator's harness on QEMU mps2: vector table, reset
// handler that copies .data, zeroes .bss, enables the FPU and runs static constructors.
#include <stdint.h>

extern "C" {
extern uint32_t mf_data_start, mf_data_end, mf_data_load_start, mf_bss_start, mf_bss_end;
extern uint32_t mf_stack_top;
typedef void (*mf_init_function)(void);
extern mf_init_function mf_init_array_start[], mf_init_array_end[];

int main(void);
void mf_semihost_exit(int success);
void mf_reset_handler(void);
void mf_fault_handler(void);
}

#define MF_CPACR (*(volatile uint32_t *)0xE000ED88u)

extern "C" void mf_reset_handler(void) {
#if defined(__ARM_FP)
    // Full access to coprocessors 10 and 11 (the FPU) before any hard-float instruction runs;
    // a core without an FPU (Cortex-M0+ builds) has no CPACR to write.
    MF_CPACR |= (0xFu << 20);
    __asm__ volatile("dsb\n isb" ::: "memory");
#endif

    uint32_t *source = &mf_data_load_start;
    for (uint32_t *target = &mf_data_start; target < &mf_data_end; ++target) {
        *target = *source++;
    }
    for (uint32_t *target = &mf_bss_start; target < &mf_bss_end; ++target) {
        *target = 0;
    }
    for (mf_init_function *init = mf_init_array_start; init < mf_init_array_end; ++init) {
        (*init)();
    }
    mf_semihost_exit(main() == 0);
    for (;;) {
    }
}

extern "C" void mf_fault_handler(void) {
    // A fault (bad access, undefined instruction) ends the run as a failure instead of hanging.
    mf_semihost_exit(0);
    for (;;) {
    }
}

// Initial stack pointer, reset, then NMI, HardFault, MemManage, BusFault, UsageFault.
__attribute__((section(".vectors"), used)) static const uintptr_t mf_vector_table[] = {
    reinterpret_cast<uintptr_t>(&mf_stack_top),
    reinterpret_cast<uintptr_t>(&mf_reset_handler),
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
    reinterpret_cast<uintptr_t>(&mf_fault_handler),
};
