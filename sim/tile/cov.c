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
    .stall_limit = UINT64_MAX,
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
    return prev == &null_ctx ? NULL : prev;
}

void cov_ctx_init(struct cov_ctx *c, void *owner, cov_slow_fn slow, cov_limit_fn on_limit) {
    memset(c, 0, sizeof *c);
    c->instr_limit = UINT64_MAX;
    c->stall_limit = UINT64_MAX;
    c->line_shift = 6;
    c->slow = slow;
    c->on_limit = on_limit;
    c->owner = owner;
}

/* ---- the hooks: fast paths ---- */

/* The guard hook's limit, out of line: the context is fetched again there,
 * so that the hook keeps it in whichever register suits its own path. */
static __attribute__((noinline)) void limit_reached(uintptr_t pc) {
    struct cov_ctx *c = cov_cur;
    c->on_limit(c, pc);
}

void __sanitizer_cov_trace_pc_guard(uint32_t *guard) {
    struct cov_ctx *c = cov_cur;
    c->instr += *guard;
    if (UNLIKELY(c->instr >= c->instr_limit)) limit_reached((uintptr_t)__builtin_return_address(0));
}

/* An L1 lookup of line in a set of `ways` ways: a hit (a write only to a
 * line held exclusively) is handled (as cache_access would: an L1 hit costs
 * nothing beyond cpi) and returns true; a miss changes nothing. */
static inline __attribute__((always_inline)) bool l1_hit(struct cov_ctx *c, uint64_t line,
                                                         unsigned kind, unsigned ways) {
    uint8_t *set =
        ways == 2 ? cache_set_of_w(&c->l1, line, 2) : cache_set_of(&c->l1, line); /* (see cov.h) */
    const int w = cache_set_find_w(set, (uint32_t)(line + 1), ways);
    if (w < 0) return false;
    const unsigned i = (unsigned)w;
    const bool ex = set[CACHE_FLAG_OFF(ways) + i] & 1;
    if (kind == COV_WRITE && !ex) return false;
    cache_ages_touch_w(set, i, ways);
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
 * that is not an L1 hit (the L1 was looked up): the rest of the
 * cache model. Out of line and called last, so that the hooks' own path
 * (hits) needs no saved registers. */
static __attribute__((noinline)) void miss(struct cov_ctx *c, uint64_t pa, unsigned kind, int home,
                                           uintptr_t a, bool dep) {
    c->slow_accesses++;
    const uint64_t r =
        c->port->access(c->port, pa, kind | CACHE_L1_MISSED, home, c->now, c->now_ctx);
    c->stall += r >> 1;
    c->mem_cycles += r >> 1; /* (r & 1: the line is now held exclusively) */
    if (dep) dep_check(c, a);
    if (UNLIKELY(c->stall >= c->stall_limit)) c->on_stall(c);
}

/* access_line() for an L1 of any other geometry (out of line: the shipped
 * one has 2 ways; a context without an L1 of its own has 0). */
static __attribute__((noinline)) void access_any(struct cov_ctx *c, uint64_t pa, unsigned kind,
                                                 int home, uintptr_t a, bool dep) {
    if (c->l1.ways && l1_hit(c, pa >> c->line_shift, kind, c->l1.ways)) {
        if (dep) dep_check(c, a);
        return;
    }
    miss(c, pa, kind, home, a, dep);
}

/* An allowed access to simulated address pa (host a; dep: an 8-byte load):
 * an L1 hit, else the rest of the model. Calls come last. Every access looks
 * the L1 up, a repeat of the last line too (it is a hit that touches its
 * set's most recently used way): a test for repeats first saved 4% of the
 * instructions on chip-http but took 3% more host time, its branch being one
 * the host could not predict, and it needed the cache model to report every
 * line a tile lost. */
static inline __attribute__((always_inline)) void
access_line(struct cov_ctx *c, uint64_t pa, unsigned kind, int home, uintptr_t a, bool dep) {
    if (LIKELY(c->l1.ways == 2)) {
        if (LIKELY(l1_hit(c, pa >> c->line_shift, kind, 2))) {
            if (dep) dep_check(c, a);
            return;
        }
        miss(c, pa, kind, home, a, dep);
        return;
    }
    access_any(c, pa, kind, home, a, dep);
}

/* The translation cache did not let the access through: the slow path
 * (which fills its slot when the access is allowed). dep: an 8-byte load
 * (dep_check once the access is allowed). */
static __attribute__((noinline)) void untranslated(struct cov_ctx *c, uintptr_t a, unsigned size,
                                                   unsigned kind, uintptr_t pc, bool dep) {
    c->slow_accesses++;
    c->slow(c, a, size, kind, pc);
    /* (a fault that stops the handler does not come back here) */
    if (dep) dep_check(cov_cur, a);
}

/* One access of the tile code; dep: an 8-byte load (the load-use check).
 * The translation cache's slot of the address, else the slow path. Every
 * path ends in a call in tail position or a return. */
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
    const struct cov_xlat *e = cov_xlat_of(c, a);
    const uintptr_t off = a - e->host;
    if (LIKELY(off < e->size && (e->rights & kind))) {
        access_line(c, e->pa + off, kind, e->home, a, dep);
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
    uint32_t *weight;     /* by idx: instructions of the instrumented block (1/COV_INSTR_ONE) */
    uint32_t *charged;    /* by idx: scaled to the native build (1/COV_INSTR_ONE) */
    bool correct;         /* guards hold `charged` (else `weight`) */
    uintptr_t *fn_pcs;    /* function entries, sorted */
    size_t nfn;
    /* the function of each 64-byte chunk of code from the first entry's
     * chunk to the last function's end: its index, or CHUNK_MIXED when an
     * entry lies inside the chunk (tile code's functions are 64-byte
     * aligned: none is); cov_function_of's answer without a search */
    uint32_t *chunk_fn;
    uintptr_t chunk_lo;
    size_t nchunks;
    struct cov_stats st;
} tab;

#define CHUNK_SHIFT 6
#define CHUNK_MIXED UINT32_MAX
#define CHUNK_SPAN_MAX ((uintptr_t)64 << 20) /* beyond: searches only */

/* Fills tab.chunk_fn from tab.fn_pcs (left NULL when the code spans more
 * than CHUNK_SPAN_MAX). */
static void chunks_build(void) {
    if (!tab.nfn) return;
    const uintptr_t last = tab.fn_pcs[tab.nfn - 1];
    const uint64_t last_size = cov_sym_size(last); /* (0: unknown) */
    const uintptr_t end = last + (last_size && last_size <= (1u << 20) ? last_size - 1 : 0);
    if (end - tab.fn_pcs[0] > CHUNK_SPAN_MAX) return;
    const uintptr_t lo = tab.fn_pcs[0] & ~(((uintptr_t)1 << CHUNK_SHIFT) - 1);
    const size_t n = ((end - lo) >> CHUNK_SHIFT) + 1;
    uint32_t *c = calloc(n, sizeof *c);
    if (!c) return;
    size_t j = 0; /* the last entry at or before the chunk's start */
    for (size_t k = 0; k < n; k++) {
        const uintptr_t start = lo + (k << CHUNK_SHIFT);
        while (j + 1 < tab.nfn && tab.fn_pcs[j + 1] <= start) j++;
        const bool mixed = tab.fn_pcs[j] > start ||
                           (j + 1 < tab.nfn && tab.fn_pcs[j + 1] < start + (1u << CHUNK_SHIFT));
        c[k] = mixed ? CHUNK_MIXED : (uint32_t)j;
    }
    tab.chunk_fn = c;
    tab.chunk_lo = lo;
    tab.nchunks = n;
}

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

#define MAX_BLOCK_BYTES 4096u

/* ---- a function's code and the charge of its blocks ---- */

/* One function's code, decoded from its entry to its end: per
 * instruction its offset, control flow, direct jump target (instruction
 * index; -1 if indirect or outside the code), whether it is counted (an
 * instruction of the program: not nop padding, not a hook call or the
 * set-up of the hook's argument just before it) and whether a guarded
 * block starts there. */
struct fcode {
    size_t n;
    uint32_t *off;
    int32_t *to;
    uint8_t *flow, *counted, *guarded;
    unsigned hooks, static_counted;
};

static void fcode_free(struct fcode *fc) {
    free(fc->off), free(fc->to), free(fc->flow), free(fc->counted), free(fc->guarded);
    memset(fc, 0, sizeof *fc);
}

static long index_of(const struct fcode *fc, uint64_t off) {
    size_t lo = 0, hi = fc->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fc->off[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < fc->n && fc->off[lo] == off ? (long)lo : -1;
}

/* Decodes [p, p + len) with blocks starting at offsets starts[0, nb).
 * False if the decoder fails or a start is not an instruction. */
static bool fcode_decode(const uint8_t *p, size_t len, const uint32_t *starts, size_t nb,
                         struct fcode *fc) {
    memset(fc, 0, sizeof *fc);
    size_t cap = len ? len : 1;
    fc->off = calloc(cap, sizeof *fc->off);
    fc->to = calloc(cap, sizeof *fc->to);
    fc->flow = calloc(cap, 1);
    fc->counted = calloc(cap, 1);
    fc->guarded = calloc(cap, 1);
    int64_t *target = calloc(cap, sizeof *target);
    assert(fc->off && fc->to && fc->flow && fc->counted && fc->guarded && target);
    bool ok = true;
    bool prev_rdi = false; /* the previous instruction set %rdi and counts */
    size_t off = 0;
    while (off < len) {
        struct x86_insn in;
        unsigned l = x86_decode(p + off, len - off, &in);
        if (!l) {
            ok = false;
            break;
        }
        size_t i = fc->n++;
        fc->off[i] = (uint32_t)off;
        fc->flow[i] = (uint8_t)in.flow;
        target[i] = in.has_target ? (int64_t)(off + l) + in.rel : -1;
        off += l;
        if (in.is_nop) { /* alignment padding: not an instruction of the program */
            prev_rdi = false;
            continue;
        }
        if (in.flow == X86_FLOW_CALL && in.has_target &&
            is_hook((uintptr_t)(p + off) + (uintptr_t)in.rel)) {
            fc->hooks++;
            if (prev_rdi) fc->counted[i - 1] = 0; /* the argument set-up belongs to the hook */
            prev_rdi = false;
            continue;
        }
        fc->counted[i] = 1;
        prev_rdi = in.writes_rdi;
    }
    for (size_t i = 0; ok && i < fc->n; i++) {
        bool jump = fc->flow[i] == X86_FLOW_JMP || fc->flow[i] == X86_FLOW_JCC;
        fc->to[i] = jump && target[i] >= 0 ? (int32_t)index_of(fc, (uint64_t)target[i]) : -1;
        fc->static_counted += fc->counted[i];
    }
    for (size_t k = 0; ok && k < nb; k++) {
        long i = index_of(fc, starts[k]);
        if (i < 0)
            ok = false;
        else
            fc->guarded[i] = 1;
    }
    free(target);
    if (!ok) fcode_free(fc);
    return ok;
}

/* Probability p reaches instruction k (it leaves the block if k starts
 * another guarded block or lies past the code). */
static void reach(const struct fcode *fc, double *prob, size_t *pending, long k, double p) {
    if (k < 0 || (size_t)k >= fc->n || fc->guarded[k]) return;
    if (prob[k] == 0) (*pending)++;
    prob[k] += p;
}

/* The expected charge of one execution of the block starting at
 * instruction s: control flow is followed from s until it reaches the
 * start of another guarded block, a return or a jump out of the code;
 * every instruction reached adds its probability times w[i]. Code that
 * other blocks jump to (a tail they share) is charged to each of them; at
 * a conditional branch, which code generation added inside the block
 * (division by a 32-bit divisor or not, a condition `a && b` split into
 * two branches, a select), each way is taken half of the time: the
 * program's branch probabilities are not known, and the two ways of a
 * diamond are alternatives, not a sequence. prob: n zeros (left zero). */
static double walk(const struct fcode *fc, size_t s, const double *w, double *prob) {
    double total = 0;
    size_t pending = 1;
    prob[s] = 1;
    for (size_t i = s; i < fc->n && pending; i++) {
        double p = prob[i];
        if (p == 0) continue;
        prob[i] = 0;
        pending--;
        if (i != s && fc->guarded[i]) continue;
        total += p * w[i];
        switch (fc->flow[i]) {
        case X86_FLOW_END: break;
        case X86_FLOW_JMP:
            if (fc->to[i] > (long)i) reach(fc, prob, &pending, fc->to[i], p);
            break;
        case X86_FLOW_JCC:
            if (fc->to[i] > (long)i) reach(fc, prob, &pending, fc->to[i], p / 2);
            reach(fc, prob, &pending, (long)i + 1, p / 2);
            break;
        default: reach(fc, prob, &pending, (long)i + 1, p); break;
        }
    }
    return total;
}

bool cov_walk_code(const uint8_t *p, size_t len, const uint32_t *starts, size_t nb, double *out) {
    struct fcode fc;
    if (!fcode_decode(p, len, starts, nb, &fc)) return false;
    double *w = calloc(fc.n ? fc.n : 1, sizeof *w), *prob = calloc(fc.n ? fc.n : 1, sizeof *prob);
    assert(w && prob);
    for (size_t i = 0; i < fc.n; i++) w[i] = fc.counted[i];
    for (size_t k = 0; k < nb; k++) out[k] = walk(&fc, (size_t)index_of(&fc, starts[k]), w, prob);
    free(w), free(prob);
    fcode_free(&fc);
    return true;
}

/* The charge of each instruction of function fpc scaled to the native
 * build by source line: a counted instruction on line L costs native(L) /
 * instrumented(L), where native(L) is the number of the native build's
 * instructions on L and instrumented(L) the number of counted
 * instructions of the instrumented build on L; the native instructions on
 * lines without instrumented code are spread evenly over the function.
 * False without line information. */
static bool line_charges(uintptr_t fpc, const struct fcode *fc, double *charge) {
    const struct cov_sym_line *nat, *til;
    size_t nn, nt;
    if (!cov_sym_lines(fpc, &nat, &nn, &til, &nt) || !fc->static_counted) return false;
    long *ins = calloc(nn + 1, sizeof *ins);       /* instrumented(L) per native line */
    long *nat_of = calloc(nt + 1, sizeof *nat_of); /* tile line record -> native line, -1 */
    int *line_of = calloc(fc->n + 1, sizeof *line_of);
    assert(ins && nat_of && line_of);
    for (size_t r = 0; r < nt; r++) {
        nat_of[r] = -1;
        for (size_t k = 0; k < nn; k++)
            if (!strcmp(nat[k].loc, til[r].loc)) nat_of[r] = (long)k;
    }
    size_t r = 0; /* the last tile line record at or before the instruction */
    for (size_t i = 0; i < fc->n; i++) {
        while (r + 1 < nt && til[r + 1].off <= fc->off[i]) r++;
        line_of[i] = fc->counted[i] && nt && til[r].off <= fc->off[i] ? (int)nat_of[r] : -1;
        if (line_of[i] >= 0) ins[line_of[i]]++;
    }
    long native_total = 0, matched = 0;
    for (size_t k = 0; k < nn; k++) {
        native_total += nat[k].count;
        if (ins[k]) matched += nat[k].count;
    }
    double spread = (double)(native_total - matched) / (double)fc->static_counted;
    for (size_t i = 0; i < fc->n; i++)
        charge[i] =
            !fc->counted[i]
                ? 0
                : spread + (line_of[i] >= 0 ? (double)nat[line_of[i]].count / ins[line_of[i]] : 0);
    free(ins), free(nat_of), free(line_of);
    return true;
}

/* The old way, for code whose extent is unknown (no symbol): block k's
 * code [pc, next block's pc) up to a ret or ud2, and up to the first jmp
 * when the next block starts another function. */
static long weigh(const uint8_t *p, size_t len, bool past_jumps, unsigned *hooks) {
    size_t off = 0;
    long n = 0;
    int prev_rdi = 0; /* previous instruction set %rdi and has not been discounted */
    *hooks = 0;
    while (off < len) {
        struct x86_insn in;
        unsigned l = x86_decode(p + off, len - off, &in);
        if (!l) return -1;
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

/* The blocks [i, j) of one function (sorted; entry fpc): raw[k - i] the
 * expected instructions of the instrumented code per execution of block
 * k, scaled[k - i] the same charged what the native build spends (see
 * weights_compute_now). */
static void function_weights(size_t i, size_t j, double *raw, double *scaled) {
    uintptr_t fpc = tab.sorted[i].pc;
    bool entry = tab.sorted[i].fn_entry;
    uint64_t size = entry ? cov_sym_size(fpc) : 0;
    long native = entry ? cov_sym_native_count(fpc) : -1;
    uint32_t *starts = calloc(j - i, sizeof *starts);
    assert(starts);
    bool in_code = size > 0 && size < (1u << 24);
    for (size_t k = i; in_code && k < j; k++) {
        in_code = tab.sorted[k].pc - fpc < size;
        starts[k - i] = (uint32_t)(tab.sorted[k].pc - fpc);
    }
    struct fcode fc;
    if (in_code && fcode_decode((const uint8_t *)fpc, size, starts, j - i, &fc)) {
        double *w = calloc(fc.n + 1, sizeof *w), *prob = calloc(fc.n + 1, sizeof *prob);
        assert(w && prob);
        for (size_t q = 0; q < fc.n; q++) w[q] = fc.counted[q];
        for (size_t k = i; k < j; k++)
            raw[k - i] = walk(&fc, (size_t)index_of(&fc, starts[k - i]), w, prob);
        if (native >= 0 && fc.static_counted) {
            if (line_charges(fpc, &fc, w)) {
                tab.st.by_line_functions++;
            } else {
                for (size_t q = 0; q < fc.n; q++)
                    w[q] = fc.counted[q] * (double)native / fc.static_counted;
            }
            tab.st.scaled_functions++;
            for (size_t k = i; k < j; k++)
                scaled[k - i] = walk(&fc, (size_t)index_of(&fc, starts[k - i]), w, prob);
        } else {
            memcpy(scaled, raw, (j - i) * sizeof *raw);
        }
        tab.st.hook_calls += fc.hooks;
        free(w), free(prob);
        fcode_free(&fc);
        free(starts);
        return;
    }
    /* no extent (or undecodable): block by block, scaled by the function's
     * factor */
    double sum = 0;
    for (size_t k = i; k < j; k++) {
        uintptr_t pc = tab.sorted[k].pc;
        bool past_jumps = k + 1 < tab.n && !tab.sorted[k + 1].fn_entry;
        size_t len = MAX_BLOCK_BYTES;
        if (k + 1 < tab.n && tab.sorted[k + 1].pc - pc < MAX_BLOCK_BYTES)
            len = tab.sorted[k + 1].pc - pc;
        unsigned hooks = 0;
        long w = len ? weigh((const uint8_t *)pc, len, past_jumps, &hooks) : 0;
        if (w < 0) {
            /* decoder failed: estimate from bytes (12 per hook call, 4 per instruction) */
            tab.st.fallbacks++;
            w = (long)(len > 24 ? (len - 12) / 4 : 1);
            hooks = 1;
        }
        tab.st.hook_calls += hooks;
        raw[k - i] = (double)w;
        sum += (double)w;
    }
    double f = native >= 0 && sum > 0 ? (double)native / sum : 1.0;
    tab.st.scaled_functions += native >= 0 && sum > 0;
    for (size_t k = i; k < j; k++) scaled[k - i] = f * raw[k - i];
    free(starts);
}

/* Fixed-point weights of blocks [i, j) from w, the rounding carried from
 * block to block in address order (a run of consecutive blocks, a loop
 * body, is within 1/COV_INSTR_ONE of its weight); returns their sum. */
static uint64_t to_fixed(size_t i, size_t j, const double *w, uint32_t *out) {
    double acc = 0;
    uint64_t done = 0;
    for (size_t k = i; k < j; k++) {
        acc += w[k - i] * COV_INSTR_ONE;
        uint64_t upto = (uint64_t)(acc + 0.5);
        out[tab.sorted[k].idx] = (uint32_t)(upto - done);
        done = upto;
    }
    return done;
}

static int cmp_block(const void *a, const void *b) {
    const struct block *x = a, *y = b;
    return x->pc < y->pc ? -1 : x->pc > y->pc ? 1 : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

/* Block weights. Each function's code is decoded from its entry to its
 * end (the symbol's size) and a block's weight is what one execution of
 * it runs until control reaches the next guarded block (walk()): counted
 * instructions only (not the instrumentation's own: each hook call and
 * the instruction before it that loads the hook's argument into %rdi; not
 * nop padding). The instrumentation inflates the code it measures, so
 * each counted instruction is charged what the native build spends on the
 * same source line (line_charges(); tile_cc.sh compiled the same source
 * without the instrumentation and embedded its counts), or by the
 * function's factor native / instrumented instructions without line
 * information. A function without native counts keeps its own weights. */
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
    tab.charged = calloc(n ? n : 1, sizeof *tab.charged);
    double *raw = calloc(n ? n : 1, sizeof *raw), *scaled = calloc(n ? n : 1, sizeof *scaled);
    assert(tab.sorted && tab.weight && tab.charged && raw && scaled);
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
    uint64_t weight_total = 0, charged_total = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && !tab.sorted[j].fn_entry) j++;
        if (tab.sorted[i].fn_entry) tab.fn_pcs[tab.nfn++] = tab.sorted[i].pc;
        function_weights(i, j, raw, scaled);
        weight_total += to_fixed(i, j, raw, tab.weight);
        charged_total += to_fixed(i, j, scaled, tab.charged);
        i = j;
    }
    free(raw), free(scaled);
    tab.st.blocks = n;
    tab.st.functions = tab.nfn;
    chunks_build();
    tab.st.weight_total = weight_total >> COV_INSTR_SHIFT;
    tab.st.charged_total = charged_total >> COV_INSTR_SHIFT;
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
    for (size_t i = 0; i < tab.n; i++) tab.guards[i] = on ? tab.charged[i] : tab.weight[i];
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
    const size_t k = (pc - tab.chunk_lo) >> CHUNK_SHIFT;
    if (tab.chunk_fn && k < tab.nchunks && tab.chunk_fn[k] != CHUNK_MIXED) {
        lo = tab.chunk_fn[k];
    } else {
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (tab.fn_pcs[mid] <= pc)
                lo = mid;
            else
                hi = mid;
        }
    }
    if (pc - tab.fn_pcs[lo] > (1u << 20)) return false;
    *fn_index = lo;
    *fn_pc = tab.fn_pcs[lo];
    return true;
}
