/* sim/tile/coro.h: coroutines on their own host stacks, for running tile code.
 *
 * What it does: a coroutine owns an mmap'd host stack. coro_run() starts
 * fn(a, b) on it and returns when fn returns (CORO_DONE), when code running
 * on the coroutine calls coro_yield() (CORO_SUSPENDED: coro_resume() goes on
 * from there, from any event) or coro_abandon() (CORO_ABANDONED: the rest of
 * fn never runs; the next coro_run starts afresh). Switches are Boost.Context's
 * fcontext (Debian libboost-context-dev): a few nanoseconds, no system call,
 * unlike glibc's swapcontext, which changes the signal mask.
 *
 * Fixed frame: fn is entered with its stack pointer at exactly coro_top()
 * (16-byte aligned, page aligned), whatever the simulator's own code and
 * frames look like: the entry trampoline lives above that point and calls fn
 * through a stack switch. So the host addresses of tile code's stack frames,
 * relative to coro_top(), depend only on tile code: the tile runtime maps
 * [coro_top() - stack_bytes, coro_top()) onto the tile's simulated stack
 * region, and simulated addresses do not move when the simulator changes.
 *
 * Layout of the host stack (low to high): a guard page (PROT_NONE), `slack`
 * bytes for simulator frames below tile code (runtime calls made by tile
 * code), `stack_bytes` for tile code, CORO_RESERVE bytes for the entry
 * trampoline and the fcontext record. Pages cost memory only when touched.
 *
 * Sanitizers: under AddressSanitizer every switch is announced
 * (__sanitizer_start_switch_fiber / __sanitizer_finish_switch_fiber), and an
 * abandoned coroutine's stack is unpoisoned before it is used again.
 *
 * Memory: struct coro and its stack are owned by the caller of coro_create.
 * Cost: two fcontext switches per coro_run and per coro_yield/coro_resume
 * pair (bench/coro_switch.c measures them).
 * Left out: nested coroutines (a coroutine never runs another).
 */
#ifndef TESSERA_SIM_TILE_CORO_H
#define TESSERA_SIM_TILE_CORO_H

#include <stddef.h>
#include <stdint.h>

#define CORO_RESERVE (UINT64_C(64) << 10)

enum coro_status { CORO_DONE, CORO_SUSPENDED, CORO_ABANDONED };

typedef void (*coro_fn)(void *a, void *b);

struct coro;

/* A coroutine whose tile-code area is stack_bytes (rounded up to pages) with
 * `slack` bytes below it. NULL (message in err) if the mapping fails. */
struct coro *coro_create(size_t stack_bytes, size_t slack, char *err, size_t errlen);
void coro_destroy(struct coro *c);

/* Runs fn(a, b) on the coroutine's stack, entered with SP = coro_top(c). */
enum coro_status coro_run(struct coro *c, coro_fn fn, void *a, void *b);

/* Goes on with a suspended coroutine; returns as coro_run does. */
enum coro_status coro_resume(struct coro *c);

/* From code running on c: suspend it; coro_run or coro_resume returns
 * CORO_SUSPENDED, and this returns when someone calls coro_resume(c). */
void coro_yield(struct coro *c);

/* From code running on c: leave it for good; coro_run returns CORO_ABANDONED. */
_Noreturn void coro_abandon(struct coro *c);

/* The stack pointer tile code is entered with; tile frames lie below it. */
uintptr_t coro_top(const struct coro *c);

/* True while code runs on c (between coro_run's switch in and out). */
int coro_running(const struct coro *c);

#endif
