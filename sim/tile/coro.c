/* sim/tile/coro.c: coroutines over Boost.Context's fcontext. See coro.h. */
#include "sim/tile/coro.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN 1
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#endif

/* Boost.Context's C entry points (boost/context/detail/fcontext.hpp declares
 * them for C++; libboost_context exports them with C linkage). */
typedef void *fcontext_t;
struct transfer_t {
    fcontext_t fctx;
    void *data;
};
extern struct transfer_t jump_fcontext(fcontext_t const to, void *vp);
extern fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(struct transfer_t));

/* coro_call_at(sp, fn, a, b): call fn(a, b) with the stack pointer at sp
 * (16-byte aligned) and come back to the caller's stack. x86-64 System V. */
void coro_call_at(uintptr_t sp, coro_fn fn, void *a, void *b);
__asm__(".text\n"
        ".p2align 4\n"
        ".globl coro_call_at\n"
        ".hidden coro_call_at\n"
        ".type coro_call_at,@function\n"
        "coro_call_at:\n"
        ".cfi_startproc\n"
        "  pushq %rbp\n"
        ".cfi_def_cfa_offset 16\n"
        ".cfi_offset %rbp, -16\n"
        "  movq %rsp, %rbp\n"
        ".cfi_def_cfa_register %rbp\n"
        "  movq %rdi, %rsp\n"
        "  movq %rsi, %rax\n"
        "  movq %rdx, %rdi\n"
        "  movq %rcx, %rsi\n"
        "  callq *%rax\n"
        "  movq %rbp, %rsp\n"
        "  popq %rbp\n"
        ".cfi_def_cfa %rsp, 8\n"
        "  retq\n"
        ".cfi_endproc\n"
        ".size coro_call_at, .-coro_call_at\n");

struct coro {
    fcontext_t ctx; /* where a suspended coroutine resumes */
    uint8_t *map;   /* the whole mapping, guard page first */
    size_t map_bytes;
    uintptr_t lo, top, hi; /* usable stack [lo, hi); tile code enters at top */
    fcontext_t caller;
    coro_fn fn;
    void *a, *b;
    enum coro_status status;
    bool running;
#ifdef CORO_ASAN
    const void *caller_bottom;
    size_t caller_size;
    void *fake_inside; /* the coroutine's fake stack while it is suspended */
#endif
};

static size_t page_round(size_t n) {
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    return (n + pg - 1) / pg * pg;
}

struct coro *coro_create(size_t stack_bytes, size_t slack, char *err, size_t errlen) {
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    stack_bytes = page_round(stack_bytes);
    slack = page_round(slack);
    size_t total = pg + slack + stack_bytes + CORO_RESERVE;
    struct coro *c = calloc(1, sizeof *c);
    void *m = c ? mmap(NULL, total, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
                : MAP_FAILED;
    if (!c || m == MAP_FAILED) {
        snprintf(err, errlen, "coroutine stack of %zu bytes: %s", total,
                 c ? strerror(errno) : "out of memory");
        free(c);
        return NULL;
    }
    mprotect(m, pg, PROT_NONE); /* guard: an overflow faults instead of corrupting */
    c->map = m;
    c->map_bytes = total;
    c->lo = (uintptr_t)m + pg;
    c->top = c->lo + slack + stack_bytes;
    c->hi = c->top + CORO_RESERVE;
    return c;
}

void coro_destroy(struct coro *c) {
    if (!c) return;
    munmap(c->map, c->map_bytes);
    free(c);
}

uintptr_t coro_top(const struct coro *c) { return c->top; }
int coro_running(const struct coro *c) { return c->running; }

/* Leave the coroutine for good (fn returned or coro_abandon). */
static _Noreturn void coro_leave(struct coro *c) {
    c->running = false;
#ifdef CORO_ASAN
    __sanitizer_start_switch_fiber(NULL, c->caller_bottom, c->caller_size);
#endif
    jump_fcontext(c->caller, NULL);
    __builtin_unreachable();
}

static void coro_entry(struct transfer_t t) {
    struct coro *c = t.data;
    c->caller = t.fctx;
#ifdef CORO_ASAN
    __sanitizer_finish_switch_fiber(NULL, &c->caller_bottom, &c->caller_size);
#endif
    coro_call_at(c->top, c->fn, c->a, c->b);
    c->status = CORO_DONE;
    coro_leave(c);
}

/* Switch into the coroutine (to start it or resume it) and back. */
static enum coro_status coro_enter(struct coro *c, fcontext_t to) {
    c->running = true;
#ifdef CORO_ASAN
    void *fake = NULL;
    __sanitizer_start_switch_fiber(&fake, (const void *)c->lo, c->hi - c->lo);
#endif
    struct transfer_t r = jump_fcontext(to, c);
    c->ctx = r.fctx; /* (meaningful only when it was suspended) */
#ifdef CORO_ASAN
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
    /* frames left on an abandoned stack keep their redzones poisoned */
    if (c->status == CORO_ABANDONED) __asan_unpoison_memory_region((void *)c->lo, c->hi - c->lo);
#endif
    return c->status;
}

enum coro_status coro_run(struct coro *c, coro_fn fn, void *a, void *b) {
    c->fn = fn;
    c->a = a;
    c->b = b;
    c->status = CORO_DONE;
    return coro_enter(c, make_fcontext((void *)c->hi, CORO_RESERVE, coro_entry));
}

enum coro_status coro_resume(struct coro *c) {
    c->status = CORO_DONE;
    return coro_enter(c, c->ctx);
}

void coro_yield(struct coro *c) {
    c->status = CORO_SUSPENDED;
    c->running = false;
#ifdef CORO_ASAN
    __sanitizer_start_switch_fiber(&c->fake_inside, c->caller_bottom, c->caller_size);
#endif
    struct transfer_t r = jump_fcontext(c->caller, NULL);
    c->caller = r.fctx; /* whoever resumed it */
#ifdef CORO_ASAN
    __sanitizer_finish_switch_fiber(c->fake_inside, &c->caller_bottom, &c->caller_size);
#endif
}

void coro_abandon(struct coro *c) {
    c->status = CORO_ABANDONED;
    coro_leave(c);
}
