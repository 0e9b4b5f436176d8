// Unit test driver for the runtime's integer primitives: reads "x multiplier shift" lines and
// prints "srdhm(x, multiplier) rounding_divide_by_pot(x, -shift or 0) requantized" per line.
#include <stdio.h>

#include "mf/fixed_point.h"

int main() {
  long x = 0, multiplier = 0;
  int shift = 0;
  while (scanf("%ld %ld %d", &x, &multiplier, &shift) == 3) {
    const int32_t a = static_cast<int32_t>(x);
    const int32_t m = static_cast<int32_t>(multiplier);
    printf("%ld %ld %ld\n", static_cast<long>(mf::saturating_rounding_doubling_high_mul(a, m)),
           static_cast<long>(mf::rounding_divide_by_pot(a, shift < 0 ? -shift : 0)),
           static_cast<long>(mf::multiply_by_quantized_multiplier(a, m, shift)));
  }
  return 0;
}
