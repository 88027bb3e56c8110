/* sim/kernel/config.c: YAML (libyaml) -> tree with origins -> typed structs.
 * See config.h for the contract. */
#include "sim/kernel/config.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <yaml.h>

#include "sim/kernel/json.h"

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

enum node_kind { NODE_NULL, NODE_SCALAR, NODE_MAP, NODE_SEQ };

struct origin {
    const char *file; /* interned in the doc; for --set: the assignment text */
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
};

struct cfg_doc {
    struct node *root; /* NODE_MAP */
    char **strings;    /* interned file names and --set texts */
    size_t nstrings;
    const char *main_file;
};

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "tessera: out of memory (config)\n");
        abort();
    }
    return p;
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n);
    if (!p) {
        fprintf(stderr, "tessera: out of memory (config)\n");
        abort();
    }
    return p;
}

static char *xstrdup(const char *s) {
    char *d = strdup(s);
    if (!d) {
        fprintf(stderr, "tessera: out of memory (config)\n");
        abort();
    }
    return d;
}

static const char *doc_intern(struct cfg_doc *d, const char *s) {
    d->strings = xrealloc(d->strings, (d->nstrings + 1) * sizeof *d->strings);
    return d->strings[d->nstrings++] = xstrdup(s);
}

static struct node *node_new(enum node_kind kind, struct origin at) {
    struct node *n = xcalloc(1, sizeof *n);
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
        m->items = xrealloc(m->items, m->cap * sizeof *m->items);
        if (m->kind == NODE_MAP) {
            m->keys = xrealloc(m->keys, m->cap * sizeof *m->keys);
            m->key_at = xrealloc(m->key_at, m->cap * sizeof *m->key_at);
        }
    }
    if (m->kind == NODE_MAP) {
        m->keys[m->n] = xstrdup(key);
        m->key_at[m->n] = key_at;
    }
    m->items[m->n++] = v;
}

static ssize_t map_find(const struct node *m, const char *key) {
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
static const char *origin_str(struct origin at, char *buf, size_t len) {
    if (at.line == 0)
        snprintf(buf, len, "%s", at.file);
    else
        snprintf(buf, len, "%s:%u:%u", at.file, at.line, at.col);
    return buf;
}

static const char *kind_name(enum node_kind k) {
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

static void path_join(char *out, size_t len, const char *prefix, const char *name) {
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
                       origin_str(at, where, sizeof where), MAX_DEPTH);
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
        n->scalar = xstrdup(v);
        return n;
    }
    case YAML_SEQUENCE_NODE: {
        struct node *n = node_new(NODE_SEQ, at);
        for (yaml_node_item_t *it = yn->data.sequence.items.start;
             it < yn->data.sequence.items.top; it++) {
            struct node *c =
                convert(L, yaml_document_get_node(&L->ydoc, *it), depth + 1, path);
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
                               origin_str(kat, where, sizeof where),
                               k->type == YAML_MAPPING_NODE ? "a mapping" : "a list");
                ok = false;
                continue;
            }
            const char *key = (const char *)k->data.scalar.value;
            char kpath[512];
            path_join(kpath, sizeof kpath, path, key);
            ssize_t dup = map_find(n, key);
            if (dup >= 0) {
                char first[512];
                cfg_errors_add(L->err, "%s: %s: duplicate key (first given at %s)",
                               origin_str(kat, where, sizeof where), kpath,
                               origin_str(n->key_at[dup], first, sizeof first));
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
        cfg_errors_add(L->err, "%s: empty YAML node", origin_str(at, where, sizeof where));
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
                           origin_str(from, where, sizeof where), path, strerror(errno));
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
                       parser.problem ? parser.problem : "parse error",
                       parser.context ? " " : "", parser.context ? parser.context : "");
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
                           origin_str(root->at, where, sizeof where), kind_name(root->kind));
            node_free(root);
            root = NULL;
        }
    }
    /* A second document in the same file is refused rather than ignored. */
    yaml_document_t extra;
    if (root && yaml_parser_load(&parser, &extra)) {
        yaml_node_t *x = yaml_document_get_root_node(&extra);
        if (x) {
            cfg_errors_add(err, "%s:%zu:%zu: a second YAML document; one per file expected",
                           path, x->start_mark.line + 1, x->start_mark.column + 1);
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
        ssize_t j = map_find(base, top->keys[i]);
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
    if (!slash) return xstrdup(".");
    size_t n = (size_t)(slash - path);
    char *d = xcalloc(n + 2, 1);
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
                               origin_str(from, where, sizeof where), path);
                free(real);
                return NULL;
            }
        }
        if (st->n >= MAX_INCLUDE_DEPTH) {
            cfg_errors_add(err, "%s: include: more than %d nested includes",
                           origin_str(from, where, sizeof where), MAX_INCLUDE_DEPTH);
            free(real);
            return NULL;
        }
    }
    struct node *own = parse_file(doc, path, from, err);
    if (!own) {
        free(real);
        return NULL;
    }
    ssize_t inc = map_find(own, "include");
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
                           origin_str(p->at, where, sizeof where), kind_name(p->kind));
            ok = false;
            break;
        }
        char *full = NULL;
        if (p->scalar[0] == '/' || asprintf(&full, "%s/%s", dir, p->scalar) < 0)
            full = xstrdup(p->scalar);
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
    struct cfg_doc *d = xcalloc(1, sizeof *d);
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
    struct cfg_doc *d = xcalloc(1, sizeof *d);
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
        ssize_t i = map_find(m, part);
        if (!dot) { /* last component: the value */
            struct node *v;
            const char *val = eq + 1;
            if (val[0] == '\0' || strcmp(val, "~") == 0 || strcmp(val, "null") == 0) {
                v = node_new(NODE_NULL, at);
            } else {
                v = node_new(NODE_SCALAR, at);
                v->scalar = xstrdup(val);
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
                           kind_name(m->items[i]->kind),
                           origin_str(m->items[i]->at, where, sizeof where));
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

struct cfg_node {
    struct node n;
};

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
    ssize_t i = map_find(&cn->n, key);
    return i >= 0 ? (const struct cfg_node *)cn->n.items[i] : NULL;
}

const char *cfg_node_scalar(const struct cfg_node *cn) {
    return cn->n.kind == NODE_SCALAR ? cn->n.scalar : NULL;
}

const char *cfg_node_where(const struct cfg_node *cn, char *buf, size_t len) {
    return origin_str(cn->n.at, buf, len);
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
        ssize_t i = map_find(n, part);
        n = i >= 0 ? n->items[i] : NULL;
        path = dot ? dot + 1 : path + len;
    }
    return (const struct cfg_node *)n;
}

/* ----------------------------------------------------------------- binding */

size_t cfg_edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    size_t *prev = xcalloc(lb + 1, sizeof *prev), *cur = xcalloc(lb + 1, sizeof *cur);
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t best = sub < del ? sub : del;
            cur[j] = best < ins ? best : ins;
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[lb];
    free(prev);
    free(cur);
    return d;
}

/* The closest of `names` to `word`, if close enough to be a likely typo. */
static const char *did_you_mean(const char *word, const char *const *names, size_t n) {
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = cfg_edit_distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    size_t len = strlen(word);
    size_t limit = len < 6 ? 2 : len / 3 + 1;
    return best && best_d <= limit ? best : NULL;
}

static const char *type_expect(const struct cfg_key *k, char *buf, size_t len) {
    bool ranged = k->min <= k->max;
    const char *unit = k->unit && k->unit[0] ? k->unit : NULL;
    char range[128] = "";
    if (ranged) snprintf(range, sizeof range, " in [%.15g, %.15g]", k->min, k->max);
    switch (k->type) {
    case CFG_BOOL: snprintf(buf, len, "true or false"); break;
    case CFG_INT: snprintf(buf, len, "an integer%s", range); break;
    case CFG_UINT: snprintf(buf, len, "an unsigned integer%s", range); break;
    case CFG_DOUBLE: snprintf(buf, len, "a number%s", range); break;
    case CFG_STRING: snprintf(buf, len, "a string"); break;
    case CFG_ENUM: {
        size_t o = (size_t)snprintf(buf, len, "one of");
        for (size_t i = 0; k->choices[i] && o < len; i++)
            o += (size_t)snprintf(buf + o, len - o, "%s %s", i ? "," : "", k->choices[i]);
        break;
    }
    case CFG_SECTION: snprintf(buf, len, "a mapping of keys"); break;
    }
    if (unit && k->type != CFG_ENUM && k->type != CFG_SECTION) {
        size_t o = strlen(buf);
        snprintf(buf + o, len - o, " (%s)", unit);
    }
    return buf;
}

/* Parse an integer written in decimal, hex (0x), with '_' separators, or as an
 * exact floating-point literal such as 1.2e9. */
static bool parse_integer(const char *s, bool is_signed, int64_t *sv, uint64_t *uv) {
    char clean[128];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '_') continue;
        if (n + 1 >= sizeof clean) return false;
        clean[n++] = *p;
    }
    clean[n] = '\0';
    if (n == 0) return false;
    char *end;
    errno = 0;
    bool neg = clean[0] == '-';
    if (strpbrk(clean, ".eE") && !(clean[0] == '0' && (clean[1] == 'x' || clean[1] == 'X'))) {
        double d = strtod(clean, &end);
        if (*end || errno || !isfinite(d) || d != floor(d)) return false;
        if (is_signed) {
            if (d < -9.2e18 || d > 9.2e18) return false;
            *sv = (int64_t)d;
        } else {
            if (d < 0 || d > 1.8e19) return false;
            *uv = (uint64_t)d;
        }
        return true;
    }
    if (is_signed) {
        long long v = strtoll(clean, &end, 0);
        if (*end || errno) return false;
        *sv = v;
    } else {
        if (neg) return false;
        unsigned long long v = strtoull(clean, &end, 0);
        if (*end || errno) return false;
        *uv = v;
    }
    return true;
}

struct binder {
    const struct cfg_doc *doc;
    struct cfg_errors *err;
    bool ok;
};


/* Convert one scalar value into the field. `text` is the scalar text (NULL for a
 * non-scalar node). Returns false with a message in `why` on failure. */
static bool store_value(const struct cfg_key *k, const char *text, void *field, char *why,
                        size_t wlen) {
    char expect[256];
    type_expect(k, expect, sizeof expect);
    bool ranged = k->min <= k->max;
    switch (k->type) {
    case CFG_BOOL:
        if (strcmp(text, "true") == 0) {
            *(bool *)field = true;
        } else if (strcmp(text, "false") == 0) {
            *(bool *)field = false;
        } else {
            snprintf(why, wlen, "found \"%s\", expected %s", text, expect);
            return false;
        }
        return true;
    case CFG_INT:
    case CFG_UINT: {
        int64_t sv = 0;
        uint64_t uv = 0;
        bool is_signed = k->type == CFG_INT;
        if (!parse_integer(text, is_signed, &sv, &uv)) {
            snprintf(why, wlen, "found \"%s\", expected %s", text, expect);
            return false;
        }
        double dv = is_signed ? (double)sv : (double)uv;
        if (ranged && (dv < k->min || dv > k->max)) {
            snprintf(why, wlen, "found %s, out of range: expected %s", text, expect);
            return false;
        }
        if (is_signed)
            *(int64_t *)field = sv;
        else
            *(uint64_t *)field = uv;
        return true;
    }
    case CFG_DOUBLE: {
        char *end;
        errno = 0;
        double d = strtod(text, &end);
        if (!text[0] || *end || errno || !isfinite(d)) {
            snprintf(why, wlen, "found \"%s\", expected %s", text, expect);
            return false;
        }
        if (ranged && (d < k->min || d > k->max)) {
            snprintf(why, wlen, "found %s, out of range: expected %s", text, expect);
            return false;
        }
        *(double *)field = d;
        return true;
    }
    case CFG_STRING: {
        char **slot = field;
        free(*slot);
        *slot = xstrdup(text);
        return true;
    }
    case CFG_ENUM:
        for (int i = 0; k->choices[i]; i++) {
            if (strcmp(text, k->choices[i]) == 0) {
                *(int *)field = i;
                return true;
            }
        }
        {
            size_t n = 0;
            while (k->choices[n]) n++;
            const char *m = did_you_mean(text, (const char *const *)k->choices, n);
            if (m)
                snprintf(why, wlen, "found \"%s\", expected %s; did you mean \"%s\"?", text,
                         expect, m);
            else
                snprintf(why, wlen, "found \"%s\", expected %s", text, expect);
        }
        return false;
    case CFG_SECTION: break;
    }
    return false;
}

static void bind_section(struct binder *b, const struct node *m, const struct cfg_section *sec,
                         char *base, const char *prefix, struct origin parent_at);

static void bind_key(struct binder *b, const struct cfg_key *k, const struct node *v,
                     struct origin key_at, char *base, const char *path,
                     struct origin parent_at) {
    char where[512], why[768], expect[256];
    void *field = base + k->offset;
    if (k->type == CFG_SECTION) {
        if (v && v->kind != NODE_MAP && v->kind != NODE_NULL) {
            cfg_errors_add(b->err, "%s: %s: found %s, expected a mapping of keys",
                           origin_str(v->at, where, sizeof where), path, kind_name(v->kind));
            b->ok = false;
            bind_section(b, NULL, k->section, field, path, parent_at);
            return;
        }
        bind_section(b, v && v->kind == NODE_MAP ? v : NULL, k->section, field, path,
                     v ? v->at : parent_at);
        return;
    }
    if (!v) {
        if (!k->def) {
            cfg_errors_add(b->err, "%s: %s: missing required key (%s: %s)",
                           origin_str(parent_at, where, sizeof where), path,
                           type_expect(k, expect, sizeof expect), k->doc ? k->doc : "");
            b->ok = false;
            return;
        }
        bool ok = store_value(k, k->def, field, why, sizeof why);
        assert(ok && "schema default does not satisfy its own key");
        (void)ok;
        return;
    }
    (void)key_at;
    if (v->kind != NODE_SCALAR) {
        cfg_errors_add(b->err, "%s: %s: found %s, expected %s",
                       origin_str(v->at, where, sizeof where), path, kind_name(v->kind),
                       type_expect(k, expect, sizeof expect));
        b->ok = false;
        if (k->def) store_value(k, k->def, field, why, sizeof why);
        return;
    }
    if (!store_value(k, v->scalar, field, why, sizeof why)) {
        cfg_errors_add(b->err, "%s: %s: %s", origin_str(v->at, where, sizeof where), path, why);
        b->ok = false;
        if (k->def) store_value(k, k->def, field, why, sizeof why);
    }
}

static void bind_section(struct binder *b, const struct node *m, const struct cfg_section *sec,
                         char *base, const char *prefix, struct origin parent_at) {
    char path[512], where[512];
    /* Unknown keys first, so a typo is reported as such and not only as a
     * missing required key. */
    if (m) {
        const char **names = xcalloc(sec->nkeys, sizeof *names);
        for (size_t i = 0; i < sec->nkeys; i++) names[i] = sec->keys[i].name;
        for (size_t i = 0; i < m->n; i++) {
            bool known = false;
            for (size_t j = 0; j < sec->nkeys && !known; j++)
                known = strcmp(m->keys[i], sec->keys[j].name) == 0;
            if (known) continue;
            path_join(path, sizeof path, prefix, m->keys[i]);
            const char *sugg = did_you_mean(m->keys[i], names, sec->nkeys);
            if (sugg) {
                char full[512];
                path_join(full, sizeof full, prefix, sugg);
                cfg_errors_add(b->err, "%s: %s: unknown key; did you mean \"%s\"?",
                               origin_str(m->key_at[i], where, sizeof where), path, full);
            } else {
                size_t o = 0;
                char list[1024];
                list[0] = '\0';
                for (size_t j = 0; j < sec->nkeys && o < sizeof list; j++)
                    o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", j ? ", " : "",
                                          sec->keys[j].name);
                cfg_errors_add(b->err, "%s: %s: unknown key; %s%s has: %s",
                               origin_str(m->key_at[i], where, sizeof where), path,
                               prefix[0] ? prefix : "the top level", prefix[0] ? "" : "",
                               list);
            }
            b->ok = false;
        }
        free(names);
    }
    for (size_t j = 0; j < sec->nkeys; j++) {
        const struct cfg_key *k = &sec->keys[j];
        path_join(path, sizeof path, prefix, k->name);
        ssize_t i = map_find(m, k->name);
        const struct node *v = i >= 0 ? m->items[i] : NULL;
        struct origin kat = i >= 0 ? m->key_at[i] : parent_at;
        if (v && v->kind == NODE_NULL && k->type != CFG_SECTION && k->def) {
            /* "key:" with no value means "the default" only for sections;
             * for a value it is a mistake worth naming. */
            char expect[256];
            cfg_errors_add(b->err, "%s: %s: found no value, expected %s",
                           origin_str(v->at, where, sizeof where), path,
                           type_expect(k, expect, sizeof expect));
            b->ok = false;
            v = NULL;
        }
        bind_key(b, k, v, kat, base, path, m ? m->at : parent_at);
    }
}

bool cfg_bind(const struct cfg_doc *d, const struct cfg_section *root, void *out,
              struct cfg_errors *err) {
    struct binder b = {d, err, true};
    bind_section(&b, d->root, root, out, "", d->root->at);
    return b.ok;
}

static void defaults_section(const struct cfg_section *sec, char *base) {
    char why[256];
    for (size_t j = 0; j < sec->nkeys; j++) {
        const struct cfg_key *k = &sec->keys[j];
        if (k->type == CFG_SECTION)
            defaults_section(k->section, base + k->offset);
        else if (k->def) {
            bool ok = store_value(k, k->def, base + k->offset, why, sizeof why);
            assert(ok && "schema default does not satisfy its own key");
            (void)ok;
        }
    }
}

void cfg_defaults(const struct cfg_section *root, void *out) { defaults_section(root, out); }

void cfg_release(const struct cfg_section *sec, void *obj) {
    char *base = obj;
    for (size_t j = 0; j < sec->nkeys; j++) {
        const struct cfg_key *k = &sec->keys[j];
        if (k->type == CFG_SECTION) {
            cfg_release(k->section, base + k->offset);
        } else if (k->type == CFG_STRING) {
            char **slot = (char **)(base + k->offset);
            free(*slot);
            *slot = NULL;
        }
    }
}

/* ------------------------------------------------------------------ output */

void cfg_write_json(const struct cfg_section *sec, const void *obj, struct json_writer *w) {
    const char *base = obj;
    json_object_begin(w);
    for (size_t j = 0; j < sec->nkeys; j++) {
        const struct cfg_key *k = &sec->keys[j];
        const void *f = base + k->offset;
        json_key(w, k->name);
        switch (k->type) {
        case CFG_BOOL: json_bool(w, *(const bool *)f); break;
        case CFG_INT: json_int(w, *(const int64_t *)f); break;
        case CFG_UINT: json_uint(w, *(const uint64_t *)f); break;
        case CFG_DOUBLE: json_double(w, *(const double *)f); break;
        case CFG_STRING: json_string(w, *(char *const *)f); break;
        case CFG_ENUM: json_string(w, k->choices[*(const int *)f]); break;
        case CFG_SECTION: cfg_write_json(k->section, f, w); break;
        }
    }
    json_object_end(w);
}

static const char *type_word(const struct cfg_key *k) {
    switch (k->type) {
    case CFG_BOOL: return "bool";
    case CFG_INT: return "integer";
    case CFG_UINT: return "unsigned";
    case CFG_DOUBLE: return "number";
    case CFG_STRING: return "string";
    case CFG_ENUM: return "choice";
    case CFG_SECTION: return "section";
    }
    return "?";
}

/* Markdown table cells must not contain '|' or newlines. */
static void md_cell(FILE *out, const char *s) {
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else if (*s == '\n')
            fputc(' ', out);
        else
            fputc(*s, out);
    }
}

static void reference_section(const struct cfg_section *sec, const char *prefix, FILE *out) {
    fprintf(out, "\n## `%s`\n\n", prefix[0] ? prefix : "(top level)");
    if (sec->doc) fprintf(out, "%s\n\n", sec->doc);
    fputs("| key | type | default | range | unit | meaning |\n", out);
    fputs("|---|---|---|---|---|---|\n", out);
    char path[512];
    for (size_t j = 0; j < sec->nkeys; j++) {
        const struct cfg_key *k = &sec->keys[j];
        path_join(path, sizeof path, prefix, k->name);
        fprintf(out, "| `%s` | %s | ", path, type_word(k));
        if (k->type == CFG_SECTION)
            fputs("| | | see below |\n", out);
        else {
            if (!k->def)
                fputs("**required**", out);
            else if (k->def[0])
                fprintf(out, "`%s`", k->def);
            else
                fputs("\"\"", out);
            fputs(" | ", out);
            if (k->type == CFG_ENUM) {
                for (size_t i = 0; k->choices[i]; i++)
                    fprintf(out, "%s`%s`", i ? ", " : "", k->choices[i]);
            } else if (k->min <= k->max) {
                fprintf(out, "%.15g .. %.15g", k->min, k->max);
            }
            fputs(" | ", out);
            md_cell(out, k->unit);
            fputs(" | ", out);
            md_cell(out, k->doc);
            fputs(" |\n", out);
        }
    }
    for (size_t j = 0; j < sec->nkeys; j++) {
        const struct cfg_key *k = &sec->keys[j];
        if (k->type != CFG_SECTION) continue;
        path_join(path, sizeof path, prefix, k->name);
        reference_section(k->section, path, out);
    }
}

void cfg_write_reference_md(const struct cfg_section *root, FILE *out) {
    fputs("# Configuration reference\n\n"
          "Generated by `tessera config-reference` from the schema declared in the code;\n"
          "do not edit by hand (a test fails when this file is stale). Every key can be set\n"
          "in an experiment file or on the command line with `--set path.to.key=value`.\n"
          "Source tags: [P] the DLibOS paper, [S ...] a cited source (see the facts sheets),\n"
          "[D] derived from sourced facts, [I] inference, [A] assumed (sweep it).\n",
          out);
    reference_section(root, "", out);
}
