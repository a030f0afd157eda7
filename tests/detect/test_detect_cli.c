/* test_detect_cli.c — `emoc detect` and the detector/emotion mix-up refusals in the CLI. */
#include <criterion/criterion.h>

#include "tests/cli_run.h"
#include "tests/detect/mtcnn_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tiny.emw and the MTCNN fixture's scene (mtcnn.emw, frame.ppm, small.ppm). */
static void setup(cli_scratch *s)
{
    cli_scratch_init_tiny(s, "tiny.emw");
    cr_assert_eq(mtcnn_fix_save_scene(s->dir), 0);
}

Test(detect_cli, rows_per_face_and_no_face)
{
    cli_scratch s;
    setup(&s);
    static char out[1 << 16], err[4096];
    int rc = cli_run(&s, "detect -m mtcnn.emw --threshold 0 frame.ppm small.ppm", out, sizeof out,
                     err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert(!strncmp(out, "input,frame,face_id,status,x1,y1,x2,y2,det_score,lm0_x,lm0_y,lm1_x,"
                            "lm1_y,lm2_x,lm2_y,lm3_x,lm3_y,lm4_x,lm4_y\n", 100), "%s", out);
    cr_assert(strstr(out, "\nframe.ppm,,0,ok,"), "%s", out);
    /* 30x30 < min_face 40: exactly one no_face row with empty fields */
    cr_assert(strstr(out, "\nsmall.ppm,,0,no_face,,,,,,,,,,,,,,,\n"), "%s", out);
    rc = cli_run(&s, "detect -m mtcnn.emw --format jsonl small.ppm", out, sizeof out, err, sizeof err);
    cr_assert_eq(rc, 0);
    cr_assert(strstr(out, "\"status\":\"no_face\",\"box\":null,\"score\":null,\"landmarks\":null}"),
              "%s", out);
    rc = cli_run(&s, "detect -m mtcnn.emw --threshold 0 --format jsonl frame.ppm", out, sizeof out,
                 err, sizeof err);
    cr_assert_eq(rc, 0);
    cr_assert(strstr(out, "\"face_id\":0,\"status\":\"ok\",\"box\":["), "%s", out);
    cli_scratch_free(&s);
}

Test(detect_cli, raw_stream_and_missing_file)
{
    cli_scratch s;
    setup(&s);
    static char out[1 << 16], err[4096];
    unsigned char raw[2 * 50 * 50 * 3 + 10];
    for (size_t i = 0; i < sizeof raw; i++) raw[i] = (unsigned char)(i * 31);
    cli_write_bytes(&s, "frames.rgb", raw, sizeof raw);
    int rc = cli_run(&s, "detect -m mtcnn.emw --min-face 60 --raw 50x50 frames.rgb", out,
                     sizeof out, err, sizeof err);
    cr_assert_eq(rc, 4, "the short third frame is a truncated row: %s", err);
    cr_assert(strstr(out, "frames.rgb,1,0,no_face"), "%s", out);
    cr_assert(strstr(out, "frames.rgb,2,0,no_face"), "%s", out);
    cr_assert(strstr(out, "frames.rgb,3,0,truncated"), "%s", out);
    rc = cli_run(&s, "detect -m mtcnn.emw nothere.png", out, sizeof out, err, sizeof err);
    cr_assert_eq(rc, 4);
    cr_assert(strstr(out, "nothere.png,,0,io_error"), "%s", out);
    cli_scratch_free(&s);
}

Test(detect_cli, refusals)
{
    cli_scratch s;
    setup(&s);
    char out[4096], err[4096];
    cr_assert_eq(cli_run(&s, "detect -m mtcnn.emw --tensor x.f32", out, sizeof out, err, sizeof err), 2);
    cr_assert(strstr(err, "--tensor is not an input of detect"), "%s", err);
    cr_assert_eq(cli_run(&s, "detect -m mtcnn.emw --boxes b.csv", out, sizeof out, err, sizeof err), 2);
    cr_assert_eq(cli_run(&s, "detect -m mtcnn.emw --threshold 1.5 frame.ppm", out, sizeof out, err,
                         sizeof err), 2);
    cr_assert_eq(cli_run(&s, "detect -m mtcnn.emw --min-face 0 frame.ppm", out, sizeof out, err,
                         sizeof err), 2);
    int big = cli_run(&s, "detect -m mtcnn.emw --raw 16384x16384 frame.ppm", out, sizeof out, err,
                      sizeof err);
    cr_assert(big == 2 || big == 3, "exit %d", big);
    cr_assert(strstr(err, "4096x4096"), "refused before reading, cap named: %s", err);
    cr_assert_eq(cli_run(&s, "detect -m tiny.emw frame.ppm", out, sizeof out, err, sizeof err), 3);
    cr_assert(strstr(err, "emotion model") && strstr(err, "not a face detector"), "%s", err);
    cr_assert_eq(cli_run(&s, "predict -m mtcnn.emw frame.ppm", out, sizeof out, err, sizeof err), 3);
    cr_assert(strstr(err, "face detector") && strstr(err, "not an emotion model"), "%s", err);
    cli_scratch_free(&s);
}

Test(detect_cli, predict_with_detect)
{
    cli_scratch s;
    setup(&s);
    static char out[1 << 17], err[4096];
    int rc = cli_run(&s, "predict -m tiny.emw --detect mtcnn.emw --threshold 0 frame.ppm small.ppm",
                     out, sizeof out, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert(!strncmp(out, "input,frame,face_id,status,x1,y1,x2,y2,det_score,lm0_x", 54), "%s", out);
    cr_assert(strstr(out, "lm4_y,label,prob_anger"), "%s", out);
    cr_assert(strstr(out, "\nframe.ppm,,0,ok,"), "%s", out);
    cr_assert(strstr(out, "\nframe.ppm,,1,ok,"), "more than one face on the fixture: %s", out);
    cr_assert(strstr(out, "\nsmall.ppm,,0,no_face,"), "%s", out);
    rc = cli_run(&s, "predict -m tiny.emw --detect mtcnn.emw --threshold 0 --faces largest "
                     "--format jsonl frame.ppm", out, sizeof out, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert(strstr(out, "\"face_id\":0,\"status\":\"ok\",\"box\":["), "%s", out);
    cr_assert(strstr(out, "\"landmarks\":[[") && strstr(out, "\"label\":\""), "%s", out);
    cr_assert_null(strstr(out, "\"face_id\":1"), "only the largest: %s", out);
    char o2[4096];
    cr_assert_eq(cli_run(&s, "predict -m tiny.emw --detect tiny.emw frame.ppm", o2, sizeof o2, err,
                         sizeof err), 3);
    cr_assert(strstr(err, "not a face detector"), "%s", err);
    cr_assert_eq(cli_run(&s, "predict -m tiny.emw --faces largest frame.ppm", o2, sizeof o2, err,
                         sizeof err), 2);
    cr_assert_eq(cli_run(&s, "predict -m tiny.emw --detect mtcnn.emw --tensor x.f32", o2,
                         sizeof o2, err, sizeof err), 2);
    cli_scratch_free(&s);
}

Test(detect_cli, features_with_detect_feed_ce)
{
    cli_scratch s;
    setup(&s);
    static char out[1 << 16], err[4096], csv[1 << 16];
    int rc = cli_run(&s, "features -q -m tiny.emw --detect mtcnn.emw --threshold 0 --csv -o f.csv "
                     "frame.ppm small.ppm", out, sizeof out, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cli_read_text(&s, "f.csv", csv, sizeof csv);
    cr_assert(strstr(csv, "\nvideo,1,0,") && strstr(csv, "\nvideo,1,1,"), "one row per face: %s", csv);
    cr_assert_null(strstr(csv, "\nvideo,2,"), "no face, no row: %s", csv);
    rc = cli_run(&s, "ce --features f.csv --faces largest -o ce.txt", out, sizeof out, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_eq(cli_run(&s, "features -m tiny.emw --threshold 0.5 -o f.csv frame.ppm", out,
                         sizeof out, err, sizeof err), 2);
    cli_scratch_free(&s);
}

Test(detect_cli, bench_times_blazeface_only_and_image_is_for_detectors)
{
    cli_scratch s;
    setup(&s);
    static char out[4096], err[4096];
    /* a detector file reaches the detector bench, which times BlazeFace stage by stage only */
    int rc = cli_run(&s, "bench -m mtcnn.emw --runs 1", out, sizeof out, err, sizeof err);
    cr_assert_eq(rc, 2, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "a mtcnn detector") && strstr(err, "BlazeFace"), "%s", err);
    rc = cli_run(&s, "bench -m tiny.emw --runs 1 --loads 0 --image frame.ppm", out, sizeof out, err,
                 sizeof err);
    cr_assert_eq(rc, 2, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "--image is for face detectors"), "%s", err);
    cli_scratch_free(&s);
}

/* --max-pixels reaches every command that decodes an image (docs/reliability.md, "Images"):
 * frame.ppm has 120x90 = 10,800 pixels. The frame commands give the frame a decode_error row
 * and exit 4; decode and preprocess refuse it with exit 3. One pixel more passes everywhere. */
Test(detect_cli, max_pixels_reaches_every_command_that_decodes_images)
{
    cli_scratch s;
    setup(&s);
    static char out[1 << 16], err[4096];
    static const struct {
        const char *args;
        int rc;
    } cmds[] = {
        {"predict -m tiny.emw frame.ppm", 4},
        {"predict -m tiny.emw --detect mtcnn.emw frame.ppm", 4},
        {"detect -m mtcnn.emw frame.ppm", 4},
        {"features -m tiny.emw -o f.csv --csv frame.ppm", 4},
        {"features -m tiny.emw --detect mtcnn.emw -o f.csv --csv frame.ppm", 4},
        {"decode frame.ppm -o d.ppm", 3},
        {"preprocess -m tiny.emw frame.ppm -o x.f32", 3},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        char args[256];
        snprintf(args, sizeof args, "%s --max-pixels 10799", cmds[i].args);
        int rc = cli_run(&s, args, out, sizeof out, err, sizeof err);
        cr_assert_eq(rc, cmds[i].rc, "%s: rc %d: %s", args, rc, err);
        char csv[1 << 12] = "";
        if (!strncmp(args, "features", 8)) cli_read_text(&s, "f.csv", csv, sizeof csv);
        cr_assert(strstr(err, "120x90 = 10800 pixels exceeds the limit of 10799 pixels") ||
                      strstr(out, "120x90 = 10800 pixels exceeds the limit of 10799 pixels") ||
                      strstr(csv, "10800 pixels exceeds the limit of 10799 pixels"),
                  "%s: the limit is not named:\n%s\n%s", args, err, out);
        snprintf(args, sizeof args, "%s --max-pixels 10800", cmds[i].args);
        rc = cli_run(&s, args, out, sizeof out, err, sizeof err);
        cr_assert_eq(rc, 0, "%s: rc %d: %s", args, rc, err);
    }
    cr_assert_eq(cli_run(&s, "decode frame.ppm -o d.ppm --max-pixels 0", out, sizeof out, err, sizeof err), 2);
    cr_assert(strstr(err, "--max-pixels expects an integer"), "%s", err);
    cr_assert_eq(cli_run(&s, "preprocess -m tiny.emw frame.ppm -o x.f32 --max-pixels", out, sizeof out, err,
                         sizeof err), 2);
    cr_assert(strstr(err, "--max-pixels expects an integer"), "%s", err);
    cli_scratch_free(&s);
}
