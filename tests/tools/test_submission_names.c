/* test_submission_names.c — `emoc mtl` and `emoc ce` write each listed image under the name the
 * --list file gives it (docs/models.md §9.4: the organisers' list defines the rows), not a
 * re-spelled video/%05d.jpg; without a list they name frames video/%05d.jpg (§2.2). Runs
 * $EMOC_BIN. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/cli_run.h"

static cli_scratch scratch;

static void setup(void) { cli_scratch_init(&scratch); }
static void teardown(void) { cli_scratch_free(&scratch); }

static int emoc(const char *args) { return cli_run(&scratch, args, NULL, 0, NULL, 0); }

static void write_text(const char *name, const char *text) { cli_write_text(&scratch, name, text); }

/* Reads a file of the scratch directory into lines[] (at most max); returns the count. */
static int read_lines(const char *name, char lines[][512], int max)
{
    static char text[8192];
    cli_read_text(&scratch, name, text, sizeof text);
    int n = 0;
    for (char *p = text, *nl; n < max && *p; p = nl + 1, n++) {
        nl = strchr(p, '\n');
        cr_assert(nl && nl - p < 512, "%s: line %d unterminated or too long", name, n + 1);
        memcpy(lines[n], p, (size_t)(nl - p));
        lines[n][nl - p] = '\0';
    }
    return n;
}

/* Row i's first field must be want; the rest of the row must equal ref's row i. */
static void assert_rows(char got[][512], char ref[][512], int i, const char *want, const char *file)
{
    size_t k = strlen(want);
    cr_assert(strncmp(got[i], want, k) == 0 && got[i][k] == ',', "%s row %d: '%s', want '%s,...'",
              file, i, got[i], want);
    cr_assert_str_eq(got[i] + k, strchr(ref[i], ','), "%s row %d: values differ", file, i);
}

/* Three frames of one video; 10 values = 8 AffectNet logits, V, A (enough for --head none). */
static const char *features = "video,frame,face,area,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9\n"
                              "vidA,1,0,100,0.1,2.0,0.3,0.4,0.5,0.6,0.7,0.8,0.25,-0.5\n"
                              "vidA,2,0,100,3.0,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.50,0.25\n"
                              "vidA,3,0,100,0.1,0.2,0.3,0.4,4.0,0.6,0.7,0.8,-0.1,0.75\n";
static const char *const spelled[3] = {"vidA/1.jpg", "vidA/00002.png", "vidA/003.jpg"};

Test(submission_names, list_strings_are_echoed, .init = setup, .fini = teardown)
{
    write_text("f.csv", features);
    write_text("odd.txt", "image,valence,arousal,expression,aus\n"
                          "vidA/1.jpg,\n vidA/00002.png ,\nvidA/003.jpg,\n");
    write_text("std.txt", "image,valence,arousal,expression,aus\n"
                          "vidA/00001.jpg,\nvidA/00002.jpg,\nvidA/00003.jpg,\n");
    const char *runs[2][2] = {
        {"mtl --features f.csv --head none --list odd.txt -o m.txt --scores-out ms.csv",
         "mtl --features f.csv --head none --list std.txt -o m0.txt --scores-out ms0.csv"},
        {"ce --features f.csv --list odd.txt -o c.txt --scores-out cs.csv",
         "ce --features f.csv --list std.txt -o c0.txt --scores-out cs0.csv"}};
    for (int r = 0; r < 2; r++)
        for (int k = 0; k < 2; k++) cr_assert_eq(emoc(runs[r][k]), 0, "%s", runs[r][k]);
    const char *files[4][2] = {
        {"m.txt", "m0.txt"}, {"ms.csv", "ms0.csv"}, {"c.txt", "c0.txt"}, {"cs.csv", "cs0.csv"}};
    static char got[8][512], ref[8][512];
    for (int f = 0; f < 4; f++) {
        cr_assert_eq(read_lines(files[f][0], got, 8), 4, "%s: header + 3 rows", files[f][0]);
        cr_assert_eq(read_lines(files[f][1], ref, 8), 4, "%s: header + 3 rows", files[f][1]);
        cr_assert_str_eq(got[0], ref[0]);
        for (int i = 1; i <= 3; i++) assert_rows(got, ref, i, spelled[i - 1], files[f][0]);
    }
    /* the echoed names still read back as the same frames */
    cr_assert_eq(emoc("eval --pred m.txt --labels m0.txt --json"), 0);
}

Test(submission_names, without_a_list_frames_are_named_video_5_digits, .init = setup,
     .fini = teardown)
{
    write_text("f.csv", features);
    cr_assert_eq(emoc("mtl --features f.csv --head none -o m.txt"), 0);
    cr_assert_eq(emoc("ce --features f.csv -o c.txt"), 0);
    static char got[8][512];
    const char *files[2] = {"m.txt", "c.txt"};
    for (int f = 0; f < 2; f++) {
        cr_assert_eq(read_lines(files[f], got, 8), 4);
        for (int i = 1; i <= 3; i++) {
            char want[32];
            snprintf(want, sizeof want, "vidA/%05d.jpg,", i);
            cr_assert(strncmp(got[i], want, strlen(want)) == 0, "%s row %d: '%s'", files[f], i,
                      got[i]);
        }
    }
}
