/* sim/kernel/json.h: a streaming JSON writer for results files.
 *
 * Output is deterministic: keys come out in the order they are written,
 * numbers in a fixed format (integers exactly, doubles in the shortest of
 * %.15g..%.17g that reads back bit-identical; NaN and infinities, which JSON lacks, become null),
 * strings escaped per RFC 8259 (bytes that are not UTF-8 become U+FFFD). Pretty-printed with two-space indent so that
 * diffs of summary.json are readable.
 *
 * Flat mirror: with json_set_flat(), every scalar written is also printed as
 * one "path<TAB>value" line (path like stats.latency.p99, array elements by
 * index), which is what `tessera sweep` and shell scripts read without a JSON
 * parser (metrics.tsv beside summary.json).
 *
 * Memory: the writer holds FILE *s it does not own and a small nesting stack.
 * Cost: a fprintf per value. Misuse (a value where a key is needed, unbalanced
 * end) is a programming error and asserted.
 */
#ifndef TESSERA_SIM_KERNEL_JSON_H
#define TESSERA_SIM_KERNEL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json_writer {
    FILE *out;
    int depth;
    bool first[JSON_MAX_DEPTH]; /* no element written yet at this level */
    bool is_object[JSON_MAX_DEPTH];
    bool after_key;
    /* flat mirror */
    FILE *flat;
    char path[1024];
    size_t base_len[JSON_MAX_DEPTH]; /* length of path of the container at each level */
    unsigned count[JSON_MAX_DEPTH];  /* elements written at each level */
};

void json_init(struct json_writer *w, FILE *out);
/* Also write "path<TAB>value" lines for every scalar to `flat` (not owned). */
void json_set_flat(struct json_writer *w, FILE *flat);
void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);
void json_string(struct json_writer *w, const char *s);
void json_uint(struct json_writer *w, uint64_t v);
void json_int(struct json_writer *w, int64_t v);
void json_double(struct json_writer *w, double v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* key + value in one call */
void json_kv_string(struct json_writer *w, const char *k, const char *v);
void json_kv_uint(struct json_writer *w, const char *k, uint64_t v);
void json_kv_int(struct json_writer *w, const char *k, int64_t v);
void json_kv_double(struct json_writer *w, const char *k, double v);
void json_kv_bool(struct json_writer *w, const char *k, bool v);

#endif
