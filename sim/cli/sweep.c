/* sim/cli/sweep.c: see sweep.h. */
#include "sim/cli/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/cli/experiment.h"
#include "sim/kernel/config.h"
#include "sim/kernel/json.h"
#include "sim/kernel/results.h"

/* The most points a sweep may have: each is a run (and a folder), and all
 * are checked before any runs. */
#define TSR_SWEEP_MAX_POINTS 10000

struct axis {
    const char *key;
    size_t n;
    const char **values;
};

struct sweep {
    const char *file;
    char *experiment; /* path resolved against the sweep file's folder */
    bool zip;
    const char **fixed; /* "key=value" */
    size_t nfixed;
    struct axis *axes;
    size_t naxes;
    const char **collect;
    size_t ncollect;
    size_t npoints;
    uint64_t build; /* hash of the tessera program (see build_hash) */
    char **owned;   /* strings to free */
    size_t nowned;
};

static char *own(struct sweep *s, char *str) {
    char **p = realloc(s->owned, (s->nowned + 1) * sizeof *p);
    if (!p || !str) {
        fprintf(stderr, "tessera: out of memory (sweep)\n");
        exit(TSR_EXIT_RUN_FAILED);
    }
    s->owned = p;
    return s->owned[s->nowned++] = str;
}

static void sweep_free(struct sweep *s) {
    for (size_t i = 0; i < s->nowned; i++) free(s->owned[i]);
    free(s->owned);
    for (size_t i = 0; i < s->naxes; i++) free(s->axes[i].values);
    free(s->axes);
    free(s->fixed);
    free(s->collect);
}

static const char *const sweep_keys[] = {"experiment", "mode", "set", "axes", "collect"};
#define NSWEEP_KEYS (sizeof sweep_keys / sizeof sweep_keys[0])

/* A list of scalars, or a single scalar taken as a one-element list. */
static bool scalar_list(const struct cfg_node *n, const char *what, const char ***out, size_t *len,
                        struct cfg_errors *err) {
    char where[512];
    if (cfg_node_kind(n) == CFG_NODE_SCALAR) {
        *out = calloc(1, sizeof **out);
        (*out)[0] = cfg_node_scalar(n);
        *len = 1;
        return true;
    }
    if (cfg_node_kind(n) != CFG_NODE_LIST || cfg_node_len(n) == 0) {
        cfg_errors_add(err, "%s: %s: expected a non-empty list of values",
                       cfg_node_where(n, where, sizeof where), what);
        return false;
    }
    *len = cfg_node_len(n);
    *out = calloc(*len, sizeof **out);
    for (size_t i = 0; i < *len; i++) {
        const struct cfg_node *v = cfg_node_item(n, i);
        if (cfg_node_kind(v) != CFG_NODE_SCALAR) {
            cfg_errors_add(err, "%s: %s: element %zu: expected a value, found %s",
                           cfg_node_where(v, where, sizeof where), what, i + 1,
                           cfg_node_kind(v) == CFG_NODE_MAP ? "a mapping" : "a list or null");
            return false;
        }
        (*out)[i] = cfg_node_scalar(v);
    }
    return true;
}

static bool sweep_parse(struct sweep *s, const struct cfg_doc *d, struct cfg_errors *err) {
    const struct cfg_node *root = cfg_doc_root(d);
    char where[512];
    bool ok = true;
    for (size_t i = 0; i < cfg_node_len(root); i++) {
        const char *k = cfg_node_key(root, i);
        bool known = false;
        const char *best = NULL;
        size_t best_d = SIZE_MAX;
        for (size_t j = 0; j < NSWEEP_KEYS; j++) {
            known |= strcmp(k, sweep_keys[j]) == 0;
            size_t dist = cfg_edit_distance(k, sweep_keys[j]);
            if (dist < best_d) best_d = dist, best = sweep_keys[j];
        }
        if (!known) {
            const struct cfg_node *v = cfg_node_item(root, i);
            if (best_d <= 2)
                cfg_errors_add(err, "%s: %s: unknown key; did you mean \"%s\"?",
                               cfg_node_where(v, where, sizeof where), k, best);
            else
                cfg_errors_add(err,
                               "%s: %s: unknown key; a sweep file has: experiment, mode, set, "
                               "axes, collect",
                               cfg_node_where(v, where, sizeof where), k);
            ok = false;
        }
    }
    const struct cfg_node *e = cfg_node_get(root, "experiment");
    if (!e || cfg_node_kind(e) != CFG_NODE_SCALAR) {
        cfg_errors_add(err, "%s: experiment: %s, expected the path of an experiment file",
                       e ? cfg_node_where(e, where, sizeof where) : s->file,
                       e ? "not a path" : "missing required key");
        ok = false;
    } else {
        const char *p = cfg_node_scalar(e);
        const char *slash = strrchr(s->file, '/');
        char *full = NULL;
        if (p[0] == '/' || !slash)
            full = strdup(p);
        else if (asprintf(&full, "%.*s/%s", (int)(slash - s->file), s->file, p) < 0)
            full = NULL;
        s->experiment = own(s, full);
    }
    const struct cfg_node *m = cfg_node_get(root, "mode");
    if (m) {
        const char *v = cfg_node_scalar(m);
        if (v && strcmp(v, "zip") == 0)
            s->zip = true;
        else if (!v || strcmp(v, "cartesian") != 0) {
            cfg_errors_add(err, "%s: mode: found \"%s\", expected one of cartesian, zip",
                           cfg_node_where(m, where, sizeof where), v ? v : "(not a value)");
            ok = false;
        }
    }
    const struct cfg_node *set = cfg_node_get(root, "set");
    if (set && cfg_node_kind(set) != CFG_NODE_MAP && cfg_node_kind(set) != CFG_NODE_NULL) {
        cfg_errors_add(err, "%s: set: expected a mapping of key: value",
                       cfg_node_where(set, where, sizeof where));
        ok = false;
    } else if (set) {
        s->nfixed = cfg_node_len(set);
        s->fixed = calloc(s->nfixed + 1, sizeof *s->fixed);
        for (size_t i = 0; i < s->nfixed; i++) {
            const struct cfg_node *v = cfg_node_item(set, i);
            const char *val = cfg_node_kind(v) == CFG_NODE_NULL ? "" : cfg_node_scalar(v);
            if (!val) {
                cfg_errors_add(err, "%s: set.%s: expected a value",
                               cfg_node_where(v, where, sizeof where), cfg_node_key(set, i));
                ok = false;
                continue;
            }
            char *a = NULL;
            if (asprintf(&a, "%s=%s", cfg_node_key(set, i), val) < 0) a = NULL;
            s->fixed[i] = own(s, a);
        }
    }
    const struct cfg_node *axes = cfg_node_get(root, "axes");
    if (!axes || cfg_node_kind(axes) != CFG_NODE_MAP || cfg_node_len(axes) == 0) {
        cfg_errors_add(err, "%s: axes: %s, expected a mapping of key: [values...]",
                       axes ? cfg_node_where(axes, where, sizeof where) : s->file,
                       axes ? "not a mapping with keys" : "missing required key");
        ok = false;
    } else {
        s->naxes = cfg_node_len(axes);
        s->axes = calloc(s->naxes, sizeof *s->axes);
        for (size_t i = 0; i < s->naxes; i++) {
            s->axes[i].key = cfg_node_key(axes, i);
            char what[300];
            snprintf(what, sizeof what, "axes.%s", s->axes[i].key);
            ok =
                scalar_list(cfg_node_item(axes, i), what, &s->axes[i].values, &s->axes[i].n, err) &&
                ok;
        }
    }
    const struct cfg_node *col = cfg_node_get(root, "collect");
    if (col) ok = scalar_list(col, "collect", &s->collect, &s->ncollect, err) && ok;
    if (!ok) return false;
    s->npoints = 1;
    double grid = 1; /* the count even when it overflows size_t */
    for (size_t i = 0; i < s->naxes; i++) {
        grid *= s->zip ? 1 : (double)s->axes[i].n;
        if (s->zip) {
            if (s->axes[i].n != s->axes[0].n) {
                cfg_errors_add(err,
                               "%s: axes.%s: has %zu values but axes.%s has %zu; mode zip needs "
                               "lists of equal length",
                               s->file, s->axes[i].key, s->axes[i].n, s->axes[0].key, s->axes[0].n);
                return false;
            }
            s->npoints = s->axes[0].n;
        } else {
            s->npoints = grid > TSR_SWEEP_MAX_POINTS ? SIZE_MAX : s->npoints * s->axes[i].n;
        }
    }
    if (s->zip) grid = (double)s->npoints;
    if (grid > TSR_SWEEP_MAX_POINTS) {
        cfg_errors_add(err,
                       "%s: axes: %.0f points, more than %d points (the most a sweep may have): "
                       "split it into several sweeps",
                       s->file, grid, TSR_SWEEP_MAX_POINTS);
        return false;
    }
    return true;
}

/* Value index of axis a at point p. Cartesian: the last axis varies fastest. */
static size_t axis_index(const struct sweep *s, size_t a, size_t p) {
    if (s->zip) return p;
    size_t stride = 1;
    for (size_t j = s->naxes; j-- > a + 1;) stride *= s->axes[j].n;
    return (p / stride) % s->axes[a].n;
}

/* All overrides of point p: fixed ones, then one per axis. */
static const char **point_sets(struct sweep *s, size_t p, size_t *n) {
    *n = s->nfixed + s->naxes;
    const char **sets = calloc(*n + 1, sizeof *sets);
    for (size_t i = 0; i < s->nfixed; i++) sets[i] = s->fixed[i];
    for (size_t a = 0; a < s->naxes; a++) {
        char *x = NULL;
        if (asprintf(&x, "%s=%s", s->axes[a].key, s->axes[a].values[axis_index(s, a, p)]) < 0)
            x = NULL;
        sets[s->nfixed + a] = own(s, x);
    }
    return sets;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, got, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* 64-bit FNV-1a, continued from h (start: FNV_OFFSET). */
#define FNV_OFFSET 0xcbf29ce484222325ull
static uint64_t fnv1a(uint64_t h, const void *data, size_t len) {
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* The build: a hash of the running program's bytes (/proc/self/exe), so
 * that any rebuild that changes the code keys its points apart (the
 * version string is a constant). 0 if it cannot be read. Cost: one read of
 * the program per sweep. */
static uint64_t build_hash(void) {
    FILE *f = fopen("/proc/self/exe", "rb");
    if (!f) return 0;
    uint64_t h = FNV_OFFSET;
    unsigned char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) h = fnv1a(h, chunk, got);
    fclose(f);
    return h;
}

/* A hash of the resolved configuration: the JSON a run writes as its
 * summary's "config" (every key bound, includes and overrides applied). */
static uint64_t config_hash(const struct tsr_config *cfg) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    struct json_writer w;
    json_init(&w, m);
    tsr_config_write_json(cfg, &w);
    fclose(m);
    uint64_t h = fnv1a(FNV_OFFSET, buf, len);
    free(buf);
    return h;
}

/* The text identifying what a point runs (its point.txt): experiment path,
 * overrides, and the hashes of the resolved configuration and the build. */
static char *point_id_text(const struct sweep *s, const char **sets, size_t n, uint64_t cfg) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    fprintf(m, "experiment %s\n", s->experiment);
    for (size_t i = 0; i < n; i++) fprintf(m, "set %s\n", sets[i]);
    fprintf(m, "config %016llx\nbuild %016llx\n", (unsigned long long)cfg,
            (unsigned long long)s->build);
    fclose(m);
    return buf;
}

struct point {
    char *dir;
    const char **sets;
    size_t nsets;
    uint64_t cfg; /* config_hash of its resolved configuration */
    char *id;     /* point_id_text */
    bool reuse;
    int rc; /* exit code, -1 before it ends */
    pid_t pid;
};

static pid_t spawn_point(const struct sweep *s, struct point *pt) {
    size_t argc = 0;
    const char **argv = calloc(2 * pt->nsets + 8, sizeof *argv);
    argv[argc++] = "tessera";
    argv[argc++] = "run";
    argv[argc++] = s->experiment;
    for (size_t i = 0; i < pt->nsets; i++) {
        argv[argc++] = "--set";
        argv[argc++] = pt->sets[i];
    }
    argv[argc++] = "-o";
    argv[argc++] = pt->dir;
    argv[argc++] = "--quiet";
    argv[argc] = NULL;
    char *log = NULL;
    if (asprintf(&log, "%s/log.txt", pt->dir) < 0) log = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666) : -1;
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv("/proc/self/exe", (char *const *)argv);
        fprintf(stderr, "tessera sweep: cannot run /proc/self/exe: %s\n", strerror(errno));
        _exit(TSR_EXIT_RUN_FAILED);
    }
    free(log);
    free(argv);
    return pid;
}

/* Value of `path` in a metrics.tsv text, or NULL. */
static const char *metric(const char *tsv, const char *path, char *buf, size_t len) {
    size_t pl = strlen(path);
    for (const char *line = tsv; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t ll = nl ? (size_t)(nl - line) : strlen(line);
        if (ll > pl && strncmp(line, path, pl) == 0 && line[pl] == '\t') {
            size_t vl = ll - pl - 1;
            if (vl >= len) vl = len - 1;
            memcpy(buf, line + pl + 1, vl);
            buf[vl] = '\0';
            return buf;
        }
        line = nl ? nl + 1 : NULL;
    }
    return NULL;
}

static void csv_field(FILE *f, const char *v) {
    if (strpbrk(v, ",\"\n")) {
        fputc('"', f);
        for (; *v; v++) {
            if (*v == '"') fputc('"', f);
            fputc(*v, f);
        }
        fputc('"', f);
    } else {
        fputs(v, f);
    }
}

static const char sweep_usage[] =
    "usage: tessera sweep SWEEP.yaml [--set path.to.key=VALUE]... [-o DIR] [-j JOBS] [--force]\n"
    "                    [--dry-run]\n"
    "  --set path=VALUE  override a key of the experiment at every point (repeatable; applied\n"
    "                    before the sweep file's set: and axes:)\n"
    "  -o, --out DIR     output folder (default out/sweeps/<sweep file name>)\n"
    "  -j, --jobs N      points run at once (default: the number of processors)\n"
    "  --force           rerun points already done\n"
    "  --dry-run         check every point and list them; run nothing\n"
    "  -h, --help        this text\n"
    "(docs/sweeps.md)\n";

struct sweep_opts {
    const char *out;
    long jobs;
    bool force, dry, help;
    const char *file;
    const char **sets; /* --set, argc entries */
    size_t nsets;
};

/* -o DIR, -j JOBS, --force, --dry-run, SWEEP.yaml. TSR_EXIT_OK or _USAGE. */
static int parse_sweep_opts(int argc, char **argv, struct sweep_opts *o) {
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},
        {"force", no_argument, NULL, 'f'},
        {"dry-run", no_argument, NULL, 'n'},
        {"set", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct sweep_opts){.jobs = sysconf(_SC_NPROCESSORS_ONLN)};
    o->sets = calloc((size_t)argc + 1, sizeof *o->sets);
    if (!o->sets) return TSR_EXIT_USAGE;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': o->help = true; return TSR_EXIT_OK;
        case 's': o->sets[o->nsets++] = optarg; break;
        case 'o':
            if (!optarg[0]) {
                fprintf(stderr, "tessera sweep: -o: expected a folder name, found \"\"\n");
                return TSR_EXIT_USAGE;
            }
            o->out = optarg;
            break;
        case 'j': {
            char *end;
            o->jobs = strtol(optarg, &end, 10);
            if (*end || o->jobs < 1 || o->jobs > 1024) {
                fprintf(stderr, "tessera sweep: -j: found \"%s\", expected 1..1024\n", optarg);
                return TSR_EXIT_USAGE;
            }
            break;
        }
        case 'f': o->force = true; break;
        case 'n': o->dry = true; break;
        default:
            fprintf(stderr, "tessera sweep: unknown or incomplete option \"%s\"\n",
                    argv[optind - 1]);
            fputs(sweep_usage, stderr);
            return TSR_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fputs(sweep_usage, stderr);
        return TSR_EXIT_USAGE;
    }
    if (o->jobs < 1) o->jobs = 1;
    o->file = argv[optind];
    return TSR_EXIT_OK;
}

/* --set of the command line: fixed overrides applied before the file's. */
static void add_command_line_sets(struct sweep *s, const char **sets, size_t n) {
    if (!n) return;
    const char **all = calloc(n + s->nfixed + 1, sizeof *all);
    if (!all) {
        fprintf(stderr, "tessera: out of memory (sweep)\n");
        exit(TSR_EXIT_RUN_FAILED);
    }
    memcpy(all, sets, n * sizeof *all);
    if (s->nfixed) memcpy(all + n, s->fixed, s->nfixed * sizeof *all);
    free(s->fixed);
    s->fixed = all;
    s->nfixed += n;
}

/* The output folder: -o, or out/sweeps/<file name without .yaml>. */
static char *sweep_dir(struct sweep *s, const char *out) {
    char *dir = NULL;
    if (out) {
        dir = strdup(out);
    } else {
        const char *base = strrchr(s->file, '/');
        base = base ? base + 1 : s->file;
        size_t bl = strlen(base);
        if (bl > 5 && strcmp(base + bl - 5, ".yaml") == 0) bl -= 5;
        if (asprintf(&dir, "out/sweeps/%.*s", (int)bl, base) < 0) dir = NULL;
    }
    return own(s, dir);
}

/* Every point's overrides and folder; each point's configuration is checked
 * before any runs. Returns the number of points refused. The errors of a
 * refused point are printed unless they are the same as the previous
 * refused point's (a missing experiment file is said once, not once per
 * point), and at most for MAX_REFUSED_SHOWN points. */
#define MAX_REFUSED_SHOWN 5
static int check_points(struct sweep *s, struct point *pts, const char *dir) {
    int bad = 0, shown = 0;
    char *last = NULL;
    for (size_t p = 0; p < s->npoints; p++) {
        pts[p].sets = point_sets(s, p, &pts[p].nsets);
        pts[p].rc = -1;
        char *pd = NULL;
        if (asprintf(&pd, "%s/point-%03zu", dir, p) < 0) pd = NULL;
        pts[p].dir = own(s, pd);
        struct tsr_config cfg;
        memset(&cfg, 0, sizeof cfg);
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        int rc = tsr_config_load(s->experiment, pts[p].sets, pts[p].nsets, &cfg, m);
        fclose(m);
        if (rc != TSR_EXIT_OK) {
            bad++;
            if (last && strcmp(last, text) == 0) {
                free(text);
            } else {
                if (shown++ < MAX_REFUSED_SHOWN) {
                    fputs(text, stderr);
                    fprintf(stderr, "tessera sweep: point %zu is refused (above)\n", p);
                }
                free(last);
                last = text;
            }
        } else {
            free(text);
            pts[p].cfg = config_hash(&cfg);
        }
        cfg_release(&tsr_config_section, &cfg);
    }
    free(last);
    if (bad > shown)
        fprintf(stderr,
                "tessera sweep: %d more refused points not listed (same errors as the point "
                "listed before them, or past the first %d)\n",
                bad - (shown < MAX_REFUSED_SHOWN ? shown : MAX_REFUSED_SHOWN), MAX_REFUSED_SHOWN);
    return bad;
}

/* DIR/point-NNN/point.txt: the point's id, then "exit N" once its run has
 * ended (so a run killed or torn midway is never taken as done). */
static void write_point_txt(const struct point *pt, int rc) {
    char *path = NULL, *text = NULL;
    int n = rc < 0 ? asprintf(&text, "%s", pt->id) : asprintf(&text, "%sexit %d\n", pt->id, rc);
    if (n < 0 || asprintf(&path, "%s/point.txt", pt->dir) < 0 ||
        tsr_write_file_atomic(path, text, strlen(text)) != 0)
        fprintf(stderr, "tessera sweep: cannot write %s/point.txt: %s\n", pt->dir, strerror(errno));
    free(path);
    free(text);
}

/* Whether `old` (a point.txt) is `id` followed by an exit record. */
static bool completed_same(const char *old, const char *id) {
    size_t il = strlen(id);
    return old && strncmp(old, id, il) == 0 && strncmp(old + il, "exit ", 5) == 0 &&
           strchr(old + il, '\n');
}

/* Marks the points whose folder holds a completed run of the same
 * experiment, overrides, resolved configuration and build (unless force):
 * point.txt records the id and the exit, and summary.json and metrics.tsv
 * are there (both are written whole or not at all, sim/cli/cli.c).
 * Prepares the others' folders (unless dry). Returns how many are to run. */
static size_t plan_points(struct sweep *s, struct point *pts, bool force, bool dry) {
    size_t to_run = 0;
    for (size_t p = 0; p < s->npoints; p++) {
        char *id = own(s, point_id_text(s, pts[p].sets, pts[p].nsets, pts[p].cfg));
        pts[p].id = id;
        char *idp = NULL, *sum = NULL, *tsv = NULL;
        if (asprintf(&idp, "%s/point.txt", pts[p].dir) < 0) idp = NULL;
        if (asprintf(&sum, "%s/summary.json", pts[p].dir) < 0) sum = NULL;
        if (asprintf(&tsv, "%s/metrics.tsv", pts[p].dir) < 0) tsv = NULL;
        char *old = idp ? slurp(idp) : NULL;
        pts[p].reuse = !force && completed_same(old, id) && sum && access(sum, F_OK) == 0 && tsv &&
                       access(tsv, F_OK) == 0;
        if (!pts[p].reuse && !dry) {
            tsr_mkdir_p(pts[p].dir);
            if (sum) unlink(sum);
            if (tsv) unlink(tsv); /* a stale table would be read as this run's */
            write_point_txt(&pts[p], -1);
        }
        to_run += !pts[p].reuse;
        free(old);
        free(tsv);
        free(idp);
        free(sum);
    }
    return to_run;
}

/* Locks the output folder (flock on DIR/.lock) for the whole sweep: a
 * second sweep into the same folder refuses at once rather than waiting
 * (a sweep may last hours, and a waiting one would then only find the
 * points done). The descriptor (close it to unlock; not inherited by the
 * points), -2 if another sweep holds the lock, -1 on another error. */
static int lock_dir(const char *dir) {
    char *path = NULL;
    if (asprintf(&path, "%s/.lock", dir) < 0) return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        fprintf(stderr, "tessera sweep: cannot create %s: %s\n", path, strerror(errno));
        free(path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            fprintf(stderr,
                    "tessera sweep: %s is in use by another sweep (%s is locked); nothing was "
                    "run: wait until it ends, or write to another folder (-o)\n",
                    dir, path);
        else
            fprintf(stderr, "tessera sweep: cannot lock %s: %s\n", path, strerror(e));
        free(path);
        return e == EWOULDBLOCK ? -2 : -1;
    }
    free(path);
    return fd;
}

static void print_dry_run(const struct sweep *s, const struct point *pts) {
    for (size_t p = 0; p < s->npoints; p++) {
        printf("  point-%03zu%s:", p, pts[p].reuse ? " (done)" : "");
        for (size_t i = 0; i < pts[p].nsets; i++) printf(" --set %s", pts[p].sets[i]);
        printf("\n");
    }
}

/* Runs the points not reused, up to `jobs` child processes at once. */
static double sweep_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run_points(const struct sweep *s, struct point *pts, size_t to_run, long jobs) {
    size_t next = 0, running = 0, finished = 0;
    const double t0 = sweep_clock(); /* for the overall ETA (stdout only) */
    while (finished < to_run) {
        while (running < (size_t)jobs && next < s->npoints) {
            if (pts[next].reuse) {
                next++;
                continue;
            }
            pts[next].pid = spawn_point(s, &pts[next]);
            if (pts[next].pid < 0) {
                pts[next].rc = TSR_EXIT_RUN_FAILED;
                finished++;
            } else {
                running++;
            }
            next++;
        }
        if (running == 0) break;
        int st;
        pid_t pid = wait(&st);
        if (pid < 0) break;
        for (size_t p = 0; p < s->npoints; p++) {
            if (pts[p].pid != pid || pts[p].rc >= 0) continue;
            pts[p].rc = WIFEXITED(st) ? WEXITSTATUS(st) : TSR_EXIT_RUN_FAILED;
            running--;
            finished++;
            write_point_txt(&pts[p], pts[p].rc);
            double el = sweep_clock() - t0;
            printf("  [%zu/%zu] point-%03zu %s  (%.0f s, ~%.0f s left)\n", finished, to_run, p,
                   tsr_exit_word(pts[p].rc), el,
                   el / (double)finished * (double)(to_run - finished));
            fflush(stdout);
        }
    }
}

/* DIR/sweep.csv: a row per point (axis values, outcome, collected metrics).
 * Returns the exit code of the sweep. */
static int write_table(struct sweep *s, const struct point *pts, const char *dir) {
    char *csv_path = NULL;
    if (asprintf(&csv_path, "%s/sweep.csv", dir) < 0) csv_path = NULL;
    own(s, csv_path);
    char *text = NULL;
    size_t text_len = 0;
    FILE *csv = csv_path ? open_memstream(&text, &text_len) : NULL;
    if (!csv) {
        fprintf(stderr, "tessera sweep: cannot write %s/sweep.csv: %s\n", dir, strerror(errno));
        return TSR_EXIT_RUN_FAILED;
    }
    fputs("point", csv);
    for (size_t a = 0; a < s->naxes; a++) {
        fputc(',', csv);
        csv_field(csv, s->axes[a].key);
    }
    fputs(",status", csv);
    for (size_t k = 0; k < s->ncollect; k++) {
        fputc(',', csv);
        csv_field(csv, s->collect[k]);
    }
    fputc('\n', csv);
    int rc = TSR_EXIT_OK;
    size_t nok = 0;
    for (size_t p = 0; p < s->npoints; p++) {
        char *mp = NULL;
        if (asprintf(&mp, "%s/metrics.tsv", pts[p].dir) < 0) mp = NULL;
        char *tsv = mp ? slurp(mp) : NULL;
        free(mp);
        char vbuf[256];
        const char *status = tsv ? metric(tsv, "outcome.status", vbuf, sizeof vbuf) : NULL;
        if (!status) status = pts[p].rc >= 0 ? tsr_exit_word(pts[p].rc) : "missing";
        if (strcmp(status, "ok") == 0) nok++;
        if (pts[p].rc > rc) rc = pts[p].rc;
        fprintf(csv, "%zu", p);
        for (size_t a = 0; a < s->naxes; a++) {
            fputc(',', csv);
            csv_field(csv, s->axes[a].values[axis_index(s, a, p)]);
        }
        fputc(',', csv);
        csv_field(csv, status);
        for (size_t k = 0; k < s->ncollect; k++) {
            const char *v = tsv ? metric(tsv, s->collect[k], vbuf, sizeof vbuf) : NULL;
            fputc(',', csv);
            csv_field(csv, v ? v : "");
        }
        fputc('\n', csv);
        free(tsv);
    }
    fclose(csv);
    if (tsr_write_file_atomic(csv_path, text, text_len) != 0) {
        fprintf(stderr, "tessera sweep: cannot write %s: %s\n", csv_path, strerror(errno));
        rc = TSR_EXIT_RUN_FAILED;
    }
    free(text);
    printf("sweep: %zu of %zu points ok; table: %s\n", nok, s->npoints, csv_path);
    if (nok != s->npoints && rc == TSR_EXIT_OK) rc = TSR_EXIT_RUN_FAILED;
    return rc;
}

/* Loads and parses s->file and adds the command line's overrides. The
 * document (free it after s), or NULL with the errors printed on stderr. */
static struct cfg_doc *sweep_load(struct sweep *s, const char **sets, size_t nsets,
                                  struct cfg_errors *err) {
    struct cfg_doc *d = cfg_doc_load(s->file, err);
    if (!(d && err->n == 0 && sweep_parse(s, d, err))) {
        cfg_errors_print(err, stderr);
        fprintf(stderr, "tessera: %s: %zu error%s; nothing was run\n", s->file, err->n,
                err->n == 1 ? "" : "s");
        cfg_errors_fini(err);
        cfg_doc_free(d);
        return NULL;
    }
    add_command_line_sets(s, sets, nsets);
    return d;
}

bool tsr_sweep_file_p(const char *file) {
    struct cfg_errors err = {0};
    struct cfg_doc *d = cfg_doc_load(file, &err);
    const struct cfg_node *root = d ? cfg_doc_root(d) : NULL;
    bool sweep = root && cfg_node_kind(root) == CFG_NODE_MAP && cfg_node_get(root, "axes");
    cfg_errors_fini(&err);
    cfg_doc_free(d);
    return sweep;
}

int tsr_sweep_validate(const char *file, const char **sets, size_t nsets) {
    struct sweep s = {.file = file};
    struct cfg_errors err = {0};
    struct cfg_doc *d = sweep_load(&s, sets, nsets, &err);
    if (!d) {
        sweep_free(&s);
        return TSR_EXIT_BAD_INPUT;
    }
    struct point *pts = calloc(s.npoints, sizeof *pts);
    int bad = check_points(&s, pts, sweep_dir(&s, NULL));
    if (bad)
        fprintf(stderr, "tessera: %s: %d of %zu points refused\n", file, bad, s.npoints);
    else
        printf("%s: ok (sweep of %zu point%s over %s)\n", file, s.npoints,
               s.npoints == 1 ? "" : "s", s.experiment);
    for (size_t p = 0; p < s.npoints; p++) free(pts[p].sets);
    free(pts);
    cfg_errors_fini(&err);
    cfg_doc_free(d);
    sweep_free(&s);
    return bad ? TSR_EXIT_BAD_INPUT : TSR_EXIT_OK;
}

int tsr_sweep_main(int argc, char **argv) {
    struct sweep_opts o;
    int rc = parse_sweep_opts(argc, argv, &o);
    if (rc != TSR_EXIT_OK || o.help) {
        if (o.help) fputs(sweep_usage, stdout);
        free(o.sets);
        return rc;
    }
    struct sweep s = {.file = o.file};
    struct cfg_errors err = {0};
    struct cfg_doc *d = sweep_load(&s, o.sets, o.nsets, &err);
    if (!d) {
        sweep_free(&s);
        free(o.sets);
        return TSR_EXIT_BAD_INPUT;
    }
    s.build = build_hash();
    char *dir = sweep_dir(&s, o.out);
    struct point *pts = calloc(s.npoints, sizeof *pts);
    int bad = check_points(&s, pts, dir);
    int lock = -1;
    if (bad) {
        fprintf(stderr, "tessera sweep: %s: %d of %zu points refused; nothing was run\n", s.file,
                bad, s.npoints);
        rc = TSR_EXIT_BAD_INPUT;
    } else if (tsr_mkdir_p(dir) != 0) {
        fprintf(stderr, "tessera sweep: cannot create %s: %s\n", dir, strerror(errno));
        rc = TSR_EXIT_RUN_FAILED;
    } else if (!o.dry && (lock = lock_dir(dir)) < 0) {
        rc = lock == -2 ? TSR_EXIT_BAD_INPUT : TSR_EXIT_RUN_FAILED;
    } else {
        size_t to_run = plan_points(&s, pts, o.force, o.dry);
        printf("sweep %s: %zu points (%zu to run, %zu already done), %ld at a time, into %s\n",
               s.file, s.npoints, to_run, s.npoints - to_run, o.jobs, dir);
        if (o.dry) {
            print_dry_run(&s, pts);
        } else {
            run_points(&s, pts, to_run, o.jobs);
            rc = write_table(&s, pts, dir);
        }
    }
    if (lock >= 0) close(lock); /* releases the lock */
    for (size_t p = 0; p < s.npoints; p++) free(pts[p].sets);
    free(pts);
    cfg_errors_fini(&err);
    cfg_doc_free(d);
    sweep_free(&s);
    free(o.sets);
    return rc;
}
