/* sim/tile/tile_fault.c: faults of tile code. See tile_fault.h. */
#include "sim/tile/tile_fault.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/tile/coro.h"
#include "sim/tile/cov_sym.h"
#include "sim/tile/tile_time.h"

const char *const tile_fault_kind_names[] = {"protection", "outside", "lock", "budget", NULL};

/* The code location pc as "function+offset (instrumented function #i)";
 * names from the program's symbol table (sim/tile/cov_sym.h), static
 * functions included. */
static void describe_pc(uintptr_t pc, char *out, size_t len) {
    size_t fi;
    uintptr_t fpc, start;
    const char *name = NULL;
    if (pc && !cov_sym_lookup(pc, &name, &start)) name = NULL;
    if (pc && cov_function_of(pc, &fi, &fpc))
        snprintf(out, len, "%s+0x%lx (instrumented function #%zu)", name ? name : "?",
                 (unsigned long)(pc - fpc), fi);
    else
        snprintf(out, len, "%s", name ? name : "runtime call");
}

void tile_fault_function_name(size_t fi, char *out, size_t len) {
    uintptr_t pc, start;
    const char *name;
    if (cov_function_pc(fi, &pc) && cov_sym_lookup(pc, &name, &start) && start == pc)
        snprintf(out, len, "%s", name);
    else
        snprintf(out, len, "fn#%zu", fi);
}

bool tile_fault_record(struct tile *t, enum tile_fault_kind kind, uint64_t pa, const char *region,
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

_Noreturn void tile_fault_cut_short(struct tile *t) {
    assert(t->in_handler && coro_running(t->coro));
    coro_abandon(t->coro);
}
