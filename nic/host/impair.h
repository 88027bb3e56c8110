/* nic/host/impair.h: loss, delay, jitter, reordering and duplication of real
 * frames in one direction (tessera-host's TAP driver, tessera-relay), so the
 * stack and Linux can be measured through the same impairments on a kernel
 * without netem (docs/impairments.md).
 *
 * What it does: impair_submit decides a frame's fate from the queue's own
 * seeded stream (sim/kernel/rng.h: xoshiro256**; four draws per submitted
 * frame whatever the parameters, so a seed gives the same decisions for the
 * same frame sequence, and changing one probability does not move the
 * others' decisions) and queues a copy with its release time:
 *   - lost with probability `loss` (never queued);
 *   - otherwise due at now + delay + U[-jitter, +jitter] (clamped at now),
 *     but never before the previous frame that was not held back: jitter
 *     varies the delay, it never reorders;
 *   - held back with probability `reorder`: due reorder_delay later than it
 *     would have been, and later frames are not held behind it, so every
 *     frame submitted within reorder_delay after it overtakes it;
 *   - duplicated with probability `dup`: a second copy due at the same time,
 *     released right after the first.
 * impair_pop_due hands over the due frames in release order (ties in
 * submission order). All zero: every frame is due when submitted.
 *
 * Memory: frames are copied in; the queue owns the copies (one malloc per
 * frame in flight, freed after the pop callback returns, or by
 * impair_destroy) and a heap array of pointers. At most `limit` frames are
 * held; a frame submitted to a full queue is dropped and counted as
 * overflow (not as lost). Times are the caller's, in nanoseconds.
 * Cost: four generator steps and one copy per frame, O(log n) per submit
 * and pop with n frames in flight.
 */
#ifndef TESSERA_NIC_HOST_IMPAIR_H
#define TESSERA_NIC_HOST_IMPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#define IMPAIR_NEVER UINT64_MAX
#define IMPAIR_DEFAULT_LIMIT 65536u

/* One direction's parameters (impair_parse; zero: pass-through). */
struct impair_spec {
    double loss, reorder, dup; /* probabilities 0..1 */
    uint64_t delay_ns;         /* fixed one-way delay */
    uint64_t jitter_ns;        /* uniform +/- around the delay */
    uint64_t reorder_delay_ns; /* extra hold of a reordered frame; 0: max(1 ms, delay) */
    uint32_t limit;            /* frames held at most; 0: IMPAIR_DEFAULT_LIMIT */
};

struct impair_counters {
    uint64_t submitted;  /* frames handed to impair_submit */
    uint64_t delivered;  /* frames handed to the pop callback (copies included) */
    uint64_t lost;       /* dropped by `loss` */
    uint64_t duplicated; /* second copies made by `dup` */
    uint64_t reordered;  /* held back by `reorder` */
    uint64_t delayed;    /* queued with a release time after their submission */
    uint64_t overtaken;  /* delivered after a frame submitted later than them */
    uint64_t overflow;   /* dropped because `limit` frames were held */
    uint64_t max_queued; /* most frames held at once */
};

struct impair;

/* Parses "loss=0.01,delay=10ms,jitter=3ms,reorder=0.25,reorder_delay=1ms,
 * dup=0.05,limit=1000" (any subset, any order; "" or "none": all zero;
 * probabilities also as "1%"; durations with ns, us, ms or s, or a bare 0).
 * False with a message naming the item and what was expected in err. */
bool impair_parse(const char *s, struct impair_spec *out, char *err, size_t errlen);
/* Whether the spec changes anything (false: all zero). */
bool impair_active(const struct impair_spec *sp);
/* The spec as impair_parse reads it (for logs). */
void impair_format(const struct impair_spec *sp, char *buf, size_t len);

/* A queue drawing from (seed, stream): the same seed with different streams
 * draws independent numbers. NULL when out of memory. */
struct impair *impair_create(const struct impair_spec *sp, uint64_t seed, uint64_t stream);
void impair_destroy(struct impair *q);
/* Decides the frame's fate and queues its copies. */
void impair_submit(struct impair *q, uint64_t now_ns, const void *frame, size_t len);
/* The same for a frame in pieces (total bytes len). */
void impair_submitv(struct impair *q, uint64_t now_ns, const struct iovec *iov, int n, size_t len);
/* The release time of the first frame held, IMPAIR_NEVER when none. */
uint64_t impair_next_due(const struct impair *q);
/* Hands every frame due at now_ns to cb in release order; returns how many.
 * The bytes are valid during the call only. cb must not call back into q. */
unsigned impair_pop_due(struct impair *q, uint64_t now_ns,
                        void (*cb)(void *ctx, const uint8_t *frame, size_t len), void *ctx);
/* Frames held now. */
size_t impair_queued(const struct impair *q);
const struct impair_counters *impair_counters(const struct impair *q);
/* One line a counter, "PREFIX.name value", zeros included. */
void impair_print_counters(const struct impair *q, FILE *f, const char *prefix);

/* A program's flags for two directions named n[0] and n[1] ("out", "in";
 * "a2b", "b2a"): --impair-N0 SPEC, --impair-N1 SPEC, --impair SPEC (both
 * directions, whatever the order: a direction's own flag wins) and
 * --impair-seed N (default 1). */
struct impair_opts {
    struct impair_spec both, dir[2];
    bool has_both, has_dir[2];
    uint64_t seed;
};
void impair_opts_init(struct impair_opts *o);
/* Whether argv[*i] is one of those flags: 1 (taken with its value, *i
 * advanced past it), 0 (not one of them), -1 (a missing or bad value: the
 * message, naming the flag, in err). */
int impair_option(int argc, char **argv, int *i, const char *const n[2], struct impair_opts *o,
                  char *err, size_t errlen);
/* Direction k's spec after all flags. */
struct impair_spec impair_opts_spec(const struct impair_opts *o, int k);

#endif
