/* sim/kernel/exp.c: see exp.h. */
#include "sim/kernel/exp.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *tsr_exit_word(int code) {
    switch (code) {
    case TSR_EXIT_OK: return "ok";
    case TSR_EXIT_USAGE: return "bad-command-line";
    case TSR_EXIT_BAD_INPUT: return "bad-input";
    case TSR_EXIT_DEADLOCK: return "deadlock";
    default: return "failed";
    }
}

const void *exp_run_section(const struct exp_run *run, const char *name) {
    for (size_t i = 0; i < run->nsections; i++)
        if (strcmp(run->sections[i].name, name) == 0) return run->sections[i].cfg;
    assert(!"experiment kind reads a configuration section it did not declare");
    return NULL;
}

FILE *exp_open_csv(struct exp_run *run, const char *name) {
    char *path = NULL;
    if (asprintf(&path, "%s/%s", run->out_dir, name) < 0) return NULL;
    FILE *f = fopen(path, "w");
    if (!f) fprintf(stderr, "tessera: cannot write %s: %s\n", path, strerror(errno));
    free(path);
    return f;
}
