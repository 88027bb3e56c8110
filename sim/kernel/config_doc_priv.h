/* sim/kernel/config_doc_priv.h: the tree of a cfg_doc, for the binder
 * (sim/kernel/config.c) only. */
#ifndef TESSERA_SIM_KERNEL_CONFIG_DOC_PRIV_H
#define TESSERA_SIM_KERNEL_CONFIG_DOC_PRIV_H

#include <stddef.h>
#include <sys/types.h>

#include "sim/kernel/config_doc.h"

enum node_kind { NODE_NULL, NODE_SCALAR, NODE_MAP, NODE_SEQ };

struct origin {
    const char *file;   /* interned in the doc; for --set: the assignment text */
    unsigned line, col; /* 1-based; 0 for command-line values */
};

struct node {
    enum node_kind kind;
    struct origin at;
    char *scalar;          /* NODE_SCALAR */
    size_t n, cap;         /* NODE_MAP / NODE_SEQ */
    char **keys;           /* NODE_MAP */
    struct origin *key_at; /* NODE_MAP */
    struct node **items;   /* values (map) or elements (seq) */
    /* NODE_MAP with many keys: open-addressed index of keys (slot holds
     * key index + 1, 0 = empty), so that lookup and duplicate detection are
     * O(1) on average rather than a scan. NULL for small maps. */
    size_t *index;
    size_t index_cap; /* a power of two, at least twice n */
};

struct cfg_doc {
    struct node *root; /* NODE_MAP */
    char **strings;    /* interned file names and --set texts */
    size_t nstrings;
    const char *main_file;
};

/* A document's node as the read-only API sees it. */
struct cfg_node {
    struct node n;
};

/* Allocation that cannot fail (it aborts with a message instead). */
void *cfg_xcalloc(size_t n, size_t size);
void *cfg_xrealloc(void *p, size_t n);
char *cfg_xstrdup(const char *s);
/* Index of key in a map node, or -1. */
ssize_t cfg_map_find(const struct node *m, const char *key);
/* "file:line:col" or the --set text, into buf. */
const char *cfg_origin_str(struct origin at, char *buf, size_t len);
/* "prefix.name" (or "name" when prefix is empty), into out. */
void cfg_path_join(char *out, size_t len, const char *prefix, const char *name);
/* "a scalar", "a mapping", ... */
const char *cfg_kind_name(enum node_kind k);

#endif
