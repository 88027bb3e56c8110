/* sim/chip/layout.c: layout files, loaded and checked. See layout.h. */
#include "sim/chip/layout.h"

#include <stdlib.h>
#include <string.h>

#include "sim/kernel/config.h"

static const char *const layout_keys[] = {"description", "width", "height",
                                          "tiles",       "reach", "processes"};
#define NLAYOUT_KEYS (sizeof layout_keys / sizeof layout_keys[0])
static const char *const role_keys[] = {"idle", "net", "app", "rtc"}; /* enum order */
static const char role_letter[] = {'.', 'N', 'A', 'R'};

struct loader {
    struct layout *l;
    struct cfg_errors *err;
    const char *where_of[LAYOUT_MAX_TILES]; /* origin of each tile's role, for messages */
    bool has_role[LAYOUT_MAX_TILES];
    bool has_process[LAYOUT_MAX_TILES];
    char wbuf[LAYOUT_MAX_TILES][160];
    bool ok;
};

static const char *where(const struct cfg_node *n, char *buf, size_t len) {
    return cfg_node_where(n, buf, len);
}

#define FAIL(ld, n, ...)                                                                           \
    do {                                                                                           \
        char w_[512];                                                                              \
        char m_[512];                                                                              \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                      \
        cfg_errors_add((ld)->err, "%s: %s", where((n), w_, sizeof w_), m_);                        \
        (ld)->ok = false;                                                                          \
    } while (0)

static void set_bit(uint64_t *s, unsigned i) { s[i / 64] |= (uint64_t)1 << (i % 64); }
static bool get_bit(const uint64_t *s, unsigned i) { return (s[i / 64] >> (i % 64)) & 1; }

unsigned layout_tiles(const struct layout *l) { return l->width * l->height; }

unsigned layout_count(const struct layout *l, enum layout_role role) {
    unsigned n = 0;
    for (unsigned t = 0; t < layout_tiles(l); t++) n += l->tile[t].role == role;
    return n;
}

unsigned layout_quadrant(const struct layout *l, unsigned tile) {
    unsigned x = tile % l->width, y = tile / l->width;
    return (y >= (l->height + 1) / 2 ? 2u : 0u) + (x >= (l->width + 1) / 2 ? 1u : 0u);
}

const char *layout_quadrant_name(unsigned q) {
    static const char *const names[] = {"NW", "NE", "SW", "SE"};
    return q < 4 ? names[q] : "?";
}

const char *layout_role_name(enum layout_role role) {
    return (unsigned)role < 4 ? role_keys[role] : "?";
}

bool layout_may_talk(const struct layout *l, unsigned net, unsigned app) {
    if (net >= layout_tiles(l) || app >= layout_tiles(l)) return false;
    return l->tile[net].role == LAYOUT_NET && get_bit(l->tile[net].reach_set, app);
}

void layout_free(struct layout *l) {
    if (!l) return;
    free(l->file);
    free(l->description);
    free(l);
}

/* A key of a map checked against `known`; false (error added) if unknown. */
static bool known_key(struct loader *ld, const struct cfg_node *v, const char *ctx, const char *k,
                      const char *const *known, size_t n) {
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t j = 0; j < n; j++) {
        if (strcmp(k, known[j]) == 0) return true;
        size_t d = cfg_edit_distance(k, known[j]);
        if (d < best_d) best_d = d, best = known[j];
    }
    char list[256] = "";
    for (size_t j = 0; j < n; j++) {
        strncat(list, known[j], sizeof list - strlen(list) - 1);
        if (j + 1 < n) strncat(list, ", ", sizeof list - strlen(list) - 1);
    }
    if (best_d <= 2)
        FAIL(ld, v, "%s%s: unknown key; did you mean \"%s\"? (expected one of: %s)", ctx, k, best,
             list);
    else
        FAIL(ld, v, "%s%s: unknown key; expected one of: %s", ctx, k, list);
    return false;
}

/* An unsigned number in [lo, hi] from a scalar node. */
static bool read_uint(struct loader *ld, const struct cfg_node *n, const char *key, unsigned lo,
                      unsigned hi, unsigned *out) {
    const char *s = cfg_node_scalar(n);
    uint64_t v;
    if (!s || !cfg_parse_uint(s, &v) || v < lo || v > hi) {
        FAIL(ld, n, "%s: found \"%s\", expected an integer from %u to %u", key,
             s ? s : "(not a value)", lo, hi);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

/* A tile id of the mesh from a scalar node. */
static bool read_tile(struct loader *ld, const struct cfg_node *n, const char *key, unsigned *out) {
    const char *s = cfg_node_scalar(n);
    uint64_t v;
    unsigned nt = layout_tiles(ld->l);
    if (!s || !cfg_parse_uint(s, &v)) {
        FAIL(ld, n, "%s: found \"%s\", expected a tile id (0 to %u)", key, s ? s : "(not a value)",
             nt - 1);
        return false;
    }
    if (v >= nt) {
        FAIL(ld, n, "%s: tile %s lies outside the %ux%u mesh (expected a tile id from 0 to %u)",
             key, s, ld->l->width, ld->l->height, nt - 1);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

static void give_role(struct loader *ld, const struct cfg_node *n, unsigned t,
                      enum layout_role role) {
    char w[512];
    if (ld->has_role[t] && ld->l->tile[t].role != role) {
        FAIL(ld, n, "tiles: tile %u (x %u, y %u) has two roles: %s (%s) and %s; expected one", t,
             t % ld->l->width, t / ld->l->width, layout_role_name(ld->l->tile[t].role),
             ld->where_of[t], layout_role_name(role));
        return;
    }
    if (ld->has_role[t]) {
        FAIL(ld, n, "tiles: tile %u is listed twice as %s (first at %s); expected once", t,
             layout_role_name(role), ld->where_of[t]);
        return;
    }
    ld->has_role[t] = true;
    ld->l->tile[t].role = role;
    snprintf(ld->wbuf[t], sizeof ld->wbuf[t], "%s", where(n, w, sizeof w));
    ld->where_of[t] = ld->wbuf[t];
}

/* tiles: a list of rows ("N N A . A N"), or a map role -> list of tile ids. */
static void load_tiles(struct loader *ld, const struct cfg_node *n) {
    struct layout *l = ld->l;
    if (cfg_node_kind(n) == CFG_NODE_LIST) {
        size_t rows = cfg_node_len(n);
        for (size_t y = 0; y < rows; y++) {
            const struct cfg_node *row = cfg_node_item(n, y);
            const char *s = cfg_node_scalar(row);
            if (!s) {
                FAIL(ld, row,
                     "tiles: row %zu: expected a row of %u letters (N net, A app, R rtc, "
                     ". idle) separated by spaces",
                     y, l->width);
                continue;
            }
            if (y >= l->height) {
                FAIL(ld, row, "tiles: row %zu lies outside the %ux%u mesh (expected %u rows)", y,
                     l->width, l->height, l->height);
                continue;
            }
            unsigned x = 0;
            for (const char *p = s; *p;) {
                if (*p == ' ' || *p == '\t') {
                    p++;
                    continue;
                }
                size_t len = strcspn(p, " \t");
                int role = -1;
                for (int r = 0; r < 4 && len == 1; r++)
                    if (*p == role_letter[r]) role = r;
                if (x >= l->width) {
                    FAIL(ld, row,
                         "tiles: row %zu: tile x %u lies outside the %ux%u mesh "
                         "(expected %u tiles a row)",
                         y, x, l->width, l->height, l->width);
                    break;
                }
                if (role < 0) {
                    FAIL(ld, row,
                         "tiles: row %zu, x %u: found \"%.*s\", expected one letter: N "
                         "(net), A (app), R (rtc) or . (idle)%s",
                         y, x, (int)len, p, len > 1 ? "; a tile has one role" : "");
                } else {
                    give_role(ld, row, (unsigned)(y * l->width + x), (enum layout_role)role);
                }
                x++;
                p += len;
            }
            if (x < l->width && ld->ok)
                FAIL(ld, row, "tiles: row %zu has %u tiles, expected %u (the mesh's width)", y, x,
                     l->width);
        }
        if (rows < l->height)
            FAIL(ld, n, "tiles: %zu rows, expected %u (the mesh's height)", rows, l->height);
        return;
    }
    if (cfg_node_kind(n) == CFG_NODE_MAP) {
        for (size_t i = 0; i < cfg_node_len(n); i++) {
            const char *k = cfg_node_key(n, i);
            const struct cfg_node *v = cfg_node_item(n, i);
            if (!known_key(ld, v, "tiles.", k, role_keys, 4)) continue;
            enum layout_role role = LAYOUT_IDLE;
            for (int r = 0; r < 4; r++)
                if (strcmp(k, role_keys[r]) == 0) role = (enum layout_role)r;
            if (cfg_node_kind(v) != CFG_NODE_LIST) {
                FAIL(ld, v, "tiles.%s: expected a list of tile ids", k);
                continue;
            }
            for (size_t j = 0; j < cfg_node_len(v); j++) {
                unsigned t;
                char key[32];
                snprintf(key, sizeof key, "tiles.%s", k);
                if (read_tile(ld, cfg_node_item(v, j), key, &t))
                    give_role(ld, cfg_node_item(v, j), t, role);
            }
        }
        return;
    }
    FAIL(ld, n,
         "tiles: expected a list of %u rows of letters (N net, A app, R rtc, . idle) or a "
         "map of roles (net, app, rtc, idle) to lists of tile ids",
         l->height);
}

static void reach_quadrant(struct layout *l, unsigned net) {
    for (unsigned t = 0; t < layout_tiles(l); t++)
        if (l->tile[t].role == LAYOUT_APP && layout_quadrant(l, t) == layout_quadrant(l, net))
            set_bit(l->tile[net].reach_set, t);
}

static void reach_all(struct layout *l, unsigned net) {
    for (unsigned t = 0; t < layout_tiles(l); t++)
        if (l->tile[t].role == LAYOUT_APP) set_bit(l->tile[net].reach_set, t);
}

/* A reach value: all, quadrant, or (lists allowed) a list of app tile ids. */
static bool reach_value(struct loader *ld, const struct cfg_node *v, const char *key, bool lists,
                        enum layout_reach *kind, uint64_t *set) {
    const char *s = cfg_node_scalar(v);
    if (s && strcmp(s, "all") == 0) {
        *kind = LAYOUT_REACH_ALL;
        return true;
    }
    if (s && strcmp(s, "quadrant") == 0) {
        *kind = LAYOUT_REACH_QUADRANT;
        return true;
    }
    if (lists && cfg_node_kind(v) == CFG_NODE_LIST) {
        *kind = LAYOUT_REACH_LIST;
        bool ok = true;
        if (cfg_node_len(v) == 0) {
            FAIL(ld, v, "%s: an empty list; expected at least one application tile id", key);
            return false;
        }
        for (size_t j = 0; j < cfg_node_len(v); j++) {
            unsigned t;
            const struct cfg_node *item = cfg_node_item(v, j);
            if (!read_tile(ld, item, key, &t)) {
                ok = false;
            } else if (ld->l->tile[t].role != LAYOUT_APP) {
                FAIL(ld, item, "%s: tile %u is %s, expected an application tile", key, t,
                     layout_role_name(ld->l->tile[t].role));
                ok = false;
            } else {
                set_bit(set, t);
            }
        }
        return ok;
    }
    if (s && (cfg_edit_distance(s, "all") <= 1 || cfg_edit_distance(s, "quadrant") <= 2))
        FAIL(ld, v, "%s: found \"%s\"; did you mean \"%s\"? (expected all, quadrant%s)", key, s,
             cfg_edit_distance(s, "all") <= 1 ? "all" : "quadrant",
             lists ? " or a list of application tile ids" : "");
    else
        FAIL(ld, v, "%s: found %s%s%s, expected all, quadrant%s", key, s ? "\"" : "",
             s ? s : "a list or a map", s ? "\"" : "",
             lists ? " or a list of application tile ids" : "");
    return false;
}

/* reach: all | quadrant | map {default: all|quadrant, <net tile id>: all|quadrant|[ids]}. */
static void load_reach(struct loader *ld, const struct cfg_node *n) {
    struct layout *l = ld->l;
    unsigned nt = layout_tiles(l);
    l->reach = LAYOUT_REACH_ALL;
    enum layout_reach kind[LAYOUT_MAX_TILES];
    bool given[LAYOUT_MAX_TILES] = {false};
    if (n && cfg_node_kind(n) == CFG_NODE_MAP) {
        const struct cfg_node *def = cfg_node_get(n, "default");
        if (def && !reach_value(ld, def, "reach.default", false, &l->reach, NULL)) return;
        for (size_t i = 0; i < cfg_node_len(n); i++) {
            const char *k = cfg_node_key(n, i);
            const struct cfg_node *v = cfg_node_item(n, i);
            if (strcmp(k, "default") == 0) continue;
            uint64_t id;
            char key[48];
            snprintf(key, sizeof key, "reach.%s", k);
            if (!cfg_parse_uint(k, &id) || id >= nt) {
                FAIL(ld, v,
                     "%s: expected \"default\" or the id of a network tile (0 to %u) of the "
                     "%ux%u mesh",
                     key, nt - 1, l->width, l->height);
                continue;
            }
            if (l->tile[id].role != LAYOUT_NET) {
                FAIL(ld, v, "%s: tile %u is %s, expected a network tile", key, (unsigned)id,
                     layout_role_name(l->tile[id].role));
                continue;
            }
            if (reach_value(ld, v, key, true, &kind[id], l->tile[id].reach_set)) given[id] = true;
        }
    } else if (n && !reach_value(ld, n, "reach", false, &l->reach, NULL)) {
        return;
    }
    for (unsigned t = 0; t < nt; t++) {
        if (l->tile[t].role != LAYOUT_NET) continue;
        struct layout_tile *tl = &l->tile[t];
        tl->reach = given[t] ? kind[t] : l->reach;
        l->reach_mixed |= tl->reach != l->reach;
        if (tl->reach == LAYOUT_REACH_ALL) reach_all(l, t);
        if (tl->reach == LAYOUT_REACH_QUADRANT) reach_quadrant(l, t);
    }
}

/* processes: map process number -> list of app tile ids; others are 0. */
static void load_processes(struct loader *ld, const struct cfg_node *n) {
    if (cfg_node_kind(n) != CFG_NODE_MAP) {
        FAIL(ld, n,
             "processes: expected a map of process numbers to lists of application tile "
             "ids (tiles not listed belong to process 0)");
        return;
    }
    for (size_t i = 0; i < cfg_node_len(n); i++) {
        const char *k = cfg_node_key(n, i);
        const struct cfg_node *v = cfg_node_item(n, i);
        uint64_t p;
        char key[48];
        snprintf(key, sizeof key, "processes.%s", k);
        if (!cfg_parse_uint(k, &p) || p >= LAYOUT_MAX_TILES) {
            FAIL(ld, v, "%s: expected a process number from 0 to %u", key, LAYOUT_MAX_TILES - 1);
            continue;
        }
        if (cfg_node_kind(v) != CFG_NODE_LIST) {
            FAIL(ld, v, "%s: expected a list of application tile ids", key);
            continue;
        }
        for (size_t j = 0; j < cfg_node_len(v); j++) {
            unsigned t;
            const struct cfg_node *item = cfg_node_item(v, j);
            if (!read_tile(ld, item, key, &t)) continue;
            if (ld->l->tile[t].role != LAYOUT_APP) {
                FAIL(ld, item, "%s: tile %u is %s, expected an application tile%s", key, t,
                     layout_role_name(ld->l->tile[t].role),
                     ld->l->tile[t].role == LAYOUT_RTC ? " (rtc tiles share one address space)"
                                                       : "");
            } else if (ld->has_process[t]) {
                FAIL(ld, item, "%s: tile %u is already in process %u; expected one process a tile",
                     key, t, ld->l->tile[t].process);
            } else {
                ld->has_process[t] = true;
                ld->l->tile[t].process = (unsigned)p;
            }
        }
    }
}

/* The rules across the whole map, once every part has loaded. */
static void check_map(struct loader *ld, const struct cfg_node *tiles, unsigned rings) {
    struct layout *l = ld->l;
    unsigned nt = layout_tiles(l);
    unsigned net = layout_count(l, LAYOUT_NET), app = layout_count(l, LAYOUT_APP),
             rtc = layout_count(l, LAYOUT_RTC);
    if (app + rtc == 0)
        FAIL(ld, tiles, "tiles: no application (A) or rtc (R) tile; expected at least one");
    if (rtc > 0 && net + app > 0)
        FAIL(ld, tiles,
             "tiles: %u rtc tiles with %u net and %u app tiles; expected either rtc tiles "
             "(run to completion) or net and app tiles (DLibOS), not both",
             rtc, net, app);
    if (rtc == 0 && app > 0 && net == 0)
        FAIL(ld, tiles, "tiles: %u application tiles and no network tile; expected at least one N",
             app);
    if (rings > 0 && net + rtc > rings)
        FAIL(ld, tiles,
             "tiles: %u network stacks (%u net + %u rtc tiles), more than the NIC's %u "
             "notification rings (nic.mpipe.rings); expected at most %u",
             net + rtc, net, rtc, rings, rings);
    if (!ld->ok) return;
    for (unsigned t = 0; t < nt; t++) {
        const struct layout_tile *tl = &l->tile[t];
        if (tl->role != LAYOUT_NET) continue;
        bool any = false;
        for (unsigned a = 0; a < nt; a++) any |= get_bit(tl->reach_set, a);
        if (any) continue;
        if (tl->reach == LAYOUT_REACH_QUADRANT)
            FAIL(ld, tiles,
                 "tiles: quadrant %s has network tiles (tile %u, x %u, y %u) but no application "
                 "tile, and the reach is quadrant; expected an A in every quadrant with an N",
                 layout_quadrant_name(layout_quadrant(l, t)), t, t % l->width, t / l->width);
        else
            FAIL(ld, tiles,
                 "reach: network tile %u may reach no application tile; expected at least one", t);
    }
    for (unsigned a = 0; a < nt; a++) {
        if (l->tile[a].role != LAYOUT_APP) continue;
        bool any = false;
        for (unsigned t = 0; t < nt; t++) any |= layout_may_talk(l, t, a);
        if (!any)
            FAIL(ld, tiles,
                 "tiles: application tile %u (x %u, y %u, quadrant %s) is reached by no network "
                 "tile; expected every A reachable (an N in its quadrant with reach quadrant)",
                 a, a % l->width, a / l->width, layout_quadrant_name(layout_quadrant(l, a)));
    }
}

struct layout *layout_load(const char *path, unsigned rings, struct cfg_errors *err) {
    struct cfg_doc *d = cfg_doc_load(path, err);
    if (!d) return NULL;
    size_t nerr = err->n;
    struct loader *ld = calloc(1, sizeof *ld);
    struct layout *l = calloc(1, sizeof *l);
    if (!ld || !l) {
        free(ld);
        free(l);
        cfg_doc_free(d);
        cfg_errors_add(err, "%s: out of memory", path);
        return NULL;
    }
    ld->l = l;
    ld->err = err;
    ld->ok = err->n == nerr;
    l->file = strdup(path);
    l->width = l->height = 6;
    const struct cfg_node *root = cfg_doc_root(d);
    if (!root || cfg_node_kind(root) != CFG_NODE_MAP) {
        cfg_errors_add(err,
                       "%s: expected a map with the keys width, height, tiles, reach, "
                       "processes, description",
                       path);
        ld->ok = false;
        goto out;
    }
    for (size_t i = 0; i < cfg_node_len(root); i++)
        known_key(ld, cfg_node_item(root, i), "", cfg_node_key(root, i), layout_keys, NLAYOUT_KEYS);
    const struct cfg_node *n;
    if ((n = cfg_node_get(root, "description"))) {
        if (cfg_node_scalar(n))
            l->description = strdup(cfg_node_scalar(n));
        else
            FAIL(ld, n, "description: expected a text");
    }
    if ((n = cfg_node_get(root, "width"))) read_uint(ld, n, "width", 1, LAYOUT_MAX_SIDE, &l->width);
    if ((n = cfg_node_get(root, "height")))
        read_uint(ld, n, "height", 1, LAYOUT_MAX_SIDE, &l->height);
    if (!ld->ok) goto out;
    const struct cfg_node *tiles = cfg_node_get(root, "tiles");
    if (!tiles) {
        cfg_errors_add(err, "%s: tiles: missing; expected the map of the %ux%u mesh (docs/chip.md)",
                       path, l->width, l->height);
        ld->ok = false;
        goto out;
    }
    load_tiles(ld, tiles);
    if (!ld->ok) goto out;
    load_reach(ld, cfg_node_get(root, "reach"));
    if ((n = cfg_node_get(root, "processes"))) load_processes(ld, n);
    if (!ld->ok) goto out;
    check_map(ld, tiles, rings);
out:;
    bool ok = ld->ok;
    free(ld);
    cfg_doc_free(d);
    if (!ok) {
        layout_free(l);
        return NULL;
    }
    return l;
}

static const char *reach_name(enum layout_reach r) {
    return r == LAYOUT_REACH_ALL ? "all" : r == LAYOUT_REACH_QUADRANT ? "quadrant" : "list";
}

void layout_print(const struct layout *l, FILE *out) {
    unsigned nt = layout_tiles(l), cx = (l->width + 1) / 2, cy = (l->height + 1) / 2;
    fprintf(out, "layout %s: %ux%u mesh, %u net : %u app, %u rtc, %u idle; reach %s%s\n", l->file,
            l->width, l->height, layout_count(l, LAYOUT_NET), layout_count(l, LAYOUT_APP),
            layout_count(l, LAYOUT_RTC), layout_count(l, LAYOUT_IDLE), reach_name(l->reach),
            l->reach_mixed ? " (some tiles differ)" : "");
    if (l->description) fprintf(out, "  %s\n", l->description);
    fprintf(out, "\n     x:");
    for (unsigned x = 0; x < l->width; x++) fprintf(out, "%s%3u", x == cx ? "  " : "", x);
    fprintf(out, "\n");
    for (unsigned y = 0; y < l->height; y++) {
        if (y == cy && y > 0) {
            fprintf(out, "       ");
            for (unsigned x = 0; x < l->width; x++) fprintf(out, "%s---", x == cx ? "-+" : "");
            fprintf(out, "\n");
        }
        fprintf(out, "  y %2u:", y);
        for (unsigned x = 0; x < l->width; x++)
            fprintf(out, "%s  %c", x == cx ? " |" : "",
                    role_letter[l->tile[y * l->width + x].role]);
        fprintf(out, "\n");
    }
    fprintf(out, "  N net, A app, R rtc, . idle; quadrants: west x 0-%u", cx - 1);
    if (cx < l->width) fprintf(out, ", east x %u-%u", cx, l->width - 1);
    fprintf(out, "; north y 0-%u", cy - 1);
    if (cy < l->height) fprintf(out, ", south y %u-%u", cy, l->height - 1);
    fprintf(out, "\n\nquadrants:\n");
    for (unsigned q = 0; q < 4; q++) {
        unsigned c[4] = {0};
        for (unsigned t = 0; t < nt; t++)
            if (layout_quadrant(l, t) == q) c[l->tile[t].role]++;
        if (c[0] + c[1] + c[2] + c[3] == 0) continue;
        fprintf(out, "  %s: %u net, %u app, %u rtc, %u idle\n", layout_quadrant_name(q),
                c[LAYOUT_NET], c[LAYOUT_APP], c[LAYOUT_RTC], c[LAYOUT_IDLE]);
    }
    if (layout_count(l, LAYOUT_NET) > 0) {
        fprintf(out, "\nreach (network tile -> application tiles):\n");
        for (unsigned t = 0; t < nt; t++) {
            if (l->tile[t].role != LAYOUT_NET) continue;
            unsigned n = 0;
            for (unsigned a = 0; a < nt; a++) n += layout_may_talk(l, t, a);
            fprintf(out, "  %3u (x %u, y %u, %s) %-8s -> %2u:", t, t % l->width, t / l->width,
                    layout_quadrant_name(layout_quadrant(l, t)), reach_name(l->tile[t].reach), n);
            for (unsigned a = 0; a < nt; a++)
                if (layout_may_talk(l, t, a)) fprintf(out, " %u", a);
            fprintf(out, "\n");
        }
        unsigned lo = ~0u, hi = 0;
        for (unsigned a = 0; a < nt; a++) {
            if (l->tile[a].role != LAYOUT_APP) continue;
            unsigned n = 0;
            for (unsigned t = 0; t < nt; t++) n += layout_may_talk(l, t, a);
            lo = n < lo ? n : lo;
            hi = n > hi ? n : hi;
        }
        if (lo == hi)
            fprintf(out, "  each application tile is reached by %u network tiles\n", lo);
        else
            fprintf(out, "  each application tile is reached by %u to %u network tiles\n", lo, hi);
    }
    if (layout_count(l, LAYOUT_APP) > 0) {
        fprintf(out, "\nprocesses:\n");
        for (unsigned p = 0; p < LAYOUT_MAX_TILES; p++) {
            unsigned n = 0;
            for (unsigned t = 0; t < nt; t++)
                n += l->tile[t].role == LAYOUT_APP && l->tile[t].process == p;
            if (n == 0) continue;
            fprintf(out, "  %u: %u application tiles:", p, n);
            for (unsigned t = 0; t < nt; t++)
                if (l->tile[t].role == LAYOUT_APP && l->tile[t].process == p)
                    fprintf(out, " %u", t);
            fprintf(out, "\n");
        }
    }
}

void layout_write_data(const struct layout *l, FILE *out) {
    fprintf(out, "# id x y role quadrant process (%s, %ux%u)\n", l->file, l->width, l->height);
    for (unsigned t = 0; t < layout_tiles(l); t++)
        fprintf(out, "%u %u %u %s %s %u\n", t, t % l->width, t / l->width,
                layout_role_name(l->tile[t].role), layout_quadrant_name(layout_quadrant(l, t)),
                l->tile[t].process);
}
