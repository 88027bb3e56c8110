#include "workloads/connmap.h"

#include "stack/stk_alloc.h"

static uint64_t key_of(struct sock_id id) { return ((uint64_t)id.net << 32 | id.idx) + 1; }
static size_t slot_of(uint64_t k, size_t cap) {
    k *= 0x9e3779b97f4a7c15ull;
    return (size_t)(k >> 20) & (cap - 1);
}

void connmap_init(struct connmap *m, const struct stk_alloc *alloc) {
    m->t = NULL;
    m->cap = m->n = 0;
    m->alloc = stk_alloc_or_default(alloc);
}
void connmap_fini(struct connmap *m) {
    stk_mem_free(&m->alloc, m->t);
    m->t = NULL;
    m->cap = m->n = 0;
}

void *connmap_get(const struct connmap *m, struct sock_id id) {
    if (!m->cap) return NULL;
    uint64_t k = key_of(id);
    for (size_t i = slot_of(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->t[i].key == k) return m->t[i].val;
        if (!m->t[i].key) return NULL;
    }
}

static bool grow(struct connmap *m) {
    size_t nc = m->cap ? m->cap * 2 : 64;
    struct connmap_slot *nt = stk_mem_array(&m->alloc, nc, sizeof *nt);
    if (!nt) return false;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->t[i].key) continue;
        size_t j = slot_of(m->t[i].key, nc);
        while (nt[j].key) j = (j + 1) & (nc - 1);
        nt[j] = m->t[i];
    }
    stk_mem_free(&m->alloc, m->t);
    m->t = nt;
    m->cap = nc;
    return true;
}

bool connmap_put(struct connmap *m, struct sock_id id, void *val) {
    if ((m->n + 1) * 2 > m->cap && !grow(m)) return false;
    uint64_t k = key_of(id);
    size_t i = slot_of(k, m->cap);
    while (m->t[i].key && m->t[i].key != k) i = (i + 1) & (m->cap - 1);
    if (!m->t[i].key) m->n++;
    m->t[i].key = k;
    m->t[i].val = val;
    return true;
}

void *connmap_del(struct connmap *m, struct sock_id id) {
    if (!m->cap) return NULL;
    uint64_t k = key_of(id);
    size_t i = slot_of(k, m->cap);
    while (m->t[i].key != k) {
        if (!m->t[i].key) return NULL;
        i = (i + 1) & (m->cap - 1);
    }
    void *v = m->t[i].val;
    m->t[i].key = 0;
    m->n--;
    /* Backward-shift the rest of the cluster. */
    for (size_t j = (i + 1) & (m->cap - 1); m->t[j].key; j = (j + 1) & (m->cap - 1)) {
        size_t h = slot_of(m->t[j].key, m->cap);
        bool between = i <= j ? (h <= i || h > j) : (h <= i && h > j);
        if (between) {
            m->t[i] = m->t[j];
            m->t[j].key = 0;
            i = j;
        }
    }
    return v;
}
