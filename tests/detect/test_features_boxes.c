/*
 * test_features_boxes.c — `emoc features --detect` writes feature file version 2 (post/FEATURES.md):
 * per-face rows with the box and det_score exactly as `emoc detect` reports them; `emoc ce
 * --faces largest|mean` pools them by box area; version 1 files keep their area column; unknown
 * versions and malformed box fields are refused with file and line/byte.
 * Detector: the random-weight MTCNN fixture (tests/detect/mtcnn_fixture.h), model: tinynet.
 */
#include <criterion/criterion.h>

#include "emoc_abaw.h"
#include "tests/cli_run.h"
#include "tests/core/tinynet_fixture.h"
#include "tests/detect/mtcnn_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMB 8      /* tinynet: 8 embedding values, then 8 logits, V, A */
#define D (EMB + 10)
#define MAXF 64

/* tiny.emw and the MTCNN fixture's scene (several faces at threshold 0 in frame.ppm). */
static void setup(cli_scratch *s)
{
    cli_scratch_init_tiny(s, "tiny.emw");
    cr_assert_eq(mtcnn_fix_save_scene(s->dir), 0);
}

/* Field k (0-based) of a CSV line into out (no quoting in these files). */
static void field(const char *line, int k, char *out, size_t cap)
{
    const char *p = line;
    for (int i = 0; i < k; i++) {
        p = strchr(p, ',');
        cr_assert_not_null(p, "field %d of '%.80s'", k, line);
        p++;
    }
    size_t n = strcspn(p, ",\n");
    cr_assert_lt(n, cap);
    memcpy(out, p, n);
    out[n] = 0;
}

static double num(const char *line, int k)
{
    char b[64];
    field(line, k, b, sizeof b);
    return strtod(b, NULL);
}

/* The lines of text starting with prefix, at most MAXF. */
static int lines_with(const char *text, const char *prefix, const char **out)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, prefix, len) && n < MAXF) out[n++] = p;
    return n;
}

/* The 7 compound scores of one version 2 CSV row (its last 10 values are the backbone's). */
static void ce7_of_row(const char *row, double *out7)
{
    double lg[8];
    for (int c = 0; c < 8; c++) lg[c] = num(row, 8 + EMB + c);
    emoc_ce_scores(lg, EMOC_CE_MEAN_ARITHMETIC, out7);
}

/* --scores-out row of video/frame compared with expected (9 significant digits written). */
static void expect_scores(const char *scores, const char *image, const double *want)
{
    const char *row[MAXF];
    cr_assert_eq(lines_with(scores, image, row), 1, "%s in %s", image, scores);
    for (int c = 0; c < EMOC_N_CE; c++) {
        double got = num(row[0], 1 + c);
        cr_assert(fabs(got - want[c]) <= 1e-8 * fmax(1.0, fabs(want[c])), "%s class %d: %.9g vs %.9g", image, c,
                  got, want[c]);
    }
}

static const char *FEATURES = "features -q -m tiny.emw --detect mtcnn.emw --threshold 0 small.ppm frame.ppm";

Test(features_boxes, rows_carry_the_boxes_detect_reports)
{
    cli_scratch s;
    setup(&s);
    static char det[1 << 16], csv[1 << 17], err[4096];
    cr_assert_eq(cli_run(&s, "detect -m mtcnn.emw --threshold 0 frame.ppm", det, sizeof det, err, sizeof err), 0,
                 "%s", err);
    char args[512];
    snprintf(args, sizeof args, "%s --csv -o f.csv", FEATURES);
    cr_assert_eq(cli_run(&s, args, NULL, 0, err, sizeof err), 0, "%s", err);
    cli_read_text(&s, "f.csv", csv, sizeof csv);
    cr_assert(!strncmp(csv, "# emoc features version=2 backbone=", 35), "%s", csv);
    cr_assert(strstr(csv, "\nvideo,frame,face,box_x1,box_y1,box_x2,box_y2,det_score,x0,x1,"), "%s", csv);
    const char *drow[MAXF], *frow[MAXF];
    int nd = lines_with(det, "frame.ppm,,", drow), nf = lines_with(csv, "video,2,", frow);
    cr_assert_geq(nd, 2, "the fixture finds several faces: %s", det);
    cr_assert_eq(nf, nd, "one feature row per detected face:\n%s\n%s", det, csv);
    cr_assert_eq(lines_with(csv, "video,1,", frow + nf), 0, "small.ppm (frame 1) has no face, no row: %s", csv);
    double area0 = 0;
    for (int k = 0; k < nf; k++) {
        char a[64], b[64];
        field(frow[k], 2, a, sizeof a);
        field(drow[k], 2, b, sizeof b);
        cr_assert_str_eq(a, b, "face ids in detect's order");
        for (int c = 0; c < 5; c++) { /* x1, y1, x2, y2, det_score: the same float, same digits */
            field(frow[k], 3 + c, a, sizeof a);
            field(drow[k], 4 + c, b, sizeof b);
            cr_assert_str_eq(a, b, "face %d column %d", k, c);
        }
        double area = (num(frow[k], 5) - num(frow[k], 3)) * (num(frow[k], 6) - num(frow[k], 4));
        cr_assert_gt(area, 0);
        if (k == 0) area0 = area;
        else cr_assert_geq(area0, area, "MTCNN (select_largest) puts the largest box first");
    }
    cli_scratch_free(&s);
}

Test(features_boxes, ce_pools_detected_faces_by_box_and_fills_the_faceless_frame)
{
    cli_scratch s;
    setup(&s);
    static char csv[1 << 17], sc[1 << 14], sc2[1 << 14], err[4096];
    char args[512];
    snprintf(args, sizeof args, "%s --csv -o f.csv", FEATURES);
    cr_assert_eq(cli_run(&s, args, NULL, 0, err, sizeof err), 0, "%s", err);
    cli_read_text(&s, "f.csv", csv, sizeof csv);
    const char *row[MAXF];
    int n = lines_with(csv, "video,2,", row);
    cr_assert_geq(n, 2);
    /* expected: the largest box's scores; the mean of every face's */
    double best = -1, largest[EMOC_N_CE], mean[EMOC_N_CE] = {0}, f7[EMOC_N_CE];
    for (int k = 0; k < n; k++) {
        float x1 = (float)num(row[k], 3), y1 = (float)num(row[k], 4), x2 = (float)num(row[k], 5),
              y2 = (float)num(row[k], 6);
        double area = (double)((x2 - x1) * (y2 - y1));
        ce7_of_row(row[k], f7);
        for (int c = 0; c < EMOC_N_CE; c++) mean[c] += f7[c] / n;
        if (area > best) {
            best = area;
            memcpy(largest, f7, sizeof largest);
        }
    }
    cr_assert_eq(cli_run(&s, "ce --features f.csv --faces largest --smooth none --scores-out s.csv -o ce.txt",
                         NULL, 0, err, sizeof err), 0, "%s", err);
    cr_assert(strstr(err, "note: 1 of 2 listed frames have no face row"), "frame 1 (no face) filled: %s", err);
    cli_read_text(&s, "s.csv", sc, sizeof sc);
    expect_scores(sc, "video/00002.jpg,", largest);
    expect_scores(sc, "video/00001.jpg,", largest); /* nearest faced frame */
    cr_assert_eq(cli_run(&s, "ce --features f.csv --faces mean --smooth none --scores-out s.csv -o ce.txt", NULL,
                         0, err, sizeof err), 0, "%s", err);
    cli_read_text(&s, "s.csv", sc, sizeof sc);
    expect_scores(sc, "video/00002.jpg,", mean);
    /* the binary file (version 2) holds the same rows: the same scores, byte for byte */
    snprintf(args, sizeof args, "%s -o f.bin", FEATURES);
    cr_assert_eq(cli_run(&s, args, NULL, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cli_run(&s, "ce --features f.bin --faces mean --smooth none --scores-out s2.csv -o ce.txt", NULL,
                         0, err, sizeof err), 0, "%s", err);
    cli_read_text(&s, "s2.csv", sc2, sizeof sc2);
    cr_assert_str_eq(sc, sc2);
    static unsigned char bin[1 << 15];
    size_t nb = cli_read_text(&s, "f.bin", (char *)bin, sizeof bin);
    cr_assert(!memcmp(bin, "EMOCFEAT\2\0\0\0", 12), "version 2 header");
    /* header, one video name "video", n rows of 12 + 20 + 4·D bytes */
    cr_assert_eq(nb, 64 + 2 + 5 + (size_t)n * (32 + 4 * D));
    cli_scratch_free(&s);
}

/* Two faces whose file order and box sizes disagree: largest follows the box. */
static void write_two_faces(const cli_scratch *s, const char *name, const char *box0, const char *box1)
{
    char text[1024];
    snprintf(text, sizeof text,
             "# emoc features version=2 backbone=t embedding=0\n"
             "video,frame,face,box_x1,box_y1,box_x2,box_y2,det_score,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9\n"
             "v,1,0,%s,0.9,3,0,0,0,0,0,0,0,0.1,0.2\n"
             "v,1,1,%s,0.8,0,0,0,0,2.5,0,0,1,0.3,0.4\n",
             box0, box1);
    cli_write_text(s, name, text);
}

Test(features_boxes, largest_is_the_box_area_not_the_row_order)
{
    cli_scratch s;
    cli_scratch_init(&s);
    static char sc[4096], err[4096];
    const double lg0[8] = {3, 0, 0, 0, 0, 0, 0, 0}, lg1[8] = {0, 0, 0, 0, 2.5, 0, 0, 1};
    double want0[EMOC_N_CE], want1[EMOC_N_CE];
    emoc_ce_scores(lg0, EMOC_CE_MEAN_ARITHMETIC, want0);
    emoc_ce_scores(lg1, EMOC_CE_MEAN_ARITHMETIC, want1);
    /* face 1: a box cut by the border (negative corner, unclipped as upstream reports it), 25×25 */
    write_two_faces(&s, "a.csv", "0,0,10,10", "-5,-5,20,20");
    cr_assert_eq(cli_run(&s, "ce --features a.csv --faces largest --smooth none --scores-out s.csv -o o.txt", NULL,
                         0, err, sizeof err), 0, "%s", err);
    cli_read_text(&s, "s.csv", sc, sizeof sc);
    expect_scores(sc, "v/00001.jpg,", want1);
    write_two_faces(&s, "b.csv", "0,0,30,30", "-5,-5,20,20");
    cr_assert_eq(cli_run(&s, "ce --features b.csv --faces largest --smooth none --scores-out s.csv -o o.txt", NULL,
                         0, err, sizeof err), 0, "%s", err);
    cli_read_text(&s, "s.csv", sc, sizeof sc);
    expect_scores(sc, "v/00001.jpg,", want0);
    /* a degenerate box (x2 < x1) has area 0, whatever the product of its sides */
    write_two_faces(&s, "c.csv", "10,10,0,0", "0,0,2,2");
    cr_assert_eq(cli_run(&s, "ce --features c.csv --faces largest --smooth none --scores-out s.csv -o o.txt", NULL,
                         0, err, sizeof err), 0, "%s", err);
    cli_read_text(&s, "s.csv", sc, sizeof sc);
    expect_scores(sc, "v/00001.jpg,", want1);
    /* version 1: the area column decides */
    cli_write_text(&s, "v1.csv",
                   "video,frame,face,area,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9\n"
                   "v,1,0,400,3,0,0,0,0,0,0,0,0.1,0.2\n"
                   "v,1,1,399.5,0,0,0,0,2.5,0,0,1,0.3,0.4\n");
    cr_assert_eq(cli_run(&s, "ce --features v1.csv --faces largest --smooth none --scores-out s.csv -o o.txt",
                         NULL, 0, err, sizeof err), 0, "%s", err);
    cli_read_text(&s, "s.csv", sc, sizeof sc);
    expect_scores(sc, "v/00001.jpg,", want0);
    cli_scratch_free(&s);
}

/* ce on a file that must be refused: exit 3 and the message names the place. */
static void refused(const cli_scratch *s, const char *file, const char *want)
{
    char args[256], err[4096];
    snprintf(args, sizeof args, "ce --features %s -o o.txt", file);
    cr_assert_eq(cli_run(s, args, NULL, 0, err, sizeof err), 3, "%s: %s", file, err);
    cr_assert(strstr(err, want), "%s: want '%s', got %s", file, want, err);
}

Test(features_boxes, unknown_versions_and_bad_boxes_are_refused)
{
    cli_scratch s;
    cli_scratch_init(&s);
    const char *head = "video,frame,face,box_x1,box_y1,box_x2,box_y2,det_score,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9\n";
    char text[1024];
    cli_write_text(&s, "v3.csv", "# emoc features version=3 backbone=t\nvideo,frame,face,area,x0\nv,1,0,1,0\n");
    refused(&s, "v3.csv", "v3.csv:1:17: unknown feature file version: this reader knows versions 1 and 2");
    snprintf(text, sizeof text, "# emoc features version=1\n%sv,1,0,0,0,1,1,0.5,0,0,0,0,0,0,0,0,0,0\n", head);
    cli_write_text(&s, "mix.csv", text);
    refused(&s, "mix.csv", "mix.csv:2:1: a version 2 header (box columns) in a file whose comment line says version 1");
    snprintf(text, sizeof text, "%sv,1,0,0,0,1,1,0.5,0,0,0,0,0,0,0,0,0,0\nv,2,0,0,0,1,1,1.5,0,0,0,0,0,0,0,0,0,0\n",
             head);
    cli_write_text(&s, "score.csv", text);
    refused(&s, "score.csv", "score.csv:3:15: expected a det_score in [0, 1]");
    snprintf(text, sizeof text, "%sv,1,0,0,nan,1,1,0.5,0,0,0,0,0,0,0,0,0,0\n", head);
    cli_write_text(&s, "nan.csv", text);
    refused(&s, "nan.csv", "nan.csv:2:9: expected a box coordinate");
    snprintf(text, sizeof text, "%sv,1,0,0,0,1,1\n", head);
    cli_write_text(&s, "short.csv", text);
    refused(&s, "short.csv", "short.csv:2:14: row ends early");
    /* binary: an unknown version; a version 2 row with det_score 2; rows of the v1 size */
    unsigned char b[64 + 3 + 32 + 40] = "EMOCFEAT";
    memset(b + 8, 0, sizeof b - 8);
    b[8] = 3, b[12] = 10, b[20] = 1, b[24] = 1;
    b[64] = 1, b[66] = 'v';
    cli_write_bytes(&s, "v3.bin", b, sizeof b);
    refused(&s, "v3.bin", "v3.bin: byte 8: version 3, this reader knows versions 1 and 2");
    b[8] = 2;
    const float row[5] = {-3.5f, 2.0f, 40.0f, 50.0f, 2.0f};
    memcpy(b + 67 + 12, row, sizeof row); /* little-endian host, as every supported target */
    cli_write_bytes(&s, "score.bin", b, sizeof b);
    refused(&s, "score.bin", "score.bin: byte 79: row 0: box -3.5 2 40 50, det_score 2: det_score must lie in [0, 1]");
    cli_write_bytes(&s, "size.bin", b, 64 + 3 + 16 + 40);
    refused(&s, "size.bin", "size.bin: byte 67: 1 rows of 72 bytes need 72 bytes, 56 remain");
    cli_scratch_free(&s);
}

Test(features_boxes, resume_refuses_a_file_of_the_other_version)
{
    cli_scratch s;
    setup(&s);
    char err[4096];
    cr_assert_eq(cli_run(&s, "features -q -m tiny.emw --csv -o f.csv frame.ppm", NULL, 0, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(cli_run(&s, "features -q -m tiny.emw --detect mtcnn.emw --threshold 0 --csv --resume -o f.csv "
                             "frame.ppm", NULL, 0, err, sizeof err), 2, "%s", err);
    cr_assert(strstr(err, "'f.csv' holds version 1 feature rows (no boxes) and this run writes version 2"), "%s", err);
    cli_scratch_free(&s);
}
