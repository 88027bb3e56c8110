#include "sim/kernel/rng.h"

#include <math.h>

#include "sim/kernel/rng_ziggurat.h"

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void sim_rng_init(struct sim_rng *r, uint64_t seed, uint64_t stream_id) {
    uint64_t x = seed;
    uint64_t a = splitmix64(&x);
    x = a ^ (stream_id * UINT64_C(0xd1342543de82ef95) + UINT64_C(0x2545f4914f6cdd1d));
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1; /* all-zero state is invalid */
}

uint64_t sim_hash_name(const char *s) {
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

void sim_rng_init_named(struct sim_rng *r, uint64_t seed, const char *component) {
    sim_rng_init(r, seed, sim_hash_name(component));
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t sim_rng_u64(struct sim_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n) {
    unsigned __int128 m = (unsigned __int128)sim_rng_u64(r) * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t threshold = (0 - n) % n;
        while (lo < threshold) {
            m = (unsigned __int128)sim_rng_u64(r) * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double sim_rng_unit(struct sim_rng *r) { return (double)(sim_rng_u64(r) >> 11) * 0x1.0p-53; }

bool sim_rng_bernoulli(struct sim_rng *r, double p) { return sim_rng_unit(r) < p; }

/* The ziggurat method (Marsaglia & Tsang 2000) with 256 layers of equal area
 * under exp(-x); tables in rng_ziggurat.h (scripts/gen-ziggurat-exp.c). One
 * 64-bit draw picks the layer (low 8 bits) and the position in it (high 53
 * bits); 98.9% of draws end there, with no logarithm. The rest test the
 * wedge against exp(-x), or draw from the tail beyond R as R + Exp(1). */
double sim_rng_exponential(struct sim_rng *r, double mean) {
    for (;;) {
        uint64_t u = sim_rng_u64(r);
        unsigned i = (unsigned)(u & 0xffu);
        double x = (double)(u >> 11) * 0x1.0p-53 * zig_exp_x[i];
        if (x < zig_exp_x[i + 1]) return x * mean;
        if (i == 0) {
            double v = (double)((sim_rng_u64(r) >> 11) + 1) * 0x1.0p-53; /* (0, 1] */
            return (ZIG_EXP_R - log(v)) * mean;
        }
        double y = zig_exp_f[i] + sim_rng_unit(r) * (zig_exp_f[i + 1] - zig_exp_f[i]);
        if (y < exp(-x)) return x * mean;
    }
}
