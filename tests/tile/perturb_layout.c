/* tests/tile/perturb_layout.c: padding linked first into a second build of
 * tessera (-DTESSERA_PERTURB_LAYOUT=ON), so that every function and every
 * static datum of the simulator and of tile code lands at another host
 * address than in the normal build. tests/tile/same_results.sh checks that
 * results do not change: simulated addresses must never follow host ones. */
#include <stddef.h>

__attribute__((used)) const char perturb_rodata[12345] = {1};
__attribute__((used)) char perturb_data[54321] = {1};
__attribute__((used)) char perturb_bss[99991];

__attribute__((used, noinline)) size_t perturb_text(const char *p, size_t n) {
    size_t h = 5381;
    for (size_t i = 0; i < n; i++)
        h = h * 33 + (unsigned char)p[i] + perturb_data[i % sizeof perturb_data];
    return h ^ (size_t)perturb_bss[h % sizeof perturb_bss] ^
           (size_t)perturb_rodata[h % sizeof perturb_rodata];
}
