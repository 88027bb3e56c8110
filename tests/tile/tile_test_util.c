#include "tile_test_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tt_defaults(struct chip_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg_defaults(&chip_config_section, cfg);
}

struct chip *tt_chip(const struct chip_config *cfg, struct sim_engine *e) {
    char err[256] = "";
    struct chip_geom g = {6, 6};
    struct chip *c = chip_create(cfg, &g, e, err, sizeof err);
    cr_assert_not_null(c, "chip_create: %s", err);
    return c;
}

struct chip *tt_mesh_chip(const struct chip_config *cfg, struct sim_engine *e,
                          struct chip_mesh **m) {
    struct noc_config noc;
    memset(&noc, 0, sizeof noc);
    cfg_defaults(&noc_config_section, &noc);
    char err[256] = "";
    *m = chip_mesh_create(e, cfg, &noc, err, sizeof err);
    cfg_release(&noc_config_section, &noc);
    cr_assert_not_null(*m, "chip_mesh_create: %s", err);
    return chip_mesh_chip(*m);
}

void tt_udn_inject(struct chip_mesh *m, unsigned src, unsigned dst, unsigned queue, uint64_t w) {
    cr_assert_eq(udn_send(chip_mesh_udn(m), src, dst, queue, &w, 1), UDN_SENT);
}

long tt_objdump_insns(const char *path, const char *fn, long *offs, size_t max, long *hook_calls,
                      long *nops) {
    char cmd[1024], self[512];
    if (!strcmp(path, "/proc/self/exe")) {
        ssize_t l = readlink(path, self, sizeof self - 1);
        if (l <= 0) return -1;
        self[l] = 0;
        path = self;
    }
    snprintf(cmd, sizeof cmd, "objdump -d --no-show-raw-insn --disassemble=%s '%s'", fn, path);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    char line[512];
    long n = 0, first = -1;
    int in_fn = 0;
    if (hook_calls) *hook_calls = 0;
    if (nops) *nops = 0;
    char hdr[128];
    snprintf(hdr, sizeof hdr, "<%s>:", fn);
    while (fgets(line, sizeof line, p)) {
        if (strstr(line, hdr)) {
            in_fn = 1;
            continue;
        }
        if (!in_fn) continue;
        if (line[0] == '\n') {
            in_fn = 0;
            continue;
        }
        char *colon = strchr(line, ':');
        if (!colon || !strchr(line, '\t')) continue;
        long addr = strtol(line, NULL, 16);
        if (first < 0) first = addr;
        if (offs && (size_t)n < max) offs[n] = addr - first;
        if (hook_calls && strstr(line, "call") && strstr(line, "__sanitizer_cov_")) (*hook_calls)++;
        if (nops && (strstr(line, "nop") || strstr(line, "xchg   %ax,%ax"))) (*nops)++;
        n++;
    }
    pclose(p);
    return n;
}
