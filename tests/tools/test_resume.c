/* test_resume.c — `--resume` of `emoc features` and of `--detect` runs, and `emoc detect --shard`
 * (docs/scale-out.md). A run is really killed (SIGKILL) in the middle: two frame files are FIFOs,
 * one released after 1.5 s (so the video before it is committed), one never (the run waits on it
 * until killed). The re-run with --resume, once the frames are plain files again, must write
 * exactly what one uninterrupted run writes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/cli_run.h"
#include "tests/detect/mtcnn_fixture.h"

static char err[1 << 14];

/* P6 of w×h with a pattern the seeded MTCNN fixture finds faces in at --threshold 0. */
static void save_ppm(const cli_scratch *s, const char *name, int w, int h, int seed)
{
    char path[512];
    cr_assert_eq(mtcnn_fix_save_frame(cli_scratch_path(s, name, path, sizeof path), w, h, seed), 0, "%s", name);
}

/* tiny.emw, mtcnn.emw and corpus/: a loose image (listed first) and videos v1..v5 of 3 frames;
 * v3's second frame is too small for a face at --min-face 80 (a no_face row, no feature row). */
static void setup(cli_scratch *s)
{
    cli_scratch_init_tiny(s, "tiny.emw");
    char path[256];
    cr_assert_eq(mtcnn_fix_save(cli_scratch_path(s, "mtcnn.emw", path, sizeof path)), 0);
    for (int v = 1; v <= 5; v++)
        for (int f = 1; f <= 3; f++) {
            char name[64], dir[320];
            snprintf(dir, sizeof dir, "mkdir -p '%s/corpus/v%d'", s->dir, v);
            cr_assert_eq(system(dir), 0);
            snprintf(name, sizeof name, "corpus/v%d/%05d.ppm", v, f);
            int small = v == 3 && f == 2;
            save_ppm(s, name, small ? 60 : 120, small ? 40 : 90, v * 3 + f);
        }
    save_ppm(s, "corpus/a_loose.ppm", 120, 90, 0);
}

static int sh(const cli_scratch *s, const char *script)
{
    char *cmd = malloc(strlen(script) + 512);
    cr_assert(cmd);
    sprintf(cmd, "cd '%s' && E=\"$EMOC_BIN\" && %s", s->dir, script);
    int rc = system(cmd);
    free(cmd);
    return rc;
}

/* The uninterrupted run into full.OUT, then a --resume run into part.OUT killed while it waits
 * on v4's second frame, after v2 was committed (seen: `seen` succeeds on part.OUT), copied to
 * killed.OUT; then the frames made plain files and --resume run again. The script holds both
 * FIFOs open (so the run's reads wait instead of seeing an empty file) and feeds v2's first frame
 * 1.5 s after the run opened it (commits are at least a second apart: v2's end must commit). */
static void kill_and_resume(const cli_scratch *s, const char *args, const char *ext, const char *seen)
{
    char script[4096];
    snprintf(script, sizeof script,
             "set -e; \"$E\" %s -q -o full.%s; "
             "for f in v2/00001 v4/00002; do mv corpus/$f.ppm keep_${f%%%%/*}.ppm; mkfifo corpus/$f.ppm; done; "
             "exec 3<>corpus/v2/00001.ppm 4<>corpus/v4/00002.ppm; "
             "\"$E\" %s -q --resume -o part.%s 3>&- 4>&- & pid=$!; n=0; "
             "until ls -l /proc/$pid/fd 2>/dev/null | grep -q v2/00001; do sleep 0.05; n=$((n+1)); "
             "  if [ $n -ge 6000 ]; then kill -9 $pid; echo 'never opened v2/00001' >&2; exit 1; fi; done; "
             "sleep 1.5; cat keep_v2.ppm >&3; exec 3>&-; n=0; "
             "until [ -e part.%s ] && %s part.%s; do sleep 0.1; n=$((n+1)); "
             "  if [ $n -ge 3000 ]; then kill -9 $pid; echo 'never committed v2' >&2; exit 1; fi; done; "
             "{ kill -9 $pid; wait $pid; } 2>/dev/null || true; exec 4>&-; "
             "rm corpus/v2/00001.ppm corpus/v4/00002.ppm; mv keep_v2.ppm corpus/v2/00001.ppm; "
             "mv keep_v4.ppm corpus/v4/00002.ppm; cp part.%s killed.%s; test ! -e .part.%s.emoc-tmp",
             args, ext, args, ext, ext, seen, ext, ext, ext, ext);
    cr_assert_eq(sh(s, script), 0, "the killed run: %s", args);
    char again[1024];
    snprintf(again, sizeof again, "%s --resume -o part.%s -v", args, ext);
    int rc = cli_run(s, again, NULL, 0, err, sizeof err);
    cr_assert_eq(rc, 0, "%s: %s", again, err);
    snprintf(script, sizeof script, "! cmp -s killed.%s full.%s && cmp part.%s full.%s && test ! -e .part.%s.emoc-tmp",
             ext, ext, ext, ext, ext);
    cr_assert_eq(sh(s, script), 0, "%s: the resumed output differs from one run's (or the kill came too late)", args);
    /* resumed again: everything is complete, nothing is computed, the file stays the same */
    rc = cli_run(s, again, NULL, 0, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert(strstr(err, "nothing to compute"), "%s", err);
    snprintf(script, sizeof script, "cmp part.%s full.%s", ext, ext);
    cr_assert_eq(sh(s, script), 0);
}

Test(resume, predict_detect_killed_and_resumed)
{
    cli_scratch s;
    setup(&s);
    kill_and_resume(&s, "predict -m tiny.emw --detect mtcnn.emw --threshold 0 --min-face 80 corpus", "csv", "grep -q /v2/");
    /* the killed file held v1 and v2 whole (every frame, each with its faces), nothing of v4 */
    cr_assert_eq(sh(&s, "grep -q '^corpus/v3/00002.ppm,2,0,no_face,' full.csv && test $(grep -c ,ok, full.csv) -gt 16"), 0,
                 "a frame without a face has its status row, others several faces");
    cr_assert_eq(sh(&s, "grep -q /v1/ killed.csv && ! grep -q /v4/ killed.csv && "
                        "test $(grep /v2/ killed.csv | cut -d, -f1 | sort -u | wc -l) -eq 3 && "
                        "test \"$(grep /v2/ killed.csv)\" = \"$(grep /v2/ full.csv)\""), 0);
    cr_assert(strstr(err, "0 of 16 input frames"), "nothing left to compute: %s", err);
    cli_scratch_free(&s);
}

Test(resume, features_killed_and_resumed)
{
    cli_scratch s;
    setup(&s);
    kill_and_resume(&s, "features -m tiny.emw corpus --csv", "csv", "grep -q ^v2,");
    cr_assert_eq(sh(&s, "grep -q ^v1, killed.csv && ! grep -q ^v4, killed.csv && "
                        "test \"$(grep ^v2, killed.csv)\" = \"$(grep ^v2, full.csv)\""), 0);
    cli_scratch_free(&s);
}

Test(resume, features_detect_binary_killed_and_resumed)
{
    cli_scratch s;
    setup(&s);
    kill_and_resume(&s, "features -m tiny.emw --detect mtcnn.emw --threshold 0 --min-face 80 corpus", "bin", "grep -aq v2");
    cli_scratch_free(&s);
}

Test(resume, features_refusals)
{
    cli_scratch s;
    setup(&s);
    cr_assert_eq(cli_run(&s, "features -m tiny.emw corpus --csv -o f.csv -q", NULL, 0, err, sizeof err), 0, "%s", err);
    /* a CSV file is not continued as a binary one, nor another model's */
    cr_assert_eq(cli_run(&s, "features -m tiny.emw corpus --resume -o f.csv", NULL, 0, err, sizeof err), 2);
    cr_assert(strstr(err, "remove it or run without --resume"), "%s", err);
    cli_write_text(&s, "g.csv", "# emoc features backbone=other embedding=4\nvideo,frame,face,area,x0,x1\n");
    cr_assert_eq(cli_run(&s, "features -m tiny.emw corpus --csv --resume -o g.csv", NULL, 0, err, sizeof err), 2);
    cr_assert_eq(cli_run(&s, "features -m tiny.emw --tensor x.f32 --resume -o t.bin", NULL, 0, err, sizeof err), 2);
    cr_assert(strstr(err, "not --tensor"), "%s", err);
    cli_write_bytes(&s, "frames.raw", "0123456789ab", 12);
    cr_assert_eq(cli_run(&s, "features -m tiny.emw --raw 2x2 frames.raw --resume -o r.bin", NULL, 0, err, sizeof err), 2);
    cli_scratch_free(&s);
}

Test(shard, detect_three_shards_merge_to_one_run)
{
    cli_scratch s;
    setup(&s);
    const char *one = "detect -m mtcnn.emw --threshold 0 --min-face 80 corpus";
    char script[2048];
    snprintf(script, sizeof script,
             "set -e; \"$E\" %s -o all.csv -q; for k in 1 2 3; do \"$E\" %s --shard $k/3 -o s$k.csv -q; done; "
             "{ head -n 1 s1.csv; tail -q -n +2 s1.csv s2.csv s3.csv | LC_ALL=C sort -t, -k1,1 -k2,2n -k3,3n; } > merged.csv; "
             "{ head -n 1 all.csv; tail -n +2 all.csv | LC_ALL=C sort -t, -k1,1 -k2,2n -k3,3n; } > sorted.csv; "
             "cmp merged.csv sorted.csv; "
             /* more rows than frames (several faces per frame), and no shard holds everything */
             "test $(tail -n +2 all.csv | wc -l) -gt 16; "
             "for k in 1 2 3; do test $(tail -n +2 s$k.csv | wc -l) -lt $(tail -n +2 all.csv | wc -l); done; "
             /* every frame of a video in one shard */
             "for v in v1 v2 v3 v4 v5; do test $(grep -l /$v/ s1.csv s2.csv s3.csv | wc -l) -eq 1; done",
             one, one);
    cr_assert_eq(sh(&s, script), 0);
    cli_scratch_free(&s);
}
