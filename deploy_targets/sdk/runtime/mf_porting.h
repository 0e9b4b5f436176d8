/* Porting layer of the mcuforge SDK: a microsecond timer and a print function.
 * POSIX and Arduino defaults are in mf_porting.cpp; define MF_PORTING_CUSTOM and implement
 * both functions yourself on any other platform. */
#ifndef MF_PORTING_H
#define MF_PORTING_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Microseconds since an arbitrary start; only differences are used. */
uint64_t mf_timer_us(void);

/* printf-style output (stdout on POSIX, Serial on Arduino). */
void mf_printf(const char *format, ...);

#ifdef __cplusplus
}
#endif

#endif /* MF_PORTING_H */
