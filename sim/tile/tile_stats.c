/* sim/tile/tile_stats.c: the runtime's results. See tile_stats.h. */
#include "sim/tile/tile_stats.h"

#include <stdio.h>

#include "sim/kernel/json.h"
#include "sim/tile/tile_fault.h"
#include "sim/tile/tile_state.h"

/* The ten functions of tile t with the most sampled instructions. */
static void write_top_functions(const struct tile *t, struct json_writer *w) {
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
        tile_fault_function_name(best, name, sizeof name);
        json_object_begin(w);
        json_kv_string(w, "function", name);
        json_kv_uint(w, "instructions", t->fn_instr[best] >> COV_INSTR_SHIFT);
        json_object_end(w);
        shown_above = t->fn_instr[best];
        shown_idx = best;
    }
    json_array_end(w);
}

/* A handler still running when the run stopped: the hooks keep its loads,
 * stores, L1 hits and miss cycles in the tile's context until it ends
 * (tile_exec.c), while accesses that took the slow path count at once.
 * Both are reported, so that no total depends on the path each access took
 * (which follows host addresses: sim/tile/cov.h). */
static uint64_t pending_loads(const struct tile *t) {
    return t->in_handler ? t->cov.loads - t->h_loads0 : 0;
}
static uint64_t pending_stores(const struct tile *t) {
    return t->in_handler ? t->cov.stores - t->h_stores0 : 0;
}

static void write_tile(const struct tile *t, unsigned i, struct json_writer *w) {
    const struct tile_prof *p = &t->prof;
    json_object_begin(w);
    json_kv_uint(w, "id", i);
    json_kv_string(w, "role", tile_role_names[t->role]);
    json_kv_uint(w, "handlers", p->handlers);
    json_kv_uint(w, "instructions", p->instr);
    json_kv_uint(w, "loads", p->loads + pending_loads(t));
    json_kv_uint(w, "stores", p->stores + pending_stores(t));
    json_kv_uint(w, "memory_cycles", p->mem_cycles + t->cov.mem_cycles);
    json_kv_uint(w, "faults", p->faults);
    json_kv_uint(w, "rights_checks", p->rights_checks);
    json_key(w, "cycles");
    json_object_begin(w);
    for (unsigned l = 0; l < TILE_LABEL_COUNT; l++)
        json_kv_uint(w, tile_label_names[l], p->cycles[l]);
    json_object_end(w);
    json_key(w, "functions");
    write_top_functions(t, w);
    json_object_end(w);
}

/* Counts per kind and the first 100 faults. */
static void write_faults(const struct chip *c, struct json_writer *w) {
    json_object_begin(w);
    for (unsigned k = 0; k < TILE_FAULT_KIND_COUNT; k++)
        json_kv_uint(w, tile_fault_kind_names[k], c->fault_count[k]);
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
}

void chip_write_stats(const struct chip *c, struct json_writer *w) {
    json_object_begin(w);
    json_key(w, "tiles");
    json_array_begin(w);
    for (unsigned i = 0; i < c->ntiles; i++) write_tile(&c->tiles[i], i, w);
    json_array_end(w);
    json_key(w, "caches");
    uint64_t pending_l1 = 0;
    for (unsigned i = 0; i < c->ntiles; i++) pending_l1 += cov_l1_fast_hits(&c->tiles[i].cov);
    cache_write_stats(&c->caches, pending_l1, w);
    json_key(w, "faults");
    write_faults(c, w);
    json_kv_uint(w, "unmapped_accesses", c->unmapped_accesses);
    json_object_end(w);
}

int chip_write_function_csv(const struct chip *c, const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "tile,function,instructions\n");
    size_t nfn = cov_stats().functions;
    for (unsigned i = 0; i < c->ntiles; i++) {
        /* whole instructions, the rounding carried from function to
         * function: the rows add up to the tile's count (exact profile) */
        uint64_t cum = 0, shown = 0;
        for (size_t k = 0; c->tiles[i].fn_instr && k < nfn; k++)
            if (c->tiles[i].fn_instr[k]) {
                char name[128];
                tile_fault_function_name(k, name, sizeof name);
                cum += c->tiles[i].fn_instr[k];
                uint64_t upto = cum >> COV_INSTR_SHIFT;
                fprintf(f, "%u,%s,%llu\n", i, name, (unsigned long long)(upto - shown));
                shown = upto;
            }
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
