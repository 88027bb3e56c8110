/* sim/kernel/config_doc.c: YAML (libyaml) -> tree with origins, includes,
 * --set overrides, read-only tree access, error lists. See config_doc.h. */
#include "sim/kernel/config_doc_priv.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
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
    free(n->index);
    free(n);
}

/* ------------------------------------------------------ the key index */

#define INDEX_MIN_KEYS 16 /* smaller maps are scanned */

static size_t key_hash(const char *s) {
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void index_insert(struct node *m, size_t i) {
    size_t mask = m->index_cap - 1;
    for (size_t h = key_hash(m->keys[i]) & mask;; h = (h + 1) & mask) {
        if (!m->index[h]) {
            m->index[h] = i + 1;
            return;
        }
    }
}

static void index_rebuild(struct node *m) {
    free(m->index);
    m->index = NULL;
    m->index_cap = 0;
    if (m->n < INDEX_MIN_KEYS) return;
    size_t cap = 64;
    while (cap < 2 * m->n) cap *= 2;
    m->index = cfg_xcalloc(cap, sizeof *m->index);
    m->index_cap = cap;
    for (size_t i = 0; i < m->n; i++) index_insert(m, i);
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
    if (m->kind == NODE_MAP) {
        if (2 * m->n > m->index_cap)
            index_rebuild(m);
        else
            index_insert(m, m->n - 1);
    }
}

ssize_t cfg_map_find(const struct node *m, const char *key) {
    if (!m || m->kind != NODE_MAP) return -1;
    if (!m->index) {
        for (size_t i = 0; i < m->n; i++)
            if (strcmp(m->keys[i], key) == 0) return (ssize_t)i;
        return -1;
    }
    size_t mask = m->index_cap - 1;
    for (size_t h = key_hash(key) & mask; m->index[h]; h = (h + 1) & mask)
        if (strcmp(m->keys[m->index[h] - 1], key) == 0) return (ssize_t)(m->index[h] - 1);
    return -1;
}

static void map_remove(struct node *m, size_t i) {
    free(m->keys[i]);
    node_free(m->items[i]);
    memmove(&m->keys[i], &m->keys[i + 1], (m->n - i - 1) * sizeof *m->keys);
    memmove(&m->key_at[i], &m->key_at[i + 1], (m->n - i - 1) * sizeof *m->key_at);
    memmove(&m->items[i], &m->items[i + 1], (m->n - i - 1) * sizeof *m->items);
    m->n--;
    index_rebuild(m);
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
/* The most a document may hold once aliases are expanded: nodes, and bytes
 * of scalar text. A few kilobytes of anchors and aliases ("billion laughs")
 * could otherwise expand to gigabytes. Real experiment and sweep files hold
 * hundreds of nodes; at the bounds a document takes well under 256 MB even
 * under AddressSanitizer (tests/kernel/fuzz_yaml.c runs with that limit). */
#define MAX_NODES 200000
#define MAX_SCALAR_BYTES (16u << 20)

/* A collection being read: its node and, in a mapping, the key whose value
 * comes next. */
struct frame {
    struct node *n;
    char *anchor;    /* registered when the collection ends */
    bool have_key;   /* a mapping's key was read; its value comes next */
    bool drop_value; /* that key was refused: read its value, then drop it */
    char *key;       /* the key (NULL when refused) */
    struct origin key_at;
};

struct anchor {
    char *name;
    struct node *n;
};

struct loader {
    struct cfg_doc *doc;
    struct cfg_errors *err;
    const char *file; /* interned */
    struct frame stack[MAX_DEPTH];
    int depth;
    struct anchor *anchors;
    size_t nanchors, anchors_cap;
    struct node **trash; /* read but not kept (anchors may still point at them) */
    size_t ntrash, trash_cap;
    size_t nodes, bytes; /* expanded size so far */
    bool fatal;          /* stop reading */
    bool broken;         /* a mistake that leaves no usable tree */
    struct node *root;
};

void cfg_path_join(char *out, size_t len, const char *prefix, const char *name) {
    if (prefix[0])
        snprintf(out, len, "%s.%s", prefix, name);
    else
        snprintf(out, len, "%s", name);
}

/* Room for one more element in a growing array (doubling). */
static void *grow(void *p, size_t n, size_t *cap, size_t size) {
    if (n < *cap) return p;
    *cap = *cap ? 2 * *cap : 16;
    return cfg_xrealloc(p, *cap * size);
}

static void trash(struct loader *L, struct node *n) {
    L->trash = grow(L->trash, L->ntrash, &L->trash_cap, sizeof *L->trash);
    L->trash[L->ntrash++] = n;
}

/* Counts a node (and its text) against the document's bound. */
static bool count_node(struct loader *L, size_t text_bytes, struct origin at) {
    L->nodes++;
    L->bytes += text_bytes;
    if (L->nodes <= MAX_NODES && L->bytes <= MAX_SCALAR_BYTES) return true;
    if (!L->fatal) {
        char where[512];
        cfg_errors_add(L->err,
                       "%s: the document holds more than %d nodes once aliases are expanded "
                       "(or more than %u MiB of text): refused (an alias bomb?)",
                       cfg_origin_str(at, where, sizeof where), MAX_NODES, MAX_SCALAR_BYTES >> 20);
    }
    L->fatal = L->broken = true;
    return false;
}

/* A copy of an anchored node for an alias, counted against the bound;
 * NULL once the bound is passed. */
static struct node *clone_counted(struct loader *L, const struct node *src, struct origin at) {
    if (!count_node(L, src->scalar ? strlen(src->scalar) : 0, at)) return NULL;
    struct node *n = node_new(src->kind, at);
    if (src->scalar) n->scalar = cfg_xstrdup(src->scalar);
    for (size_t i = 0; i < src->n; i++) {
        struct node *c = clone_counted(L, src->items[i], src->items[i]->at);
        if (!c) {
            node_free(n);
            return NULL;
        }
        node_push(n, src->kind == NODE_MAP ? src->keys[i] : NULL,
                  src->kind == NODE_MAP ? src->key_at[i] : at, c);
    }
    return n;
}

/* The key path of the value about to be read, for messages. */
static void frame_path(const struct loader *L, char *out, size_t len) {
    out[0] = '\0';
    for (int i = 0; i < L->depth; i++) {
        const struct frame *f = &L->stack[i];
        if (f->n->kind == NODE_MAP && f->have_key && f->key) {
            char tmp[512];
            cfg_path_join(tmp, sizeof tmp, out, f->key);
            snprintf(out, len, "%s", tmp);
        }
    }
}

/* A complete node: the document's root, an element, a key or a value.
 * Duplicate keys are reported and the first value kept, so that the other
 * mistakes of the file can still be found. */
static void add_node(struct loader *L, struct node *v) {
    char where[512], first[512], path[1024];
    if (L->depth == 0) {
        if (L->root) trash(L, L->root);
        L->root = v;
        return;
    }
    struct frame *f = &L->stack[L->depth - 1];
    if (f->n->kind == NODE_SEQ) {
        node_push(f->n, NULL, v->at, v);
        return;
    }
    if (!f->have_key) {
        f->have_key = true;
        f->drop_value = false;
        f->key = NULL;
        f->key_at = v->at;
        trash(L, v);
        if (v->kind == NODE_MAP || v->kind == NODE_SEQ) {
            cfg_errors_add(L->err, "%s: a key must be a plain name, found %s",
                           cfg_origin_str(v->at, where, sizeof where),
                           v->kind == NODE_MAP ? "a mapping" : "a list");
            L->broken = true;
            f->drop_value = true;
            return;
        }
        const char *key = v->scalar ? v->scalar : "";
        ssize_t dup = cfg_map_find(f->n, key);
        f->key = cfg_xstrdup(key);
        if (dup >= 0) {
            frame_path(L, path, sizeof path);
            cfg_errors_add(L->err, "%s: %s: duplicate key (first given at %s)",
                           cfg_origin_str(v->at, where, sizeof where), path,
                           cfg_origin_str(f->n->key_at[dup], first, sizeof first));
            f->drop_value = true;
        }
        return;
    }
    if (f->drop_value)
        trash(L, v);
    else
        node_push(f->n, f->key, f->key_at, v);
    free(f->key);
    f->key = NULL;
    f->have_key = false;
}

static void add_anchor(struct loader *L, const yaml_char_t *name, struct node *n) {
    if (!name) return;
    L->anchors = grow(L->anchors, L->nanchors, &L->anchors_cap, sizeof *L->anchors);
    L->anchors[L->nanchors++] = (struct anchor){cfg_xstrdup((const char *)name), n};
}

static const struct node *find_anchor(const struct loader *L, const char *name) {
    for (size_t i = L->nanchors; i-- > 0;) /* the latest definition wins */
        if (strcmp(L->anchors[i].name, name) == 0) return L->anchors[i].n;
    return NULL;
}

/* One parser event. Nesting is bounded while reading, so a deeply nested
 * file stops at the limit, before the rest of it is read. */
static void on_event(struct loader *L, const yaml_event_t *ev, int *docs) {
    struct origin at = {L->file, (unsigned)ev->start_mark.line + 1,
                        (unsigned)ev->start_mark.column + 1};
    char where[512];
    if (ev->type == YAML_DOCUMENT_START_EVENT) {
        ++*docs;
        return;
    }
    if (*docs > 1) { /* a second document is refused unless it is empty */
        bool empty = ev->type == YAML_SCALAR_EVENT &&
                     ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.length;
        if (!empty && ev->type != YAML_DOCUMENT_END_EVENT && ev->type != YAML_STREAM_END_EVENT) {
            cfg_errors_add(L->err, "%s: a second YAML document; one per file expected",
                           cfg_origin_str(at, where, sizeof where));
            L->fatal = L->broken = true;
        }
        return;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        const char *v = (const char *)ev->data.scalar.value;
        bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (!count_node(L, ev->data.scalar.length, at)) break;
        bool null = plain && (v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
                              strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0);
        struct node *n = node_new(null ? NODE_NULL : NODE_SCALAR, at);
        n->scalar = cfg_xstrdup(v); /* a null keeps its text too, for use as a key */
        add_anchor(L, ev->data.scalar.anchor, n);
        add_node(L, n);
        break;
    }
    case YAML_ALIAS_EVENT: {
        const struct node *a = find_anchor(L, (const char *)ev->data.alias.anchor);
        if (!a) {
            cfg_errors_add(L->err, "%s: alias *%s: no anchor &%s before it",
                           cfg_origin_str(at, where, sizeof where),
                           (const char *)ev->data.alias.anchor,
                           (const char *)ev->data.alias.anchor);
            L->fatal = L->broken = true;
            break;
        }
        struct node *n = clone_counted(L, a, at);
        if (n) add_node(L, n);
        break;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        if (L->depth >= MAX_DEPTH) {
            cfg_errors_add(L->err, "%s: nesting deeper than %d levels",
                           cfg_origin_str(at, where, sizeof where), MAX_DEPTH);
            L->fatal = L->broken = true;
            break;
        }
        if (!count_node(L, 0, at)) break;
        bool map = ev->type == YAML_MAPPING_START_EVENT;
        const yaml_char_t *anchor =
            map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
        L->stack[L->depth++] = (struct frame){
            .n = node_new(map ? NODE_MAP : NODE_SEQ, at),
            .anchor = anchor ? cfg_xstrdup((const char *)anchor) : NULL,
        };
        break;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        struct frame f = L->stack[--L->depth];
        free(f.key);
        if (f.anchor) {
            add_anchor(L, (const yaml_char_t *)f.anchor, f.n);
            free(f.anchor);
        }
        add_node(L, f.n);
        break;
    }
    default: break;
    }
}

/* Opens a file for reading, refusing anything but a regular file (a FIFO
 * would block, a folder cannot be read as YAML). */
static FILE *open_regular(const char *path, struct origin from, struct cfg_errors *err) {
    char where[512];
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    const char *why = NULL;
    if (fd < 0 || fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (S_ISDIR(st.st_mode))
        why = "is a folder, not a file";
    else if (!S_ISREG(st.st_mode))
        why = "is not a regular file";
    if (why) {
        bool sys = fd < 0;
        if (fd >= 0) close(fd);
        if (from.file && sys)
            cfg_errors_add(err, "%s: include: cannot open \"%s\": %s",
                           cfg_origin_str(from, where, sizeof where), path, why);
        else if (from.file)
            cfg_errors_add(err, "%s: include: \"%s\" %s", cfg_origin_str(from, where, sizeof where),
                           path, why);
        else
            cfg_errors_add(err, "%s: %s%s", path, sys ? "cannot open: " : "",
                           strcmp(why, "is not a regular file") == 0 ? "not a regular file" : why);
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) close(fd);
    return f;
}

/* Parse one file into a tree (includes not yet followed). */
static struct node *parse_file(struct cfg_doc *doc, const char *path, struct origin from,
                               struct cfg_errors *err) {
    char where[512];
    FILE *f = open_regular(path, from, err);
    if (!f) return NULL;
    struct loader L = {.doc = doc, .err = err, .file = doc_intern(doc, path)};
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int docs = 0;
    for (bool end = false; !end && !L.fatal;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            cfg_errors_add(err, "%s:%zu:%zu: malformed YAML: %s%s%s", path,
                           parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                           parser.problem ? parser.problem : "parse error",
                           parser.context ? " " : "", parser.context ? parser.context : "");
            L.fatal = L.broken = true;
            break;
        }
        end = ev.type == YAML_STREAM_END_EVENT;
        on_event(&L, &ev, &docs);
        yaml_event_delete(&ev);
    }
    /* Whatever is left open after a stop is freed with the rest. */
    while (L.depth > 0) {
        struct frame *fr = &L.stack[--L.depth];
        free(fr->key);
        free(fr->anchor);
        trash(&L, fr->n);
    }
    for (size_t i = 0; i < L.nanchors; i++) free(L.anchors[i].name);
    free(L.anchors);
    for (size_t i = 0; i < L.ntrash; i++) node_free(L.trash[i]);
    free(L.trash);
    yaml_parser_delete(&parser);
    fclose(f);
    struct node *root = L.root;
    if (L.broken) {
        node_free(root);
        return NULL;
    }
    if (!root || root->kind == NODE_NULL) {
        node_free(root);
        return node_new(NODE_MAP, (struct origin){L.file, 1, 1});
    }
    if (root->kind != NODE_MAP) {
        cfg_errors_add(err, "%s: the top level must be a mapping of keys, found %s",
                       cfg_origin_str(root->at, where, sizeof where), cfg_kind_name(root->kind));
        node_free(root);
        return NULL;
    }
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
    free(top->index);
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

/* A quoted --set value ('5', "null", "") read as YAML reads a quoted scalar:
 * its text, always a string (never null). NULL if it is not one scalar. */
static char *unquote(const char *val) {
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)val, strlen(val));
    char *out = NULL;
    int scalars = 0;
    bool ok = true;
    for (bool end = false; ok && !end;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) break;
        end = ev.type == YAML_STREAM_END_EVENT;
        if (ev.type == YAML_SCALAR_EVENT && !scalars++ &&
            ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
            out = cfg_xstrdup((const char *)ev.data.scalar.value);
        else if (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
                 ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_ALIAS_EVENT)
            ok = false;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    if (!ok || scalars != 1) {
        free(out);
        return NULL;
    }
    return out;
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
            char *quoted = NULL;
            if ((val[0] == '\'' || val[0] == '"') && !(quoted = unquote(val))) {
                cfg_errors_add(err, "%s: the value is not one quoted YAML scalar", label);
                ok = false;
                break;
            }
            if (quoted) {
                v = node_new(NODE_SCALAR, at);
                v->scalar = quoted;
            } else if (val[0] == '\0' || strcmp(val, "~") == 0 || strcmp(val, "null") == 0) {
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
