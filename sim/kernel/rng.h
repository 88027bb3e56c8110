/* sim/kernel/rng.h: seeded pseudo-random streams, one per component.
 *
 * Each component owns a struct sim_rng seeded from (run seed, component id):
 * the id is a number or a name (hashed with FNV-1a), mixed with the seed by
 * SplitMix64, which then fills the state of a xoshiro256** generator
 * (Blackman & Vigna). Streams of different components are independent of each
 * other and of the order in which components are created, so adding a client
 * does not change the random numbers another client draws. Never rand(),
 * never the wall clock.
 *
 * Memory: 32-byte value type. Cost: a few ns per draw.
 */
#ifndef TESSERA_SIM_KERNEL_RNG_H
#define TESSERA_SIM_KERNEL_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct sim_rng {
    uint64_t s[4];
};

void sim_rng_init(struct sim_rng *r, uint64_t seed, uint64_t stream_id);
void sim_rng_init_named(struct sim_rng *r, uint64_t seed, const char *component);

uint64_t sim_rng_u64(struct sim_rng *r);
/* Uniform in [0, n), unbiased (Lemire's method); n > 0. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double sim_rng_unit(struct sim_rng *r);
/* True with probability p. */
bool sim_rng_bernoulli(struct sim_rng *r, double p);
/* Exponentially distributed with the given mean (ziggurat method: a few ns,
 * the same numbers on every host). */
double sim_rng_exponential(struct sim_rng *r, double mean);

/* FNV-1a 64-bit hash of a string (stable across hosts and runs). */
uint64_t sim_hash_name(const char *s);

#endif
