#include "sim/kernel/clock.h"

#include <assert.h>

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

void sim_clock_init(struct sim_clock *c, uint64_t freq_hz) {
    assert(freq_hz > 0 && freq_hz <= UINT64_C(1000000000000));
    uint64_t num = UINT64_C(1000000000000), den = freq_hz;
    uint64_t g = gcd_u64(num, den);
    c->freq_hz = freq_hz;
    c->num = num / g;
    c->den = den / g;
}

/* Each conversion takes a 64-bit path while its products fit (every run of
 * a realistic length: with 1.2 GHz, num = 5000 and den = 6), and the 128-bit
 * one beyond; both give the same value. The 128-bit division is a call to
 * the compiler's runtime: these conversions run on every tile sync. */

sim_time_t sim_clock_cycles_to_ps(const struct sim_clock *c, uint64_t cycles) {
    if (cycles <= UINT64_MAX / c->num) return cycles * c->num / c->den;
    unsigned __int128 t = (unsigned __int128)cycles * c->num / c->den;
    assert(t <= SIM_TIME_MAX);
    return (sim_time_t)t;
}

uint64_t sim_clock_ps_to_cycles(const struct sim_clock *c, sim_time_t t) {
    /* largest k with floor(k*num/den) <= t  <=>  k*num/den < t+1 */
    if (t < UINT64_MAX / c->den) {
        const uint64_t k64 = (t + 1) * c->den;
        uint64_t q = k64 / c->num;
        if (q * c->num == k64) q--;
        return q;
    }
    unsigned __int128 k = ((unsigned __int128)t + 1) * c->den;
    uint64_t q = (uint64_t)(k / c->num);
    if ((unsigned __int128)q * c->num == k) q--; /* k*num/den == t+1 exactly is not <= t */
    return q;
}

uint64_t sim_clock_cycle_at_or_after(const struct sim_clock *c, sim_time_t t) {
    /* smallest k with k*num/den >= t, i.e. ceil(t*den/num) */
    if (t <= (UINT64_MAX - c->num) / c->den) return (t * c->den + c->num - 1) / c->num;
    unsigned __int128 n = (unsigned __int128)t * c->den;
    return (uint64_t)((n + c->num - 1) / c->num);
}

sim_time_t sim_clock_next_edge(const struct sim_clock *c, sim_time_t t) {
    return sim_clock_cycles_to_ps(c, sim_clock_cycle_at_or_after(c, t));
}
