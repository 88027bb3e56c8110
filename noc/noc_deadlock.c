/* noc/noc_deadlock.c: the channel dependency graph and its cycle search.
 * See noc_deadlock.h. */
#include "noc/noc_deadlock.h"

#include <stdlib.h>
#include <string.h>

#include "sim/kernel/exp.h"

/* Link ids: tile * 4 + direction port (E, W, N, S); ids of links that leave
 * the mesh are never used. */
#define DIRS 4u

struct cdg {
    uint32_t w, h, n;
    const struct noc_route *route;
    uint8_t *adj; /* adj[a * DIRS + d]: link a -> link (head tile of a) * 4 + d */
};

static bool port_ok(uint32_t w, uint32_t h, uint32_t t, unsigned p) {
    uint32_t x = t % w, y = t / w;
    switch (p) {
    case NOC_PORT_E: return x + 1 < w;
    case NOC_PORT_W: return x > 0;
    case NOC_PORT_N: return y > 0;
    case NOC_PORT_S: return y + 1 < h;
    default: return false;
    }
}

static uint32_t head_tile(uint32_t w, uint32_t t, unsigned p) {
    switch (p) {
    case NOC_PORT_E: return t + 1;
    case NOC_PORT_W: return t - 1;
    case NOC_PORT_N: return t - w;
    default: return t + w;
    }
}

/* Explore, for destination d, every link a packet toward d can occupy, and
 * record the dependencies between consecutive links. */
static bool explore(struct cdg *g, uint32_t d, uint8_t *seen, uint32_t *stack) {
    memset(seen, 0, (size_t)g->n * DIRS);
    size_t sp = 0;
    uint32_t dx = d % g->w, dy = d / g->w;
    for (uint32_t s = 0; s < g->n; s++) {
        if (s == d) continue;
        unsigned m = g->route->route(g->w, g->h, s % g->w, s / g->w, NOC_PORT_LOCAL, dx, dy);
        for (unsigned p = 0; p < DIRS; p++) {
            if (!(m & (1u << p))) continue;
            if (!port_ok(g->w, g->h, s, p)) return false;
            uint32_t l = s * DIRS + p;
            if (!seen[l]) {
                seen[l] = 1;
                stack[sp++] = l;
            }
        }
    }
    while (sp) {
        uint32_t a = stack[--sp];
        uint32_t t = head_tile(g->w, a / DIRS, a % DIRS);
        if (t == d) continue;
        unsigned in_port = noc_port_opposite(a % DIRS);
        unsigned m = g->route->route(g->w, g->h, t % g->w, t / g->w, in_port, dx, dy);
        for (unsigned p = 0; p < DIRS; p++) {
            if (!(m & (1u << p))) continue;
            if (!port_ok(g->w, g->h, t, p)) return false;
            g->adj[(size_t)a * DIRS + p] = 1;
            uint32_t b = t * DIRS + p;
            if (!seen[b]) {
                seen[b] = 1;
                stack[sp++] = b;
            }
        }
    }
    return true;
}

/* Replace out->cycle by the cycle to -> ... -> from -> to along parent[]. */
static void store_cycle(struct noc_cdg_result *out, const uint32_t *parent, uint32_t from,
                        uint32_t to, uint32_t width) {
    size_t len = 1;
    for (uint32_t v = from; v != to; v = parent[v]) len++;
    struct noc_cdg_link *c = calloc(len, sizeof *c);
    if (!c) return;
    size_t i = len;
    for (uint32_t v = from;; v = parent[v]) {
        struct noc_cdg_link *l = &c[--i];
        l->tile = v / DIRS;
        l->port = v % DIRS;
        l->x = l->tile % width;
        l->y = l->tile / width;
        l->to_tile = head_tile(width, l->tile, l->port);
        l->to_x = l->to_tile % width;
        l->to_y = l->to_tile / width;
        if (v == to) break;
    }
    free(out->cycle);
    out->cycle = c;
    out->cycle_len = len;
}

bool noc_cdg_check(const struct noc_route *route, uint32_t width, uint32_t height,
                   struct noc_cdg_result *out) {
    memset(out, 0, sizeof *out);
    struct cdg g = {.w = width, .h = height, .n = width * height, .route = route};
    size_t nl = (size_t)g.n * DIRS;
    g.adj = calloc(nl * DIRS, 1);
    uint8_t *seen = calloc(nl, 1);
    uint32_t *stack = calloc(nl, sizeof *stack);
    uint8_t *color = calloc(nl, 1);
    uint32_t *parent = calloc(nl, sizeof *parent);
    uint32_t *it = calloc(nl, sizeof *it);
    if (!g.adj || !seen || !stack || !color || !parent || !it) {
        free(g.adj), free(seen), free(stack), free(color), free(parent), free(it);
        return false;
    }
    for (uint32_t d = 0; d < g.n; d++) {
        if (!explore(&g, d, seen, stack)) {
            /* the function is broken (it routes off the mesh) */
            fprintf(stderr, "noc: routing function '%s' leaves the mesh\n", route->name);
            free(g.adj), free(seen), free(stack), free(color), free(parent), free(it);
            return false;
        }
    }
    for (uint32_t a = 0; a < nl; a++) {
        if (!port_ok(width, height, a / DIRS, a % DIRS)) continue;
        out->links++;
        for (unsigned p = 0; p < DIRS; p++) out->dependencies += g.adj[(size_t)a * DIRS + p];
    }
    /* iterative DFS; color 0 white, 1 on the stack, 2 done */
    uint32_t cyc_from = UINT32_MAX, cyc_to = UINT32_MAX;
    for (uint32_t r = 0; r < nl && cyc_from == UINT32_MAX; r++) {
        if (color[r] || !port_ok(width, height, r / DIRS, r % DIRS)) continue;
        size_t sp = 0;
        stack[sp++] = r;
        color[r] = 1;
        it[r] = 0;
        while (sp && cyc_from == UINT32_MAX) {
            uint32_t a = stack[sp - 1];
            if (it[a] == DIRS) {
                color[a] = 2;
                sp--;
                continue;
            }
            unsigned p = it[a]++;
            if (!g.adj[(size_t)a * DIRS + p]) continue;
            uint32_t b = head_tile(width, a / DIRS, a % DIRS) * DIRS + p;
            if (color[b] == 1) {
                cyc_from = a;
                cyc_to = b;
            } else if (color[b] == 0) {
                color[b] = 1;
                it[b] = 0;
                parent[b] = a;
                stack[sp++] = b;
            }
        }
    }
    out->acyclic = cyc_from == UINT32_MAX;
    if (!out->acyclic) {
        store_cycle(out, parent, cyc_from, cyc_to, width);
        /* Report a shortest cycle, easier to read than the DFS's: breadth-first
         * from each link back to itself; a cycle in a mesh has at least 4
         * links, so stop at the first of that length. */
        uint32_t *dist = it; /* reused: BFS depth + 1, 0 = unseen */
        for (uint32_t v = 0; v < nl && out->cycle_len > 4; v++) {
            if (!port_ok(width, height, v / DIRS, v % DIRS)) continue;
            memset(dist, 0, nl * sizeof *dist);
            size_t qh = 0, qt = 0;
            stack[qt++] = v;
            dist[v] = 1;
            bool closed = false;
            while (qh < qt && !closed) {
                uint32_t a = stack[qh++];
                if (dist[a] >= out->cycle_len) break;
                uint32_t t = head_tile(width, a / DIRS, a % DIRS);
                for (unsigned p = 0; p < DIRS && !closed; p++) {
                    if (!g.adj[(size_t)a * DIRS + p]) continue;
                    uint32_t b = t * DIRS + p;
                    if (b == v) {
                        store_cycle(out, parent, a, v, width);
                        closed = true;
                    } else if (!dist[b]) {
                        dist[b] = dist[a] + 1;
                        parent[b] = a;
                        stack[qt++] = b;
                    }
                }
            }
        }
    }
    free(g.adj), free(seen), free(stack), free(color), free(parent), free(it);
    return true;
}

void noc_cdg_result_fini(struct noc_cdg_result *r) {
    free(r->cycle);
    r->cycle = NULL;
}

void noc_cdg_print(const struct noc_cdg_result *r, const char *routing, uint32_t width,
                   uint32_t height, FILE *out) {
    fprintf(out, "routing '%s' on a %ux%u mesh: %zu links, %zu dependencies\n", routing, width,
            height, r->links, r->dependencies);
    if (r->acyclic) {
        fprintf(out,
                "channel dependency graph is acyclic: the routing function cannot deadlock the "
                "mesh\n"
                "not checked: message-level dependencies (a tile that sends while its own demux "
                "queue is full, request/reply protocols over the UDN); run the experiment to find "
                "those (the run-time detector reports them, exit 4)\n");
        return;
    }
    fprintf(out, "channel dependency graph has a cycle of %zu links: can deadlock\n", r->cycle_len);
    for (size_t i = 0; i < r->cycle_len; i++) {
        const struct noc_cdg_link *l = &r->cycle[i];
        fprintf(out, "  link %s of tile %u (%u,%u) -> tile %u (%u,%u)\n", noc_port_names[l->port],
                l->tile, l->x, l->y, l->to_tile, l->to_x, l->to_y);
    }
    if (r->cycle_len) {
        const struct noc_cdg_link *l = &r->cycle[0];
        fprintf(out, "  (back to link %s of tile %u)\n", noc_port_names[l->port], l->tile);
    }
}

int noc_check_deadlock_main(const struct noc_config *cfg, FILE *out) {
    char err[512];
    if (!noc_config_check(cfg, err, sizeof err)) {
        fprintf(stderr, "tessera: %s\n", err);
        return TSR_EXIT_BAD_INPUT;
    }
    const struct noc_route *route = noc_route_find(cfg->routing);
    struct noc_cdg_result r;
    if (!noc_cdg_check(route, (uint32_t)cfg->width, (uint32_t)cfg->height, &r)) {
        fprintf(stderr, "tessera: check-deadlock: routing '%s' could not be checked\n",
                cfg->routing);
        return TSR_EXIT_RUN_FAILED;
    }
    noc_cdg_print(&r, cfg->routing, (uint32_t)cfg->width, (uint32_t)cfg->height, out);
    int rc = r.acyclic ? TSR_EXIT_OK : TSR_EXIT_DEADLOCK;
    noc_cdg_result_fini(&r);
    return rc;
}
