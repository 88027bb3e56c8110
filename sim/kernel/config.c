/* sim/kernel/config.c: a cfg_doc's tree -> typed structs (binding,
 * defaults, release), and the outputs (JSON, the Markdown reference). See
 * config.h for the contract. */
#include "sim/kernel/config.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel/config_doc_priv.h"
#include "sim/kernel/json.h"

/* ----------------------------------------------------------------- binding */

size_t cfg_edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    size_t *prev = cfg_xcalloc(lb + 1, sizeof *prev), *cur = cfg_xcalloc(lb + 1, sizeof *cur);
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t best = sub < del ? sub : del;
            cur[j] = best < ins ? best : ins;
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[lb];
    free(prev);
    free(cur);
    return d;
}

/* The closest of `names` to `word`, if close enough to be a likely typo. */
static const char *did_you_mean(const char *word, const char *const *names, size_t n) {
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = cfg_edit_distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    size_t len = strlen(word);
    size_t limit = len < 6 ? 2 : len / 3 + 1;
    return best && best_d <= limit ? best : NULL;
}

static const char *type_expect(const struct cfg_key *k, char *buf, size_t len) {
    bool ranged = k->min <= k->max;
    const char *unit = k->unit && k->unit[0] ? k->unit : NULL;
    char range[128] = "";
    if (ranged) snprintf(range, sizeof range, " in [%.15g, %.15g]", k->min, k->max);
    switch (k->type) {
    case CFG_BOOL: snprintf(buf, len, "true or false"); break;
    case CFG_INT: snprintf(buf, len, "an integer%s", range); break;
    case CFG_UINT: snprintf(buf, len, "an unsigned integer%s", range); break;
    case CFG_DOUBLE: snprintf(buf, len, "a number%s", range); break;
    case CFG_STRING: snprintf(buf, len, "a string"); break;
    case CFG_ENUM: {
        size_t o = (size_t)snprintf(buf, len, "one of");
        for (size_t i = 0; k->choices[i] && o < len; i++)
            o += (size_t)snprintf(buf + o, len - o, "%s %s", i ? "," : "", k->choices[i]);
        break;
    }
    case CFG_SECTION: snprintf(buf, len, "a mapping of keys"); break;
    }
    if (unit && k->type != CFG_ENUM && k->type != CFG_SECTION) {
        size_t o = strlen(buf);
        snprintf(buf + o, len - o, " (%s)", unit);
    }
    return buf;
}

/* Digits of `s` in `base` into *v; false on a non-digit, no digit or overflow. */
static bool parse_digits(const char *s, unsigned base, uint64_t *v) {
    if (!*s) return false;
    uint64_t x = 0;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a') + 10;
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A') + 10;
        else
            return false;
        if (d >= base || x > (UINT64_MAX - d) / base) return false;
        x = x * base + d;
    }
    *v = x;
    return true;
}

/* Parse an integer as YAML 1.2 reads one: decimal (leading zeros change
 * nothing: 010 is ten), 0x hexadecimal, 0o octal, with an optional sign and
 * '_' separators, or an exact floating-point literal such as 1.2e9. No
 * space anywhere, and no sign on an unsigned value (a negative number must
 * never wrap). */
static bool parse_integer(const char *s, bool is_signed, int64_t *sv, uint64_t *uv) {
    char clean[128];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '_') continue;
        if (n + 1 >= sizeof clean) return false;
        clean[n++] = *p;
    }
    clean[n] = '\0';
    if (n == 0) return false;
    bool neg = clean[0] == '-';
    const char *body = clean[0] == '-' || clean[0] == '+' ? clean + 1 : clean;
    if (neg && !is_signed) return false;
    if (body[0] < '0' || body[0] > '9') return false; /* no space, no second sign */
    uint64_t mag;
    if (body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
        if (!parse_digits(body + 2, 16, &mag)) return false;
    } else if (body[0] == '0' && body[1] == 'o') {
        if (!parse_digits(body + 2, 8, &mag)) return false;
    } else if (strpbrk(body, ".eE")) {
        char *end;
        errno = 0;
        double d = strtod(clean, &end);
        if (*end || errno || !isfinite(d) || d != floor(d)) return false;
        if (is_signed) {
            if (d < -9.2e18 || d > 9.2e18) return false;
            *sv = (int64_t)d;
        } else {
            if (d < 0 || d > 1.8e19) return false;
            *uv = (uint64_t)d;
        }
        return true;
    } else if (!parse_digits(body, 10, &mag)) {
        return false;
    }
    if (!is_signed) {
        *uv = mag;
        return true;
    }
    if (neg ? mag > (uint64_t)INT64_MAX + 1 : mag > (uint64_t)INT64_MAX) return false;
    *sv = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return true;
}

bool cfg_parse_uint(const char *s, uint64_t *out) {
    int64_t sv;
    return parse_integer(s, false, &sv, out);
}

struct binder {
    const struct cfg_doc *doc;
    struct cfg_errors *err;
    bool ok;
};

/* Convert one scalar value into the field. `text` is the scalar text (NULL for a
 * non-scalar node). Returns false with a message in `why` on failure. */
static bool store_value(const struct cfg_key *k, const char *text, void *field, char *why,
                        size_t wlen) {
    char expect[256];
    type_expect(k, expect, sizeof expect);
    bool ranged = k->min <= k->max;
    switch (k->type) {
    case CFG_BOOL:
        if (strcmp(text, "true") == 0) {
            *(bool *)field = true;
        } else if (strcmp(text, "false") == 0) {
            *(bool *)field = false;
        } else {
            snprintf(why, wlen, "found \"%s\", expected %s", text, expect);
            return false;
        }
        return true;
    case CFG_INT:
    case CFG_UINT: {
        int64_t sv = 0;
        uint64_t uv = 0;
        bool is_signed = k->type == CFG_INT;
        if (!parse_integer(text, is_signed, &sv, &uv)) {
            snprintf(why, wlen, "found \"%s\", expected %s", text, expect);
            return false;
        }
        double dv = is_signed ? (double)sv : (double)uv;
        if (ranged && (dv < k->min || dv > k->max)) {
            snprintf(why, wlen, "found %s, out of range: expected %s", text, expect);
            return false;
        }
        if (is_signed)
            *(int64_t *)field = sv;
        else
            *(uint64_t *)field = uv;
        return true;
    }
    case CFG_DOUBLE: {
        char *end;
        errno = 0;
        double d = strtod(text, &end);
        bool starts_well = text[0] == '-' || text[0] == '+' || text[0] == '.' ||
                           (text[0] >= '0' && text[0] <= '9');
        if (!starts_well || *end || errno || !isfinite(d)) {
            snprintf(why, wlen, "found \"%s\", expected %s", text, expect);
            return false;
        }
        if (ranged && (d < k->min || d > k->max)) {
            snprintf(why, wlen, "found %s, out of range: expected %s", text, expect);
            return false;
        }
        *(double *)field = d;
        return true;
    }
    case CFG_STRING: {
        char **slot = field;
        free(*slot);
        *slot = cfg_xstrdup(text);
        return true;
    }
    case CFG_ENUM:
        for (int i = 0; k->choices[i]; i++) {
            if (strcmp(text, k->choices[i]) == 0) {
                *(int *)field = i;
                return true;
            }
        }
        {
            size_t n = 0;
            while (k->choices[n]) n++;
            const char *m = did_you_mean(text, (const char *const *)k->choices, n);
            if (m)
                snprintf(why, wlen, "found \"%s\", expected %s; did you mean \"%s\"?", text, expect,
                         m);
            else
                snprintf(why, wlen, "found \"%s\", expected %s", text, expect);
        }
        return false;
    case CFG_SECTION: break;
    }
    return false;
}

static void bind_section(struct binder *b, const struct node *m, const struct cfg_section *sec,
                         char *base, const char *prefix, struct origin parent_at);

static void bind_key(struct binder *b, const struct cfg_key *k, const struct node *v,
                     struct origin key_at, char *base, const char *path, struct origin parent_at) {
    char where[512], why[768], expect[256];
    void *field = base + k->offset;
    if (k->type == CFG_SECTION) {
        if (v && v->kind != NODE_MAP && v->kind != NODE_NULL) {
            cfg_errors_add(b->err, "%s: %s: found %s, expected a mapping of keys",
                           cfg_origin_str(v->at, where, sizeof where), path,
                           cfg_kind_name(v->kind));
            b->ok = false;
            bind_section(b, NULL, k->section, field, path, parent_at);
            return;
        }
        bind_section(b, v && v->kind == NODE_MAP ? v : NULL, k->section, field, path,
                     v ? v->at : parent_at);
        return;
    }
    if (!v) {
        if (!k->def) {
            cfg_errors_add(b->err, "%s: %s: missing required key (%s: %s)",
                           cfg_origin_str(parent_at, where, sizeof where), path,
                           type_expect(k, expect, sizeof expect), k->doc ? k->doc : "");
            b->ok = false;
            return;
        }
        bool ok = store_value(k, k->def, field, why, sizeof why);
        assert(ok && "schema default does not satisfy its own key");
        (void)ok;
        return;
    }
    (void)key_at;
    if (v->kind != NODE_SCALAR) {
        cfg_errors_add(b->err, "%s: %s: found %s, expected %s",
                       cfg_origin_str(v->at, where, sizeof where), path, cfg_kind_name(v->kind),
                       type_expect(k, expect, sizeof expect));
        b->ok = false;
        if (k->def) store_value(k, k->def, field, why, sizeof why);
        return;
    }
    if (!store_value(k, v->scalar, field, why, sizeof why)) {
        cfg_errors_add(b->err, "%s: %s: %s", cfg_origin_str(v->at, where, sizeof where), path, why);
        b->ok = false;
        if (k->def) store_value(k, k->def, field, why, sizeof why);
    }
}

static void bind_section(struct binder *b, const struct node *m, const struct cfg_section *sec,
                         char *base, const char *prefix, struct origin parent_at) {
    char path[512], where[512];
    /* Unknown keys first, so a typo is reported as such and not only as a
     * missing required key. */
    if (m) {
        const char **names = cfg_xcalloc(sec->nkeys, sizeof *names);
        for (size_t i = 0; i < sec->nkeys; i++) names[i] = sec->keys[i].name;
        for (size_t i = 0; i < m->n; i++) {
            bool known = false;
            for (size_t j = 0; j < sec->nkeys && !known; j++)
                known = strcmp(m->keys[i], sec->keys[j].name) == 0;
            if (known) continue;
            cfg_path_join(path, sizeof path, prefix, m->keys[i]);
            const char *sugg = did_you_mean(m->keys[i], names, sec->nkeys);
            if (sugg) {
                char full[512];
                cfg_path_join(full, sizeof full, prefix, sugg);
                cfg_errors_add(b->err, "%s: %s: unknown key; did you mean \"%s\"?",
                               cfg_origin_str(m->key_at[i], where, sizeof where), path, full);
            } else {
                size_t o = 0;
                char list[1024];
                list[0] = '\0';
                for (size_t j = 0; j < sec->nkeys && o < sizeof list; j++)
                    o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", j ? ", " : "",
                                          sec->keys[j].name);
                cfg_errors_add(b->err, "%s: %s: unknown key; %s%s has: %s",
                               cfg_origin_str(m->key_at[i], where, sizeof where), path,
                               prefix[0] ? prefix : "the top level", prefix[0] ? "" : "", list);
            }
            b->ok = false;
        }
        free(names);
    }
    for (size_t j = 0; j < sec->nkeys; j++) {
        const struct cfg_key *k = &sec->keys[j];
        cfg_path_join(path, sizeof path, prefix, k->name);
        ssize_t i = cfg_map_find(m, k->name);
        const struct node *v = i >= 0 ? m->items[i] : NULL;
        struct origin kat = i >= 0 ? m->key_at[i] : parent_at;
        if (v && v->kind == NODE_NULL && k->type != CFG_SECTION && k->def) {
            /* "key:" with no value means "the default" only for sections;
             * for a value it is a mistake worth naming. */
            char expect[256];
            cfg_errors_add(b->err, "%s: %s: found no value, expected %s",
                           cfg_origin_str(v->at, where, sizeof where), path,
                           type_expect(k, expect, sizeof expect));
            b->ok = false;
            v = NULL;
        }
        bind_key(b, k, v, kat, base, path, m ? m->at : parent_at);
    }
}

bool cfg_bind(const struct cfg_doc *d, const struct cfg_section *root, void *out,
              struct cfg_errors *err) {
    struct binder b = {d, err, true};
    bind_section(&b, d->root, root, out, "", d->root->at);
    return b.ok;
}

static void defaults_section(const struct cfg_section *sec, char *base) {
    char why[256];
    for (size_t j = 0; j < sec->nkeys; j++) {
        const struct cfg_key *k = &sec->keys[j];
        if (k->type == CFG_SECTION)
            defaults_section(k->section, base + k->offset);
        else if (k->def) {
            bool ok = store_value(k, k->def, base + k->offset, why, sizeof why);
            assert(ok && "schema default does not satisfy its own key");
            (void)ok;
        }
    }
}

void cfg_defaults(const struct cfg_section *root, void *out) { defaults_section(root, out); }

void cfg_release(const struct cfg_section *sec, void *obj) {
    char *base = obj;
    for (size_t j = 0; j < sec->nkeys; j++) {
        const struct cfg_key *k = &sec->keys[j];
        if (k->type == CFG_SECTION) {
            cfg_release(k->section, base + k->offset);
        } else if (k->type == CFG_STRING) {
            char **slot = (char **)(base + k->offset);
            free(*slot);
            *slot = NULL;
        }
    }
}

/* ------------------------------------------------------------------ output */

void cfg_write_json(const struct cfg_section *sec, const void *obj, struct json_writer *w) {
    const char *base = obj;
    json_object_begin(w);
    for (size_t j = 0; j < sec->nkeys; j++) {
        const struct cfg_key *k = &sec->keys[j];
        const void *f = base + k->offset;
        json_key(w, k->name);
        switch (k->type) {
        case CFG_BOOL: json_bool(w, *(const bool *)f); break;
        case CFG_INT: json_int(w, *(const int64_t *)f); break;
        case CFG_UINT: json_uint(w, *(const uint64_t *)f); break;
        case CFG_DOUBLE: json_double(w, *(const double *)f); break;
        case CFG_STRING: json_string(w, *(char *const *)f); break;
        case CFG_ENUM: json_string(w, k->choices[*(const int *)f]); break;
        case CFG_SECTION: cfg_write_json(k->section, f, w); break;
        }
    }
    json_object_end(w);
}

static const char *type_word(const struct cfg_key *k) {
    switch (k->type) {
    case CFG_BOOL: return "bool";
    case CFG_INT: return "integer";
    case CFG_UINT: return "unsigned";
    case CFG_DOUBLE: return "number";
    case CFG_STRING: return "string";
    case CFG_ENUM: return "choice";
    case CFG_SECTION: return "section";
    }
    return "?";
}

/* Markdown table cells must not contain '|' or newlines. */
static void md_cell(FILE *out, const char *s) {
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else if (*s == '\n')
            fputc(' ', out);
        else
            fputc(*s, out);
    }
}

static void reference_section(const struct cfg_section *sec, const char *prefix, FILE *out) {
    fprintf(out, "\n## `%s`\n\n", prefix[0] ? prefix : "(top level)");
    if (sec->doc) fprintf(out, "%s\n\n", sec->doc);
    fputs("| key | type | default | range | unit | meaning |\n", out);
    fputs("|---|---|---|---|---|---|\n", out);
    char path[512];
    for (size_t j = 0; j < sec->nkeys; j++) {
        const struct cfg_key *k = &sec->keys[j];
        cfg_path_join(path, sizeof path, prefix, k->name);
        fprintf(out, "| `%s` | %s | ", path, type_word(k));
        if (k->type == CFG_SECTION)
            fputs("| | | see below |\n", out);
        else {
            if (!k->def)
                fputs("**required**", out);
            else if (k->def[0])
                fprintf(out, "`%s`", k->def);
            else
                fputs("\"\"", out);
            fputs(" | ", out);
            if (k->type == CFG_ENUM) {
                for (size_t i = 0; k->choices[i]; i++)
                    fprintf(out, "%s`%s`", i ? ", " : "", k->choices[i]);
            } else if (k->min <= k->max) {
                fprintf(out, "%.15g .. %.15g", k->min, k->max);
            }
            fputs(" | ", out);
            md_cell(out, k->unit);
            fputs(" | ", out);
            md_cell(out, k->doc);
            fputs(" |\n", out);
        }
    }
    for (size_t j = 0; j < sec->nkeys; j++) {
        const struct cfg_key *k = &sec->keys[j];
        if (k->type != CFG_SECTION) continue;
        cfg_path_join(path, sizeof path, prefix, k->name);
        reference_section(k->section, path, out);
    }
}

void cfg_write_reference_md(const struct cfg_section *root, FILE *out) {
    fputs("# Configuration reference\n\n"
          "Generated by `tessera config-reference` from the schema declared in the code;\n"
          "do not edit by hand (a test fails when this file is stale). Every key can be set\n"
          "in an experiment file or on the command line with `--set path.to.key=value`.\n"
          "Source tags: [P] the DLibOS paper, [S ...] a cited source (see the facts sheets),\n"
          "[D] derived from sourced facts, [I] inference, [A] assumed (sweep it).\n",
          out);
    reference_section(root, "", out);
}
