/* sim/tile/cov_sym.c: function names and native counts from the program's
 * ELF file. See cov_sym.h. */
#include "sim/tile/cov_sym.h"

#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sym {
    uintptr_t addr;
    uint64_t size;
    const char *name;
    const char *file; /* source file of a local symbol, NULL for a global one */
};

struct rec {
    const char *file, *name;
    long count;
};

/* an N or L record: a function's line */
struct lrec {
    const char *file, *name;
    struct cov_sym_line line;
};

static struct {
    struct sym *syms;
    size_t nsyms;
    struct rec *recs;
    size_t nrecs;
    struct lrec *nl, *tl; /* native lines by (name, file); tile lines by (name, file, off) */
    size_t nnl, ntl;
    struct cov_sym_line *nbuf, *tbuf; /* the same, without the keys, in the same order */
} tab;

static int cmp_lrec(const void *a, const void *b) {
    const struct lrec *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (!c) c = strcmp(x->file, y->file);
    if (!c) c = (x->line.off > y->line.off) - (x->line.off < y->line.off);
    return c;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

static int first_object(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    *(uintptr_t *)data = (uintptr_t)info->dlpi_addr;
    return 1; /* the first one is the program itself */
}

static int cmp_sym(const void *a, const void *b) {
    const struct sym *x = a, *y = b;
    if (x->addr != y->addr) return x->addr < y->addr ? -1 : 1;
    /* at one address, a sized symbol last (the look-up takes the last) */
    return (x->size > 0) - (y->size > 0);
}

static void read_symbols(Elf *e, Elf_Scn *scn, GElf_Shdr *sh, uintptr_t bias) {
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || !sh->sh_entsize) return;
    size_t n = sh->sh_size / sh->sh_entsize;
    tab.syms = calloc(n ? n : 1, sizeof *tab.syms);
    if (!tab.syms) return;
    const char *file_name = NULL, *file = NULL; /* file: the copy, made on first use */
    for (size_t i = 0; i < n; i++) {
        GElf_Sym s;
        if (!gelf_getsym(d, (int)i, &s)) continue;
        const char *name = elf_strptr(e, sh->sh_link, s.st_name);
        if (!name) continue;
        if (GELF_ST_TYPE(s.st_info) == STT_FILE) {
            file_name = name;
            file = NULL;
            continue;
        }
        if (GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF || !*name) continue;
        struct sym *y = &tab.syms[tab.nsyms++];
        y->addr = (uintptr_t)s.st_value + bias;
        y->size = s.st_size;
        y->name = strdup(name);
        if (GELF_ST_BIND(s.st_info) == STB_LOCAL && file_name && !file) file = strdup(file_name);
        y->file = GELF_ST_BIND(s.st_info) == STB_LOCAL ? file : NULL;
        if (!y->name) tab.nsyms--;
    }
    qsort(tab.syms, tab.nsyms, sizeof *tab.syms, cmp_sym);
}

/* "F file" then "name count" lines (tile_cc.sh). */
static void read_counts(Elf_Scn *scn) {
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || !d->d_buf || !d->d_size) return;
    char *text = malloc(d->d_size + 1);
    if (!text) return;
    memcpy(text, d->d_buf, d->d_size);
    text[d->d_size] = 0;
    size_t lines = 1;
    for (size_t i = 0; i < d->d_size; i++) lines += text[i] == '\n';
    tab.recs = calloc(lines, sizeof *tab.recs);
    tab.nl = calloc(lines, sizeof *tab.nl);
    tab.tl = calloc(lines, sizeof *tab.tl);
    if (!tab.recs || !tab.nl || !tab.tl) return;
    const char *file = "";
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (l[0] == 'F' && l[1] == ' ') {
            file = l + 2;
            continue;
        }
        if ((l[0] == 'N' || l[0] == 'L') && l[1] == ' ') { /* "N fn loc count", "L fn off loc" */
            char *f1 = l + 2, *f2 = strchr(f1, ' '), *f3 = f2 ? strchr(f2 + 1, ' ') : NULL;
            if (!f3) continue;
            *f2++ = 0;
            *f3++ = 0;
            struct lrec *r = l[0] == 'N' ? &tab.nl[tab.nnl++] : &tab.tl[tab.ntl++];
            r->file = file;
            r->name = f1;
            if (l[0] == 'N') {
                r->line.loc = f2;
                r->line.count = strtol(f3, NULL, 10);
            } else {
                r->line.off = (uint32_t)strtoul(f2, NULL, 16);
                r->line.loc = f3;
            }
            continue;
        }
        char *sp = strrchr(l, ' ');
        if (!sp) continue;
        *sp = 0;
        struct rec *r = &tab.recs[tab.nrecs++];
        r->file = file;
        r->name = l;
        r->count = strtol(sp + 1, NULL, 10);
    }
    qsort(tab.nl, tab.nnl, sizeof *tab.nl, cmp_lrec);
    qsort(tab.tl, tab.ntl, sizeof *tab.tl, cmp_lrec);
    tab.nbuf = calloc(tab.nnl + 1, sizeof *tab.nbuf);
    tab.tbuf = calloc(tab.ntl + 1, sizeof *tab.tbuf);
    if (!tab.nbuf || !tab.tbuf) {
        tab.nnl = tab.ntl = 0;
        return;
    }
    for (size_t i = 0; i < tab.nnl; i++) tab.nbuf[i] = tab.nl[i].line;
    for (size_t i = 0; i < tab.ntl; i++) tab.tbuf[i] = tab.tl[i].line;
}

static void load(void) {
    uintptr_t bias = 0;
    dl_iterate_phdr(first_object, &bias);
    if (elf_version(EV_CURRENT) == EV_NONE) return;
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    size_t shstrndx;
    if (e && elf_getshdrstrndx(e, &shstrndx) == 0) {
        Elf_Scn *symtab = NULL, *dynsym = NULL, *counts = NULL;
        GElf_Shdr symtab_sh, dynsym_sh, sh;
        for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
            if (!gelf_getshdr(scn, &sh)) continue;
            const char *name = elf_strptr(e, shstrndx, sh.sh_name);
            if (sh.sh_type == SHT_SYMTAB) symtab = scn, symtab_sh = sh;
            if (sh.sh_type == SHT_DYNSYM) dynsym = scn, dynsym_sh = sh;
            if (name && strcmp(name, "tile_native_counts") == 0) counts = scn;
        }
        if (symtab)
            read_symbols(e, symtab, &symtab_sh, bias);
        else if (dynsym)
            read_symbols(e, dynsym, &dynsym_sh, bias);
        if (counts) read_counts(counts);
    }
    if (e) elf_end(e);
    close(fd);
}

/* Index of the symbol covering pc, or SIZE_MAX. */
static size_t find(uintptr_t pc) {
    pthread_once(&once, load);
    if (!tab.nsyms || pc < tab.syms[0].addr) return SIZE_MAX;
    size_t lo = 0, hi = tab.nsyms; /* last symbol with addr <= pc */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tab.syms[mid].addr <= pc)
            lo = mid;
        else
            hi = mid;
    }
    const struct sym *s = &tab.syms[lo];
    if (pc == s->addr || pc - s->addr < s->size) return lo;
    return SIZE_MAX;
}

bool cov_sym_lookup(uintptr_t pc, const char **name, uintptr_t *start) {
    size_t i = find(pc);
    if (i == SIZE_MAX) return false;
    *name = tab.syms[i].name;
    *start = tab.syms[i].addr;
    return true;
}

/* The run of records of function s in r[0, n) (sorted by name, file). */
static size_t run_of(const struct lrec *r, size_t n, const struct sym *s, size_t *len) {
    size_t lo = 0, hi = n; /* first record with name >= s->name */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(r[mid].name, s->name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && !strcmp(r[i].name, s->name);) {
        size_t j = i;
        while (j < n && !strcmp(r[j].name, s->name) && !strcmp(r[j].file, r[i].file)) j++;
        if (!s->file || !strcmp(r[i].file, s->file)) {
            *len = j - i;
            return i;
        }
        i = j;
    }
    *len = 0;
    return 0;
}

bool cov_sym_lines(uintptr_t entry, const struct cov_sym_line **native, size_t *nnative,
                   const struct cov_sym_line **tile, size_t *ntile) {
    size_t i = find(entry);
    if (i == SIZE_MAX || tab.syms[i].addr != entry) return false;
    size_t a = run_of(tab.nl, tab.nnl, &tab.syms[i], nnative);
    size_t b = run_of(tab.tl, tab.ntl, &tab.syms[i], ntile);
    *native = tab.nbuf + a;
    *tile = tab.tbuf + b;
    return *nnative && *ntile;
}

uint64_t cov_sym_size(uintptr_t entry) {
    size_t i = find(entry);
    return i == SIZE_MAX || tab.syms[i].addr != entry ? 0 : tab.syms[i].size;
}

long cov_sym_native_count(uintptr_t entry) {
    size_t i = find(entry);
    if (i == SIZE_MAX || tab.syms[i].addr != entry) return -1;
    const struct sym *s = &tab.syms[i];
    for (size_t k = 0; k < tab.nrecs; k++) {
        const struct rec *r = &tab.recs[k];
        if (strcmp(r->name, s->name) == 0 && (!s->file || strcmp(r->file, s->file) == 0))
            return r->count;
    }
    return -1;
}
