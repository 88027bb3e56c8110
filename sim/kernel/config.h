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
 * The document (steps 1 and 2, the tree and errors) is sim/kernel/config_doc.h;
 * this header adds the schema and binding (step 3) and the outputs.
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

#include "sim/kernel/config_doc.h"

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
    const char *name; /* YAML key (snake_case) */
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
#define CFG_BOOL_KEY(T, f, def, doc)                                                               \
    { #f, CFG_BOOL, offsetof(T, f), def, "", doc, CFG_NO_RANGE, NULL, NULL }
#define CFG_INT_KEY(T, f, def, lo, hi, unit, doc)                                                  \
    { #f, CFG_INT, offsetof(T, f), def, unit, doc, lo, hi, NULL, NULL }
#define CFG_UINT_KEY(T, f, def, lo, hi, unit, doc)                                                 \
    { #f, CFG_UINT, offsetof(T, f), def, unit, doc, lo, hi, NULL, NULL }
#define CFG_DOUBLE_KEY(T, f, def, lo, hi, unit, doc)                                               \
    { #f, CFG_DOUBLE, offsetof(T, f), def, unit, doc, lo, hi, NULL, NULL }
#define CFG_STRING_KEY(T, f, def, doc)                                                             \
    { #f, CFG_STRING, offsetof(T, f), def, "", doc, CFG_NO_RANGE, NULL, NULL }
#define CFG_ENUM_KEY(T, f, def, choices, doc)                                                      \
    { #f, CFG_ENUM, offsetof(T, f), def, "", doc, CFG_NO_RANGE, choices, NULL }
#define CFG_SECTION_KEY(T, f, sec)                                                                 \
    { #f, CFG_SECTION, offsetof(T, f), "", "", NULL, CFG_NO_RANGE, NULL, &(sec) }
#define CFG_SECTION_DEF(var, nm, docstr, keyarr)                                                   \
    const struct cfg_section var = {nm, docstr, keyarr, sizeof(keyarr) / sizeof((keyarr)[0])}

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

/* An unsigned integer as a key of type CFG_UINT reads it (decimal, 0x hex,
 * 0o octal, '_' separators, an exact literal such as 1.2e9; no sign, no
 * space): for values that do not come from a file, such as --seed. */
bool cfg_parse_uint(const char *s, uint64_t *out);

/* Edit distance, used for did-you-mean (exposed for tests and the CLI). */
size_t cfg_edit_distance(const char *a, const char *b);

#endif
