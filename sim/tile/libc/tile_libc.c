/* sim/tile/libc/tile_libc.c: the C library helpers tile code calls, built as
 * tile code (instrumented), so that their instructions, loads and stores are
 * charged to the tile like any other tile code (docs/tiles.md, "No invisible
 * work").
 *
 * Tile code never names these functions: the tile-code compiler launcher
 * (sim/tile/tile_cc.sh) renames, in every tile object, the calls to memcpy,
 * memmove, memset, memcmp, bcmp, memchr, strlen, strcmp, strncmp,
 * strncasecmp and snprintf, including the ones the compiler emits itself for
 * struct copies and zeroing, to tile_<name>. This object is not renamed (a
 * call the compiler turned back into memcpy would call itself): it is built
 * with -fno-builtin, so it calls nothing but the coverage hooks, which
 * tests/tile/check_tile_calls.py checks. Native builds of the same sources
 * keep the host's libc.
 *
 * Cost: the code below, as the TILE-Gx's own library runs it. Copies and
 * fills move 8-byte words (one load and one store per word, bytes for the
 * unaligned tail). memchr and strlen read aligned 8-byte words, as glibc's
 * TILE-Gx port does (sysdeps/tile/tilegx/memchr.c, strlen.c: the first word
 * with the bytes before the start masked off, then one word per 8 bytes; the
 * TILE-Gx compares 8 bytes in one v1cmpeq instruction, emulated here with a
 * subtraction and two masks). An aligned word never crosses a cache line or
 * a page, so it reads nothing the byte loop's lines would not. memcmp,
 * strcmp and friends go byte by byte (glibc's generic memcmp does for fewer
 * than 16 bytes; docs/tiles.md says which compares are longer). No vector
 * instructions (the TILE-Gx has none wider than 8 bytes): the object is
 * built without the vectorisers.
 *
 * tile_snprintf formats a subset of printf: flags '-' and '0', a decimal
 * width, length modifiers hh, h, l, ll, z, t, j, and the conversions d i u x
 * X c s p %. Anything else is copied to the output as written. Returns the
 * length the full output would have, as snprintf does.
 *
 * Includes nothing from the simulator (sim/tile/libc is a tile-code floor of
 * its own, docs/architecture.md): the prototypes are here.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *tile_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *tile_memmove(void *dst, const void *src, size_t n);
void *tile_memset(void *dst, int c, size_t n);
int tile_memcmp(const void *a, const void *b, size_t n);
int tile_bcmp(const void *a, const void *b, size_t n);
void *tile_memchr(const void *s, int c, size_t n);
size_t tile_strlen(const char *s);
int tile_strcmp(const char *a, const char *b);
int tile_strncmp(const char *a, const char *b, size_t n);
int tile_strncasecmp(const char *a, const char *b, size_t n);
int tile_vsnprintf(char *restrict out, size_t len, const char *restrict fmt, va_list ap);
int tile_snprintf(char *restrict out, size_t len, const char *restrict fmt, ...);

/* An 8-byte word at any alignment; an aligned one. */
typedef uint64_t __attribute__((aligned(1), may_alias)) word_u;
typedef uint64_t __attribute__((may_alias)) word_a;

void *tile_memcpy(void *restrict dst, const void *restrict src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (; n >= 8; n -= 8, d += 8, s += 8) *(word_u *)d = *(const word_u *)s;
    for (; n; n--) *d++ = *s++;
    return dst;
}

void *tile_memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((uintptr_t)d - (uintptr_t)s >= n) { /* no overlap that a forward copy breaks */
        for (; n >= 8; n -= 8, d += 8, s += 8) *(word_u *)d = *(const word_u *)s;
        for (; n; n--) *d++ = *s++;
        return dst;
    }
    d += n, s += n;
    for (; n >= 8; n -= 8) {
        d -= 8, s -= 8;
        *(word_u *)d = *(const word_u *)s;
    }
    for (; n; n--) *--d = *--s;
    return dst;
}

void *tile_memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    uint64_t w = (unsigned char)c * 0x0101010101010101ull;
    for (; n >= 8; n -= 8, d += 8) *(word_u *)d = w;
    for (; n; n--) *d++ = (unsigned char)c;
    return dst;
}

int tile_memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x < *y ? -1 : 1;
    return 0;
}

int tile_bcmp(const void *a, const void *b, size_t n) { return tile_memcmp(a, b, n); }

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* The TILE-Gx's v1cmpeq, for the lowest matching byte: a word whose lowest
 * set bit is the top bit of the first byte of v equal to goal's (bytes above
 * the first match may be set wrongly; they are never used). */
static inline uint64_t bytes_equal(uint64_t v, uint64_t goal) {
    const uint64_t x = v ^ goal;
    return (x - ONES) & ~x & HIGHS;
}

/* The aligned word holding the byte at a, the bytes before a (in the word)
 * changed so that they do not match goal. */
static inline uint64_t first_word(uintptr_t a, uint64_t goal) {
    const uint64_t w = *(const word_a *)(a & ~(uintptr_t)7);
    const uint64_t before = (UINT64_C(1) << ((a & 7) * 8)) - 1; /* (little-endian) */
    return (w | before) ^ (goal & before);
}

void *tile_memchr(const void *s, int c, size_t n) {
    if (!n) return NULL;
    const uintptr_t a = (uintptr_t)s;
    const uintptr_t last = n - 1 > UINTPTR_MAX - a ? UINTPTR_MAX : a + n - 1;
    const uint64_t goal = (unsigned char)c * ONES;
    const word_a *p = (const word_a *)(a & ~(uintptr_t)7);
    const word_a *const end = (const word_a *)(last & ~(uintptr_t)7);
    uint64_t bits = bytes_equal(first_word(a, goal), goal);
    while (!bits) {
        if (p == end) return NULL;
        bits = bytes_equal(*++p, goal);
    }
    const uintptr_t hit = (uintptr_t)p + ((unsigned)__builtin_ctzll(bits) >> 3);
    return hit <= last ? (void *)hit : NULL;
}

size_t tile_strlen(const char *s) {
    const uintptr_t a = (uintptr_t)s;
    const word_a *p = (const word_a *)(a & ~(uintptr_t)7);
    uint64_t bits = bytes_equal(first_word(a, 0), 0);
    while (!bits) bits = bytes_equal(*++p, 0);
    return (uintptr_t)p + ((unsigned)__builtin_ctzll(bits) >> 3) - a;
}

int tile_strcmp(const char *a, const char *b) {
    for (; *a && *a == *b; a++, b++) {}
    return (unsigned char)*a - (unsigned char)*b;
}

int tile_strncmp(const char *a, const char *b, size_t n) {
    for (; n; n--, a++, b++)
        if (*a != *b || !*a) return (unsigned char)*a - (unsigned char)*b;
    return 0;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

int tile_strncasecmp(const char *a, const char *b, size_t n) {
    for (; n; n--, a++, b++) {
        int x = lower((unsigned char)*a), y = lower((unsigned char)*b);
        if (x != y || !x) return x - y;
    }
    return 0;
}

/* ---- snprintf, a subset ---- */

struct out {
    char *p;
    size_t len, n; /* capacity, characters produced */
};

static void put(struct out *o, char c) {
    if (o->n + 1 < o->len) o->p[o->n] = c;
    o->n++;
}

static void pad(struct out *o, size_t k, char c) {
    for (; k; k--) put(o, c);
}

/* digits of v in base, with sign, padded to width */
static void put_num(struct out *o, uint64_t v, bool neg, unsigned base, bool upper, size_t width,
                    bool left, bool zero) {
    char buf[24];
    size_t k = 0;
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        buf[k++] = dig[v % base];
        v /= base;
    } while (v);
    size_t len = k + (neg ? 1 : 0);
    if (!left && !zero && width > len) pad(o, width - len, ' ');
    if (neg) put(o, '-');
    if (!left && zero && width > len) pad(o, width - len, '0');
    while (k) put(o, buf[--k]);
    if (left && width > len) pad(o, width - len, ' ');
}

int tile_vsnprintf(char *restrict out, size_t len, const char *restrict fmt, va_list ap) {
    struct out o = {out, len, 0};
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        const char *spec = f++;
        bool left = false, zero = false;
        for (; *f == '-' || *f == '0'; f++) {
            if (*f == '-')
                left = true;
            else
                zero = true;
        }
        size_t width = 0;
        for (; *f >= '0' && *f <= '9'; f++) width = width * 10 + (size_t)(*f - '0');
        int size =
            0; /* 0 int, 1 long, 2 long long, 3 size_t/ptrdiff_t/intmax_t; h/hh read as int */
        for (; *f == 'h'; f++) {}
        if (*f == 'l') {
            size = 1, f++;
            if (*f == 'l') size = 2, f++;
        } else if (*f == 'z' || *f == 't' || *f == 'j') {
            size = 3, f++;
        }
        switch (*f) {
        case 'd':
        case 'i': {
            int64_t v = size == 0   ? va_arg(ap, int)
                        : size == 1 ? va_arg(ap, long)
                        : size == 2 ? va_arg(ap, long long)
                                    : (int64_t)va_arg(ap, ptrdiff_t);
            put_num(&o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0, 10, false, width, left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = size == 0   ? va_arg(ap, unsigned)
                         : size == 1 ? va_arg(ap, unsigned long)
                         : size == 2 ? va_arg(ap, unsigned long long)
                                     : va_arg(ap, size_t);
            put_num(&o, v, false, *f == 'u' ? 10 : 16, *f == 'X', width, left, zero);
            break;
        }
        case 'p':
            put(&o, '0'), put(&o, 'x');
            put_num(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, 0, false, false);
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            if (!left && width > 1) pad(&o, width - 1, ' ');
            put(&o, c);
            if (left && width > 1) pad(&o, width - 1, ' ');
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            size_t l = tile_strlen(s);
            if (!left && width > l) pad(&o, width - l, ' ');
            for (; *s; s++) put(&o, *s);
            if (left && width > l) pad(&o, width - l, ' ');
            break;
        }
        case '%': put(&o, '%'); break;
        default: /* not in the subset: copied as written */
            for (; spec <= f && *spec; spec++) put(&o, *spec);
            if (!*f) f--;
            break;
        }
    }
    if (len) out[o.n < len ? o.n : len - 1] = 0;
    return o.n > INT32_MAX ? -1 : (int)o.n;
}

int tile_snprintf(char *restrict out, size_t len, const char *restrict fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = tile_vsnprintf(out, len, fmt, ap);
    va_end(ap);
    return r;
}
