#include "sim/kernel/json.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void json_init(struct json_writer *w, FILE *out) {
    memset(w, 0, sizeof *w);
    w->out = out;
    w->first[0] = true;
}

void json_set_flat(struct json_writer *w, FILE *flat) { w->flat = flat; }

/* Set w->path to the path of the item about to be written at this level. */
static void flat_name(struct json_writer *w, const char *key) {
    size_t base = w->base_len[w->depth];
    char part[256];
    if (key)
        snprintf(part, sizeof part, "%s", key);
    else
        snprintf(part, sizeof part, "%u", w->count[w->depth]);
    snprintf(w->path + base, sizeof w->path - base, "%s%s", base ? "." : "", part);
}

static void indent(struct json_writer *w) {
    fputc('\n', w->out);
    for (int i = 0; i < w->depth; i++) fputs("  ", w->out);
}

/* Separator and indentation before a value or a key. */
static void before_item(struct json_writer *w, bool is_key) {
    if (w->after_key) {
        assert(!is_key && "json: key after key");
        w->after_key = false;
        return;
    }
    assert((w->depth == 0 || w->is_object[w->depth] == is_key) && "json: key/value misuse");
    if (w->depth > 0) {
        if (!w->first[w->depth]) fputc(',', w->out);
        indent(w);
    }
    w->first[w->depth] = false;
}

/* Before a value: in an array, name it by its index. */
static void value_path(struct json_writer *w) {
    if (w->depth > 0 && !w->is_object[w->depth]) flat_name(w, NULL);
    w->count[w->depth]++;
}

static void flat_scalar(struct json_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void flat_scalar(struct json_writer *w, const char *fmt, ...) {
    if (!w->flat) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(w->flat, "%s\t", w->path);
    vfprintf(w->flat, fmt, ap);
    fputc('\n', w->flat);
    va_end(ap);
}

static void open(struct json_writer *w, char c, bool obj) {
    before_item(w, false);
    value_path(w);
    fputc(c, w->out);
    assert(w->depth + 1 < JSON_MAX_DEPTH);
    w->depth++;
    w->first[w->depth] = true;
    w->is_object[w->depth] = obj;
    w->base_len[w->depth] = w->depth > 1 ? strlen(w->path) : 0;
    w->count[w->depth] = 0;
}

static void close(struct json_writer *w, char c, bool obj) {
    assert(w->depth > 0 && w->is_object[w->depth] == obj && !w->after_key);
    bool empty = w->first[w->depth];
    w->depth--;
    if (!empty) indent(w);
    fputc(c, w->out);
    if (w->depth == 0) fputc('\n', w->out);
}

void json_object_begin(struct json_writer *w) { open(w, '{', true); }
void json_object_end(struct json_writer *w) { close(w, '}', true); }
void json_array_begin(struct json_writer *w) { open(w, '[', false); }
void json_array_end(struct json_writer *w) { close(w, ']', false); }

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0. */
static int utf8_len(const unsigned char *p) {
    unsigned c = p[0];
    int n;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, min = 0x10000;
    else
        return 0;
    unsigned cp = c & (0x7fu >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

/* A JSON string. Bytes that are not UTF-8 (a file name or a --set value
 * can hold any) become U+FFFD, so that the file stays valid JSON. */
static void write_escaped(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x80) {
            int n = utf8_len(p);
            if (n == 0) {
                fputs("\\ufffd", out);
            } else {
                fwrite(p, 1, (size_t)n, out);
                p += n - 1;
            }
            continue;
        }
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

void json_key(struct json_writer *w, const char *key) {
    before_item(w, true);
    flat_name(w, key);
    w->count[w->depth]--; /* the value that follows counts, not the key */
    write_escaped(w->out, key);
    fputs(": ", w->out);
    w->after_key = true;
}

void json_string(struct json_writer *w, const char *s) {
    before_item(w, false);
    value_path(w);
    if (s)
        write_escaped(w->out, s);
    else
        fputs("null", w->out);
    if (w->flat) {
        /* TSV: tabs and newlines inside a value would break the line format */
        fprintf(w->flat, "%s\t", w->path);
        for (const char *p = s ? s : ""; *p; p++)
            fputc(*p == '\t' || *p == '\n' ? ' ' : *p, w->flat);
        fputc('\n', w->flat);
    }
}

void json_uint(struct json_writer *w, uint64_t v) {
    before_item(w, false);
    value_path(w);
    fprintf(w->out, "%llu", (unsigned long long)v);
    flat_scalar(w, "%llu", (unsigned long long)v);
}

void json_int(struct json_writer *w, int64_t v) {
    before_item(w, false);
    value_path(w);
    fprintf(w->out, "%lld", (long long)v);
    flat_scalar(w, "%lld", (long long)v);
}

void json_double(struct json_writer *w, double v) {
    before_item(w, false);
    value_path(w);
    char buf[32];
    if (!isfinite(v)) {
        snprintf(buf, sizeof buf, "null");
    } else if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, sizeof buf, "%.1f", v);
    } else {
        /* the shortest of %.15g .. %.17g that reads back as the same double */
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, v);
            if (strtod(buf, NULL) == v) break;
        }
    }
    fputs(buf, w->out);
    flat_scalar(w, "%s", buf);
}

void json_bool(struct json_writer *w, bool v) {
    before_item(w, false);
    value_path(w);
    fputs(v ? "true" : "false", w->out);
    flat_scalar(w, "%s", v ? "true" : "false");
}

void json_null(struct json_writer *w) {
    before_item(w, false);
    value_path(w);
    fputs("null", w->out);
    flat_scalar(w, "null");
}

void json_kv_string(struct json_writer *w, const char *k, const char *v) {
    json_key(w, k);
    json_string(w, v);
}
void json_kv_uint(struct json_writer *w, const char *k, uint64_t v) {
    json_key(w, k);
    json_uint(w, v);
}
void json_kv_int(struct json_writer *w, const char *k, int64_t v) {
    json_key(w, k);
    json_int(w, v);
}
void json_kv_double(struct json_writer *w, const char *k, double v) {
    json_key(w, k);
    json_double(w, v);
}
void json_kv_bool(struct json_writer *w, const char *k, bool v) {
    json_key(w, k);
    json_bool(w, v);
}
