/* tests/tile/test_libc.c: the C library helpers as tile code (sim/tile/libc):
 * they compute what libc computes, and tile code's memcpy and struct copies
 * reach them and are charged (docs/tiles.md, "No invisible work"). */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "copy_prog.h"
#include "sim/tile/cache.h"
#include "tile_test_util.h"

void *tile_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *tile_memmove(void *dst, const void *src, size_t n);
void *tile_memset(void *dst, int c, size_t n);
int tile_memcmp(const void *a, const void *b, size_t n);
void *tile_memchr(const void *s, int c, size_t n);
size_t tile_strlen(const char *s);
int tile_strncmp(const char *a, const char *b, size_t n);
int tile_strncasecmp(const char *a, const char *b, size_t n);
int tile_snprintf(char *restrict out, size_t len, const char *restrict fmt, ...);

static int sign(int x) { return (x > 0) - (x < 0); }

Test(tile_libc, helpers_compute_what_libc_computes) {
    unsigned char a[100], b[100], c[100];
    for (int i = 0; i < 100; i++) a[i] = (unsigned char)(i * 7 + 3);
    for (size_t n = 0; n < 40; n++) {
        for (size_t off = 0; off < 9; off++) {
            memcpy(b, a, sizeof a), memcpy(c, a, sizeof a);
            memmove(b + off, b, n), tile_memmove(c + off, c, n);
            cr_assert_eq(memcmp(b, c, sizeof b), 0, "memmove up n=%zu off=%zu", n, off);
            memmove(b, b + off, n), tile_memmove(c, c + off, n);
            cr_assert_eq(memcmp(b, c, sizeof b), 0, "memmove down n=%zu off=%zu", n, off);
            tile_memcpy(c + 50, a + off, n);
            cr_assert_eq(memcmp(c + 50, a + off, n), 0);
            memcpy(b, c, sizeof b);
            tile_memset(c + off, 0xa5, n), memset(b + off, 0xa5, n);
            cr_assert_eq(memcmp(b, c, sizeof b), 0, "memset n=%zu", n);
            cr_assert_eq(tile_memchr(a + off, a[off + n], n + 1),
                         memchr(a + off, a[off + n], n + 1));
        }
        cr_assert_eq(sign(tile_memcmp(a, b, n)), sign(memcmp(a, b, n)));
    }
    b[5] = 0xff;
    cr_assert_lt(tile_memcmp(a, b, 10), 0);
    cr_assert_eq(tile_strlen(""), 0);
    cr_assert_eq(tile_strlen("keep-alive"), 10);
}

/* memchr and strlen read aligned words (the bytes before the start masked
 * off, the match after the end ignored): every start in a word, every
 * length to 40, the goal before, at, inside and after the range, and goals
 * whose bytes are 0x00, 0x7f, 0x80 and 0xff (the word compare's borrows). */
Test(tile_libc, word_searches_find_what_libc_finds) {
    _Alignas(8) unsigned char a[96];
    const int goals[] = {0, 0x7f, 0x80, 0xff, '\n'};
    for (size_t g = 0; g < sizeof goals / sizeof goals[0]; g++) {
        const unsigned char c = (unsigned char)goals[g];
        for (size_t off = 0; off < 16; off++)
            for (size_t n = 0; n <= 40; n++)
                for (size_t at = 0; at < off + n + 10; at++) {
                    memset(a, c == 0x80 ? 0x7f : c ^ 0x80, sizeof a); /* no goal anywhere */
                    a[at] = c;
                    if (at + 1 < sizeof a) a[at + 1] = (unsigned char)(c + 1);
                    cr_assert_eq(tile_memchr(a + off, c, n), memchr(a + off, c, n),
                                 "memchr goal %#x off %zu n %zu at %zu", c, off, n, at);
                    if (c == 0 && at >= off)
                        cr_assert_eq(tile_strlen((const char *)a + off), at - off,
                                     "strlen off %zu at %zu", off, at);
                }
    }
    /* a length that reaches past the end of the address space stops at the match */
    const char *s = "keep-alive";
    cr_assert_eq(tile_memchr(s, '-', SIZE_MAX), s + 4);
    cr_assert_eq(tile_memchr(s, 'k', SIZE_MAX - 5), s);
    cr_assert_eq(tile_strncasecmp("Content-Length: 5", "content-length", 14), 0);
    cr_assert_eq(sign(tile_strncasecmp("abc", "ABD", 3)), sign(strncasecmp("abc", "ABD", 3)));
    cr_assert_eq(sign(tile_strncmp("ab", "abc", 5)), sign(strncmp("ab", "abc", 5)));

    char x[300], y[300];
    const char *fmt = "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n[%5u|%-4d|%04x|%X|%c|%lld|%%|%s]";
    int rx = tile_snprintf(x, sizeof x, fmt, 404, "Not Found", (size_t)16384, 7u, -3, 0xbeu,
                           0xABCDu, 'q', -1234567890123ll, "");
    int ry = snprintf(y, sizeof y, fmt, 404, "Not Found", (size_t)16384, 7u, -3, 0xbeu, 0xABCDu,
                      'q', -1234567890123ll, "");
    cr_assert_eq(rx, ry);
    cr_assert_str_eq(x, y);
    /* truncated: the full length is returned, the output ends within len */
    rx = tile_snprintf(x, 8, "stk: %u connections", 65535u);
    ry = snprintf(y, 8, "stk: %u connections", 65535u);
    cr_assert_eq(rx, ry);
    cr_assert_str_eq(x, y);
    cr_assert_eq(tile_snprintf(NULL, 0, "%d", -5), 2);
}

struct run {
    uint64_t instr, loads, stores, levels;
};

static struct run run_on_tile(tile_main_fn main, size_t n) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e = sim_engine_create();
    struct chip *c = tt_chip(&cfg, e);
    char err[200];
    cr_assert_eq(
        chip_tile_start(c, 0, TILE_ROLE_APP, 0, main, (void *)(uintptr_t)n, err, sizeof err), 0,
        "%s", err);
    sim_engine_run_until(e, SIM_TIME_MAX);
    const struct tile_fault *f;
    cr_assert_eq(chip_faults(c, &f), 0, "a fault: %s", chip_faults(c, &f) ? f[0].what : "");
    const struct tile_prof *p = chip_tile_prof(c, 0);
    const struct cache_tile_stats *cs = &chip_caches(c)->st[0];
    struct run r = {p->instr, p->loads, p->stores,
                    cs->l1_hits + cs->l2_hits + cs->l3_hits + cs->dram};
    chip_destroy(c);
    sim_engine_destroy(e);
    return r;
}

/* A memcpy of N bytes in tile code costs instructions (the native build of
 * tile_memcpy: 2.25 per word, unrolled by 8) and N/8 loads and
 * stores through the cache model (before, it ran in the host's libc and cost
 * nothing: the same instructions, loads and stores for 0 and 64 KB). */
Test(tile_libc, tile_memcpy_of_n_bytes_is_charged) {
    const size_t n = 65536;
    struct run r0 = run_on_tile(tt_copy_main, 0), rn = run_on_tile(tt_copy_main, n);
    uint64_t words = n / 8;
    cr_log_info("memcpy of %zu bytes: +%llu instructions, +%llu loads, +%llu stores", n,
                (unsigned long long)(rn.instr - r0.instr),
                (unsigned long long)(rn.loads - r0.loads),
                (unsigned long long)(rn.stores - r0.stores));
    cr_assert_geq(rn.loads - r0.loads, words, "a load per word copied");
    cr_assert_geq(rn.stores - r0.stores, words, "a store per word copied");
    cr_assert_leq(rn.loads - r0.loads, words + 64);
    cr_assert_geq(rn.instr - r0.instr, 2 * words, "at least a load and a store per word");
    cr_assert_eq(rn.levels, rn.loads + rn.stores, "every access went through the cache model");
}

/* memchr and strlen over N bytes in tile code read N/8 aligned words (the
 * TILE-Gx library's way, sim/tile/libc), not N bytes: about 8 instructions
 * a word (a byte loop takes about 3 a byte, 24 a word). */
Test(tile_libc, word_searches_read_words) {
    const size_t n = 65536;
    struct run r0 = run_on_tile(tt_search_main, 0), rn = run_on_tile(tt_search_main, n);
    const uint64_t words = n / 8, loads = rn.loads - r0.loads, instr = rn.instr - r0.instr;
    cr_log_info("memchr and strlen of %zu bytes: +%llu instructions, +%llu loads", n,
                (unsigned long long)instr, (unsigned long long)loads);
    cr_assert_geq(loads, 2 * words, "a load per word, in each search");
    cr_assert_leq(loads, 2 * words + 16, "no byte loads");
    /* memset's words (2.25 instructions each, tile_memcpy_of_n_bytes_is_charged) and
     * the two searches: about 8 instructions a word each (x86 emulates v1cmpeq) */
    cr_assert_leq(instr, 3 * words + 2 * 10 * words);
    cr_assert_eq(rn.levels, rn.loads + rn.stores, "every access went through the cache model");
}

/* The compiler's own memcpy for a struct assignment is renamed too. */
Test(tile_libc, struct_copy_is_charged) {
    struct run r = run_on_tile(tt_copy_struct_main, 0);
    uint64_t words = sizeof(struct tt_big) / 8;
    cr_assert_geq(r.loads, words, "%llu loads", (unsigned long long)r.loads);
    cr_assert_geq(r.stores, words, "%llu stores", (unsigned long long)r.stores);
    cr_assert_eq(r.levels, r.loads + r.stores);
}
