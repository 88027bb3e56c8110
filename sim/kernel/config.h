/* sim/kernel/config.h: YAML experiment files mapped onto typed C structs.
 *
 * What it does: every configurable parameter is declared once, in a table of
 * struct cfg_key next to the struct it fills (type, default, range, unit, doc
 * string with its source tag). Loading is three steps:
 *   1. cfg_doc_load() parses a YAML file with libyaml into a tree that remembers
 *      file:line:column of every node, following `include:` (a path or a list of
 *      paths, relative to the including file; the including file's own keys win
 *      over included ones, later includes over earlier ones);
 *   2. cfg_doc_set() applies `--set a.b.c=value` overrides to the tree;
 *   3. cfg_bind() walks a schema (struct cfg_section) over the tree, converts
 *      and range-checks each value into the C struct, fills defaults, and
 *      refuses unknown keys with a did-you-mean suggestion.
 * Every error names file:line:column, the key path, what was found and what
 * was expected; all errors of a file are collected, not just the first.
 *
 * Memory: a cfg_doc owns its tree. cfg_bind() copies strings into the bound
 * struct (heap); cfg_release() frees them. Cost: start-up only.
 *
 * Generated documentation: cfg_write_reference_md() prints the Markdown
 * reference of a schema (docs/config-reference.md is its output; a test fails
 * when the committed file is stale).
 */
#ifndef TESSERA_SIM_KERNEL_CONFIG_H
#define TESSERA_SIM_KERNEL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

enum cfg_type {
    CFG_BOOL,    /* bool */
    CFG_INT,     /* int64_t */
    CFG_UINT,    /* uint64_t */
    CFG_DOUBLE,  /* double */
    CFG_STRING,  /* char * (heap copy, freed by cfg_release) */
    CFG_ENUM,    /* int: index into choices */
    CFG_SECTION, /* a nested struct described by .section */
};

struct cfg_section;

struct cfg_key {
    const char *name;                  /* YAML key (snake_case) */
    enum cfg_type type;
    size_t offset;                     /* offsetof() of the field in the section's struct */
    const char *def;                   /* default, written as YAML text; NULL = required */
    const char *unit;                  /* "cycles", "ps", "flits", "Hz", "B", ... or "" */
    const char *doc;                   /* one sentence + source tag ([P], [S ...], [A] assumed) */
    double min, max;                   /* inclusive range for numbers; ignored when min > max */
    const char *const *choices;        /* CFG_ENUM: NULL-terminated names */
    const struct cfg_section *section; /* CFG_SECTION */
};

struct cfg_section {
    const char *name; /* for the reference, e.g. "noc" */
    const char *doc;
    const struct cfg_key *keys;
    size_t nkeys;
};

/* Helpers to declare keys; `T` is the struct type, `f` the field (also the key). */
#define CFG_NO_RANGE 1.0, 0.0
#define CFG_BOOL_KEY(T, f, def, doc) \
    {#f, CFG_BOOL, offsetof(T, f), def, "", doc, CFG_NO_RANGE, NULL, NULL}
#define CFG_INT_KEY(T, f, def, lo, hi, unit, doc) \
    {#f, CFG_INT, offsetof(T, f), def, unit, doc, lo, hi, NULL, NULL}
#define CFG_UINT_KEY(T, f, def, lo, hi, unit, doc) \
    {#f, CFG_UINT, offsetof(T, f), def, unit, doc, lo, hi, NULL, NULL}
#define CFG_DOUBLE_KEY(T, f, def, lo, hi, unit, doc) \
    {#f, CFG_DOUBLE, offsetof(T, f), def, unit, doc, lo, hi, NULL, NULL}
#define CFG_STRING_KEY(T, f, def, doc) \
    {#f, CFG_STRING, offsetof(T, f), def, "", doc, CFG_NO_RANGE, NULL, NULL}
#define CFG_ENUM_KEY(T, f, def, choices, doc) \
    {#f, CFG_ENUM, offsetof(T, f), def, "", doc, CFG_NO_RANGE, choices, NULL}
#define CFG_SECTION_KEY(T, f, sec) \
    {#f, CFG_SECTION, offsetof(T, f), "", "", NULL, CFG_NO_RANGE, NULL, &(sec)}
#define CFG_SECTION_DEF(var, nm, docstr, keyarr) \
    const struct cfg_section var = {nm, docstr, keyarr, sizeof(keyarr) / sizeof((keyarr)[0])}

/* A list of error messages, each complete ("file:line:col: key.path: ..."). */
struct cfg_errors {
    char **msg;
    size_t n, cap;
};
void cfg_errors_add(struct cfg_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cfg_errors_print(const struct cfg_errors *e, FILE *out);
void cfg_errors_fini(struct cfg_errors *e);

struct cfg_doc;

/* Parse `path` and its includes. Returns NULL (with errors added) when a file
 * cannot be read or parsed. Recoverable mistakes (a duplicate key: the first
 * value is kept) add errors but still return the document, so that binding it
 * can report the file's other mistakes too: callers treat any error as failure. */
struct cfg_doc *cfg_doc_load(const char *path, struct cfg_errors *err);
/* An empty document (all defaults), e.g. for tests and `tessera config-reference`. */
struct cfg_doc *cfg_doc_empty(void);
/* Apply "a.b.c=value" (value is parsed as a YAML scalar). */
bool cfg_doc_set(struct cfg_doc *d, const char *assignment, struct cfg_errors *err);
void cfg_doc_free(struct cfg_doc *d);

/* Read-only access to a document's tree, for files that are not bound to a
 * schema as a whole (sweep files). Nodes belong to the document. */
enum cfg_node_kind { CFG_NODE_NULL, CFG_NODE_SCALAR, CFG_NODE_MAP, CFG_NODE_LIST };
struct cfg_node;
const struct cfg_node *cfg_doc_root(const struct cfg_doc *d);
enum cfg_node_kind cfg_node_kind(const struct cfg_node *n);
/* Entries of a map or a list (0 for others). */
size_t cfg_node_len(const struct cfg_node *n);
const char *cfg_node_key(const struct cfg_node *n, size_t i); /* map key, NULL for a list */
const struct cfg_node *cfg_node_item(const struct cfg_node *n, size_t i);
const struct cfg_node *cfg_node_get(const struct cfg_node *map, const char *key); /* or NULL */
const char *cfg_node_scalar(const struct cfg_node *n); /* NULL unless a scalar */
/* "file:line:col" of the node (or the --set text), into buf. */
const char *cfg_node_where(const struct cfg_node *n, char *buf, size_t len);
/* The node at a key path such as "noc.routing", or NULL. */
const struct cfg_node *cfg_doc_find(const struct cfg_doc *d, const char *path);
/* The file the document was loaded from. */
const char *cfg_doc_file(const struct cfg_doc *d);

/* Fill `out` (a struct described by `root`) from the document. On failure the
 * struct holds defaults where values were bad; cfg_release() must still be called. */
bool cfg_bind(const struct cfg_doc *d, const struct cfg_section *root, void *out,
              struct cfg_errors *err);
/* Fill `out` with defaults only (required keys left zero). */
void cfg_defaults(const struct cfg_section *root, void *out);
/* Free the strings cfg_bind() copied into `obj`. */
void cfg_release(const struct cfg_section *root, void *obj);

/* The resolved values as a JSON object (for summary.json). */
void cfg_write_json(const struct cfg_section *root, const void *obj, struct json_writer *w);
/* Markdown reference of the schema. */
void cfg_write_reference_md(const struct cfg_section *root, FILE *out);

/* Edit distance, used for did-you-mean (exposed for tests and the CLI). */
size_t cfg_edit_distance(const char *a, const char *b);

#endif
