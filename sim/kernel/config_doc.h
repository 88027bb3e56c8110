/* sim/kernel/config_doc.h: a YAML experiment file as a tree that remembers
 * where every value came from (file:line:column, or the --set text), and the
 * list of errors a load collects. Steps 1 and 2 of sim/kernel/config.h:
 * cfg_doc_load() parses a file with libyaml and follows `include:`;
 * cfg_doc_set() applies `--set a.b.c=value`. Binding a tree onto a schema is
 * config.h's.
 *
 * Memory: a cfg_doc owns its tree and the strings it interns; nodes belong
 * to their document. Cost: start-up only.
 */
#ifndef TESSERA_SIM_KERNEL_CONFIG_DOC_H
#define TESSERA_SIM_KERNEL_CONFIG_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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

#endif
