/* sim/cli/layout_cmd.c: `tessera layout`. See layout_cmd.h. */
#include "sim/cli/layout_cmd.h"

#include <getopt.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/chip/layout.h"
#include "sim/kernel/config.h"
#include "sim/kernel/exp.h"

extern char **environ;

#ifndef TESSERA_LAYOUT_GP
#define TESSERA_LAYOUT_GP "scripts/layout.gp"
#endif

static const char layout_usage[] =
    "usage: tessera layout FILE.yaml [-o PNG] [--rings N]\n"
    "  print the layout's map (roles, quadrants, reach, processes); -o also draws it\n"
    "  with gnuplot (scripts/layout.gp); --rings N refuses more than N network stacks\n"
    "  (net + rtc tiles), as nic.mpipe.rings would\n";

/* gnuplot -e "datafile='D'; outfile='P'; name='N'" scripts/layout.gp */
static int draw_png(const struct layout *l, const char *png) {
    if (strchr(png, '\'') || strchr(l->file, '\'')) {
        fprintf(stderr, "tessera layout: %s: a file name with ' cannot be passed to gnuplot\n",
                png);
        return TSR_EXIT_RUN_FAILED;
    }
    const char *script = TESSERA_LAYOUT_GP;
    if (access(script, R_OK) != 0) script = "scripts/layout.gp";
    char data[] = "/tmp/tessera-layout-XXXXXX";
    int fd = mkstemp(data);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0) close(fd);
        fprintf(stderr, "tessera layout: cannot write a temporary data file in /tmp\n");
        return TSR_EXIT_RUN_FAILED;
    }
    layout_write_data(l, f);
    fclose(f);
    char *expr = NULL;
    int rc = TSR_EXIT_RUN_FAILED;
    if (asprintf(&expr, "datafile='%s'; outfile='%s'; name='%s'; W=%u; H=%u", data, png, l->file,
                 l->width, l->height) < 0) {
        unlink(data);
        return rc;
    }
    char *argv[] = {"gnuplot", "-e", expr, (char *)script, NULL};
    pid_t pid;
    int st = 0;
    int e = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
    if (e != 0)
        fprintf(stderr, "tessera layout: cannot run gnuplot (%s); scripts/setup.sh installs it\n",
                strerror(e));
    else if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fprintf(stderr, "tessera layout: gnuplot %s failed; no PNG written\n", script);
    else if (access(png, F_OK) != 0)
        fprintf(stderr, "tessera layout: gnuplot wrote no %s\n", png);
    else
        rc = TSR_EXIT_OK;
    if (rc == TSR_EXIT_OK) printf("\nwrote %s\n", png);
    free(expr);
    unlink(data);
    return rc;
}

int tsr_layout_main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},
        {"rings", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *png = NULL;
    unsigned rings = 0;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case 'h': fputs(layout_usage, stdout); return TSR_EXIT_OK;
        case 'o':
            if (!optarg[0]) {
                fprintf(stderr, "tessera layout: -o: expected a PNG file name, found \"\"\n");
                return TSR_EXIT_USAGE;
            }
            png = optarg;
            break;
        case 'r':
            if (!cfg_parse_uint(optarg, &v) || v == 0 || v > 65535) {
                fprintf(stderr,
                        "tessera layout: --rings: found \"%s\", expected an integer "
                        "from 1 to 65535\n",
                        optarg);
                return TSR_EXIT_USAGE;
            }
            rings = (unsigned)v;
            break;
        default:
            fprintf(stderr, "tessera layout: unknown or incomplete option \"%s\"\n%s",
                    argv[optind - 1], layout_usage);
            return TSR_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "tessera layout: expected one layout file\n%s", layout_usage);
        return TSR_EXIT_USAGE;
    }
    struct cfg_errors err = {0};
    struct layout *l = layout_load(argv[optind], rings, &err);
    if (!l) {
        cfg_errors_print(&err, stderr);
        cfg_errors_fini(&err);
        return TSR_EXIT_BAD_INPUT;
    }
    cfg_errors_fini(&err);
    layout_print(l, stdout);
    int rc = png ? draw_png(l, png) : TSR_EXIT_OK;
    layout_free(l);
    return rc;
}
