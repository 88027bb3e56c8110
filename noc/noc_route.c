/* noc/noc_route.c: the registry of routing functions. See noc_route.h. */
#include "noc/noc_route.h"

#include <stdio.h>
#include <string.h>

#include "sim/kernel/config.h"

extern const struct noc_route noc_route_xy;
extern const struct noc_route noc_route_yx;
extern const struct noc_route noc_route_west_first;
extern const struct noc_route noc_route_adaptive_unsafe;

/* One line per routing function. */
static const struct noc_route *const registry[] = {
    &noc_route_xy,
    &noc_route_yx,
    &noc_route_west_first,
    &noc_route_adaptive_unsafe,
};

const char *const noc_port_names[NOC_PORTS] = {"E", "W", "N", "S", "L"};

size_t noc_route_count(void) { return sizeof registry / sizeof registry[0]; }

const struct noc_route *noc_route_at(size_t i) {
    return i < noc_route_count() ? registry[i] : NULL;
}

const struct noc_route *noc_route_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < noc_route_count(); i++)
        if (strcmp(registry[i]->name, name) == 0) return registry[i];
    return NULL;
}

void noc_route_suggest(const char *name, char *out, size_t len) {
    size_t best = (size_t)-1;
    const char *best_name = NULL;
    for (size_t i = 0; i < noc_route_count(); i++) {
        size_t d = cfg_edit_distance(name ? name : "", registry[i]->name);
        if (d < best) {
            best = d;
            best_name = registry[i]->name;
        }
    }
    if (best_name && best <= 3)
        snprintf(out, len, " (did you mean '%s'?)", best_name);
    else if (len)
        out[0] = '\0';
}

void noc_route_names(char *out, size_t len) {
    size_t used = 0;
    if (len) out[0] = '\0';
    for (size_t i = 0; i < noc_route_count() && used < len; i++) {
        int n = snprintf(out + used, len - used, "%s%s", i ? ", " : "", registry[i]->name);
        if (n < 0) break;
        used += (size_t)n;
    }
}
