/* test_cli_rows.c — the one-row-per-frame guarantee end to end through `emoc predict`
 * ($EMOC_BIN, tools/inputs.h iterator): a raw rgb24 pipe with a short final frame, and an
 * Aff-Wild2-style folder with a corrupt frame in the middle. Rows in input order, the failed
 * frames present with their status and empty value fields, exit status 4. */
#include "tests/image/image_fixture.h"
#include "tests/cli_run.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static cli_scratch scratch; /* the scratch directory with tiny.emw (tests/cli_run.h) */

static void setup(void) { cli_scratch_init_tiny(&scratch, "tiny.emw"); }
static void teardown(void) { cli_scratch_free(&scratch); }

/* Runs cmd, returns its exit status and stdout lines (at most max). */
static int run_lines(const char *cmd, char lines[][2048], int max, int *n)
{
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    *n = 0;
    char scratch[2048];
    while (fgets(*n < max ? lines[*n] : scratch, 2048, p)) (*n)++;
    int rc = pclose(p);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(cli_rows, raw_pipe_short_final_frame, .init = setup, .fini = teardown)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin);
    char cmd[1024], lines[16][2048];
    int n;
    /* 5 frames of 16x16 rgb24 = 768 bytes each, minus 100 bytes: 4 full frames + 1 short */
    snprintf(cmd, sizeof cmd, "head -c %d /dev/zero | tr '\\0' '\\200' | '%s' predict -m %s/tiny.emw --raw 16x16 - -q",
             5 * 768 - 100, bin, scratch.dir);
    int rc = run_lines(cmd, lines, 16, &n);
    cr_assert_eq(rc, 4, "exit status %d", rc);
    cr_assert_eq(n, 1 + 5, "%d lines", n);
    cr_assert(!strncmp(lines[0], "input,frame,face_id,status", 26), "%s", lines[0]);
    for (int k = 1; k <= 4; k++) {
        char want[32];
        snprintf(want, sizeof want, "-,%d,0,ok,", k);
        cr_assert(!strncmp(lines[k], want, strlen(want)), "row %d: %s", k, lines[k]);
    }
    cr_assert(!strncmp(lines[5], "-,5,0,truncated,,", 17), "%s", lines[5]);
    /* exactly W·H·3·k bytes: no error row, exit 0 */
    snprintf(cmd, sizeof cmd, "head -c %d /dev/zero | '%s' predict -m %s/tiny.emw --raw 16x16 - -q", 2 * 768, bin, scratch.dir);
    cr_assert_eq(run_lines(cmd, lines, 16, &n), 0);
    cr_assert_eq(n, 3);
    /* empty stream: header only, and an error exit (reliability §5.1: 0 bytes → non-zero) */
    snprintf(cmd, sizeof cmd, "'%s' predict -m %s/tiny.emw --raw 16x16 - -q < /dev/null", bin, scratch.dir);
    cr_assert_eq(run_lines(cmd, lines, 16, &n), 3);
    cr_assert_eq(n, 1);
}

Test(cli_rows, folder_with_corrupt_frame_in_the_middle, .init = setup, .fini = teardown)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin);
    char p[256], cmd[1024], lines[16][2048];
    snprintf(p, sizeof p, "%s/clip", scratch.dir);
    cr_assert_eq(mkdir(p, 0700), 0);
    size_t size;
    uint8_t *png = fx_read("png_pillow.png", &size);
    const int frames[] = {1, 2, 3, 11};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/clip/%05d.png", scratch.dir, frames[i]);
        FILE *f = fopen(p, "wb");
        fwrite(png, 1, i == 1 ? size / 3 : size, f); /* frame 2 cut short */
        fclose(f);
    }
    free(png);
    int n;
    snprintf(cmd, sizeof cmd, "'%s' predict -m %s/tiny.emw %s/clip/ -q 2>/dev/null", bin, scratch.dir, scratch.dir);
    int rc = run_lines(cmd, lines, 16, &n);
    cr_assert_eq(rc, 4, "exit status %d", rc);
    cr_assert_eq(n, 5, "%d lines", n);
    const char *status[] = {"ok", "truncated", "ok", "ok"};
    for (int i = 0; i < 4; i++) {
        char want[64];
        snprintf(want, sizeof want, "%05d.png,%d,0,%s,", frames[i], frames[i], status[i]);
        cr_assert(strstr(lines[i + 1], want), "row %d: %s (want %s)", i + 1, lines[i + 1], want);
    }
    cr_assert(strstr(lines[2], "truncated,,,"), "value fields of a failed row are empty: %s", lines[2]);
}
