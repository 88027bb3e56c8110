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

static struct {
    struct sym *syms;
    size_t nsyms;
    struct rec *recs;
    size_t nrecs;
} tab;

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
    const char *file = NULL;
    for (size_t i = 0; i < n; i++) {
        GElf_Sym s;
        if (!gelf_getsym(d, (int)i, &s)) continue;
        const char *name = elf_strptr(e, sh->sh_link, s.st_name);
        if (!name) continue;
        if (GELF_ST_TYPE(s.st_info) == STT_FILE) {
            file = strdup(name);
            continue;
        }
        if (GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF || !*name) continue;
        struct sym *y = &tab.syms[tab.nsyms++];
        y->addr = (uintptr_t)s.st_value + bias;
        y->size = s.st_size;
        y->name = strdup(name);
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
    if (!tab.recs) return;
    const char *file = "";
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (l[0] == 'F' && l[1] == ' ') {
            file = l + 2;
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
