/* workloads/connmap.h: per-connection application state keyed by socket id
 * (network instance, index). Open addressing with linear probing, grows at
 * half load; deletion by backward shift. Cost: O(1) expected per call.
 * Owns its table, not the values. */
#ifndef TESSERA_WORKLOADS_CONNMAP_H
#define TESSERA_WORKLOADS_CONNMAP_H

#include "stack/sock.h"

#include <stddef.h>

struct connmap {
    struct connmap_slot {
        uint64_t key;
        void *val;
    } * t;
    size_t cap, n;
    struct stk_alloc alloc; /* the table's memory */
};

/* alloc: NULL for the default (stack/stk_alloc.h). */
void connmap_init(struct connmap *m, const struct stk_alloc *alloc);
void connmap_fini(struct connmap *m);
void *connmap_get(const struct connmap *m, struct sock_id id);
/* Returns false when out of memory. */
bool connmap_put(struct connmap *m, struct sock_id id, void *val);
void *connmap_del(struct connmap *m, struct sock_id id);

#endif
