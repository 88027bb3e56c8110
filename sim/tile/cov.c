/* sim/tile/cov.c: sanitizer-coverage hooks and block weights. See cov.h. */
#include "sim/tile/cov.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/tile/cov_sym.h"
#include "sim/tile/cov_x86.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

static void null_slow(struct cov_ctx *c, uintptr_t addr, unsigned size, unsigned kind,
                      uintptr_t pc) {
    (void)c, (void)addr, (void)size, (void)kind, (void)pc;
}
/* The null context's limit stays 0, so every block hit lands here and is
 * counted (tile contexts do not count blocks: the guard hook stays short). */
static void null_limit(struct cov_ctx *c, uintptr_t pc) {
    (void)pc;
    c->blocks++;
}

static struct cov_ctx null_ctx = {
    .instr_limit = 0,
    .last_line = UINT64_MAX,
    .slow = null_slow,
    .on_limit = null_limit,
};
struct cov_ctx *cov_cur = &null_ctx;

struct cov_ctx *cov_null_ctx(void) {
    return &null_ctx;
}

struct cov_ctx *cov_set_current(struct cov_ctx *c) {
    struct cov_ctx *prev = cov_cur;
    cov_cur = c ? c : &null_ctx;
    cov_cur->r2_size = 0; /* (the stack's mapping changes from handler to handler) */
    return prev == &null_ctx ? NULL : prev;
}

void cov_ctx_init(struct cov_ctx *c, void *owner, cov_slow_fn slow, cov_limit_fn on_limit) {
    memset(c, 0, sizeof *c);
    c->instr_limit = UINT64_MAX;
    c->last_line = UINT64_MAX;
    c->r_home = c->r2_home = -1;
    c->line_shift = 6;
    c->slow = slow;
    c->on_limit = on_limit;
    c->owner = owner;
}

/* ---- the hooks: fast paths ---- */

void __sanitizer_cov_trace_pc_guard(uint32_t *guard) {
    struct cov_ctx *c = cov_cur;
    c->instr += *guard;
    if (UNLIKELY(c->instr >= c->instr_limit))
        c->on_limit(c, (uintptr_t)__builtin_return_address(0));
}

/* An L1 lookup of line in a set of `ways` ways: a hit (a write only to a
 * line held exclusively) is handled (as cache_access would: an L1 hit costs
 * nothing beyond cpi) and returns true; a miss changes nothing. */
static inline __attribute__((always_inline)) bool l1_hit(struct cov_ctx *c, uint64_t line,
                                                         unsigned kind, unsigned ways) {
    uint8_t *set = cache_set_of(&c->l1, line);
    const int w = cache_set_find_w(set, (uint32_t)(line + 1), ways);
    if (w < 0) return false;
    const unsigned i = (unsigned)w;
    const bool ex = set[CACHE_FLAG_OFF(ways) + i] & 1;
    if (kind == COV_WRITE && !ex) return false;
    cache_ages_touch_w(set, i, ways);
    c->last_line = line;
    c->last_excl = ex;
    c->l1_fast_hits++;
    return true;
}

/* The load-use check of an 8-byte load at a (tile.load_use_stall): does its
 * address depend on the previous one's value? Reads the value (the hook runs
 * before the load: the same one); only for an address the region check let
 * through, and after the cache model's work for the access (done first, the
 * read made the host wait for the simulated data: the private table was 15%
 * slower). */
static inline __attribute__((always_inline)) void dep_check(struct cov_ctx *c, uintptr_t a) {
    if (c->dep_on) {
        if (a - c->last_val < 64) c->dep_hits++;
        uintptr_t v; /* (the load may be unaligned: packet headers) */
        __builtin_memcpy(&v, (const void *)a, sizeof v);
        c->last_val = v;
    }
}

/* A translated access (host address a, simulated pa; dep: an 8-byte load)
 * that is not a last-line or L1 hit (the L1 was looked up): the rest of the
 * cache model. Out of line and called last, so that the hooks' own path
 * (hits) needs no saved registers. */
static __attribute__((noinline)) void miss(struct cov_ctx *c, uint64_t pa, unsigned kind, int home,
                                           uintptr_t a, bool dep) {
    const uint64_t r =
        c->port->access(c->port, pa, kind | CACHE_L1_MISSED, home, c->now, c->now_ctx);
    c->stall += r >> 1;
    c->mem_cycles += r >> 1;
    c->last_line = pa >> c->line_shift;
    c->last_excl = r & 1;
    if (dep) dep_check(c, a);
}

/* access_line() for an L1 of any geometry (out of line: the shipped one
 * has 2 ways; a context without an L1 of its own has 0). */
static __attribute__((noinline)) void access_any(struct cov_ctx *c, uint64_t pa, unsigned kind,
                                                 int home, uintptr_t a, bool dep) {
    if (c->l1.ways && l1_hit(c, pa >> c->line_shift, kind, c->l1.ways)) {
        if (dep) dep_check(c, a);
        return;
    }
    miss(c, pa, kind, home, a, dep);
}

/* An allowed access to simulated address pa (host a; dep: an 8-byte load):
 * a repeat of the last line (as an L1 hit: the line is the most recently
 * used, a store needs it held exclusively), an L1 hit, else the rest of the
 * model. Calls come last. */
static inline __attribute__((always_inline)) void
access_line(struct cov_ctx *c, uint64_t pa, unsigned kind, int home, uintptr_t a, bool dep) {
    const uint64_t line = pa >> c->line_shift;
    if (LIKELY(line == c->last_line && (kind == COV_READ || c->last_excl))) {
        c->l1_fast_hits++;
        if (dep) dep_check(c, a);
        return;
    }
    if (LIKELY(c->l1.ways == 2)) {
        if (LIKELY(l1_hit(c, line, kind, 2))) {
            if (dep) dep_check(c, a);
            return;
        }
        miss(c, pa, kind, home, a, dep);
        return;
    }
    access_any(c, pa, kind, home, a, dep);
}

/* Neither translation entry let the access through: the slow path, which
 * replaces the first entry (it moves to the second). dep: an 8-byte load
 * (dep_check once the access is allowed). */
static __attribute__((noinline)) void untranslated(struct cov_ctx *c, uintptr_t a, unsigned size,
                                                   unsigned kind, uintptr_t pc, bool dep) {
    if (c->r_size) {
        c->r2_host = c->r_host;
        c->r2_size = c->r_size;
        c->r2_pa = c->r_pa;
        c->r2_rights = c->r_rights;
        c->r2_home = c->r_home;
    }
    c->slow(c, a, size, kind, pc);
    /* (a fault that stops the handler does not come back here) */
    if (dep) dep_check(cov_cur, a);
}

/* One access of the tile code; dep: an 8-byte load (the load-use check).
 * The first translation entry, then the second (code that alternates
 * between two regions: a table and its descriptor), then the slow path.
 * Every path ends in a call in tail position or a return. */
static inline __attribute__((always_inline)) void mem(uintptr_t a, unsigned size, unsigned kind,
                                                      uintptr_t pc, bool dep) {
    /* The tile code reads or writes a right after this hook returns (and the
     * load-use check reads it in the hook): start the host's fetch of it
     * now, so that a host miss on simulated data overlaps the model's work. */
    if (kind == COV_WRITE)
        __builtin_prefetch((const void *)a, 1);
    else
        __builtin_prefetch((const void *)a, 0);
    struct cov_ctx *c = cov_cur;
    if (kind == COV_READ)
        c->loads++;
    else
        c->stores++;
    const uintptr_t off = a - c->r_host;
    if (LIKELY(off < c->r_size && (c->r_rights & kind))) {
        access_line(c, c->r_pa + off, kind, c->r_home, a, dep);
        return;
    }
    const uintptr_t off2 = a - c->r2_host;
    if (off2 < c->r2_size && (c->r2_rights & kind)) {
        access_line(c, c->r2_pa + off2, kind, c->r2_home, a, dep);
        return;
    }
    untranslated(c, a, size, kind, pc, dep);
}

#define RA ((uintptr_t)__builtin_return_address(0))
void __sanitizer_cov_load1(uint8_t *a) { mem((uintptr_t)a, 1, COV_READ, RA, false); }
void __sanitizer_cov_load2(uint16_t *a) { mem((uintptr_t)a, 2, COV_READ, RA, false); }
void __sanitizer_cov_load4(uint32_t *a) { mem((uintptr_t)a, 4, COV_READ, RA, false); }
void __sanitizer_cov_load8(uint64_t *a) { mem((uintptr_t)a, 8, COV_READ, RA, true); }
void __sanitizer_cov_load16(__int128 *a) { mem((uintptr_t)a, 16, COV_READ, RA, false); }
void __sanitizer_cov_store1(uint8_t *a) { mem((uintptr_t)a, 1, COV_WRITE, RA, false); }
void __sanitizer_cov_store2(uint16_t *a) { mem((uintptr_t)a, 2, COV_WRITE, RA, false); }
void __sanitizer_cov_store4(uint32_t *a) { mem((uintptr_t)a, 4, COV_WRITE, RA, false); }
void __sanitizer_cov_store8(uint64_t *a) { mem((uintptr_t)a, 8, COV_WRITE, RA, false); }
void __sanitizer_cov_store16(__int128 *a) { mem((uintptr_t)a, 16, COV_WRITE, RA, false); }

/* ---- start-up: guards, PC table, weights ---- */

struct block {
    uintptr_t pc;
    uint32_t idx; /* index in PC-table order */
    uint32_t fn_entry;
};

static struct {
    uint32_t *guards, *guards_end;
    const uintptr_t *pcs, *pcs_end;
    size_t n;
    struct block *sorted; /* by pc */
    uint32_t *weight;     /* by idx: instructions of the instrumented block */
    uint32_t *charged;    /* by idx: scaled to the native build, 1/COV_INSTR_ONE each */
    bool correct;         /* guards hold `charged` (else `weight`) */
    uintptr_t *fn_pcs;    /* function entries, sorted */
    size_t nfn;
    struct cov_stats st;
} tab;

void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop) {
    /* Every instrumented object's constructor calls this with the whole
     * linked section; the first call wins. */
    if (start == stop || tab.guards) return;
    tab.guards = start;
    tab.guards_end = stop;
    for (uint32_t *g = start; g < stop; g++) *g = 0;
}

static void weights_compute_now(void);

void __sanitizer_cov_pcs_init(const uintptr_t *beg, const uintptr_t *end) {
    if (beg == end || tab.pcs) return;
    tab.pcs = beg;
    tab.pcs_end = end;
    weights_compute_now();
}

static const uintptr_t hook_addr[] = {
    (uintptr_t)__sanitizer_cov_trace_pc_guard, (uintptr_t)__sanitizer_cov_load1,
    (uintptr_t)__sanitizer_cov_load2,          (uintptr_t)__sanitizer_cov_load4,
    (uintptr_t)__sanitizer_cov_load8,          (uintptr_t)__sanitizer_cov_load16,
    (uintptr_t)__sanitizer_cov_store1,         (uintptr_t)__sanitizer_cov_store2,
    (uintptr_t)__sanitizer_cov_store4,         (uintptr_t)__sanitizer_cov_store8,
    (uintptr_t)__sanitizer_cov_store16,
};

static bool is_hook(uintptr_t target) {
    for (size_t i = 0; i < sizeof hook_addr / sizeof hook_addr[0]; i++)
        if (hook_addr[i] == target) return true;
    return false;
}

/* cov_weigh_code(); with `at`, also the offsets (from p) of the counted
 * instructions (at most n of them: the caller gives room for len). */
static long weigh(const uint8_t *p, size_t len, bool past_jumps, unsigned *hooks, uint32_t *at) {
    size_t off = 0;
    long n = 0;
    int prev_rdi = 0; /* previous instruction set %rdi and has not been discounted */
    *hooks = 0;
    while (off < len) {
        struct x86_insn in;
        unsigned l = x86_decode(p + off, len - off, &in);
        if (!l) return -1;
        if (at) at[n] = (uint32_t)off; /* (overwritten unless counted) */
        off += l;
        if (in.is_nop) { /* alignment padding: not an instruction of the program */
            prev_rdi = 0;
            continue;
        }
        if (in.flow == X86_FLOW_CALL && in.has_target &&
            is_hook((uintptr_t)(p + off) + (uintptr_t)in.rel)) {
            (*hooks)++;
            if (prev_rdi) n--; /* the argument set-up belongs to the hook */
            prev_rdi = 0;
        } else {
            n++;
            prev_rdi = in.writes_rdi;
        }
        if (in.flow == X86_FLOW_END || (in.flow == X86_FLOW_JMP && !past_jumps)) break;
    }
    return n;
}

long cov_weigh_code(const uint8_t *p, size_t len, bool past_jumps, unsigned *hooks) {
    return weigh(p, len, past_jumps, hooks, NULL);
}

#define MAX_BLOCK_BYTES 4096u

/* Block k's extent: bytes up to the next block (at most MAX_BLOCK_BYTES)
 * and whether code past a jump is its own (see weights_compute_now). */
static size_t block_len(size_t k, bool *past_jumps) {
    *past_jumps = k + 1 < tab.n && !tab.sorted[k + 1].fn_entry;
    if (k + 1 >= tab.n) return MAX_BLOCK_BYTES;
    uintptr_t next = tab.sorted[k + 1].pc;
    return next - tab.sorted[k].pc < MAX_BLOCK_BYTES ? next - tab.sorted[k].pc : MAX_BLOCK_BYTES;
}

/* Charged weight of each instruction of function [i, j) (blocks in sorted
 * order, entry fpc) by source line: an instruction on line L costs
 * native(L) / instrumented(L), where native(L) is the number of the native
 * build's instructions on L and instrumented(L) the number of counted
 * instructions of the instrumented build on L; the native instructions on
 * lines without instrumented code are spread evenly over the function.
 * Fills per_block[k - i]; false without line information. */
static bool scale_by_line(size_t i, size_t j, uintptr_t fpc, double *per_block) {
    const struct cov_sym_line *nat, *til;
    size_t nn, nt;
    if (!cov_sym_lines(fpc, &nat, &nn, &til, &nt)) return false;
    size_t total = 0;
    for (size_t k = i; k < j; k++) total += tab.weight[tab.sorted[k].idx];
    uint32_t *at = calloc(MAX_BLOCK_BYTES, sizeof *at);
    long *ins = calloc(nn + 1, sizeof *ins);           /* instrumented(L) per native line */
    int *line_of = calloc(total + 1, sizeof *line_of); /* per counted instruction */
    assert(at && ins && line_of);
    /* pass 1: the line of every counted instruction */
    size_t q = 0;
    for (size_t k = i; k < j; k++) {
        bool pj;
        size_t len = block_len(k, &pj);
        unsigned hooks;
        long w = weigh((const uint8_t *)tab.sorted[k].pc, len, pj, &hooks, at);
        if (w != (long)tab.weight[tab.sorted[k].idx]) { /* (a fallback block) */
            free(at), free(ins), free(line_of);
            return false;
        }
        for (long m = 0; m < w && q < total; m++, q++) {
            uintptr_t off = tab.sorted[k].pc + at[m] - fpc;
            size_t lo = 0; /* last tile line record with off <= off */
            for (size_t r = 0; r < nt && til[r].off <= off; r++) lo = r;
            int li = -1;
            for (size_t r = 0; r < nn; r++)
                if (!strcmp(nat[r].loc, til[lo].loc)) li = (int)r;
            line_of[q] = li;
            if (li >= 0) ins[li]++;
        }
    }
    long native_total = 0, matched = 0;
    for (size_t r = 0; r < nn; r++) {
        native_total += nat[r].count;
        if (ins[r]) matched += nat[r].count;
    }
    double spread = q ? (double)(native_total - matched) / (double)q : 0;
    /* pass 2: each block's weight */
    q = 0;
    for (size_t k = i; k < j; k++) {
        double w = 0;
        for (uint32_t m = 0; m < tab.weight[tab.sorted[k].idx] && q < total; m++, q++)
            w += spread + (line_of[q] >= 0 ? (double)nat[line_of[q]].count / ins[line_of[q]] : 0);
        per_block[k - i] = w;
    }
    free(at);
    free(ins);
    free(line_of);
    return true;
}

/* The instrumentation inflates the code it measures; each function's
 * blocks are charged what its native build executes instead (tile_cc.sh
 * compiled the same source without the instrumentation and embedded its
 * counts). With line information, per source line (scale_by_line); else by
 * the function's factor native / instrumented instructions. Weights are
 * kept in 1/COV_INSTR_ONE instructions (rounded to whole ones, seg_init's
 * loop of 11.2 scaled instructions was charged 12) and the rounding is carried from block to block in address order, so
 * any run of consecutive blocks (a loop body) is within 1/COV_INSTR_ONE
 * of its scaled weight. A function without native counts keeps its
 * weights. */
static void scale_to_native(void) {
    tab.charged = calloc(tab.n ? tab.n : 1, sizeof *tab.charged);
    double *w = calloc(tab.n ? tab.n : 1, sizeof *w);
    assert(tab.charged && w);
    uint64_t charged_total = 0, scaled = 0, by_line = 0;
    for (size_t i = 0; i < tab.n;) {
        size_t j = i + 1;
        while (j < tab.n && !tab.sorted[j].fn_entry) j++;
        uint64_t sum = 0;
        for (size_t k = i; k < j; k++) sum += tab.weight[tab.sorted[k].idx];
        uintptr_t fpc = tab.sorted[i].pc;
        long native = tab.sorted[i].fn_entry ? cov_sym_native_count(fpc) : -1;
        if (native >= 0 && sum && tab.sorted[i].fn_entry && scale_by_line(i, j, fpc, w)) {
            by_line++;
        } else {
            double f = native >= 0 && sum ? (double)native / (double)sum : 1.0;
            for (size_t k = i; k < j; k++) w[k - i] = f * tab.weight[tab.sorted[k].idx];
        }
        scaled += native >= 0 && sum;
        double acc = 0;
        uint64_t out = 0;
        for (size_t k = i; k < j; k++) {
            acc += w[k - i] * COV_INSTR_ONE;
            uint64_t upto = (uint64_t)(acc + 0.5);
            tab.charged[tab.sorted[k].idx] = (uint32_t)(upto - out);
            out = upto;
        }
        charged_total += out;
        i = j;
    }
    free(w);
    tab.st.charged_total = charged_total >> COV_INSTR_SHIFT;
    tab.st.scaled_functions = scaled;
    tab.st.by_line_functions = by_line;
}

static int cmp_block(const void *a, const void *b) {
    const struct block *x = a, *y = b;
    return x->pc < y->pc ? -1 : x->pc > y->pc ? 1 : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

static void weights_compute_now(void) {
    if (tab.sorted || !tab.pcs || !tab.guards) return;
    size_t n = (size_t)(tab.pcs_end - tab.pcs) / 2;
    size_t ng = (size_t)(tab.guards_end - tab.guards);
    /* Guards and PC entries are emitted one per block in the same order and
     * linked in the same object order. */
    assert(n == ng && "sanitizer coverage: guard and PC tables differ in length");
    tab.n = n;
    tab.sorted = calloc(n ? n : 1, sizeof *tab.sorted);
    tab.weight = calloc(n ? n : 1, sizeof *tab.weight);
    assert(tab.sorted && tab.weight);
    size_t nfn = 0;
    for (size_t i = 0; i < n; i++) {
        tab.sorted[i].pc = tab.pcs[2 * i];
        tab.sorted[i].idx = (uint32_t)i;
        tab.sorted[i].fn_entry = tab.pcs[2 * i + 1] & 1;
        nfn += tab.sorted[i].fn_entry;
    }
    qsort(tab.sorted, n, sizeof *tab.sorted, cmp_block);
    tab.fn_pcs = calloc(nfn ? nfn : 1, sizeof *tab.fn_pcs);
    assert(tab.fn_pcs);
    tab.nfn = 0;
    memset(&tab.st, 0, sizeof tab.st);
    for (size_t i = 0; i < n; i++) {
        struct block *b = &tab.sorted[i];
        if (b->fn_entry) tab.fn_pcs[tab.nfn++] = b->pc;
        size_t len = MAX_BLOCK_BYTES;
        /* Past an unconditional jump lies either padding or a machine block
         * without a guard that codegen split off this block (select and
         * division lowering): counted here while the next guarded block is
         * in the same function. */
        bool past_jumps = i + 1 < n && !tab.sorted[i + 1].fn_entry;
        if (i + 1 < n) {
            uintptr_t next = tab.sorted[i + 1].pc;
            len = next - b->pc < MAX_BLOCK_BYTES ? next - b->pc : MAX_BLOCK_BYTES;
        }
        unsigned hooks = 0;
        long w = len ? cov_weigh_code((const uint8_t *)b->pc, len, past_jumps, &hooks) : 0;
        if (w < 0) {
            /* decoder failed: estimate from bytes (12 per hook call, 4 per instruction) */
            tab.st.fallbacks++;
            w = (long)(len > 24 ? (len - 12) / 4 : 1);
            hooks = 1;
        }
        tab.weight[b->idx] = (uint32_t)w;
        tab.guards[b->idx] = (uint32_t)w << COV_INSTR_SHIFT;
        tab.st.hook_calls += hooks;
        tab.st.weight_total += (uint64_t)w;
    }
    tab.st.blocks = n;
    tab.st.functions = tab.nfn;
    scale_to_native();
    tab.correct = true;
    for (size_t i = 0; i < n; i++) tab.guards[i] = tab.charged[i];
}

void cov_weights_compute(void) { weights_compute_now(); }

struct cov_stats cov_stats(void) {
    weights_compute_now();
    return tab.st;
}

bool cov_block(size_t i, uintptr_t *pc, uint32_t *weight, bool *fn_entry) {
    weights_compute_now();
    if (i >= tab.n) return false;
    *pc = tab.pcs[2 * i];
    *weight = tab.weight[i];
    *fn_entry = tab.pcs[2 * i + 1] & 1;
    return true;
}

uint32_t cov_block_charged(size_t i) {
    weights_compute_now();
    return i < tab.n ? tab.charged[i] : 0;
}

bool cov_set_native_scaling(bool on) {
    weights_compute_now();
    bool was = tab.correct;
    tab.correct = on;
    for (size_t i = 0; i < tab.n; i++)
        tab.guards[i] = on ? tab.charged[i] : tab.weight[i] << COV_INSTR_SHIFT;
    return was;
}

bool cov_function_pc(size_t fi, uintptr_t *pc) {
    weights_compute_now();
    if (fi >= tab.nfn) return false;
    *pc = tab.fn_pcs[fi];
    return true;
}

bool cov_function_of(uintptr_t pc, size_t *fn_index, uintptr_t *fn_pc) {
    weights_compute_now();
    if (!tab.nfn || pc < tab.fn_pcs[0]) return false;
    size_t lo = 0, hi = tab.nfn; /* last entry <= pc */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tab.fn_pcs[mid] <= pc)
            lo = mid;
        else
            hi = mid;
    }
    if (pc - tab.fn_pcs[lo] > (1u << 20)) return false;
    *fn_index = lo;
    *fn_pc = tab.fn_pcs[lo];
    return true;
}
