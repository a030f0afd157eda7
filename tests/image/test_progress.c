/* test_progress.c — tools/progress.c (compiled into this test: it is CLI code, not in
 * libemoc.a): key=value blocks, the summary line counting frames in, rows out and errors per
 * status, and silence with -q. */
#include "tests/image/image_fixture.h"
#include "tools/progress.c"

static char *run_progress(progress_mode mode, int frames, int bad)
{
    FILE *f = tmpfile();
    cr_assert(f);
    progress p;
    progress_init(&p, "predict", mode, frames, f);
    for (int i = 0; i < frames; i++) {
        progress_frame_in(&p);
        progress_row_out(&p, i < bad ? (i % 2 ? EMOC_INPUT_TRUNCATED : EMOC_INPUT_DECODE_ERROR) : EMOC_INPUT_OK);
    }
    cr_assert_eq(progress_errors(&p), bad);
    progress_finish(&p);
    long n = ftell(f);
    rewind(f);
    char *s = calloc(1, (size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return s;
}

Test(progress, kv_blocks_end_and_summary)
{
    char *s = run_progress(PROGRESS_KV, 5, 3);
    cr_assert(strstr(s, "frame=5\nrows=5\nerrors=3\ntotal=5\n"), "%s", s);
    cr_assert(strstr(s, "progress=end\n"), "%s", s);
    cr_assert(strstr(s, "emoc predict: frames_in=5 rows_out=5 errors=3 (decode_error=2 truncated=1)"), "%s", s);
    free(s);
}

Test(progress, auto_on_a_file_prints_only_the_summary)
{
    char *s = run_progress(PROGRESS_AUTO, 4, 0);
    cr_assert(!strncmp(s, "emoc predict: frames_in=4 rows_out=4 errors=0 ", 46), "%s", s);
    cr_assert_null(strstr(s, "progress="));
    free(s);
}

Test(progress, quiet_prints_nothing)
{
    char *s = run_progress(PROGRESS_QUIET, 4, 1);
    cr_assert_str_eq(s, "");
    free(s);
}
