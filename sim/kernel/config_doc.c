/* sim/kernel/config_doc.c: YAML (libyaml) -> tree with origins, includes,
 * --set overrides, read-only tree access, error lists. See config_doc.h. */
#include "sim/kernel/config_doc_priv.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ------------------------------------------------------------------ errors */

void cfg_errors_add(struct cfg_errors *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    if (!m) return;
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        char **p = realloc(e->msg, cap * sizeof *p);
        if (!p) {
            free(m);
            return;
        }
        e->msg = p;
        e->cap = cap;
    }
    e->msg[e->n++] = m;
}

void cfg_errors_print(const struct cfg_errors *e, FILE *out) {
    for (size_t i = 0; i < e->n; i++) fprintf(out, "%s\n", e->msg[i]);
}

void cfg_errors_fini(struct cfg_errors *e) {
    for (size_t i = 0; i < e->n; i++) free(e->msg[i]);
    free(e->msg);
    memset(e, 0, sizeof *e);
}

/* -------------------------------------------------------------------- tree */

void *cfg_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "tessera: out of memory (config)\n");
        abort();
    }
    return p;
}

void *cfg_xrealloc(void *p, size_t n) {
    p = realloc(p, n);
    if (!p) {
        fprintf(stderr, "tessera: out of memory (config)\n");
        abort();
    }
    return p;
}

char *cfg_xstrdup(const char *s) {
    char *d = strdup(s);
    if (!d) {
        fprintf(stderr, "tessera: out of memory (config)\n");
        abort();
    }
    return d;
}

static const char *doc_intern(struct cfg_doc *d, const char *s) {
    d->strings = cfg_xrealloc(d->strings, (d->nstrings + 1) * sizeof *d->strings);
    return d->strings[d->nstrings++] = cfg_xstrdup(s);
}

static struct node *node_new(enum node_kind kind, struct origin at) {
    struct node *n = cfg_xcalloc(1, sizeof *n);
    n->kind = kind;
    n->at = at;
    return n;
}

static void node_free(struct node *n) {
    if (!n) return;
    free(n->scalar);
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys) free(n->keys[i]);
        node_free(n->items[i]);
    }
    free(n->keys);
    free(n->key_at);
    free(n->items);
    free(n);
}

static void node_push(struct node *m, const char *key, struct origin key_at, struct node *v) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4;
        m->items = cfg_xrealloc(m->items, m->cap * sizeof *m->items);
        if (m->kind == NODE_MAP) {
            m->keys = cfg_xrealloc(m->keys, m->cap * sizeof *m->keys);
            m->key_at = cfg_xrealloc(m->key_at, m->cap * sizeof *m->key_at);
        }
    }
    if (m->kind == NODE_MAP) {
        m->keys[m->n] = cfg_xstrdup(key);
        m->key_at[m->n] = key_at;
    }
    m->items[m->n++] = v;
}

ssize_t cfg_map_find(const struct node *m, const char *key) {
    if (!m || m->kind != NODE_MAP) return -1;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->keys[i], key) == 0) return (ssize_t)i;
    return -1;
}

static void map_remove(struct node *m, size_t i) {
    free(m->keys[i]);
    node_free(m->items[i]);
    memmove(&m->keys[i], &m->keys[i + 1], (m->n - i - 1) * sizeof *m->keys);
    memmove(&m->key_at[i], &m->key_at[i + 1], (m->n - i - 1) * sizeof *m->key_at);
    memmove(&m->items[i], &m->items[i + 1], (m->n - i - 1) * sizeof *m->items);
    m->n--;
}

/* "file:line:col" or the --set text. */
const char *cfg_origin_str(struct origin at, char *buf, size_t len) {
    if (at.line == 0)
        snprintf(buf, len, "%s", at.file);
    else
        snprintf(buf, len, "%s:%u:%u", at.file, at.line, at.col);
    return buf;
}

const char *cfg_kind_name(enum node_kind k) {
    switch (k) {
    case NODE_NULL: return "nothing (null)";
    case NODE_SCALAR: return "a scalar";
    case NODE_MAP: return "a mapping";
    case NODE_SEQ: return "a list";
    }
    return "?";
}

/* ----------------------------------------------------------- YAML loading */

#define MAX_DEPTH 64
#define MAX_INCLUDE_DEPTH 16

struct loader {
    struct cfg_doc *doc;
    struct cfg_errors *err;
    const char *file; /* interned */
    yaml_document_t ydoc;
};

void cfg_path_join(char *out, size_t len, const char *prefix, const char *name) {
    if (prefix[0])
        snprintf(out, len, "%s.%s", prefix, name);
    else
        snprintf(out, len, "%s", name);
}

/* YAML node -> tree. `path` is the key path of the node, for messages.
 * Duplicate keys are reported and the first value kept, so that the other
 * mistakes of the file can still be found. */
static struct node *convert(struct loader *L, yaml_node_t *yn, int depth, const char *path) {
    struct origin at = {L->file, (unsigned)yn->start_mark.line + 1,
                        (unsigned)yn->start_mark.column + 1};
    char where[512];
    if (depth > MAX_DEPTH) {
        cfg_errors_add(L->err, "%s: nesting deeper than %d levels (recursive alias?)",
                       cfg_origin_str(at, where, sizeof where), MAX_DEPTH);
        return NULL;
    }
    switch (yn->type) {
    case YAML_SCALAR_NODE: {
        const char *v = (const char *)yn->data.scalar.value;
        bool plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (plain && (v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
                      strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0))
            return node_new(NODE_NULL, at);
        struct node *n = node_new(NODE_SCALAR, at);
        n->scalar = cfg_xstrdup(v);
        return n;
    }
    case YAML_SEQUENCE_NODE: {
        struct node *n = node_new(NODE_SEQ, at);
        for (yaml_node_item_t *it = yn->data.sequence.items.start; it < yn->data.sequence.items.top;
             it++) {
            struct node *c = convert(L, yaml_document_get_node(&L->ydoc, *it), depth + 1, path);
            if (!c) {
                node_free(n);
                return NULL;
            }
            node_push(n, NULL, at, c);
        }
        return n;
    }
    case YAML_MAPPING_NODE: {
        struct node *n = node_new(NODE_MAP, at);
        bool ok = true;
        for (yaml_node_pair_t *p = yn->data.mapping.pairs.start; p < yn->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(&L->ydoc, p->key);
            struct origin kat = {L->file, (unsigned)k->start_mark.line + 1,
                                 (unsigned)k->start_mark.column + 1};
            if (k->type != YAML_SCALAR_NODE) {
                cfg_errors_add(L->err, "%s: a key must be a plain name, found %s",
                               cfg_origin_str(kat, where, sizeof where),
                               k->type == YAML_MAPPING_NODE ? "a mapping" : "a list");
                ok = false;
                continue;
            }
            const char *key = (const char *)k->data.scalar.value;
            char kpath[512];
            cfg_path_join(kpath, sizeof kpath, path, key);
            ssize_t dup = cfg_map_find(n, key);
            if (dup >= 0) {
                char first[512];
                cfg_errors_add(L->err, "%s: %s: duplicate key (first given at %s)",
                               cfg_origin_str(kat, where, sizeof where), kpath,
                               cfg_origin_str(n->key_at[dup], first, sizeof first));
                continue;
            }
            struct node *v =
                convert(L, yaml_document_get_node(&L->ydoc, p->value), depth + 1, kpath);
            if (!v) {
                ok = false;
                continue;
            }
            node_push(n, key, kat, v);
        }
        if (!ok) {
            node_free(n);
            return NULL;
        }
        return n;
    }
    default:
        cfg_errors_add(L->err, "%s: empty YAML node", cfg_origin_str(at, where, sizeof where));
        return NULL;
    }
}

/* Parse one file into a tree (includes not yet followed). */
static struct node *parse_file(struct cfg_doc *doc, const char *path, struct origin from,
                               struct cfg_errors *err) {
    char where[512];
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (from.file)
            cfg_errors_add(err, "%s: include: cannot open \"%s\": %s",
                           cfg_origin_str(from, where, sizeof where), path, strerror(errno));
        else
            cfg_errors_add(err, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct loader L = {.doc = doc, .err = err, .file = doc_intern(doc, path)};
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    struct node *root = NULL;
    if (!yaml_parser_load(&parser, &L.ydoc)) {
        cfg_errors_add(err, "%s:%zu:%zu: malformed YAML: %s%s%s", path,
                       parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                       parser.problem ? parser.problem : "parse error", parser.context ? " " : "",
                       parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        fclose(f);
        return NULL;
    }
    yaml_node_t *yroot = yaml_document_get_root_node(&L.ydoc);
    if (!yroot) {
        root = node_new(NODE_MAP, (struct origin){L.file, 1, 1});
    } else {
        root = convert(&L, yroot, 0, "");
        if (root && root->kind == NODE_NULL) {
            node_free(root);
            root = node_new(NODE_MAP, (struct origin){L.file, 1, 1});
        } else if (root && root->kind != NODE_MAP) {
            cfg_errors_add(err, "%s: the top level must be a mapping of keys, found %s",
                           cfg_origin_str(root->at, where, sizeof where),
                           cfg_kind_name(root->kind));
            node_free(root);
            root = NULL;
        }
    }
    /* A second document in the same file is refused rather than ignored. */
    yaml_document_t extra;
    if (root && yaml_parser_load(&parser, &extra)) {
        yaml_node_t *x = yaml_document_get_root_node(&extra);
        if (x) {
            cfg_errors_add(err, "%s:%zu:%zu: a second YAML document; one per file expected", path,
                           x->start_mark.line + 1, x->start_mark.column + 1);
            node_free(root);
            root = NULL;
        }
        yaml_document_delete(&extra);
    }
    yaml_document_delete(&L.ydoc);
    yaml_parser_delete(&parser);
    fclose(f);
    return root;
}

/* Overlay `top` onto `base` (both maps): maps merge recursively, anything else
 * replaces. Consumes top. */
static void merge_into(struct node *base, struct node *top) {
    for (size_t i = 0; i < top->n; i++) {
        ssize_t j = cfg_map_find(base, top->keys[i]);
        struct node *v = top->items[i];
        if (j >= 0 && base->items[j]->kind == NODE_MAP && v->kind == NODE_MAP) {
            merge_into(base->items[j], v); /* consumes v */
        } else if (j >= 0) {
            node_free(base->items[j]);
            base->items[j] = v;
            base->key_at[j] = top->key_at[i];
        } else {
            node_push(base, top->keys[i], top->key_at[i], v);
            free(base->keys[base->n - 1]);
            base->keys[base->n - 1] = top->keys[i];
            top->keys[i] = NULL;
            continue;
        }
        free(top->keys[i]);
        top->keys[i] = NULL;
    }
    free(top->keys);
    free(top->key_at);
    free(top->items);
    free(top->scalar);
    free(top);
}

static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return cfg_xstrdup(".");
    size_t n = (size_t)(slash - path);
    char *d = cfg_xcalloc(n + 2, 1);
    memcpy(d, path, n ? n : 1);
    return d;
}

struct include_stack {
    char *real[MAX_INCLUDE_DEPTH + 1];
    int n;
};

static struct node *load_with_includes(struct cfg_doc *doc, const char *path, struct origin from,
                                       struct include_stack *st, struct cfg_errors *err) {
    char where[512];
    char *real = realpath(path, NULL);
    if (real) {
        for (int i = 0; i < st->n; i++) {
            if (strcmp(st->real[i], real) == 0) {
                cfg_errors_add(err, "%s: include: \"%s\" includes itself (include cycle)",
                               cfg_origin_str(from, where, sizeof where), path);
                free(real);
                return NULL;
            }
        }
        if (st->n >= MAX_INCLUDE_DEPTH) {
            cfg_errors_add(err, "%s: include: more than %d nested includes",
                           cfg_origin_str(from, where, sizeof where), MAX_INCLUDE_DEPTH);
            free(real);
            return NULL;
        }
    }
    struct node *own = parse_file(doc, path, from, err);
    if (!own) {
        free(real);
        return NULL;
    }
    ssize_t inc = cfg_map_find(own, "include");
    if (inc < 0) {
        free(real);
        return own;
    }
    st->real[st->n++] = real;
    struct node *incv = own->items[inc];
    struct node *base = node_new(NODE_MAP, own->at);
    bool ok = true;
    size_t count = incv->kind == NODE_SEQ ? incv->n : 1;
    char *dir = dir_of(path);
    for (size_t i = 0; i < count && ok; i++) {
        struct node *p = incv->kind == NODE_SEQ ? incv->items[i] : incv;
        if (p->kind != NODE_SCALAR) {
            cfg_errors_add(err, "%s: include: found %s, expected a file path or a list of paths",
                           cfg_origin_str(p->at, where, sizeof where), cfg_kind_name(p->kind));
            ok = false;
            break;
        }
        char *full = NULL;
        if (p->scalar[0] == '/' || asprintf(&full, "%s/%s", dir, p->scalar) < 0)
            full = cfg_xstrdup(p->scalar);
        struct node *sub = load_with_includes(doc, full, p->at, st, err);
        free(full);
        if (!sub) {
            ok = false;
            break;
        }
        merge_into(base, sub);
    }
    free(dir);
    st->n--;
    free(st->real[st->n]);
    if (!ok) {
        node_free(base);
        node_free(own);
        return NULL;
    }
    map_remove(own, (size_t)inc);
    merge_into(base, own);
    return base;
}

struct cfg_doc *cfg_doc_load(const char *path, struct cfg_errors *err) {
    struct cfg_doc *d = cfg_xcalloc(1, sizeof *d);
    d->main_file = doc_intern(d, path);
    struct include_stack st = {.n = 0};
    d->root = load_with_includes(d, path, (struct origin){NULL, 0, 0}, &st, err);
    if (!d->root) {
        cfg_doc_free(d);
        return NULL;
    }
    return d;
}

struct cfg_doc *cfg_doc_empty(void) {
    struct cfg_doc *d = cfg_xcalloc(1, sizeof *d);
    d->main_file = doc_intern(d, "(defaults)");
    d->root = node_new(NODE_MAP, (struct origin){d->main_file, 0, 0});
    return d;
}

void cfg_doc_free(struct cfg_doc *d) {
    if (!d) return;
    node_free(d->root);
    for (size_t i = 0; i < d->nstrings; i++) free(d->strings[i]);
    free(d->strings);
    free(d);
}

bool cfg_doc_set(struct cfg_doc *d, const char *assignment, struct cfg_errors *err) {
    char label[600];
    snprintf(label, sizeof label, "--set %s", assignment);
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        cfg_errors_add(err, "%s: expected path.to.key=value", label);
        return false;
    }
    struct origin at = {doc_intern(d, label), 0, 0};
    char *path = strndup(assignment, (size_t)(eq - assignment));
    if (!path) abort();
    struct node *m = d->root;
    bool ok = true;
    char *part = path;
    for (;;) {
        char *dot = strchr(part, '.');
        if (dot) *dot = '\0';
        if (!part[0]) {
            cfg_errors_add(err, "%s: empty component in the key path", label);
            ok = false;
            break;
        }
        ssize_t i = cfg_map_find(m, part);
        if (!dot) { /* last component: the value */
            struct node *v;
            const char *val = eq + 1;
            if (val[0] == '\0' || strcmp(val, "~") == 0 || strcmp(val, "null") == 0) {
                v = node_new(NODE_NULL, at);
            } else {
                v = node_new(NODE_SCALAR, at);
                v->scalar = cfg_xstrdup(val);
            }
            if (i >= 0) {
                node_free(m->items[i]);
                m->items[i] = v;
                m->key_at[i] = at;
            } else {
                node_push(m, part, at, v);
            }
            break;
        }
        if (i < 0) {
            node_push(m, part, at, node_new(NODE_MAP, at));
            i = (ssize_t)m->n - 1;
        } else if (m->items[i]->kind == NODE_NULL) {
            node_free(m->items[i]);
            m->items[i] = node_new(NODE_MAP, at);
        } else if (m->items[i]->kind != NODE_MAP) {
            char where[512];
            cfg_errors_add(err, "%s: \"%s\" is %s (at %s), not a section with keys", label, part,
                           cfg_kind_name(m->items[i]->kind),
                           cfg_origin_str(m->items[i]->at, where, sizeof where));
            ok = false;
            break;
        }
        m = m->items[i];
        part = dot + 1;
    }
    free(path);
    return ok;
}

/* ------------------------------------------------------------- tree access */

const struct cfg_node *cfg_doc_root(const struct cfg_doc *d) {
    return (const struct cfg_node *)d->root;
}

enum cfg_node_kind cfg_node_kind(const struct cfg_node *cn) {
    switch (cn->n.kind) {
    case NODE_SCALAR: return CFG_NODE_SCALAR;
    case NODE_MAP: return CFG_NODE_MAP;
    case NODE_SEQ: return CFG_NODE_LIST;
    case NODE_NULL: break;
    }
    return CFG_NODE_NULL;
}

size_t cfg_node_len(const struct cfg_node *cn) {
    return cn->n.kind == NODE_MAP || cn->n.kind == NODE_SEQ ? cn->n.n : 0;
}

const char *cfg_node_key(const struct cfg_node *cn, size_t i) {
    return cn->n.kind == NODE_MAP && i < cn->n.n ? cn->n.keys[i] : NULL;
}

const struct cfg_node *cfg_node_item(const struct cfg_node *cn, size_t i) {
    return i < cfg_node_len(cn) ? (const struct cfg_node *)cn->n.items[i] : NULL;
}

const struct cfg_node *cfg_node_get(const struct cfg_node *cn, const char *key) {
    ssize_t i = cfg_map_find(&cn->n, key);
    return i >= 0 ? (const struct cfg_node *)cn->n.items[i] : NULL;
}

const char *cfg_node_scalar(const struct cfg_node *cn) {
    return cn->n.kind == NODE_SCALAR ? cn->n.scalar : NULL;
}

const char *cfg_node_where(const struct cfg_node *cn, char *buf, size_t len) {
    return cfg_origin_str(cn->n.at, buf, len);
}

const char *cfg_doc_file(const struct cfg_doc *d) { return d->main_file; }

const struct cfg_node *cfg_doc_find(const struct cfg_doc *d, const char *path) {
    const struct node *n = d->root;
    char part[256];
    while (n && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len >= sizeof part) return NULL;
        memcpy(part, path, len);
        part[len] = '\0';
        ssize_t i = cfg_map_find(n, part);
        n = i >= 0 ? n->items[i] : NULL;
        path = dot ? dot + 1 : path + len;
    }
    return (const struct cfg_node *)n;
}
