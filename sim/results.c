/* sim/results.c: the output folder of a run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/experiment.h"

FILE *exp_open_csv(struct exp_run *run, const char *name) {
    char *path = NULL;
    if (asprintf(&path, "%s/%s", run->out_dir, name) < 0) return NULL;
    FILE *f = fopen(path, "w");
    if (!f) fprintf(stderr, "tessera: cannot write %s: %s\n", path, strerror(errno));
    free(path);
    return f;
}

int tsr_mkdir_p(const char *dir) {
    char *p = strdup(dir);
    if (!p) return -1;
    for (char *c = p + 1; *c; c++) {
        if (*c != '/') continue;
        *c = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *c = '/';
    }
    int r = mkdir(p, 0777);
    free(p);
    return r != 0 && errno != EEXIST ? -1 : 0;
}
