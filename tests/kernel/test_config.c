/* The config loader: values, includes, overrides, and the messages of the
 * mistakes users make (each asserted: file:line:col, key path, found, expected). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/kernel/config.h"
#include "sim/kernel/json.h"

struct t_sub {
    uint64_t depth;
    double rate;
    int mode;
    char *label;
};
struct t_cfg {
    uint64_t width;
    int64_t offset;
    bool fast;
    char *name;
    uint64_t required_n;
    struct t_sub sub;
};

static const char *const modes[] = {"fast", "slow", "adaptive", NULL};
static const struct cfg_key sub_keys[] = {
    CFG_UINT_KEY(struct t_sub, depth, "4", 1, 1024, "flits", "Buffer depth [A]."),
    CFG_DOUBLE_KEY(struct t_sub, rate, "0.5", 0, 1, "flits/cycle", "Rate [A]."),
    CFG_ENUM_KEY(struct t_sub, mode, "slow", modes, "Mode."),
    CFG_STRING_KEY(struct t_sub, label, "none", "Label."),
};
static CFG_SECTION_DEF(sub_section, "sub", "A nested section.", sub_keys);
static const struct cfg_key root_keys[] = {
    CFG_UINT_KEY(struct t_cfg, width, "6", 1, 64, "tiles", "Width [P]."),
    CFG_INT_KEY(struct t_cfg, offset, "-2", -100, 100, "", "Offset."),
    CFG_BOOL_KEY(struct t_cfg, fast, "false", "Fast."),
    CFG_STRING_KEY(struct t_cfg, name, "x", "Name."),
    CFG_UINT_KEY(struct t_cfg, required_n, NULL, 0, 1e18, "", "A required key."),
    CFG_SECTION_KEY(struct t_cfg, sub, sub_section),
};
static CFG_SECTION_DEF(root_section, "", "Test root.", root_keys);

static char tmpdir[64];

static void make_dir(void) {
    strcpy(tmpdir, "/tmp/tessera-cfg-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}
static void remove_dir(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}
TestSuite(config, .init = make_dir, .fini = remove_dir);

static char *write_file(const char *name, const char *text) {
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/%s", tmpdir, name) > 0);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Load + bind; returns true when ok. Errors joined into errs_out. */
static bool load(const char *path, const char **sets, struct t_cfg *out, char *errs_out,
                 size_t len) {
    struct cfg_errors err = {0};
    memset(out, 0, sizeof *out);
    cfg_defaults(&root_section, out);
    struct cfg_doc *d = cfg_doc_load(path, &err);
    for (size_t i = 0; d && sets && sets[i]; i++) cfg_doc_set(d, sets[i], &err);
    if (d) cfg_bind(d, &root_section, out, &err);
    bool ok = err.n == 0;
    size_t o = 0;
    errs_out[0] = '\0';
    for (size_t i = 0; i < err.n && o < len; i++)
        o += (size_t)snprintf(errs_out + o, len - o, "%s\n", err.msg[i]);
    cfg_errors_fini(&err);
    cfg_doc_free(d);
    return ok;
}

/* Asserts that loading fails and that the messages contain every expected piece. */
static void expect_error(const char *yaml, const char **sets, const char *const *pieces) {
    char *path = write_file("e.yaml", yaml);
    struct t_cfg c;
    char errs[4096];
    cr_assert_not(load(path, sets, &c, errs, sizeof errs), "expected an error for:\n%s", yaml);
    for (size_t i = 0; pieces[i]; i++) {
        char want[512];
        snprintf(want, sizeof want, pieces[i], path, path);
        cr_assert(strstr(errs, want), "message lacks \"%s\":\n%s", want, errs);
    }
    cfg_release(&root_section, &c);
    free(path);
}
#define EXPECT(yaml, ...) expect_error(yaml, NULL, (const char *const[]){__VA_ARGS__, NULL})

Test(config, values_defaults_and_number_forms) {
    char *path = write_file("ok.yaml", "required_n: 1_000_000\n"
                                       "width: 0x10\n"
                                       "offset: -7\n"
                                       "fast: true\n"
                                       "sub:\n"
                                       "  rate: 0.25\n"
                                       "  mode: adaptive\n");
    struct t_cfg c;
    char errs[1024];
    cr_assert(load(path, NULL, &c, errs, sizeof errs), "%s", errs);
    cr_assert_eq(c.required_n, 1000000);
    cr_assert_eq(c.width, 16);
    cr_assert_eq(c.offset, -7);
    cr_assert(c.fast);
    cr_assert_str_eq(c.name, "x");
    cr_assert_eq(c.sub.depth, 4);
    cr_assert_float_eq(c.sub.rate, 0.25, 1e-12);
    cr_assert_eq(c.sub.mode, 2);
    cr_assert_str_eq(c.sub.label, "none");
    cfg_release(&root_section, &c);
    free(path);
}

Test(config, exact_float_literals_accepted_for_integers) {
    char *path = write_file("ok.yaml", "required_n: 1.2e9\n");
    struct t_cfg c;
    char errs[1024];
    cr_assert(load(path, NULL, &c, errs, sizeof errs), "%s", errs);
    cr_assert_eq(c.required_n, 1200000000);
    cfg_release(&root_section, &c);
    free(path);
}

Test(config, includes_merge_and_own_keys_win) {
    char *chip = write_file("chip.yaml", "width: 8\nsub:\n  depth: 9\n  label: chip\n");
    char *lay = write_file("layout.yaml", "sub:\n  label: layout\n");
    free(write_file("sub.yaml", ""));
    char *exp = write_file("exp.yaml", "include: [chip.yaml, layout.yaml]\n"
                                       "required_n: 3\n"
                                       "sub:\n  depth: 12\n");
    struct t_cfg c;
    char errs[1024];
    cr_assert(load(exp, NULL, &c, errs, sizeof errs), "%s", errs);
    cr_assert_eq(c.width, 8, "from the first include");
    cr_assert_eq(c.sub.depth, 12, "the including file wins");
    cr_assert_str_eq(c.sub.label, "layout", "a later include wins over an earlier one");
    cfg_release(&root_section, &c);
    free(chip);
    free(lay);
    free(exp);
}

Test(config, set_overrides_and_creates_sections) {
    char *path = write_file("ok.yaml", "required_n: 3\nwidth: 4\n");
    const char *sets[] = {"width=9", "sub.mode=fast", "sub.label=hello world", NULL};
    struct t_cfg c;
    char errs[1024];
    cr_assert(load(path, sets, &c, errs, sizeof errs), "%s", errs);
    cr_assert_eq(c.width, 9);
    cr_assert_eq(c.sub.mode, 0);
    cr_assert_str_eq(c.sub.label, "hello world");
    cfg_release(&root_section, &c);
    free(path);
}

/* ---- mistakes ---- */

Test(config, mistake_wrong_type) {
    EXPECT("required_n: 1\nwidth: six\n",
           "%s:2:8: width: found \"six\", expected an unsigned integer in [1, 64] (tiles)");
}

Test(config, mistake_out_of_range) {
    EXPECT("required_n: 1\nsub:\n  depth: 0\n",
           "%s:3:10: sub.depth: found 0, out of range: expected an unsigned integer in [1, 1024] "
           "(flits)");
}

Test(config, mistake_negative_unsigned) {
    EXPECT("required_n: 1\nwidth: -3\n", "%s:2:8: width: found \"-3\", expected an unsigned");
}

Test(config, mistake_unknown_key_with_suggestion) {
    EXPECT("required_n: 1\nsub:\n  detph: 3\n",
           "%s:3:3: sub.detph: unknown key; did you mean \"sub.depth\"?");
}

Test(config, mistake_unknown_key_lists_valid_keys) {
    EXPECT("required_n: 1\nbananas: 3\n",
           "%s:2:1: bananas: unknown key; the top level has: width, offset, fast, name, "
           "required_n, sub");
}

Test(config, mistake_missing_required_key) {
    EXPECT("width: 3\n", "%s:1:1: required_n: missing required key (an unsigned integer");
}

Test(config, mistake_bad_include) {
    EXPECT("include: nothere.yaml\nrequired_n: 1\n", "%s:1:10: include: cannot open \"",
           "nothere.yaml\": No such file or directory");
}

Test(config, mistake_include_cycle) {
    free(write_file("a.yaml", "include: e.yaml\n"));
    EXPECT("include: a.yaml\nrequired_n: 1\n", "includes itself (include cycle)");
}

Test(config, mistake_include_not_a_path) {
    EXPECT("include:\n  x: 1\nrequired_n: 1\n",
           "%s:2:3: include: found a mapping, expected a file path or a list of paths");
}

Test(config, mistake_duplicate_key) {
    EXPECT("required_n: 1\nwidth: 3\nwidth: 4\n",
           "%s:3:1: width: duplicate key (first given at %s:2:1)");
    /* the path is named, and the file's other mistakes are still reported */
    EXPECT("required_n: 1\nsub:\n  depth: 3\n  depth: 4\n  rate: 7\n",
           "%s:4:3: sub.depth: duplicate key (first given at %s:3:3)",
           "%s:5:9: sub.rate: found 7, out of range");
}

Test(config, mistake_malformed_yaml) {
    EXPECT("required_n: 1\nsub:\n  depth: [1, 2\n", "malformed YAML", "%s:");
}

Test(config, mistake_tab_indentation_is_malformed) {
    EXPECT("sub:\n\tdepth: 3\n", "%s:2:1: malformed YAML");
}

Test(config, mistake_bad_choice_with_suggestion) {
    EXPECT("required_n: 1\nsub:\n  mode: fsat\n",
           "%s:3:9: sub.mode: found \"fsat\", expected one of fast, slow, adaptive; did you "
           "mean \"fast\"?");
}

Test(config, mistake_mapping_where_value_expected) {
    EXPECT("required_n: 1\nwidth:\n  a: 1\n",
           "%s:3:3: width: found a mapping, expected an unsigned integer");
}

Test(config, mistake_value_where_section_expected) {
    EXPECT("required_n: 1\nsub: 5\n", "%s:2:6: sub: found a scalar, expected a mapping of keys");
}

Test(config, mistake_bool_spelling) {
    EXPECT("required_n: 1\nfast: yes\n", "%s:2:7: fast: found \"yes\", expected true or false");
}

Test(config, mistake_empty_value) {
    EXPECT("required_n: 1\nwidth:\n", "%s:2:7: width: found no value, expected an unsigned");
}

Test(config, mistake_not_a_number) {
    EXPECT("required_n: 1\nsub: {rate: fast}\n",
           "%s:2:13: sub.rate: found \"fast\", expected a number in [0, 1] (flits/cycle)");
}

Test(config, mistake_top_level_list) {
    EXPECT("- a\n- b\n", "%s:1:1: the top level must be a mapping of keys, found a list");
}

Test(config, mistake_two_documents) {
    EXPECT("required_n: 1\n---\nwidth: 2\n", "a second YAML document");
}

Test(config, all_mistakes_of_a_file_are_reported) {
    EXPECT("width: 0\nfast: maybe\nsub: {depht: 1}\n",
           "%s:1:8: width:", "%s:2:7: fast:", "%s:3:7: sub.depht: unknown key",
           "required_n: missing required key");
}

Test(config, mistake_set_without_equals) {
    const char *sets[] = {"width", NULL};
    expect_error("required_n: 1\n", sets,
                 (const char *const[]){"--set width: expected path.to.key=value", NULL});
}

Test(config, mistake_set_into_a_value) {
    const char *sets[] = {"width.x=1", NULL};
    expect_error("required_n: 1\nwidth: 4\n", sets,
                 (const char *const[]){"--set width.x=1: \"width\" is a scalar (at %s:2:8), "
                                       "not a section with keys",
                                       NULL});
}

Test(config, mistake_set_value_is_checked_like_a_file_value) {
    const char *sets[] = {"sub.depth=0", "sub.mdoe=slow", NULL};
    expect_error("required_n: 1\n", sets,
                 (const char *const[]){
                     "--set sub.depth=0: sub.depth: found 0, out of range",
                     "--set sub.mdoe=slow: sub.mdoe: unknown key; did you mean \"sub.mode\"?",
                     NULL});
}

Test(config, mistake_missing_file) {
    struct cfg_errors err = {0};
    cr_assert_null(cfg_doc_load("/nonexistent/x.yaml", &err));
    cr_assert_eq(err.n, 1);
    cr_assert_str_eq(err.msg[0], "/nonexistent/x.yaml: cannot open: No such file or directory");
    cfg_errors_fini(&err);
}

Test(config, edit_distance) {
    cr_assert_eq(cfg_edit_distance("width", "width"), 0);
    cr_assert_eq(cfg_edit_distance("widht", "width"), 2);
    cr_assert_eq(cfg_edit_distance("", "abc"), 3);
    cr_assert_eq(cfg_edit_distance("kitten", "sitting"), 3);
}

Test(config, json_and_reference_output) {
    struct t_cfg c;
    memset(&c, 0, sizeof c);
    cfg_defaults(&root_section, &c);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct json_writer w;
    json_init(&w, f);
    cfg_write_json(&root_section, &c, &w);
    fclose(f);
    cr_assert(strstr(buf, "\"width\": 6,"), "%s", buf);
    cr_assert(strstr(buf, "\"mode\": \"slow\""), "%s", buf);
    cr_assert(strstr(buf, "\"rate\": 0.5"), "%s", buf);
    free(buf);
    f = open_memstream(&buf, &len);
    cfg_write_reference_md(&root_section, f);
    fclose(f);
    cr_assert(
        strstr(buf, "| `sub.depth` | unsigned | `4` | 1 .. 1024 | flits | Buffer depth [A]. |"),
        "%s", buf);
    cr_assert(strstr(buf, "| `required_n` | unsigned | **required** |"), "%s", buf);
    free(buf);
    cfg_release(&root_section, &c);
}

/* ------------------------------------------------- bad input (issue 17) */

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Loads `path` as a bare document; returns the errors joined (caller frees). */
static char *doc_errors(const char *path, double *seconds) {
    struct cfg_errors err = {0};
    double t0 = now_s();
    struct cfg_doc *d = cfg_doc_load(path, &err);
    if (seconds) *seconds = now_s() - t0;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    cfg_errors_print(&err, m);
    fclose(m);
    cfg_errors_fini(&err);
    cfg_doc_free(d);
    return buf;
}

/* Item 5: "billion laughs". Six levels of ten aliases expand to a million
 * nodes: refused by the bound on a document's expanded size, quickly. */
Test(config, alias_bomb_is_refused, .timeout = 30) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    fputs("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n", m);
    for (int i = 1; i <= 6; i++) {
        fprintf(m, "l%d: &l%d [", i, i);
        for (int j = 0; j < 10; j++) fprintf(m, "%s*l%d", j ? ", " : "", i - 1);
        fputs("]\n", m);
    }
    fclose(m);
    char *path = write_file("bomb.yaml", buf);
    double s;
    char *errs = doc_errors(path, &s);
    cr_assert(strstr(errs, "more than 200000 nodes once aliases are expanded"), "%s", errs);
    cr_assert(s < 5, "took %.1f s", s);
    free(errs);
    free(path);
    free(buf);
}

/* Item 6: nesting 10^5 levels deep stops at the limit while parsing. */
Test(config, deep_nesting_stops_at_the_limit, .timeout = 30) {
    enum { N = 100000 };
    char *text = malloc(2 * N + 8);
    memcpy(text, "a: ", 3);
    memset(text + 3, '[', N);
    memset(text + 3 + N, ']', N);
    strcpy(text + 3 + 2 * N, "\n");
    char *path = write_file("deep.yaml", text);
    double s;
    char *errs = doc_errors(path, &s);
    cr_assert(strstr(errs, "nesting deeper than 64 levels"), "%s", errs);
    cr_assert(s < 1, "took %.1f s", s);
    free(errs);
    free(path);
    free(text);
}

/* Item 7: finding and checking a mapping's keys is not quadratic. */
Test(config, many_keys_load_fast, .timeout = 60) {
    enum { N = 50000 };
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    for (int i = 0; i < N; i++) fprintf(m, "key_%d: %d\n", i, i);
    fputs("key_7: again\n", m);
    fclose(m);
    char *path = write_file("wide.yaml", buf);
    struct cfg_errors err = {0};
    double t0 = now_s();
    struct cfg_doc *d = cfg_doc_load(path, &err);
    cr_assert_not_null(d);
    const struct cfg_node *root = cfg_doc_root(d);
    cr_assert_eq(cfg_node_len(root), N);
    char key[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "key_%d", i);
        const struct cfg_node *v = cfg_node_get(root, key);
        cr_assert(v && atoi(cfg_node_scalar(v)) == i);
    }
    double s = now_s() - t0;
    cr_assert_eq(err.n, 1);
    cr_assert(strstr(err.msg[0], "key_7: duplicate key"), "%s", err.msg[0]);
    cr_assert(s < 2, "took %.1f s", s);
    cfg_errors_fini(&err);
    cfg_doc_free(d);
    free(path);
    free(buf);
}

/* Item 9 (and 22): an include that is a FIFO or a folder is refused, not
 * read (a FIFO would block forever). */
Test(config, include_of_a_non_regular_file_is_refused, .timeout = 20) {
    char fifo[128], dir[128];
    snprintf(fifo, sizeof fifo, "%s/pipe.yaml", tmpdir);
    snprintf(dir, sizeof dir, "%s/folder.yaml", tmpdir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(mkdir(dir, 0700), 0);
    EXPECT("include: pipe.yaml\nrequired_n: 1\n", "%s:1:10: include: \"",
           "pipe.yaml\" is not a regular file");
    EXPECT("include: folder.yaml\nrequired_n: 1\n", "folder.yaml\" is a folder, not a file");
    char *errs = doc_errors(fifo, NULL);
    cr_assert(strstr(errs, "pipe.yaml: not a regular file"), "%s", errs);
    free(errs);
}

/* Item 10: integers are decimal as YAML 1.2 reads them: 010 is ten, like
 * 08 is eight; 0o and 0x say octal and hexadecimal. */
Test(config, integers_with_leading_zeros_are_decimal) {
    const char *cases[][2] = {{"010", "10"},  {"08", "8"},   {"0o17", "15"},
                              {"0x1f", "31"}, {"+12", "12"}, {"0_10", "10"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "required_n: 1\nwidth: %s\n", cases[i][0]);
        char *path = write_file("num.yaml", text);
        struct t_cfg c;
        char errs[1024];
        cr_assert(load(path, NULL, &c, errs, sizeof errs), "%s: %s", cases[i][0], errs);
        cr_assert_eq(c.width, strtoull(cases[i][1], NULL, 10), "%s read as %llu", cases[i][0],
                     (unsigned long long)c.width);
        cfg_release(&root_section, &c);
        free(path);
    }
    EXPECT("required_n: 1\nwidth: 0o8\n", "%s:2:8: width: found \"0o8\"");
}

/* Item 11: a negative number never wraps into an unsigned key, however it is
 * written (quoted with a space, in hex, or through --set). */
Test(config, negative_unsigned_values_never_wrap) {
    EXPECT("required_n: \" -1\"\n", "%s:1:13: required_n: found \" -1\"");
    EXPECT("required_n: -0x1\n", "%s:1:13: required_n: found \"-0x1\"");
    EXPECT("required_n: \"\\t5\"\n", "required_n: found");
    expect_error("required_n: 1\n", (const char *[]){"required_n= -1", NULL},
                 (const char *const[]){"--set required_n= -1: required_n: found \" -1\"", NULL});
    uint64_t v;
    cr_assert_not(cfg_parse_uint(" -1", &v));
    cr_assert_not(cfg_parse_uint("-1", &v));
    cr_assert_not(cfg_parse_uint("18446744073709551616", &v));
    cr_assert(cfg_parse_uint("18446744073709551615", &v));
    cr_assert_eq(v, UINT64_MAX);
}

/* Item 22: a --set value is a YAML scalar: quoted, it is the text inside
 * the quotes ('5' is 5, 'null' the string null), never null. */
Test(config, set_values_may_be_quoted) {
    char *path = write_file("q.yaml", "required_n: 1\n");
    struct t_cfg c;
    char errs[1024];
    const char *sets[] = {"width='5'", "name='null'", "sub.label=\"\"", NULL};
    cr_assert(load(path, sets, &c, errs, sizeof errs), "%s", errs);
    cr_assert_eq(c.width, 5);
    cr_assert_str_eq(c.name, "null");
    cr_assert_str_eq(c.sub.label, "");
    cfg_release(&root_section, &c);
    expect_error(
        "required_n: 1\n", (const char *[]){"name='a", NULL},
        (const char *const[]){"--set name='a: the value is not one quoted YAML scalar", NULL});
    free(path);
}
