/* test_shard.c — `--shard K/N` and `--resume` (docs/scale-out.md): three shards run concurrently
 * by GNU parallel, merged as the document shows, equal one run's rows byte for byte; the shard of
 * an input does not depend on the listing order; a raw stream is refused; a resumed run keeps the
 * rows of complete videos (even edited ones: proof they were not recomputed) and redoes a video
 * left incomplete. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/cli_run.h"
#include "tests/core/tinynet_fixture.h"

static char scratch_out[1 << 16], scratch_err[1 << 14];

/* model.emw (tinynet) and corpus/: 7 videos of 3 frames each plus 2 loose images. */
static void make_corpus(const cli_scratch *s)
{
    tiny_opts o;
    tiny_default(&o);
    size_t n;
    uint8_t *emw = tiny_build(&o, &n);
    cr_assert(emw);
    char path[512];
    snprintf(path, sizeof path, "%s/model.emw", s->dir);
    FILE *f = fopen(path, "wb");
    cr_assert(f && fwrite(emw, 1, n, f) == n);
    fclose(f);
    free(emw);
    const char *root = getenv("EMOC_ROOT");
    cr_assert(root, "EMOC_ROOT is not set (run through make test)");
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && for v in alpha beta gamma delta epsilon zeta eta; do mkdir -p corpus/$v && "
             "for i in 00001 00002 00003; do cp '%s/tests/fixtures/image/png_rgb16.png' corpus/$v/$i.png; done; done && "
             "cp '%s/tests/fixtures/image/bmp_24.bmp' corpus/loose1.bmp && cp '%s/tests/fixtures/image/png_p8.png' corpus/loose2.png",
             s->dir, root, root, root);
    cr_assert_eq(system(cmd), 0);
}

/* Runs a shell script in the scratch directory; it must succeed. */
static void sh(const cli_scratch *s, const char *script)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && %s", s->dir, script);
    int rc = system(cmd);
    cr_assert_eq(rc, 0, "failed: %s", script);
}

Test(shard, three_parallel_shards_merge_to_one_run)
{
    cli_scratch s;
    cli_scratch_init(&s);
    make_corpus(&s);
    cr_assert_eq(cli_run(&s, "predict -m model.emw corpus -o all.csv -q", NULL, 0, scratch_err, sizeof scratch_err), 0,
                 "%s", scratch_err);
    /* GNU parallel runs the three shards at once (Debian package parallel) */
    char script[2048];
    snprintf(script, sizeof script,
             "parallel --will-cite -j3 --halt now,fail=1 \"'%s' predict -m model.emw corpus --shard {}/3 -o shard{}.csv -q\" ::: 1 2 3",
             getenv("EMOC_BIN"));
    sh(&s, script);
    sh(&s, "{ head -n 1 shard1.csv; tail -q -n +2 shard1.csv shard2.csv shard3.csv | LC_ALL=C sort -t, -k1,1 -k2,2n -k3,3n; } > merged.csv");
    sh(&s, "{ head -n 1 all.csv; tail -n +2 all.csv | LC_ALL=C sort -t, -k1,1 -k2,2n -k3,3n; } > all_sorted.csv");
    sh(&s, "cmp merged.csv all_sorted.csv");
    /* 23 rows; every shard got whole videos: the three frames of a video share a shard */
    sh(&s, "test $(tail -n +2 all.csv | wc -l) -eq 23");
    sh(&s, "for v in alpha beta gamma delta epsilon zeta eta; do test $(grep -l \"corpus/$v/\" shard1.csv shard2.csv shard3.csv | wc -l) -eq 1 || exit 1; "
           "test $(cat shard1.csv shard2.csv shard3.csv | grep -c \"corpus/$v/\") -eq 3 || exit 1; done");
    sh(&s, "for k in 1 2 3; do test $(wc -l < shard$k.csv) -gt 1 || exit 1; done"); /* no empty shard here */
    cli_scratch_free(&s);
}

Test(shard, listing_order_does_not_move_inputs)
{
    cli_scratch s;
    cli_scratch_init(&s);
    make_corpus(&s);
    /* the same inputs in two orders */
    cr_assert_eq(cli_run(&s, "predict -m model.emw corpus/alpha corpus/beta corpus/gamma corpus/delta corpus/epsilon corpus/zeta "
                             "corpus/eta corpus/loose1.bmp corpus/loose2.png --shard 2/3 -o a.csv -q",
                         NULL, 0, scratch_err, sizeof scratch_err),
                 0, "%s", scratch_err);
    cr_assert_eq(cli_run(&s, "predict -m model.emw corpus/zeta corpus/loose2.png corpus/eta corpus/alpha corpus/loose1.bmp "
                             "corpus/epsilon corpus/gamma corpus/delta corpus/beta --shard 2/3 -o b.csv -q",
                         NULL, 0, scratch_err, sizeof scratch_err),
                 0, "%s", scratch_err);
    sh(&s, "tail -n +2 a.csv | LC_ALL=C sort > a.sorted && tail -n +2 b.csv | LC_ALL=C sort > b.sorted && cmp a.sorted b.sorted");
    /* and from another directory, under another root: the shard follows the names */
    char script[2048];
    snprintf(script, sizeof script,
             "mkdir -p elsewhere/x && mv corpus elsewhere/x/ && cd elsewhere && '%s' predict -m ../model.emw x/corpus/eta "
             "x/corpus/delta x/corpus/loose1.bmp x/corpus/epsilon x/corpus/alpha x/corpus/gamma x/corpus/zeta x/corpus/beta "
             "x/corpus/loose2.png --shard 2/3 -q | tail -n +2 | sed 's|^x/||' | LC_ALL=C sort > ../c.sorted && cd .. && cmp a.sorted c.sorted",
             getenv("EMOC_BIN"));
    sh(&s, script);
    cli_scratch_free(&s);
}

Test(shard, bad_values_and_raw_streams_are_refused)
{
    cli_scratch s;
    cli_scratch_init(&s);
    make_corpus(&s);
    const char *bad[] = {"0/3", "4/3", "1/0", "x/2", "1/", "2", "1/2x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char args[256];
        snprintf(args, sizeof args, "predict -m model.emw corpus --shard %s", bad[i]);
        cr_assert_eq(cli_run(&s, args, NULL, 0, scratch_err, sizeof scratch_err), 2, "--shard %s", bad[i]);
        cr_assert(strstr(scratch_err, "--shard expects K/N"), "%s", scratch_err);
    }
    cli_write_text(&s, "frames.raw", "0123456789ab");
    cr_assert_eq(cli_run(&s, "predict -m model.emw --raw 2x2 - --shard 1/2 < frames.raw", scratch_out, sizeof scratch_out,
                         scratch_err, sizeof scratch_err),
                 2, "%s", scratch_err);
    cr_assert(strstr(scratch_err, "cannot be sharded"), "%s", scratch_err);
    cr_assert_eq(scratch_out[0], 0, "a refused command line writes no output: %s", scratch_out);
    cr_assert_eq(cli_run(&s, "features -m model.emw --raw 2x2 - --shard 1/2 -o f.csv --csv < frames.raw", NULL, 0,
                         scratch_err, sizeof scratch_err),
                 2, "%s", scratch_err);
    cr_assert_eq(cli_run(&s, "predict -m model.emw --raw 2x2 - --resume -o r.csv < frames.raw", NULL, 0, scratch_err,
                         sizeof scratch_err),
                 2, "%s", scratch_err);
    cr_assert_eq(cli_run(&s, "predict -m model.emw corpus --resume", NULL, 0, scratch_err, sizeof scratch_err), 2);
    cr_assert(strstr(scratch_err, "--resume needs -o"), "%s", scratch_err);
    cli_scratch_free(&s);
}

Test(shard, features_shards_merge_to_one_run)
{
    cli_scratch s;
    cli_scratch_init(&s);
    make_corpus(&s);
    cr_assert_eq(cli_run(&s, "features -m model.emw corpus --csv -o all.csv -q", NULL, 0, scratch_err, sizeof scratch_err),
                 0, "%s", scratch_err);
    for (int k = 1; k <= 3; k++) {
        char args[256];
        snprintf(args, sizeof args, "features -m model.emw corpus --csv --shard %d/3 -o f%d.csv -q", k, k);
        int rc = cli_run(&s, args, NULL, 0, scratch_err, sizeof scratch_err);
        cr_assert(rc == 0, "shard %d: rc %d %s", k, rc, scratch_err);
    }
    /* two header lines (post/FEATURES.md); the loose images are numbered by their place in the
     * whole listing in every shard */
    sh(&s, "tail -q -n +3 f1.csv f2.csv f3.csv | LC_ALL=C sort > m.sorted && tail -n +3 all.csv | LC_ALL=C sort > a.sorted && "
           "cmp m.sorted a.sorted && test $(wc -l < a.sorted) -eq 23 && head -n 2 f2.csv > h1 && head -n 2 all.csv > h2 && cmp h1 h2");
    cli_scratch_free(&s);
}

Test(shard, resume_keeps_complete_videos_and_redoes_the_rest)
{
    cli_scratch s;
    cli_scratch_init(&s);
    make_corpus(&s);
    cr_assert_eq(cli_run(&s, "predict -m model.emw corpus -o all.csv -q", NULL, 0, NULL, 0), 0);
    /* a resumed run from nothing writes what a plain run writes */
    cr_assert_eq(cli_run(&s, "predict -m model.emw corpus --resume -o r.csv -q", NULL, 0, scratch_err, sizeof scratch_err), 0,
                 "%s", scratch_err);
    sh(&s, "cmp r.csv all.csv");
    /* an interrupted run: alpha and beta complete (with a value edited: kept rows are not
     * recomputed), delta with 2 of its 3 frames, a cut last line */
    sh(&s, "head -n 1 all.csv > part.csv && grep -e /alpha/ -e /beta/ all.csv | sed 's/,ok,\\([A-Za-z]*\\),[0-9.e-]*,/,ok,\\1,0.5,/' >> part.csv && "
           "grep /delta/ all.csv | head -n 2 >> part.csv && grep /gamma/ all.csv | head -n 1 | head -c 30 >> part.csv && cp part.csv r.csv");
    cr_assert_eq(cli_run(&s, "predict -m model.emw corpus --resume -o r.csv -v", NULL, 0, scratch_err, sizeof scratch_err), 0,
                 "%s", scratch_err);
    cr_assert(strstr(scratch_err, "17 of 23 input frames"), "alpha and beta (6 frames) are kept: %s", scratch_err);
    /* kept rows first, byte for byte as they were; then every other row as a plain run writes it */
    sh(&s, "test $(grep -c -e /alpha/ -e /beta/ part.csv) -eq 6 && head -n 7 r.csv > h1 && head -n 7 part.csv > h2 && cmp h1 h2");
    sh(&s, "grep -v -e /alpha/ -e /beta/ r.csv > rest1 && grep -v -e /alpha/ -e /beta/ all.csv > rest2 && cmp rest1 rest2");
    sh(&s, "test $(grep -c ',ok,[A-Za-z]*,0.5,' r.csv) -eq 6");
    sh(&s, "test ! -e .r.csv.emoc-tmp");
    /* another model's or format's output is not continued */
    cli_write_text(&s, "other.csv", "input,frame,something_else\n");
    cr_assert_eq(cli_run(&s, "predict -m model.emw corpus --resume -o other.csv", NULL, 0, scratch_err, sizeof scratch_err), 2);
    cr_assert(strstr(scratch_err, "another CSV header"), "%s", scratch_err);
    /* JSON Lines: a complete run is kept whole, nothing recomputed */
    cr_assert_eq(cli_run(&s, "predict -m model.emw corpus --format jsonl -o all.jsonl -q", NULL, 0, NULL, 0), 0);
    sh(&s, "cp all.jsonl r.jsonl");
    cr_assert_eq(cli_run(&s, "predict -m model.emw corpus --format jsonl --resume -o r.jsonl", NULL, 0, scratch_err,
                         sizeof scratch_err),
                 0, "%s", scratch_err);
    cr_assert(strstr(scratch_err, "nothing to compute"), "%s", scratch_err);
    sh(&s, "cmp r.jsonl all.jsonl");
    cli_scratch_free(&s);
}
