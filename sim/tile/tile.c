/* sim/tile/tile.c: tiles running real C code: execution, UDN, timers, regions,
 * protection, faults, profile. See tile.h and tile_api.h. */
#include "sim/tile/tile.h"

#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel/clock.h"
#include "sim/tile/coro.h"
#include "sim/tile/cov.h"
#include "sim/kernel/json.h"

const char *const tile_label_names[] = {"app", "stack", "driver", "lock", "stall", "idle", NULL};
const char *const tile_role_names[] = {"none", "net", "app", "rtc", NULL};
const char *const tile_fault_kind_names[] = {"protection", "outside", "lock", "budget", NULL};

/* Tile code's static data. The tile-code build (sim/tile_cc.sh) moves every
 * data section of a tile object into one of these four sections, and the
 * linker defines their bounds. The image region lays them out one after the
 * other (each from a 4 KB boundary), so the simulated address of a static
 * datum depends only on tile code, never on the simulator's code or data
 * around it. Static data of the simulator itself is outside every region. */
#define TILE_IMAGE_PARTS 4
extern char __start_tile_rodata[] __attribute__((weak)), __stop_tile_rodata[] __attribute__((weak));
extern char __start_tile_relro[] __attribute__((weak)), __stop_tile_relro[] __attribute__((weak));
extern char __start_tile_data[] __attribute__((weak)), __stop_tile_data[] __attribute__((weak));
extern char __start_tile_bss[] __attribute__((weak)), __stop_tile_bss[] __attribute__((weak));

/* Host stack below tile code's stack region, for the simulator's own frames
 * (runtime calls made by tile code, sanitizer reports): virtual, touched
 * pages only. */
#define TILE_CORO_SLACK (UINT64_C(8) << 20)

/* Simulated address space set aside for the program image (see chip_create). */
#define IMAGE_RESERVE (UINT64_C(256) << 20)

enum tile_state { TS_OFF, TS_IDLE, TS_SCHEDULED, TS_RUNNING, TS_STALLED, TS_STOPPED };

struct udn_msg {
    struct udn_msg *next;
    struct chip *chip;
    unsigned src, dst, queue;
    size_t n;
    uint64_t offset; /* handler cycles at which the send was issued */
    sim_time_t at;   /* simulated time of the send */
    uint64_t w[TILE_UDN_MAX_WORDS];
};

struct timer {
    tile_timer_id id;
    sim_event_id ev;
    struct tile *tile;
    tile_handler_fn fn;
    void *ctx;
    bool fired, cancelled;
    struct timer *next; /* in the tile's fired list */
};

struct handler {
    tile_handler_fn fn;
    void *ctx;
};

struct wordq {
    uint64_t *w;
    size_t head, len, cap;
    uint64_t inflight; /* direct model: words on their way here */
};

struct tile {
    struct chip *chip;
    unsigned id;
    enum tile_role role;
    unsigned process;
    enum tile_state state;
    struct cov_ctx cov;
    tile_main_fn main;
    void *main_arg;
    bool main_pending;
    /* running handler */
    sim_time_t start_ps;
    uint64_t start_cycle; /* core cycle index of start */
    uint64_t extra;       /* explicit charges in this handler */
    sim_time_t busy_until;
    enum tile_label label;
    uint64_t label_mark;
    uintptr_t stack_lo, stack_hi; /* host range of tile code's frames (see coro.h) */
    struct coro *coro;            /* handlers run on it */
    bool in_handler;
    unsigned locks_held;
    /* inputs */
    struct handler udn_h[TILE_UDN_QUEUES], ring_h[TILE_RINGS];
    uint64_t ring_pending[TILE_RINGS];
    struct wordq q[TILE_UDN_QUEUES];
    struct timer **timers;
    size_t ntimers, cap_timers;
    struct timer *fired_head, *fired_tail;
    unsigned rr;
    /* stalled sends */
    struct udn_msg *stall_head, *stall_tail; /* direct model */
    struct udn_msg *out_head, *out_tail;     /* plugged-in network: sends to make */
    bool net_stalled;
    sim_event_id out_ev;
    sim_time_t stall_since;
    uint64_t stall_remaining; /* handler cycles after the first stalled send */
    /* regions */
    struct mem_region *priv, *stack;
    struct tile_prof prof;
    uint64_t budget_instr, next_sample;
    uint64_t *fn_instr; /* sampled instructions per instrumented function */
};

struct chip {
    struct chip_config cfg;
    struct chip_geom geom;
    struct sim_engine *engine;
    struct sim_clock clock;
    uint64_t cpi_q16;
    uint64_t dep_q16; /* load-use stall of a dependent load, 1/65536 cycles */
    struct cache_sys caches;
    struct mem_map mem;
    struct mem_region *shared, *image;
    struct {
        uintptr_t lo, hi; /* host range of one tile_* section */
        uint64_t off;     /* its offset in the image region */
    } image_part[TILE_IMAGE_PARTS];
    struct mem_region **heaps;
    size_t nheaps;
    struct tile *tiles;
    unsigned ntiles;
    const struct tile_net_ops *net;
    void *net_ctx;
    chip_doorbell_fn doorbell;
    void *doorbell_ctx;
    const struct tile_nic_ops *nic;
    void *nic_ctx;
    tile_timer_id next_timer;
    struct tile_fault *faults;
    size_t nfaults, cap_faults;
    uint64_t fault_count[TILE_FAULT_KIND_COUNT];
    bool aborted;
    uint64_t unmapped_accesses;
};

static void tile_wake(struct tile *t, sim_time_t when);
static bool has_input(struct tile *t);
static void mem_slow(struct cov_ctx *c, uintptr_t a, unsigned size, unsigned kind, uintptr_t pc);
static void budget_hit(struct cov_ctx *c, uintptr_t pc);

/* ---- time ---- */

uint64_t tile_handler_cycles(struct tile *t) {
    if (!t->in_handler) return 0;
    const struct chip *c = t->chip;
    unsigned __int128 q = (unsigned __int128)t->cov.instr * c->cpi_q16 +
                          (unsigned __int128)t->cov.dep_hits * c->dep_q16 + 0xFFFF;
    return (uint64_t)(q >> 16) + t->cov.stall + t->extra;
}

uint64_t tile_now_cycles(struct tile *t) {
    if (!t->in_handler) return sim_clock_cycle_at_or_after(&t->chip->clock, sim_engine_now(t->chip->engine));
    return t->start_cycle + tile_handler_cycles(t);
}

uint64_t tile_now(struct tile *t) {
    if (!t->in_handler) return sim_engine_now(t->chip->engine);
    return sim_clock_cycles_to_ps(&t->chip->clock, tile_now_cycles(t));
}

unsigned tile_id(const struct tile *t) { return t->id; }
unsigned tile_count(const struct tile *t) { return t->chip->ntiles; }
enum tile_role tile_role(const struct tile *t) { return t->role; }
unsigned tile_process(const struct tile *t) { return t->process; }

/* ---- profile ---- */

static void label_flush(struct tile *t) {
    uint64_t now = tile_handler_cycles(t);
    if (now > t->label_mark) t->prof.cycles[t->label] += now - t->label_mark;
    t->label_mark = now;
}

enum tile_label tile_label_set(struct tile *t, enum tile_label l) {
    enum tile_label prev = t->label;
    if ((unsigned)l >= TILE_LABEL_COUNT || l == TILE_LABEL_LOCK || l == TILE_LABEL_STALL ||
        l == TILE_LABEL_IDLE)
        return prev;
    if (t->in_handler) label_flush(t);
    t->label = l;
    return prev;
}

/* Add `cycles` of a runtime label (lock wait) at the current point. */
static void charge_label(struct tile *t, enum tile_label l, uint64_t cycles) {
    label_flush(t);
    t->extra += cycles;
    t->prof.cycles[l] += cycles;
    t->label_mark += cycles;
}

void tile_charge(struct tile *t, uint64_t cycles) { t->extra += cycles; }

/* ---- faults ---- */

static void describe_pc(uintptr_t pc, char *out, size_t len) {
    size_t fi;
    uintptr_t fpc;
    Dl_info info;
    const char *name = NULL;
    if (pc && dladdr((void *)pc, &info) && info.dli_sname) name = info.dli_sname;
    if (pc && cov_function_of(pc, &fi, &fpc))
        snprintf(out, len, "%s+0x%lx (instrumented function #%zu)", name ? name : "?",
                 (unsigned long)(pc - fpc), fi);
    else
        snprintf(out, len, "%s", name ? name : "runtime call");
}

/* Name of instrumented function fi (dladdr needs exported symbols). */
static void function_name(size_t fi, char *out, size_t len) {
    uintptr_t pc;
    Dl_info info;
    if (cov_function_pc(fi, &pc) && dladdr((void *)pc, &info) && info.dli_sname &&
        (uintptr_t)info.dli_saddr == pc)
        snprintf(out, len, "%s", info.dli_sname);
    else
        snprintf(out, len, "fn#%zu", fi);
}

/* Records a fault. Returns true if the handler must be cut short. */
static bool fault(struct tile *t, enum tile_fault_kind kind, uint64_t pa, const char *region,
                  unsigned access, uintptr_t pc, const char *what) {
    struct chip *c = t->chip;
    c->fault_count[kind]++;
    t->prof.faults++;
    if (c->nfaults == c->cap_faults) {
        size_t cap = c->cap_faults ? 2 * c->cap_faults : 16;
        struct tile_fault *f = realloc(c->faults, cap * sizeof *f);
        if (f) {
            c->faults = f;
            c->cap_faults = cap;
        }
    }
    if (c->nfaults < c->cap_faults && c->nfaults < 100000) {
        struct tile_fault *f = &c->faults[c->nfaults++];
        memset(f, 0, sizeof *f);
        f->tile = t->id;
        f->kind = kind;
        f->time = tile_now(t);
        f->pa = pa;
        snprintf(f->region, sizeof f->region, "%s", region ? region : "-");
        f->access = access;
        describe_pc(pc, f->where, sizeof f->where);
        snprintf(f->what, sizeof f->what, "%s", what);
    }
    int action = c->cfg.protection.on_fault;
    if (action == CHIP_FAULT_ABORT) {
        c->aborted = true;
        sim_engine_stop(c->engine);
        return true;
    }
    if (action == CHIP_FAULT_STOP || kind == TILE_FAULT_BUDGET) return true;
    return false;
}

/* Leave the running handler: back to run_handler, never into the handler again. */
static _Noreturn void cut_short(struct tile *t) {
    assert(t->in_handler && coro_running(t->coro));
    coro_abandon(t->coro);
}

/* ---- memory accesses ---- */

static void lost_line(void *ctx, unsigned tile, uint64_t line) {
    struct chip *c = ctx;
    struct cov_ctx *cc = &c->tiles[tile].cov;
    if (cc->last_line == line) cc->last_line = UINT64_MAX;
}

/* Translate host address a for tile t: region and simulated address. NULL if
 * outside every region. */
static struct mem_region *translate(struct tile *t, uintptr_t a, uint64_t *pa,
                                    uintptr_t *host_base, uint64_t *size) {
    struct chip *c = t->chip;
    if (a - t->stack_lo < t->stack_hi - t->stack_lo) {
        *host_base = t->stack_lo;
        *size = t->stack_hi - t->stack_lo;
        *pa = t->stack->pa + (a - t->stack_lo);
        return t->stack;
    }
    struct mem_region *r = mem_lookup(&c->mem, a);
    if (r) {
        *host_base = (uintptr_t)r->host;
        *size = r->size;
        *pa = r->pa + (a - (uintptr_t)r->host);
        return r;
    }
    for (unsigned i = 0; c->image && i < TILE_IMAGE_PARTS; i++) {
        uintptr_t lo = c->image_part[i].lo, hi = c->image_part[i].hi;
        if (a - lo < hi - lo) {
            *host_base = lo;
            *size = hi - lo;
            *pa = c->image->pa + c->image_part[i].off + (a - lo);
            return c->image;
        }
    }
    return NULL;
}

static sim_time_t now_of(void *tile) { return tile_now(tile); }

/* One access by tile code (or the runtime on its behalf). */
static void access_one(struct tile *t, uintptr_t a, unsigned kind, uintptr_t pc, bool extra_atomic) {
    struct chip *c = t->chip;
    struct cov_ctx *cc = &t->cov;
    uint64_t pa;
    int home;
    uintptr_t off = a - cc->r_host;
    if (off < cc->r_size && (cc->r_rights & kind)) {
        /* same region as the last access, right already checked */
        home = cc->r_home;
        pa = cc->r_pa + off;
    } else {
        uint64_t size;
        uintptr_t base;
        struct mem_region *r = translate(t, a, &pa, &base, &size);
        if (!r) {
            c->unmapped_accesses++;
            if (c->cfg.protection.mode == CHIP_PROT_PROTECTED) {
                char what[128];
                /* (the host address is not reported: it differs from run to run) */
                snprintf(what, sizeof what, "%s of memory outside every region (not from an arena)",
                         kind & COV_WRITE ? "write" : "read");
                if (fault(t, TILE_FAULT_OUTSIDE, 0, NULL, kind, pc, what)) cut_short(t);
            }
            return; /* charged as an L1 hit */
        }
        unsigned rights = COV_READ | COV_WRITE;
        if (c->cfg.protection.mode == CHIP_PROT_PROTECTED)
            rights = mem_rights(r, (int)t->role, (int)t->id, (int)t->process);
        if (!(rights & kind)) {
            char what[128];
            snprintf(what, sizeof what, "%s of %s region '%s' by a %s tile",
                     kind & COV_WRITE ? "write" : "read", mem_kind_names[r->kind], r->name,
                     tile_role_names[t->role]);
            if (fault(t, TILE_FAULT_PROTECTION, pa, r->name, kind, pc, what)) cut_short(t);
            /* logged: let it happen */
        } else {
            cc->r_host = base;
            cc->r_size = size;
            cc->r_pa = pa - (a - base);
            cc->r_rights = rights;
            cc->r_home = r->home;
        }
        home = r->home;
    }
    bool excl = false;
    uint64_t extra = cache_access(&c->caches, t->id, pa, kind, home, now_of, t, &excl);
    if (extra_atomic) extra += c->cfg.l3.atomic_cycles;
    cc->stall += extra;
    t->prof.mem_cycles += extra;
    cc->last_line = pa >> c->caches.line_shift;
    cc->last_excl = excl;
}

static void mem_slow(struct cov_ctx *c, uintptr_t a, unsigned size, unsigned kind, uintptr_t pc) {
    (void)size;
    access_one(c->owner, a, kind, pc, false);
}

static void set_limit(struct tile *t) {
    t->cov.instr_limit = t->budget_instr < t->next_sample ? t->budget_instr : t->next_sample;
}

static void budget_hit(struct cov_ctx *c, uintptr_t pc) {
    struct tile *t = c->owner;
    uint64_t period = t->chip->cfg.tile.profile_sample_instr;
    if (c->instr < t->budget_instr) {
        /* a profile sample: charge the period to the running function */
        size_t fi;
        uintptr_t fpc;
        if (cov_function_of(pc, &fi, &fpc)) {
            if (!t->fn_instr) t->fn_instr = calloc(cov_stats().functions, sizeof *t->fn_instr);
            if (t->fn_instr && fi < cov_stats().functions) t->fn_instr[fi] += period;
        }
        while (t->next_sample <= c->instr) t->next_sample += period;
        set_limit(t);
        return;
    }
    c->instr_limit = UINT64_MAX;
    char what[128];
    snprintf(what, sizeof what, "handler ran past chip.tile.handler_budget_cycles = %llu",
             (unsigned long long)t->chip->cfg.tile.handler_budget_cycles);
    fault(t, TILE_FAULT_BUDGET, 0, NULL, 0, pc, what);
    cut_short(t);
}

void tile_copy(struct tile *t, void *dst, const void *src, size_t n) {
    if (!n || !dst || !src) return;
    uint64_t line = t->chip->cfg.line_bytes;
    if (t->in_handler) {
        uintptr_t s = (uintptr_t)src, d = (uintptr_t)dst;
        uintptr_t pc = (uintptr_t)__builtin_return_address(0);
        for (uintptr_t o = 0; o < n; o += line) {
            access_one(t, s + o, COV_READ, pc, false);
            access_one(t, d + o, COV_WRITE, pc, false);
        }
        access_one(t, s + n - 1, COV_READ, pc, false);
        access_one(t, d + n - 1, COV_WRITE, pc, false);
        t->extra += ((n + line - 1) / line) * t->chip->cfg.tile.copy_line_cycles;
    }
    memmove(dst, src, n);
}

/* ---- arenas ---- */

static void *arena_alloc(struct tile *t, struct mem_region *r, size_t size) {
    if (!r) return NULL;
    if (t->in_handler) t->extra += t->chip->cfg.tile.alloc_cycles;
    return mem_alloc(r, size);
}

static void arena_free(struct tile *t, struct mem_region *r, void *p) {
    if (!p || !r) return;
    if (!mem_free(r, p)) {
        char what[128];
        snprintf(what, sizeof what, "free of a pointer that is not a block of region '%s'", r->name);
        if (t->in_handler &&
            fault(t, TILE_FAULT_OUTSIDE, 0, r->name, COV_WRITE, (uintptr_t)__builtin_return_address(0), what))
            cut_short(t);
        return;
    }
    if (t->in_handler) t->extra += t->chip->cfg.tile.alloc_cycles;
}

void *tile_alloc(struct tile *t, size_t size) { return arena_alloc(t, t->priv, size); }
void tile_free(struct tile *t, void *p) { arena_free(t, t->priv, p); }
void *tile_proc_alloc(struct tile *t, size_t size) {
    return arena_alloc(t, chip_proc_heap(t->chip, t->process), size);
}
void tile_proc_free(struct tile *t, void *p) {
    arena_free(t, chip_proc_heap(t->chip, t->process), p);
}
void *tile_shared_alloc(struct tile *t, size_t size) { return arena_alloc(t, t->chip->shared, size); }
void tile_shared_free(struct tile *t, void *p) { arena_free(t, t->chip->shared, p); }

/* ---- locks ---- */

/* Simulated address of a lock (it lies in a region: checked by the callers). */
static uint64_t lock_pa(struct chip *c, const struct tile_lock *l) {
    const struct mem_region *r = mem_lookup(&c->mem, (uintptr_t)l);
    return r ? r->pa + ((uintptr_t)l - (uintptr_t)r->host) : 0;
}

void tile_lock_init(struct tile *t, struct tile_lock *l) {
    (void)t;
    memset(l, 0, sizeof *l);
}

int tile_lock_acquire(struct tile *t, struct tile_lock *l) {
    struct chip *c = t->chip;
    if (!l || !mem_lookup(&c->mem, (uintptr_t)l)) return -1;
    if (!t->in_handler) return -1;
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    sim_time_t now = tile_now(t);
    if (l->word && l->word != t->id + 1u) {
        /* Held by a handler that ran natively before this one and did not
         * release it: cannot happen (locks are released within a handler). */
        char what[128];
        snprintf(what, sizeof what, "lock at %#llx held by tile %llu across a handler boundary",
                 (unsigned long long)lock_pa(c, l), (unsigned long long)(l->word - 1));
        if (fault(t, TILE_FAULT_LOCK, 0, NULL, 0, pc, what)) cut_short(t);
    }
    l->acquisitions++;
    if (l->free_at > now) {
        /* spin until the holder's release */
        uint64_t wait = sim_clock_cycle_at_or_after(&c->clock, l->free_at) - tile_now_cycles(t);
        l->contended++;
        l->wait_cycles += wait;
        charge_label(t, TILE_LABEL_LOCK, wait);
    }
    /* the atomic on the lock word: through the coherence model, at the home */
    uint64_t before = t->cov.stall;
    access_one(t, (uintptr_t)&l->word, COV_WRITE, pc, true);
    uint64_t cost = t->cov.stall - before;
    t->cov.stall = before;
    charge_label(t, TILE_LABEL_LOCK, cost);
    if (l->word != t->id + 1u) t->locks_held++;
    l->word = t->id + 1u;
    return 0;
}

int tile_lock_release(struct tile *t, struct tile_lock *l) {
    struct chip *c = t->chip;
    if (!l || !mem_lookup(&c->mem, (uintptr_t)l)) return -1;
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    if (l->word != t->id + 1u) {
        char what[128];
        if (l->word)
            snprintf(what, sizeof what, "release of lock at %#llx held by tile %llu",
                     (unsigned long long)lock_pa(c, l), (unsigned long long)(l->word - 1));
        else
            snprintf(what, sizeof what, "release of lock at %#llx that is not held",
                     (unsigned long long)lock_pa(c, l));
        if (t->in_handler && fault(t, TILE_FAULT_LOCK, 0, NULL, 0, pc, what)) cut_short(t);
        return -1;
    }
    if (t->in_handler) access_one(t, (uintptr_t)&l->word, COV_WRITE, pc, false);
    if (t->locks_held) t->locks_held--;
    l->word = 0;
    l->free_at = tile_now(t);
    return 0;
}

int tile_doorbell(struct tile *t, unsigned port, uint64_t value) {
    struct chip *c = t->chip;
    if (!c->doorbell) return -1;
    c->doorbell(c->doorbell_ctx, t->id, port, value, tile_now(t));
    return 0;
}

/* ---- UDN ---- */

static uint64_t direct_credits(struct chip *c, unsigned dst, unsigned queue) {
    struct wordq *q = &c->tiles[dst].q[queue];
    uint64_t used = q->len + q->inflight;
    return used >= q->cap ? 0 : q->cap - used;
}

static void deliver_ev(void *ctx, void *arg) {
    struct chip *c = ctx;
    struct udn_msg *m = arg;
    c->tiles[m->dst].q[m->queue].inflight -= m->n;
    chip_udn_deliver(c, m->dst, m->queue, m->w, m->n, sim_engine_now(c->engine));
    free(m);
}

/* Direct model: inject m at time t if there is room; takes ownership on success. */
static bool inject(struct chip *c, struct udn_msg *m, sim_time_t t) {
    if (direct_credits(c, m->dst, m->queue) < m->n) return false;
    c->tiles[m->dst].q[m->queue].inflight += m->n;
    uint64_t cyc = 2 + (uint64_t)cache_hops(&c->caches, m->src, m->dst) * c->cfg.l3.hop_cycles +
                   m->n * c->cfg.tile.udn_word_cycles;
    sim_time_t at = sim_clock_cycles_to_ps(&c->clock, sim_clock_cycle_at_or_after(&c->clock, t) + cyc);
    sim_engine_schedule_at(c->engine, at, deliver_ev, c, m);
    return true;
}

static bool udn_args_ok(struct tile *t, unsigned dst, unsigned queue, const uint64_t *w, size_t n) {
    return dst < t->chip->ntiles && queue < TILE_UDN_QUEUES && w && n >= 1 &&
           n <= TILE_UDN_MAX_WORDS && (t->chip->net || n <= t->chip->tiles[dst].q[queue].cap);
}

static struct udn_msg *msg_new(struct tile *t, unsigned dst, unsigned queue, const uint64_t *w,
                               size_t n) {
    struct udn_msg *m = malloc(sizeof *m);
    assert(m);
    m->next = NULL;
    m->chip = t->chip;
    m->src = t->id;
    m->dst = dst;
    m->queue = queue;
    m->n = n;
    m->offset = tile_handler_cycles(t);
    memcpy(m->w, w, n * sizeof *w);
    return m;
}

/* ---- UDN through a plugged-in network ---- */

static void net_pump(struct tile *t);

static void net_out_ev(void *ctx, void *arg) {
    struct tile *t = ctx;
    (void)arg;
    t->out_ev = 0;
    net_pump(t);
}

static void net_schedule(struct tile *t) {
    if (t->net_stalled || t->out_ev || !t->out_head) return;
    struct sim_engine *e = t->chip->engine;
    sim_time_t at = t->out_head->at > sim_engine_now(e) ? t->out_head->at : sim_engine_now(e);
    t->out_ev = sim_engine_schedule_at(e, at, net_out_ev, t, NULL);
}

/* Hands due messages to the network, in order, until it stalls the tile. */
static void net_pump(struct tile *t) {
    struct chip *c = t->chip;
    sim_time_t now = sim_engine_now(c->engine);
    while (t->out_head && !t->net_stalled && t->out_head->at <= now) {
        struct udn_msg *m = t->out_head;
        int st = c->net->send(c->net_ctx, m->src, m->dst, m->queue, m->w, m->n);
        if (st == TILE_NET_FULL) {
            t->net_stalled = true;
            t->stall_since = now;
            break;
        }
        t->out_head = m->next;
        if (!t->out_head) t->out_tail = NULL;
        free(m);
        if (st == TILE_NET_STALLED) {
            t->net_stalled = true;
            t->stall_since = now;
        }
    }
    net_schedule(t);
}

static void net_enqueue(struct tile *t, struct udn_msg *m) {
    m->at = tile_now(t);
    if (t->out_tail) t->out_tail->next = m;
    else t->out_head = m;
    t->out_tail = m;
    net_schedule(t);
}

void chip_udn_sent(struct chip *c, unsigned src, sim_time_t now) {
    if (src >= c->ntiles) return;
    struct tile *t = &c->tiles[src];
    if (!t->net_stalled) return;
    t->net_stalled = false;
    /* the stall delays whatever of the tile's work had not happened yet */
    uint64_t c0 = sim_clock_cycle_at_or_after(&c->clock, t->stall_since);
    uint64_t c1 = sim_clock_cycle_at_or_after(&c->clock, now);
    t->prof.cycles[TILE_LABEL_STALL] += c1 > c0 ? c1 - c0 : 0;
    if (t->busy_until > t->stall_since) t->busy_until = now + (t->busy_until - t->stall_since);
    else if (t->busy_until < now) t->busy_until = now;
    net_pump(t);
    if (!t->net_stalled && t->state == TS_IDLE && has_input(t)) tile_wake(t, now);
}

void chip_udn_arrived(struct chip *c, unsigned tile, sim_time_t t) {
    if (tile < c->ntiles) tile_wake(&c->tiles[tile], t);
}

uint64_t tile_udn_credits(struct tile *t, unsigned dst, unsigned queue) {
    struct chip *c = t->chip;
    if (dst >= c->ntiles || queue >= TILE_UDN_QUEUES) return 0;
    if (c->net) return c->net->credits(c->net_ctx, t->id, dst, queue);
    return direct_credits(c, dst, queue);
}

int tile_udn_try_send(struct tile *t, unsigned dst, unsigned queue, const uint64_t *w, size_t n) {
    if (!udn_args_ok(t, dst, queue, w, n)) return -1;
    if (t->chip->net) {
        /* credits as of now; the send itself happens at tile_now() */
        if (t->out_head || t->net_stalled || tile_udn_credits(t, dst, queue) < n) return 0;
        t->extra += n * t->chip->cfg.tile.udn_word_cycles;
        net_enqueue(t, msg_new(t, dst, queue, w, n));
        return 1;
    }
    if (t->stall_head) return 0; /* earlier stalled messages go first */
    if (tile_udn_credits(t, dst, queue) < n) return 0;
    t->extra += n * t->chip->cfg.tile.udn_word_cycles;
    struct udn_msg *m = msg_new(t, dst, queue, w, n);
    bool ok = inject(t->chip, m, tile_now(t));
    if (!ok) free(m);
    return ok ? 1 : 0;
}

int tile_udn_send(struct tile *t, unsigned dst, unsigned queue, const uint64_t *w, size_t n) {
    if (!udn_args_ok(t, dst, queue, w, n)) return -1;
    t->extra += n * t->chip->cfg.tile.udn_word_cycles;
    struct udn_msg *m = msg_new(t, dst, queue, w, n);
    if (t->chip->net) {
        net_enqueue(t, m);
        return 0;
    }
    if (!t->stall_head && inject(t->chip, m, tile_now(t))) return 0;
    /* stall: the message waits; the tile takes no input until it is injected */
    if (!t->stall_head) {
        t->stall_since = tile_now(t);
        t->stall_remaining = 0;
    }
    if (t->stall_tail) t->stall_tail->next = m;
    else t->stall_head = m;
    t->stall_tail = m;
    return 0;
}

size_t tile_udn_avail(struct tile *t, unsigned queue) {
    if (queue >= TILE_UDN_QUEUES) return 0;
    if (t->chip->net) return t->chip->net->avail(t->chip->net_ctx, t->id, queue);
    return t->q[queue].len;
}

static void retry_stalled(struct chip *c, sim_time_t now);

size_t tile_udn_recv(struct tile *t, unsigned queue, uint64_t *w, size_t max) {
    if (queue >= TILE_UDN_QUEUES || !w) return 0;
    if (t->chip->net) {
        size_t got = t->chip->net->recv(t->chip->net_ctx, t->id, queue, w, max);
        t->extra += got * t->chip->cfg.tile.udn_word_cycles;
        return got;
    }
    struct wordq *q = &t->q[queue];
    size_t n = max < q->len ? max : q->len;
    for (size_t i = 0; i < n; i++) {
        w[i] = q->w[q->head];
        q->head = (q->head + 1) % q->cap;
    }
    q->len -= n;
    if (n) {
        t->extra += n * t->chip->cfg.tile.udn_word_cycles;
        retry_stalled(t->chip, tile_now(t));
    }
    return n;
}

void chip_udn_deliver(struct chip *c, unsigned dst, unsigned queue, const uint64_t *w, size_t n,
                      sim_time_t t) {
    assert(dst < c->ntiles && queue < TILE_UDN_QUEUES);
    struct tile *d = &c->tiles[dst];
    struct wordq *q = &d->q[queue];
    assert(q->len + n <= q->cap && "UDN delivered more words than the demux queue holds");
    for (size_t i = 0; i < n; i++) q->w[(q->head + q->len + i) % q->cap] = w[i];
    q->len += n;
    tile_wake(d, t);
}

/* The stalled tile resumes: all its queued messages are in. */
static void stall_done_ev(void *ctx, void *arg) {
    struct tile *t = ctx;
    (void)arg;
    if (t->state != TS_STALLED) return;
    t->state = TS_IDLE;
    tile_wake(t, sim_engine_now(t->chip->engine));
}

static void retry_tile(struct tile *t, sim_time_t now) {
    struct chip *c = t->chip;
    sim_time_t when = now > t->stall_since ? now : t->stall_since;
    while (t->stall_head) {
        struct udn_msg *m = t->stall_head;
        struct udn_msg *next = m->next;
        if (!inject(c, m, when)) return;
        t->stall_head = next;
        if (!next) t->stall_tail = NULL;
    }
    /* resolved: the stall lasted from stall_since to `when` */
    if (t->state == TS_STALLED) {
        uint64_t c0 = sim_clock_cycle_at_or_after(&c->clock, t->stall_since);
        uint64_t c1 = sim_clock_cycle_at_or_after(&c->clock, when);
        t->prof.cycles[TILE_LABEL_STALL] += c1 - c0;
        sim_time_t resume =
            sim_clock_cycles_to_ps(&c->clock, c1 + t->stall_remaining);
        if (resume > t->busy_until) t->busy_until = resume;
        sim_engine_schedule_at(c->engine, t->busy_until > sim_engine_now(c->engine) ? t->busy_until : sim_engine_now(c->engine), stall_done_ev, t, NULL);
    }
}

static void retry_stalled(struct chip *c, sim_time_t now) {
    for (unsigned i = 0; i < c->ntiles; i++)
        if (c->tiles[i].stall_head && c->tiles[i].state == TS_STALLED) retry_tile(&c->tiles[i], now);
}


/* ---- timers ---- */

static void timer_ev(void *ctx, void *arg) {
    struct tile *t = ctx;
    struct timer *tm = arg;
    tm->fired = true;
    tm->next = NULL;
    if (t->fired_tail) t->fired_tail->next = tm;
    else t->fired_head = tm;
    t->fired_tail = tm;
    tile_wake(t, sim_engine_now(t->chip->engine));
}

static void timer_forget(struct tile *t, struct timer *tm) {
    for (size_t i = 0; i < t->ntimers; i++)
        if (t->timers[i] == tm) {
            t->timers[i] = t->timers[--t->ntimers];
            break;
        }
    free(tm);
}

tile_timer_id tile_timer_arm(struct tile *t, uint64_t delay_ps, tile_handler_fn fn, void *ctx) {
    if (!fn || delay_ps > SIM_TIME_MAX / 2) return 0;
    if (t->ntimers == t->cap_timers) {
        size_t cap = t->cap_timers ? 2 * t->cap_timers : 8;
        struct timer **a = realloc(t->timers, cap * sizeof *a);
        if (!a) return 0;
        t->timers = a;
        t->cap_timers = cap;
    }
    struct timer *tm = calloc(1, sizeof *tm);
    if (!tm) return 0;
    tm->id = ++t->chip->next_timer;
    tm->tile = t;
    tm->fn = fn;
    tm->ctx = ctx;
    sim_time_t now = tile_now(t);
    tm->ev = sim_engine_schedule_at(t->chip->engine, now + delay_ps, timer_ev, t, tm);
    t->timers[t->ntimers++] = tm;
    return tm->id;
}

bool tile_timer_cancel(struct tile *t, tile_timer_id id) {
    for (size_t i = 0; i < t->ntimers; i++) {
        struct timer *tm = t->timers[i];
        if (tm->id != id || tm->cancelled) continue;
        if (!tm->fired) {
            sim_engine_cancel(t->chip->engine, tm->ev);
            timer_forget(t, tm);
        } else {
            tm->cancelled = true; /* dropped when it reaches the head of the fired list */
        }
        return true;
    }
    return false;
}

/* ---- the NIC's driver calls ---- */

/* Charge a driver call's hardware cost at the current point, labelled driver. */
static void drv_charge(struct tile *t, uint64_t cycles) {
    if (t->in_handler && cycles) charge_label(t, TILE_LABEL_DRIVER, cycles);
}

uint64_t tile_nic_poll(struct tile *t, unsigned ring, struct tile_pkt *out, uint64_t max) {
    struct chip *c = t->chip;
    if (!c->nic || ring >= TILE_RINGS) return 0;
    uint64_t cycles = 0;
    bool more = false;
    uint64_t n = c->nic->poll(c->nic_ctx, t->id, ring, tile_now(t), out, max, &more, &cycles);
    drv_charge(t, cycles);
    /* Notifications say "look at the ring": once nothing visible is left they
     * are all consumed; while descriptors remain, keep one so the handler runs
     * again. */
    if (!more) t->ring_pending[ring] = 0;
    else if (t->ring_pending[ring] == 0) t->ring_pending[ring] = 1;
    return n;
}

int tile_nic_credit(struct tile *t, unsigned ring, uint64_t n) {
    struct chip *c = t->chip;
    if (!c->nic || ring >= TILE_RINGS) return -1;
    uint64_t cycles = 0;
    int r = c->nic->credit(c->nic_ctx, t->id, ring, n, tile_now(t), &cycles);
    drv_charge(t, cycles);
    return r;
}

int tile_nic_buffer_return(struct tile *t, unsigned stack, void *buf) {
    struct chip *c = t->chip;
    if (!c->nic) return -1;
    uint64_t cycles = 0;
    int r = c->nic->buffer_return(c->nic_ctx, stack, buf, tile_now(t), &cycles);
    drv_charge(t, cycles);
    return r;
}

void *tile_nic_buffer_alloc(struct tile *t, unsigned stack) {
    struct chip *c = t->chip;
    if (!c->nic) return NULL;
    uint64_t cycles = 0;
    void *p = c->nic->buffer_alloc(c->nic_ctx, stack, tile_now(t), &cycles);
    drv_charge(t, cycles);
    return p;
}

uint64_t tile_nic_post(struct tile *t, unsigned ering, const struct tile_txd *d, uint64_t n) {
    struct chip *c = t->chip;
    if (!c->nic) return 0;
    uint64_t cycles = 0;
    uint64_t r = c->nic->post(c->nic_ctx, ering, d, n, tile_now(t), &cycles);
    drv_charge(t, cycles);
    return r;
}

int tile_nic_doorbell(struct tile *t, unsigned ering) {
    struct chip *c = t->chip;
    if (!c->nic) return -1;
    uint64_t cycles = 0;
    int r = c->nic->doorbell(c->nic_ctx, ering, tile_now(t), &cycles);
    drv_charge(t, cycles);
    return r;
}

uint64_t tile_nic_completed(struct tile *t, unsigned ering) {
    struct chip *c = t->chip;
    if (!c->nic) return 0;
    uint64_t cycles = 0;
    uint64_t r = c->nic->completed(c->nic_ctx, ering, tile_now(t), &cycles);
    drv_charge(t, cycles);
    return r;
}

uint64_t tile_nic_space(struct tile *t, unsigned ering) {
    struct chip *c = t->chip;
    return c->nic ? c->nic->space(c->nic_ctx, ering) : 0;
}

int tile_nic_register(struct tile *t, const void *p, size_t len) {
    struct chip *c = t->chip;
    if (!c->nic) return -1;
    return c->nic->reg(c->nic_ctx, t->id, t->process, p, len);
}

void chip_set_nic(struct chip *c, const struct tile_nic_ops *ops, void *nic) {
    c->nic = ops;
    c->nic_ctx = ops ? nic : NULL;
}

/* ---- inputs and execution ---- */

int tile_on_udn(struct tile *t, unsigned queue, tile_handler_fn fn, void *ctx) {
    if (queue >= TILE_UDN_QUEUES) return -1;
    t->udn_h[queue] = (struct handler){fn, ctx};
    if (fn && tile_udn_avail(t, queue)) tile_wake(t, tile_now(t));
    return 0;
}

int tile_on_ring(struct tile *t, unsigned ring, tile_handler_fn fn, void *ctx) {
    if (ring >= TILE_RINGS) return -1;
    t->ring_h[ring] = (struct handler){fn, ctx};
    if (fn && t->ring_pending[ring]) tile_wake(t, tile_now(t));
    return 0;
}

uint64_t tile_ring_take(struct tile *t, unsigned ring, uint64_t max) {
    if (ring >= TILE_RINGS) return 0;
    uint64_t n = max < t->ring_pending[ring] ? max : t->ring_pending[ring];
    t->ring_pending[ring] -= n;
    return n;
}

int chip_dma_write(struct chip *c, const void *host, size_t len) {
    uintptr_t a = (uintptr_t)host;
    struct mem_region *r = mem_lookup(&c->mem, a);
    if (!r || len == 0 || a + len - 1 - (uintptr_t)r->host >= r->size) return -1;
    uint64_t line = c->cfg.line_bytes;
    uint64_t pa0 = r->pa + (a - (uintptr_t)r->host);
    for (uint64_t pa = pa0 & ~(line - 1); pa < pa0 + len; pa += line)
        cache_dma_write(&c->caches, pa, r->home);
    return 0;
}

void chip_ring_post(struct chip *c, unsigned tile, unsigned ring, uint64_t n, sim_time_t t) {
    if (tile >= c->ntiles || ring >= TILE_RINGS) return;
    c->tiles[tile].ring_pending[ring] += n;
    tile_wake(&c->tiles[tile], t);
}

/* Picks the next input; returns false if none. */
static bool next_input(struct tile *t, struct handler *h, struct timer **tm) {
    *tm = NULL;
    while (t->fired_head && t->fired_head->cancelled) {
        struct timer *x = t->fired_head;
        t->fired_head = x->next;
        if (!t->fired_head) t->fired_tail = NULL;
        timer_forget(t, x);
    }
    const unsigned nsrc = 1 + TILE_RINGS + TILE_UDN_QUEUES;
    for (unsigned k = 0; k < nsrc; k++) {
        unsigned s = (t->rr + k) % nsrc;
        if (s == 0) {
            if (t->fired_head) {
                struct timer *x = t->fired_head;
                t->fired_head = x->next;
                if (!t->fired_head) t->fired_tail = NULL;
                *h = (struct handler){x->fn, x->ctx};
                *tm = x;
                t->rr = s + 1;
                return true;
            }
        } else if (s <= TILE_RINGS) {
            unsigned r = s - 1;
            if (t->ring_pending[r] && t->ring_h[r].fn) {
                *h = t->ring_h[r];
                t->rr = s + 1;
                return true;
            }
        } else {
            unsigned q = s - 1 - TILE_RINGS;
            if (t->udn_h[q].fn && tile_udn_avail(t, q)) {
                *h = t->udn_h[q];
                t->rr = s + 1;
                return true;
            }
        }
    }
    return false;
}

static bool has_input(struct tile *t) {
    if (t->main_pending) return true;
    for (struct timer *x = t->fired_head; x; x = x->next)
        if (!x->cancelled) return true;
    for (unsigned r = 0; r < TILE_RINGS; r++)
        if (t->ring_pending[r] && t->ring_h[r].fn) return true;
    for (unsigned q = 0; q < TILE_UDN_QUEUES; q++)
        if (t->udn_h[q].fn && tile_udn_avail(t, q)) return true;
    return false;
}

static void run_ev(void *ctx, void *arg);

static void tile_wake(struct tile *t, sim_time_t when) {
    if (t->state != TS_IDLE || t->net_stalled) return;
    struct sim_engine *e = t->chip->engine;
    sim_time_t at = when > t->busy_until ? when : t->busy_until;
    if (at < sim_engine_now(e)) at = sim_engine_now(e);
    t->state = TS_SCHEDULED;
    sim_engine_schedule_at(e, at, run_ev, t, NULL);
}

static enum tile_label default_label(const struct tile *t) {
    return t->role == TILE_ROLE_NET ? TILE_LABEL_STACK : TILE_LABEL_APP;
}

static void restart_ev(void *ctx, void *arg) {
    struct tile *t = ctx;
    (void)arg;
    if (t->state != TS_STOPPED || t->chip->aborted) return;
    t->state = TS_IDLE;
    if (has_input(t)) tile_wake(t, sim_engine_now(t->chip->engine));
}

/* Runs h (or the program's main) as one handler at the current time. */
static void run_handler(struct tile *t, tile_handler_fn fn, void *ctx) {
    struct chip *c = t->chip;
    sim_time_t now = sim_engine_now(c->engine);
    t->start_ps = now;
    t->start_cycle = sim_clock_cycle_at_or_after(&c->clock, now);
    t->extra = 0;
    t->label = default_label(t);
    t->label_mark = 0;
    struct cov_ctx *cc = &t->cov;
    cc->instr = 0;
    cc->stall = 0;
    cc->dep_hits = 0;
    cc->last_line = UINT64_MAX;
    cc->last_val = 0;
    uint64_t budget = c->cfg.tile.handler_budget_cycles;
    t->budget_instr = (uint64_t)(((unsigned __int128)budget << 16) / c->cpi_q16) + 1;
    uint64_t period = c->cfg.tile.profile_sample_instr;
    t->next_sample = period ? period - (t->prof.instr % period) : UINT64_MAX;
    set_limit(t);
    uint64_t loads0 = cc->loads, stores0 = cc->stores;
    t->in_handler = true;
    t->state = TS_RUNNING;
    struct cov_ctx *prev = cov_set_current(cc);
    /* The handler runs on the tile's coroutine, entered at a fixed stack
     * pointer (coro_top), so its frames map onto the stack region the same
     * way whatever the simulator's own code and frames are. */
    bool stopped = coro_run(t->coro, (coro_fn)(void (*)(void))fn, t, ctx) == CORO_ABANDONED;
    if (!stopped && t->locks_held) {
        /* a spin lock held past its handler would block other tiles for an
         * unknown time: not allowed in run-to-completion handlers */
        char what[128];
        snprintf(what, sizeof what, "%u lock(s) still held at the end of a handler", t->locks_held);
        if (fault(t, TILE_FAULT_LOCK, 0, NULL, 0, (uintptr_t)fn, what)) stopped = true;
    }
    cov_set_current(prev);
    uint64_t cycles = tile_handler_cycles(t) + c->cfg.tile.poll_cycles;
    label_flush(t);
    t->prof.cycles[t->label] += c->cfg.tile.poll_cycles;
    t->in_handler = false;
    t->prof.handlers++;
    t->prof.instr += cc->instr;
    c->caches.st[t->id].l1_hits += cc->l1_fast_hits;
    cc->l1_fast_hits = 0;
    t->prof.mem_cycles += cc->mem_cycles;
    cc->mem_cycles = 0;
    t->prof.loads += cc->loads - loads0;
    t->prof.stores += cc->stores - stores0;
    cc->instr_limit = UINT64_MAX;
    cc->r_size = 0; /* the translation cache is per handler */
    t->busy_until = sim_clock_cycles_to_ps(&c->clock, t->start_cycle + cycles);
    if (stopped || c->aborted) {
        t->state = TS_STOPPED;
        if (!c->aborted && c->cfg.protection.restart)
            sim_engine_schedule_at(
                c->engine,
                sim_clock_cycles_to_ps(&c->clock, t->start_cycle + cycles +
                                                      c->cfg.protection.restart_delay_cycles),
                restart_ev, t, NULL);
        return;
    }
    if (t->stall_head) {
        /* remaining cycles after the first stalled send */
        uint64_t off = t->stall_head->offset;
        t->stall_remaining = cycles > off ? cycles - off : 0;
        t->state = TS_STALLED;
        retry_tile(t, now);
        return;
    }
    t->state = TS_IDLE;
    if (has_input(t)) tile_wake(t, t->busy_until);
}

static void run_ev(void *ctx, void *arg) {
    struct tile *t = ctx;
    (void)arg;
    struct chip *c = t->chip;
    if (t->state != TS_SCHEDULED || c->aborted) return;
    if (t->net_stalled) { /* woken again by chip_udn_sent */
        t->state = TS_IDLE;
        return;
    }
    if (t->main_pending) {
        t->main_pending = false;
        run_handler(t, t->main, t->main_arg); /* same signature as a handler */
        return;
    }
    struct handler h;
    struct timer *tm;
    if (!next_input(t, &h, &tm)) {
        t->state = TS_IDLE;
        return;
    }
    run_handler(t, h.fn, h.ctx);
    if (tm) timer_forget(t, tm);
}

/* ---- chip ---- */

struct chip *chip_create(const struct chip_config *cfg, const struct chip_geom *g,
                         struct sim_engine *e, char *err, size_t errlen) {
    if (g->demux_words < 1 || g->demux_words > 1u << 20) {
        snprintf(err, errlen, "noc.udn.demux_depth_words: %llu is outside 1..1048576",
                 (unsigned long long)g->demux_words);
        return NULL;
    }
    struct chip *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "chip: out of memory");
        return NULL;
    }
    c->cfg = *cfg;
    c->geom = *g;
    c->engine = e;
    if (!cache_sys_init(&c->caches, cfg, g->width, g->height, err, errlen)) {
        free(c);
        return NULL;
    }
    cache_sys_set_lost(&c->caches, lost_line, c);
    sim_clock_init(&c->clock, cfg->core_freq_hz);
    c->cpi_q16 = (uint64_t)(cfg->cpi * 65536.0 + 0.5);
    if (!c->cpi_q16) c->cpi_q16 = 1;
    {
        double d = (double)cfg->l1d.hit_cycles - cfg->cpi;
        c->dep_q16 = d > 0 ? (uint64_t)(d * 65536.0 + 0.5) : 0;
    }
    mem_map_init(&c->mem);
    c->ntiles = g->width * g->height;
    c->tiles = calloc(c->ntiles, sizeof *c->tiles);
    c->shared = mem_region_create(&c->mem, MEM_SHARED, "shared", cfg->tile.shared_bytes, -1, -1, true);
    /* The program image (tile code's static data, see TILE_IMAGE_PARTS) is a
     * region of its real size, but the regions after it start a fixed
     * IMAGE_RESERVE later, so that their simulated addresses, and with them
     * cache sets and homes, do not move when tile code's data grows. */
    {
        char *const bounds[TILE_IMAGE_PARTS][2] = {
            {__start_tile_rodata, __stop_tile_rodata},
            {__start_tile_relro, __stop_tile_relro},
            {__start_tile_data, __stop_tile_data},
            {__start_tile_bss, __stop_tile_bss},
        };
        uint64_t off = 0;
        for (unsigned i = 0; i < TILE_IMAGE_PARTS; i++) {
            uintptr_t lo = (uintptr_t)bounds[i][0], hi = (uintptr_t)bounds[i][1];
            if (!lo || hi <= lo) continue;
            c->image_part[i].lo = lo;
            c->image_part[i].hi = hi;
            c->image_part[i].off = off;
            off = (off + (hi - lo) + 4095) & ~UINT64_C(4095);
        }
        if (off && off <= IMAGE_RESERVE) {
            c->image = mem_region_create(&c->mem, MEM_IMAGE, "image", off, -1, -1, false);
            if (c->image) c->mem.next_pa = c->image->pa + IMAGE_RESERVE;
        }
        if (!c->image) c->mem.next_pa += IMAGE_RESERVE; /* the same addresses after it */
    }
    bool ok = c->tiles && c->shared;
    for (unsigned i = 0; ok && i < c->ntiles; i++) {
        struct tile *t = &c->tiles[i];
        t->chip = c;
        t->id = i;
        t->state = TS_OFF;
        cov_ctx_init(&t->cov, t, mem_slow, budget_hit);
        t->cov.port = &c->caches.port[i];
        t->cov.now = now_of;
        t->cov.now_ctx = t;
        t->cov.line_shift = c->caches.line_shift;
        t->cov.dep_on = cfg->tile.load_use_stall;
        t->cov.l1 = c->caches.l1[i];
        char name[40];
        snprintf(name, sizeof name, "private.%u", i);
        t->priv = mem_region_create(&c->mem, MEM_PRIVATE, name, cfg->tile.private_bytes, (int)i, -1, true);
        snprintf(name, sizeof name, "stack.%u", i);
        t->stack = mem_region_create(&c->mem, MEM_STACK, name, cfg->tile.stack_bytes, (int)i, (int)i, false);
        if (t->stack) {
            /* tile code's frames: [top - stack size, top) of the coroutine */
            t->coro = coro_create(t->stack->size, TILE_CORO_SLACK, err, errlen);
            if (t->coro) {
                t->stack_hi = coro_top(t->coro);
                t->stack_lo = t->stack_hi - t->stack->size;
            }
        }
        for (unsigned q = 0; q < TILE_UDN_QUEUES; q++) {
            t->q[q].cap = g->demux_words;
            t->q[q].w = calloc(g->demux_words, sizeof(uint64_t));
            ok = ok && t->q[q].w;
        }
        ok = ok && t->priv && t->stack && t->coro;
    }
    if (!ok) {
        snprintf(err, errlen, "chip: out of memory building %u tiles", c->ntiles);
        chip_destroy(c);
        return NULL;
    }
    return c;
}

void chip_destroy(struct chip *c) {
    if (!c) return;
    for (unsigned i = 0; c->tiles && i < c->ntiles; i++) {
        struct tile *t = &c->tiles[i];
        for (unsigned q = 0; q < TILE_UDN_QUEUES; q++) free(t->q[q].w);
        for (size_t k = 0; k < t->ntimers; k++) free(t->timers[k]);
        free(t->fn_instr);
        free(t->timers);
        coro_destroy(t->coro);
        while (t->stall_head) {
            struct udn_msg *m = t->stall_head;
            t->stall_head = m->next;
            free(m);
        }
        while (t->out_head) {
            struct udn_msg *m = t->out_head;
            t->out_head = m->next;
            free(m);
        }
    }
    if (cov_cur->owner && ((struct tile *)cov_cur->owner)->chip == c) cov_set_current(NULL);
    free(c->tiles);
    free(c->heaps);
    free(c->faults);
    mem_map_fini(&c->mem);
    cache_sys_fini(&c->caches);
    free(c);
}

unsigned chip_tile_count(const struct chip *c) { return c->ntiles; }
struct tile *chip_tile(struct chip *c, unsigned id) { return id < c->ntiles ? &c->tiles[id] : NULL; }
struct cache_sys *chip_caches(struct chip *c) { return &c->caches; }
const struct mem_map *chip_mem_map(const struct chip *c) { return &c->mem; }
struct mem_region *chip_shared_region(struct chip *c) { return c->shared; }
struct mem_region *chip_private_region(struct chip *c, unsigned tile) {
    return tile < c->ntiles ? c->tiles[tile].priv : NULL;
}

struct mem_region *chip_region_create(struct chip *c, enum mem_kind kind, const char *name,
                                      uint64_t size, int owner, int home) {
    if (kind == MEM_STACK || kind == MEM_IMAGE || (unsigned)kind >= MEM_KIND_COUNT) return NULL;
    if (home >= (int)c->ntiles) return NULL;
    return mem_region_create(&c->mem, kind, name, size, owner, home, true);
}

struct mem_region *chip_proc_heap(struct chip *c, unsigned process) {
    if (process >= 4096) return NULL;
    if (process >= c->nheaps) {
        size_t n = process + 1;
        struct mem_region **h = realloc(c->heaps, n * sizeof *h);
        if (!h) return NULL;
        for (size_t i = c->nheaps; i < n; i++) h[i] = NULL;
        c->heaps = h;
        c->nheaps = n;
    }
    if (!c->heaps[process]) {
        char name[40];
        snprintf(name, sizeof name, "heap.%u", process);
        c->heaps[process] = mem_region_create(&c->mem, MEM_APP_HEAP, name, c->cfg.tile.heap_bytes,
                                              (int)process, -1, true);
    }
    return c->heaps[process];
}

int chip_tile_start(struct chip *c, unsigned id, enum tile_role role, unsigned process,
                    tile_main_fn main, void *arg, char *err, size_t errlen) {
    if (id >= c->ntiles) {
        snprintf(err, errlen, "tile %u is outside the %u-tile mesh", id, c->ntiles);
        return -1;
    }
    struct tile *t = &c->tiles[id];
    if (t->state != TS_OFF) {
        snprintf(err, errlen, "tile %u already runs a program", id);
        return -1;
    }
    if (!main || role == TILE_ROLE_NONE) {
        snprintf(err, errlen, "tile %u: a program needs a main function and a role", id);
        return -1;
    }
    t->role = role;
    t->process = process;
    t->main = main;
    t->main_arg = arg;
    t->main_pending = true;
    t->state = TS_IDLE;
    tile_wake(t, sim_engine_now(c->engine));
    return 0;
}

void chip_set_doorbell(struct chip *c, chip_doorbell_fn fn, void *ctx) {
    c->doorbell = fn;
    c->doorbell_ctx = ctx;
}

void chip_set_net(struct chip *c, const struct tile_net_ops *ops, void *net) {
    c->net = ops;
    c->net_ctx = net;
}

void chip_finish(struct chip *c, sim_time_t end) {
    uint64_t end_cyc = sim_clock_ps_to_cycles(&c->clock, end);
    for (unsigned i = 0; i < c->ntiles; i++) {
        struct tile_prof *p = &c->tiles[i].prof;
        uint64_t busy = 0;
        for (unsigned l = 0; l < TILE_LABEL_COUNT; l++)
            if (l != TILE_LABEL_IDLE) busy += p->cycles[l];
        p->cycles[TILE_LABEL_IDLE] = end_cyc > busy ? end_cyc - busy : 0;
    }
}

const struct tile_prof *chip_tile_prof(const struct chip *c, unsigned id) {
    return id < c->ntiles ? &c->tiles[id].prof : NULL;
}

size_t chip_faults(const struct chip *c, const struct tile_fault **out) {
    *out = c->faults;
    return c->nfaults;
}

uint64_t chip_fault_count(const struct chip *c, enum tile_fault_kind k) {
    return (unsigned)k < TILE_FAULT_KIND_COUNT ? c->fault_count[k] : 0;
}

bool chip_aborted(const struct chip *c) { return c->aborted; }

void chip_write_stats(const struct chip *c, struct json_writer *w) {
    json_object_begin(w);
    json_key(w, "tiles");
    json_array_begin(w);
    for (unsigned i = 0; i < c->ntiles; i++) {
        const struct tile *t = &c->tiles[i];
        const struct tile_prof *p = &t->prof;
        json_object_begin(w);
        json_kv_uint(w, "id", i);
        json_kv_string(w, "role", tile_role_names[t->role]);
        json_kv_uint(w, "handlers", p->handlers);
        json_kv_uint(w, "instructions", p->instr);
        json_kv_uint(w, "loads", p->loads);
        json_kv_uint(w, "stores", p->stores);
        json_kv_uint(w, "memory_cycles", p->mem_cycles);
        json_kv_uint(w, "faults", p->faults);
        json_key(w, "cycles");
        json_object_begin(w);
        for (unsigned l = 0; l < TILE_LABEL_COUNT; l++) json_kv_uint(w, tile_label_names[l], p->cycles[l]);
        json_object_end(w);
        /* the ten functions with the most sampled instructions */
        json_key(w, "functions");
        json_array_begin(w);
        size_t nfn = cov_stats().functions;
        uint64_t shown_above = UINT64_MAX;
        size_t shown_idx = 0;
        for (int k = 0; k < 10 && t->fn_instr; k++) {
            size_t best = SIZE_MAX;
            for (size_t f = 0; f < nfn; f++) {
                uint64_t v = t->fn_instr[f];
                if (!v || v > shown_above || (v == shown_above && f <= shown_idx)) continue;
                if (best == SIZE_MAX || v > t->fn_instr[best]) best = f;
            }
            if (best == SIZE_MAX) break;
            char name[128];
            function_name(best, name, sizeof name);
            json_object_begin(w);
            json_kv_string(w, "function", name);
            json_kv_uint(w, "instructions", t->fn_instr[best]);
            json_object_end(w);
            shown_above = t->fn_instr[best];
            shown_idx = best;
        }
        json_array_end(w);
        json_object_end(w);
    }
    json_array_end(w);
    json_key(w, "caches");
    cache_write_stats(&c->caches, w);
    json_key(w, "faults");
    json_object_begin(w);
    for (unsigned k = 0; k < TILE_FAULT_KIND_COUNT; k++) json_kv_uint(w, tile_fault_kind_names[k], c->fault_count[k]);
    json_key(w, "list");
    json_array_begin(w);
    for (size_t i = 0; i < c->nfaults && i < 100; i++) {
        const struct tile_fault *f = &c->faults[i];
        json_object_begin(w);
        json_kv_uint(w, "tile", f->tile);
        json_kv_string(w, "kind", tile_fault_kind_names[f->kind]);
        json_kv_uint(w, "time_ps", f->time);
        json_kv_uint(w, "address", f->pa);
        json_kv_string(w, "region", f->region);
        json_kv_string(w, "access", f->access & COV_WRITE ? "write" : f->access ? "read" : "-");
        json_kv_string(w, "where", f->where);
        json_kv_string(w, "what", f->what);
        json_object_end(w);
    }
    json_array_end(w);
    json_object_end(w);
    json_kv_uint(w, "unmapped_accesses", c->unmapped_accesses);
    json_object_end(w);
}

int chip_write_function_csv(const struct chip *c, const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "tile,function,instructions\n");
    size_t nfn = cov_stats().functions;
    for (unsigned i = 0; i < c->ntiles; i++)
        for (size_t k = 0; c->tiles[i].fn_instr && k < nfn; k++)
            if (c->tiles[i].fn_instr[k]) {
                char name[128];
                function_name(k, name, sizeof name);
                fprintf(f, "%u,%s,%llu\n", i, name, (unsigned long long)c->tiles[i].fn_instr[k]);
            }
    int rc = ferror(f) ? -1 : 0;
    if (fclose(f) != 0) rc = -1;
    return rc;
}

int chip_write_profile_csv(const struct chip *c, const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "tile,role,label,cycles\n");
    for (unsigned i = 0; i < c->ntiles; i++)
        for (unsigned l = 0; l < TILE_LABEL_COUNT; l++)
            fprintf(f, "%u,%s,%s,%llu\n", i, tile_role_names[c->tiles[i].role], tile_label_names[l],
                    (unsigned long long)c->tiles[i].prof.cycles[l]);
    int rc = ferror(f) ? -1 : 0;
    if (fclose(f) != 0) rc = -1;
    return rc;
}
