/* Layouts (sim/chip/layout.h): every shipped layout of configs/layouts/
 * loads with the paper's net:app ratio, and each rule refuses a bad file
 * with file:line:col, the key and what was expected. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/chip/layout.h"

static char path[64];

static void setup(void) {
    strcpy(path, "/tmp/tessera-layout-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
}
static void teardown(void) { unlink(path); }
TestSuite(layout, .init = setup, .fini = teardown);

static struct layout *load_text(const char *text, unsigned rings, struct cfg_errors *err) {
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return layout_load(path, rings, err);
}

/* The text is refused, and some error holds "path:LINE:COL: " followed
 * (anywhere later) by `want`. */
static void refused(const char *text, unsigned rings, const char *at, const char *want) {
    struct cfg_errors err = {0};
    struct layout *l = load_text(text, rings, &err);
    cr_assert_null(l, "accepted:\n%s", text);
    cr_assert_gt(err.n, 0);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s%s%s: ", path, at[0] ? ":" : "", at); /* "": no line */
    bool found = false;
    for (size_t i = 0; i < err.n; i++)
        found |= strncmp(err.msg[i], prefix, strlen(prefix)) == 0 && strstr(err.msg[i], want);
    if (!found) {
        for (size_t i = 0; i < err.n; i++) fprintf(stderr, "  error: %s\n", err.msg[i]);
        cr_assert_fail("no error \"%s...%s\"", prefix, want);
    }
    cfg_errors_fini(&err);
}

static const char grid4[] = "width: 4\nheight: 4\ntiles:\n"
                            "  - N A A N\n"
                            "  - A A A A\n"
                            "  - A A A A\n"
                            "  - N A A N\n";

Test(layout, shipped_layouts_load_with_the_papers_ratios) {
    static const struct {
        const char *name;
        unsigned net, app, rtc;
        enum layout_reach reach;
    } want[] = {
        {"rtc", 0, 0, 36, LAYOUT_REACH_ALL},      {"n12", 12, 24, 0, LAYOUT_REACH_ALL},
        {"d12-all", 12, 24, 0, LAYOUT_REACH_ALL}, {"d12-q", 12, 24, 0, LAYOUT_REACH_QUADRANT},
        {"d18-all", 18, 18, 0, LAYOUT_REACH_ALL}, {"d18-q", 18, 18, 0, LAYOUT_REACH_QUADRANT},
        {"d24-all", 24, 12, 0, LAYOUT_REACH_ALL}, {"d24-q", 24, 12, 0, LAYOUT_REACH_QUADRANT},
    };
    const char *src = getenv("TESSERA_SOURCE_DIR");
    cr_assert_not_null(src, "TESSERA_SOURCE_DIR not set (run through ctest)");
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/configs/layouts/%s.yaml", src, want[i].name);
        struct cfg_errors err = {0};
        struct layout *l = layout_load(p, 36, &err);
        if (!l) cfg_errors_print(&err, stderr);
        cr_assert_not_null(l, "%s refused", p);
        cr_assert_eq(l->width, 6);
        cr_assert_eq(l->height, 6);
        cr_assert_eq(layout_count(l, LAYOUT_NET), want[i].net, "%s", want[i].name);
        cr_assert_eq(layout_count(l, LAYOUT_APP), want[i].app, "%s", want[i].name);
        cr_assert_eq(layout_count(l, LAYOUT_RTC), want[i].rtc, "%s", want[i].name);
        if (want[i].net) cr_assert_eq(l->reach, want[i].reach, "%s", want[i].name);
        /* d layouts: network tiles on the edge first (20 edge tiles). */
        if (want[i].name[0] == 'd') {
            unsigned edge_net = 0;
            for (unsigned t = 0; t < 36; t++) {
                unsigned x = t % 6, y = t / 6;
                bool edge = x == 0 || y == 0 || x == 5 || y == 5;
                edge_net += edge && l->tile[t].role == LAYOUT_NET;
            }
            cr_assert_eq(edge_net, want[i].net < 20 ? want[i].net : 20, "%s", want[i].name);
        }
        /* quadrant reach: never across quadrants; all: everything. */
        for (unsigned n = 0; n < 36; n++)
            for (unsigned a = 0; a < 36; a++) {
                if (l->tile[n].role != LAYOUT_NET || l->tile[a].role != LAYOUT_APP) continue;
                bool same = layout_quadrant(l, n) == layout_quadrant(l, a);
                cr_assert_eq(layout_may_talk(l, n, a), want[i].reach == LAYOUT_REACH_ALL || same,
                             "%s %u->%u", want[i].name, n, a);
            }
        cfg_errors_fini(&err);
        layout_free(l);
    }
}

Test(layout, quadrants_of_odd_meshes_give_the_middle_to_north_and_west) {
    struct cfg_errors err = {0};
    struct layout *l = load_text("width: 5\nheight: 3\ntiles:\n"
                                 "  - N A A A N\n"
                                 "  - A A A A A\n"
                                 "  - N A A A N\n",
                                 0, &err);
    cr_assert_not_null(l);
    cr_assert_eq(layout_quadrant(l, 2), 0);  /* x 2 of 5: west; y 0 of 3: north */
    cr_assert_eq(layout_quadrant(l, 3), 1);  /* x 3: east */
    cr_assert_eq(layout_quadrant(l, 7), 0);  /* y 1 of 3: north */
    cr_assert_eq(layout_quadrant(l, 12), 2); /* x 2, y 2: south-west */
    cr_assert_eq(layout_quadrant(l, 14), 3);
    layout_free(l);
    cfg_errors_fini(&err);
}

Test(layout, explicit_reach_processes_and_role_lists) {
    struct cfg_errors err = {0};
    struct layout *l = load_text("width: 2\nheight: 2\n"
                                 "tiles: {net: [0], app: [1, 2], idle: [3]}\n"
                                 "reach: {0: [1, 2]}\n"
                                 "processes: {1: [2]}\n",
                                 1, &err);
    for (size_t i = 0; i < err.n; i++) fprintf(stderr, "%s\n", err.msg[i]);
    cr_assert_not_null(l);
    cr_assert_eq(l->tile[0].reach, LAYOUT_REACH_LIST);
    cr_assert(layout_may_talk(l, 0, 1) && layout_may_talk(l, 0, 2));
    cr_assert_eq(l->tile[1].process, 0);
    cr_assert_eq(l->tile[2].process, 1);
    cr_assert_eq(l->tile[3].role, LAYOUT_IDLE);
    layout_free(l);
    cfg_errors_fini(&err);
}

Test(layout, refuses_a_tile_outside_the_mesh) {
    refused("width: 4\nheight: 2\ntiles:\n  - N A A A A\n  - A A A A\n", 0, "4:5",
            "tiles: row 0: "
            "tile x 4 lies outside the 4x2 mesh");
    refused("width: 2\nheight: 1\ntiles:\n  - N A\n  - A A\n", 0, "5:5",
            "row 1 lies outside the 2x1 mesh");
    refused("width: 2\nheight: 2\ntiles: {net: [0], app: [1, 7]}\n", 0, "3:28",
            "tiles.app: tile 7 lies outside the 2x2 mesh (expected a tile id from 0 to 3)");
    refused("width: 2\nheight: 2\ntiles: {net: [0], app: [1, 2, 3]}\nreach: {0: [1, 9]}\n", 0,
            "4:16", "reach.0: tile 9 lies outside the 2x2 mesh");
    refused("width: 17\n", 0, "1:8", "width: found \"17\", expected an integer from 1 to 16");
}

Test(layout, refuses_two_roles_for_one_tile) {
    refused("width: 2\nheight: 2\ntiles: {net: [0, 1], app: [1, 2, 3]}\n", 0, "3:28",
            "tiles: tile 1 (x 1, y 0) has two roles: net");
    refused("width: 2\nheight: 1\ntiles:\n  - NA A\n", 0, "4:5",
            "found \"NA\", expected one letter: N (net), A (app), R (rtc) or . (idle); a tile has "
            "one role");
}

Test(layout, refuses_a_quadrant_with_network_tiles_but_no_application_tiles) {
    refused("width: 4\nheight: 4\ntiles:\n"
            "  - N N A A\n"
            "  - N N A A\n"
            "  - A A A A\n"
            "  - A A N A\n"
            "reach: quadrant\n",
            0, "4:3",
            "tiles: quadrant NW has network tiles (tile 0, x 0, y 0) but no application "
            "tile");
}

Test(layout, refuses_an_application_tile_no_network_tile_may_reach) {
    refused("width: 4\nheight: 4\ntiles:\n"
            "  - N A A N\n"
            "  - A A A A\n"
            "  - A A A A\n"
            "  - A A A A\n"
            "reach: quadrant\n",
            0, "4:3",
            "tiles: application tile 8 (x 0, y 2, quadrant SW) is reached by no "
            "network tile");
    refused("width: 2\nheight: 1\ntiles: {net: [0], app: [1]}\nreach: {0: []}\n", 0, "4:12",
            "reach.0: an empty list; expected at least one application tile id");
}

Test(layout, refuses_more_network_tiles_than_rings) {
    refused(grid4, 3, "4:3",
            "tiles: 4 network stacks (4 net + 0 rtc tiles), more than the NIC's 3 "
            "notification rings (nic.mpipe.rings); expected at most 3");
    struct cfg_errors err = {0};
    struct layout *l = load_text(grid4, 4, &err);
    cr_assert_not_null(l, "4 net tiles on 4 rings");
    layout_free(l);
    cfg_errors_fini(&err);
}

Test(layout, refuses_unknown_keys_with_did_you_mean) {
    refused("widht: 6\ntiles:\n  - N A\n", 0, "1:8", "widht: unknown key; did you mean \"width\"?");
    refused("tiles: {net: [0], apps: [1]}\n", 0, "1:25",
            "tiles.apps: unknown key; did you mean \"app\"?");
    refused("width: 2\nheight: 1\ntiles: [N A]\nreach: quadrnt\n", 0, "4:8",
            "reach: found \"quadrnt\"; did you mean \"quadrant\"?");
}

Test(layout, refuses_other_mistakes) {
    refused("width: 2\nheight: 1\ntiles:\n  - N A\nprocesses: {1: [0]}\n", 0, "5:17",
            "processes.1: tile 0 is net, expected an application tile");
    refused("width: 3\nheight: 1\ntiles:\n  - N A A\nprocesses: {1: [1], 2: [1]}\n", 0, "5:25",
            "processes.2: tile 1 is already in process 1");
    refused("width: 2\nheight: 1\ntiles:\n  - R A\n", 0, "4:3",
            "1 rtc tiles with 0 net and 1 app tiles");
    refused("width: 2\nheight: 1\ntiles:\n  - A A\n", 0, "4:3", "no network tile");
    refused("width: 2\nheight: 1\ntiles:\n  - N A\nreach: {1: all}\n", 0, "5:12",
            "reach.1: tile 1 is app, expected a network tile");
    refused("width: 2\nheight: 2\ntiles:\n  - N A\n", 0, "4:3", "tiles: 1 rows, expected 2");
    refused("[1, 2]\n", 0, "1:1", "the top level must be a mapping");
    refused("", 0, "", "tiles: missing; expected the map of the 6x6 mesh");
}
