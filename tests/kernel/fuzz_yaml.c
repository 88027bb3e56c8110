/* tests/kernel/fuzz_yaml.c: libFuzzer target over the YAML loader: any
 * bytes, written to a file, are parsed with includes (cfg_doc_load), every
 * node of the tree is walked through the read-only API, a `--set` is applied,
 * and the document is bound onto a schema with every key type (cfg_bind).
 * It must never crash, leak, hang or take unbounded memory: every mistake is
 * an error message. (The kernel's loader only: the whole root schema lives
 * with the kinds, whose tile runtime defines the coverage hooks libFuzzer
 * defines too.) The committed
 * corpus (tests/kernel/corpus_yaml) holds the shipped configs and hostile
 * cases (alias bomb, deep nesting, octal-looking numbers, negative seeds).
 * For a long run (ASan keeps freed memory in its quarantine: make it small,
 * or the process's RSS measures ASan, not the loader):
 *   ASAN_OPTIONS=quarantine_size_mb=8:allocator_release_to_os_interval_ms=100
 *   fuzz_yaml -max_total_time=3600 -rss_limit_mb=512 -malloc_limit_mb=256
 *   -timeout=1 NEW_DIR tests/kernel/corpus_yaml
 * -timeout is wall-clock time: on a host busy with other work, inputs near
 * the document bounds (200,000 nodes after alias expansion: 0.1-0.4 s
 * alone) exceed 1 s, and the release-to-OS option above makes it worse.
 * There, run with -timeout=30 (hangs still show) and check the slowest
 * input afterwards, alone:
 *   fuzz_yaml -runs=0 -print_final_stats=1 NEW_DIR   (stat::slowest_unit_time_sec)
 * Last one-hour run (2026-12-07, 2-core VM shared with builds, -timeout=30):
 * 1,407,979 inputs, no crash or report, peak RSS 113 MB; its 1,390-input
 * corpus replayed alone: slowest input under 1 s (the two that had hit
 * the 1-s limit under load take 119 and 241 ms). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/kernel/config.h"

struct fuzz_leaf {
    bool b;
    int64_t i;
    uint64_t u;
    double d;
    char *s;
    int e;
};
static const char *const fuzz_choices[] = {"xy", "yx", "west-first", NULL};
static const struct cfg_key fuzz_leaf_keys[] = {
    CFG_BOOL_KEY(struct fuzz_leaf, b, "false", "A flag."),
    CFG_INT_KEY(struct fuzz_leaf, i, "0", -1000, 1000, "", "A signed number."),
    CFG_UINT_KEY(struct fuzz_leaf, u, "1", 1, 1e12, "", "An unsigned number."),
    CFG_DOUBLE_KEY(struct fuzz_leaf, d, "0.5", 0, 1, "", "A fraction."),
    CFG_STRING_KEY(struct fuzz_leaf, s, "x", "A string."),
    CFG_ENUM_KEY(struct fuzz_leaf, e, "xy", fuzz_choices, "A choice."),
};
static CFG_SECTION_DEF(fuzz_leaf_section, "leaf", "Every key type.", fuzz_leaf_keys);
struct fuzz_root {
    struct fuzz_leaf leaf, other;
};
static const struct cfg_key fuzz_root_keys[] = {
    CFG_SECTION_KEY(struct fuzz_root, leaf, fuzz_leaf_section),
    CFG_SECTION_KEY(struct fuzz_root, other, fuzz_leaf_section),
};
static CFG_SECTION_DEF(fuzz_root_section, "", "The fuzz target's schema.", fuzz_root_keys);

/* Touch every node (bounded by the loader's own limits). */
static size_t walk(const struct cfg_node *n, int depth) {
    if (!n || depth > 100) return 0;
    char where[256];
    cfg_node_where(n, where, sizeof where);
    size_t count = 1;
    const char *v = cfg_node_scalar(n);
    if (v) count += strlen(v) > 0;
    for (size_t i = 0; i < cfg_node_len(n); i++) {
        (void)cfg_node_key(n, i);
        count += walk(cfg_node_item(n, i), depth + 1);
    }
    return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[] = "/tmp/tessera_fuzz_yaml_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0) break;
        off += (size_t)n;
    }
    close(fd);
    struct cfg_errors err = {0};
    struct cfg_doc *d = cfg_doc_load(path, &err);
    if (d) {
        (void)walk(cfg_doc_root(d), 0);
        (void)cfg_doc_find(d, "leaf.u");
        cfg_doc_set(d, "leaf.s=set", &err);
        struct fuzz_root r;
        memset(&r, 0, sizeof r);
        cfg_bind(d, &fuzz_root_section, &r, &err);
        cfg_release(&fuzz_root_section, &r);
        cfg_doc_free(d);
    }
    cfg_errors_fini(&err);
    unlink(path);
    return 0;
}
