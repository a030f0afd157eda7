/* test_qa_errors.c — bad command lines and bad files found by the second QA pass, through
 * $EMOC_BIN: each must end with a message naming what and where and the documented exit code
 * (tools/cli.h), never a silent success, a partial output or a summary that miscounts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/cli_run.h"
#include "tests/core/tinynet_fixture.h"
#include "engine/base/sha256.h"

static cli_scratch scratch;
static char out[8192], err[8192];

static void setup(void) { cli_scratch_init(&scratch); }
static void teardown(void) { cli_scratch_free(&scratch); }

TestSuite(qa_errors, .init = setup, .fini = teardown);

static int emoc(const char *args) { return cli_run(&scratch, args, out, sizeof out, err, sizeof err); }

static void write_bytes(const char *name, const void *data, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", scratch.dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void make_dir(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", scratch.dir, name);
    cr_assert_eq(mkdir(path, 0700), 0, "mkdir %s", path);
}

static int exists(const char *name)
{
    char path[256];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", scratch.dir, name);
    return stat(path, &sb) == 0;
}

static void write_tiny_model(void) { cli_write_tiny(&scratch, "tiny.emw"); }

/* A 4x4 binary PPM, whole or cut inside its raster. */
static void write_ppm(const char *name, int truncated)
{
    unsigned char b[11 + 48];
    memcpy(b, "P6\n4 4\n255\n", 11);
    for (int i = 0; i < 48; i++) b[11 + i] = (unsigned char)(i * 29);
    write_bytes(name, b, truncated ? 11 + 20 : sizeof b);
}

/* Three frames of one video, 10 values each (8 AffectNet logits, V, A). */
static const char *features_csv = "video,frame,face,area,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9\n"
                                  "vidA,1,0,100,0.1,2.0,0.3,0.4,0.5,0.6,0.7,0.8,0.25,-0.5\n"
                                  "vidA,2,0,100,3.0,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.50,0.25\n"
                                  "vidA,3,0,100,0.1,0.2,0.3,0.4,4.0,0.6,0.7,0.8,-0.1,0.75\n";

/* `emoc tune -o X` used to exit 0 when X was a regular file or its output files could not be
 * created: every fopen failure was skipped, and the printed `emoc mtl` options pointed at an
 * au_thresholds.txt that did not exist. */
Test(qa_errors, tune_output_that_cannot_be_written_fails_the_run)
{
    cli_write_text(&scratch, "f.csv", features_csv);
    cr_assert_eq(emoc("mtl --features f.csv --head none -o sub.txt --scores-out s.csv"), 0, "%s", err);
    make_dir("ann");
    cli_write_text(&scratch, "ann/vidA.txt", "valence,arousal\n0.5,0.5\n-5,-5\n0.1,0.2\n");

    cr_assert_eq(emoc("tune --scores s.csv --labels ann -o tuned"), 0, "%s", err);
    cr_assert(exists("tuned/au_thresholds.txt"));

    cr_assert_eq(emoc("tune --scores s.csv --labels ann -o f.csv"), 1, "%s", err);
    cr_assert(strstr(err, "-o 'f.csv' exists and is not a directory"), "%s", err);

    make_dir("t2");
    make_dir("t2/au_thresholds.txt"); /* the file tune must write is taken by a directory */
    cr_assert_eq(emoc("tune --scores s.csv --labels ann -o t2"), 1, "%s", err);
    cr_assert(strstr(err, "cannot write 't2/au_thresholds.txt': Is a directory"), "%s", err);
    cr_assert_null(strstr(out, "emoc mtl options"), "no options pointing at a missing file: %s", out);

    /* each bad option named on its own instead of one catch-all line */
    cr_assert_eq(emoc("tune --scores s.csv --labels ann -o t3 --au-step 0"), 2);
    cr_assert(strstr(err, "--au-step expects a number in (0, 0.5], got '0'"), "%s", err);
    cr_assert_eq(emoc("tune --scores s.csv --labels ann -o t3 --blend-step 0.1x"), 2);
    cr_assert(strstr(err, "--blend-step expects"), "%s", err);
    cr_assert_eq(emoc("tune --scores s.csv --labels ann -o t3 --sigmas a"), 2);
    cr_assert(strstr(err, "--sigmas expects"), "%s", err);
    cr_assert_eq(emoc("tune --scores s.csv --labels ann -o t3 --kind tri"), 2);
    cr_assert(strstr(err, "--kind expects gauss_code, gauss_paper, box or notebook, got 'tri'"), "%s", err);
    cr_assert_eq(emoc("tune --scores s.csv --scores s.csv --scores s.csv --labels ann -o t3"), 2);
    cr_assert(strstr(err, "at most two --scores files"), "%s", err);
    cr_assert(!exists("t3"), "a refused command line creates nothing");
}

/* `emoc features` on an image-less folder wrote an empty feature file and exited 0 (predict says
 * "no input frames", exit 3); with a failed frame its summary said rows_out=2 while the file held
 * one row. */
Test(qa_errors, features_empty_input_and_the_rows_really_written)
{
    write_tiny_model();
    make_dir("empty");
    cr_assert_eq(emoc("features -m tiny.emw empty -o f.bin"), 3, "%s", err);
    cr_assert(strstr(err, "no input frames"), "%s", err);
    cr_assert(!exists("f.bin"), "no empty feature file");

    make_dir("v");
    write_ppm("v/00001.ppm", 0);
    write_ppm("v/00002.ppm", 1);
    cr_assert_eq(emoc("features -m tiny.emw v -o f.csv --csv"), 4, "%s", err);
    cr_assert(strstr(err, "frames_in=2"), "%s", err);
    cr_assert(strstr(err, "'f.csv' holds 1 feature rows for 2 input frames: 1 failed and have no row"), "%s", err);
    char csv[4096];
    cli_read_text(&scratch, "f.csv", csv, sizeof csv);
    cr_assert(strstr(csv, "\nv,1,0,16,") && !strstr(csv, "\nv,2,"), "%s", csv);

    cr_assert_eq(emoc("features -m tiny.emw --raw 4x4 -o f.bin"), 2);
    cr_assert(strstr(err, "--raw WxH reads a stream: give its path, or '-' for stdin"), "%s", err);
}

/* A command line refused after the model was loaded (--resize, '-' without --raw, --boxes with
 * other inputs) used to leave the CSV header — and any --tensor rows already run — on stdout. */
Test(qa_errors, predict_refused_command_line_writes_no_output)
{
    write_tiny_model();
    write_ppm("a.ppm", 0);
    float zeros[3 * 16 * 16] = {0};
    write_bytes("t.f32", zeros, sizeof zeros);
    cli_write_text(&scratch, "boxes.csv", "a.ppm,0,0,2,2\n");
    const char *cases[][2] = {
        {"predict -m tiny.emw --tensor t.f32 a.ppm --resize foo", "unknown resize rule 'foo'"},
        {"predict -m tiny.emw --tensor t.f32 - </dev/null", "'-' (stdin) needs --raw WxH"},
        {"predict -m tiny.emw --tensor t.f32 a.ppm --boxes boxes.csv", "drop the other inputs"},
        {"predict -m tiny.emw --raw 4x4", "--raw WxH reads a stream"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        cr_assert_eq(emoc(cases[k][0]), 2, "%s: %s", cases[k][0], err);
        cr_assert(strstr(err, cases[k][1]), "%s: %s", cases[k][0], err);
        cr_assert_str_empty(out, "%s: partial output '%s'", cases[k][0], out);
    }
    /* an input stream that cannot be opened is an I/O failure, still before any output */
    cr_assert_eq(emoc("predict -m tiny.emw --tensor t.f32 --raw 4x4 missing.raw"), 1, "%s", err);
    cr_assert_str_empty(out, "%s", out);
}

/* A --tensor file of the wrong size has row status size_mismatch; the summary used to count it
 * as truncated=1. */
Test(qa_errors, tensor_size_mismatch_is_counted_under_its_own_name)
{
    write_tiny_model();
    write_bytes("short.f32", "abcd", 4);
    cr_assert_eq(emoc("predict -m tiny.emw --tensor short.f32"), 4, "%s", err);
    cr_assert(strstr(out, "\nshort.f32,,0,size_mismatch,"), "%s", out);
    cr_assert(strstr(err, "frames_in=1 rows_out=1 errors=1 (size_mismatch=1)"), "%s", err);
}

/* Ground-truth files: a valence of 7 was taken as a label, and a frame listed twice in one
 * prediction or annotation file silently kept whichever row came last. */
Test(qa_errors, annotation_values_out_of_range_and_duplicate_frames)
{
    const char *pred = "image,valence,arousal,expression,aus\n"
                       "v/00001.jpg,0.1,0.2,3,0,0,0,0,0,0,0,0,0,0,0,1\n"
                       "v/00002.jpg,0.3,0.2,3,0,0,0,0,0,0,0,0,0,0,0,1\n";
    cli_write_text(&scratch, "pred.txt", pred);
    make_dir("ann");
    cli_write_text(&scratch, "ann/v.txt", "valence,arousal\n0.5,0.5\n7,0.1\n");
    cr_assert_eq(emoc("eval --pred pred.txt --labels ann"), 3);
    cr_assert(strstr(err, "ann/v.txt:3:1: valence 7 outside [-1, 1] and not the missing code -5"), "%s", err);
    cli_write_text(&scratch, "ann/v.txt", "valence,arousal\n0.5,0.5\n0.1,-1.5\n");
    cr_assert_eq(emoc("eval --pred pred.txt --labels ann"), 3);
    cr_assert(strstr(err, "ann/v.txt:3:5: arousal -1.5 outside"), "%s", err);
    cli_write_text(&scratch, "ann/v.txt", "valence,arousal\n-1,1\n-5,-5\n");
    cr_assert_eq(emoc("eval --pred pred.txt --labels ann"), 0, "bounds and the missing code are fine: %s", err);

    /* v/001.jpg is frame 1 again */
    char dup[512];
    snprintf(dup, sizeof dup, "%sv/001.jpg,0.9,0.2,3,0,0,0,0,0,0,0,0,0,0,0,1\n", pred);
    cli_write_text(&scratch, "dup.txt", dup);
    cr_assert_eq(emoc("eval --pred dup.txt --labels ann"), 3);
    cr_assert(strstr(err, "dup.txt:4:1: v/001.jpg appears twice in this file (video v, frame 1)"), "%s", err);
    cr_assert_eq(emoc("eval --pred pred.txt --labels dup.txt"), 3);
    cr_assert(strstr(err, "dup.txt:4:1: v/001.jpg appears twice"), "%s", err);
    /* the same frame in two files is a merge (e.g. VA and EXPR annotation folders), not an error */
    cr_assert_eq(emoc("eval --pred pred.txt --labels ann --labels ann"), 0, "%s", err);
}

/* Files that cannot be opened or written: exit 1 with the reason, for convert too (it said 3). */
Test(qa_errors, open_and_write_failures_name_the_reason)
{
    write_tiny_model();
    write_ppm("a.ppm", 0);
    make_dir("d");
    cr_assert_eq(emoc("convert missing.onnx -o x.emw"), 1, "%s", err);
    cr_assert(strstr(err, "cannot open 'missing.onnx': No such file or directory"), "%s", err);
    cr_assert_eq(emoc("predict -m tiny.emw a.ppm -o d"), 1, "%s", err);
    cr_assert(strstr(err, "cannot write 'd': Is a directory"), "%s", err);
    cli_write_text(&scratch, "f.csv", features_csv);
    cr_assert_eq(emoc("mtl --features f.csv --head none -o no/such/sub.txt"), 1, "%s", err);
    cr_assert(strstr(err, "cannot write 'no/such/sub.txt': No such file or directory"), "%s", err);
    cr_assert_eq(emoc("ce --features f.csv -o d"), 1, "%s", err);
    cr_assert(strstr(err, "cannot write 'd': Is a directory"), "%s", err);
    cr_assert_eq(emoc("decode a.ppm -o d"), 1, "%s", err);
    cr_assert(strstr(err, "cannot create 'd': Is a directory"), "%s", err);
    cr_assert_eq(emoc("preprocess -m tiny.emw a.ppm -o d"), 1, "%s", err);
    cr_assert(strstr(err, "cannot write 'd': Is a directory"), "%s", err);
}

/* Feature files: a negative frame came back as "vidA/-0003.jpg" in the submission, a negative
 * area steered the largest-face choice, and 1e39 became +inf in float32 — all were accepted. */
Test(qa_errors, feature_rows_with_impossible_keys_or_values)
{
    const char *head = "video,frame,face,area,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9\n";
    const char *rows[][2] = {
        {"vidA,-3,0,100,1,2,3,4,5,6,7,8,0.1,0.2\n", "neg.csv:2:6: expected a frame number 0..999999999"},
        {"vidA,1e12,0,100,1,2,3,4,5,6,7,8,0.1,0.2\n", "neg.csv:2:6: expected a frame number"},
        {"vidA,1,-1,100,1,2,3,4,5,6,7,8,0.1,0.2\n", "neg.csv:2:8: expected a face index"},
        {"vidA,1,0,-100,1,2,3,4,5,6,7,8,0.1,0.2\n", "neg.csv:2:10: expected a face area >= 0"},
        {"vidA,1,0,100,1e39,2,3,4,5,6,7,8,0.1,0.2\n", "neg.csv:2:14: x0 = 1e+39 overflows float32"},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        char text[512];
        snprintf(text, sizeof text, "%s%s", head, rows[k][0]);
        cli_write_text(&scratch, "neg.csv", text);
        cr_assert_eq(emoc("mtl --features neg.csv --head none -o sub.txt"), 3, "%s", rows[k][0]);
        cr_assert(strstr(err, rows[k][1]), "%s -> %s", rows[k][0], err);
    }
    /* the binary layout (post/FEATURES.md): 1 video 'v', 1 row with frame -3 */
    unsigned char b[64 + 3 + 16 + 40] = "EMOCFEAT";
    memset(b + 8, 0, sizeof b - 8);
    b[8] = 1, b[12] = 10, b[20] = 1, b[24] = 1;
    b[64] = 1, b[66] = 'v';
    memset(b + 67 + 4, 0xff, 4);
    b[67 + 4] = 0xfd; /* frame -3 */
    b[67 + 15] = 0x3f, b[67 + 14] = 0x80; /* area 1.0f */
    write_bytes("neg.bin", b, sizeof b);
    cr_assert_eq(emoc("ce --features neg.bin -o sub.txt"), 3, "%s", err);
    cr_assert(strstr(err, "neg.bin: byte 71: row 0: frame -3, face 0, area 1"), "%s", err);
}

/* Listed frames without a face row are filled by the documented rule; that is now said (count on
 * stderr) instead of passing unnoticed, and the exit code stays 0. */
Test(qa_errors, listed_frames_filled_without_a_face_are_counted)
{
    cli_write_text(&scratch, "f.csv", features_csv);
    cli_write_text(&scratch, "list.txt", "image\nvidA/00001.jpg\nvidA/00007.jpg\nvidA/00003.jpg\n");
    cr_assert_eq(emoc("mtl --features f.csv --head none --list list.txt -o sub.txt"), 0, "%s", err);
    cr_assert(strstr(err, "note: 1 of 3 listed images have no face row; filled from the same video"), "%s", err);
    cr_assert_eq(emoc("ce --features f.csv --list list.txt -o ce.txt"), 0, "%s", err);
    cr_assert(strstr(err, "note: 1 of 3 listed frames have no face row"), "%s", err);
    cr_assert_eq(emoc("mtl --features f.csv --head none -o sub.txt"), 0, "%s", err);
    cr_assert_str_empty(err, "nothing filled without a list: %s", err);
}

/* Folder walks take image files only; a .gif frame or a stray file used to vanish without a
 * word (a folder of .tif frames looked like an empty folder). */
Test(qa_errors, files_skipped_by_a_folder_walk_are_counted)
{
    write_tiny_model();
    make_dir("v");
    write_ppm("v/00001.ppm", 0);
    cli_write_text(&scratch, "v/00002.gif", "GIF89a");
    cli_write_text(&scratch, "v/notes.txt", "x");
    cli_write_text(&scratch, "v/.hidden", "x");
    cr_assert_eq(emoc("predict -m tiny.emw v"), 0, "%s", err);
    /* hidden files are counted too (issue 15, item 8) */
    cr_assert(strstr(err, "note: 3 entries in the input folders are hidden or not an image (.jpg .jpeg .png .ppm .pgm .bmp) "
                          "and got no row, e.g. 'v/.hidden'"),
              "%s", err);
    cr_assert_eq(emoc("features -m tiny.emw v -o f.bin"), 0, "%s", err);
    cr_assert(strstr(err, "note: 3 entries in the input folders"), "%s", err);
    cr_assert_eq(emoc("predict -m tiny.emw v -q"), 0, "%s", err);
    cr_assert_null(strstr(err, "note:"), "-q: %s", err);
}

/* Run metadata ties the rows to the weights: the model file's SHA-256 on stderr
 * (docs/reliability.md, loader checklist item 11), equal to the digest of the bytes on disk. */
Test(qa_errors, predict_and_features_name_the_model_digest)
{
    tiny_opts o;
    tiny_default(&o);
    size_t n = 0;
    unsigned char *buf = tiny_build(&o, &n);
    cr_assert_not_null(buf);
    write_bytes("tiny.emw", buf, n);
    char hex[65], want[160];
    emoc__sha256_hex(buf, n, hex);
    free(buf);
    write_ppm("a.ppm", 0);
    snprintf(want, sizeof want, "model 'tiny.emw' sha256 %s (emoc.name ", hex);
    cr_assert_eq(emoc("predict -m tiny.emw a.ppm"), 0, "%s", err);
    cr_assert(strstr(err, want), "want '%s' in: %s", want, err);
    cr_assert_eq(emoc("features -m tiny.emw a.ppm -o f.bin"), 0, "%s", err);
    cr_assert(strstr(err, want), "want '%s' in: %s", want, err);
    cr_assert_eq(emoc("predict -m tiny.emw a.ppm -q"), 0, "%s", err);
    cr_assert_null(strstr(err, "sha256"), "-q: %s", err);
}

/* Finite input whose scores overflow (values near FLT_MAX) was reported as nonfinite_input. */
Test(qa_errors, overflowing_output_is_not_called_a_bad_input)
{
    write_tiny_model();
    static float x[3 * 16 * 16];
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) x[i] = 3e38f;
    write_bytes("big.f32", x, sizeof x);
    x[5] = 0.0f / 0.0f;
    write_bytes("nan.f32", x, sizeof x);
    cr_assert_eq(emoc("predict -m tiny.emw --tensor big.f32 --tensor nan.f32"), 4, "%s", err);
    cr_assert(strstr(out, "\nbig.f32,,0,nonfinite_output,,"), "%s", out);
    cr_assert(strstr(out, "\nnan.f32,,0,nonfinite_input,,"), "%s", out);
    cr_assert(strstr(err, "big.f32: nonfinite_output: output score"), "%s", err);
    cr_assert(strstr(err, "errors=2 (nonfinite_input=1 nonfinite_output=1)"), "%s", err);
}

/* Annotation and feature files saved with a UTF-8 byte order mark were refused ("unknown
 * header '\xEF\xBB\xBFvalence,arousal'", the mark invisible in a terminal). */
Test(qa_errors, byte_order_mark_before_a_header_is_accepted)
{
    cli_write_text(&scratch, "f.csv", "\xEF\xBB\xBF" "video,frame,face,area,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9\n"
                                      "v,1,0,100,0.1,2.0,0.3,0.4,0.5,0.6,0.7,0.8,0.25,-0.5\n");
    cr_assert_eq(emoc("mtl --features f.csv --head none -o sub.txt"), 0, "%s", err);
    make_dir("ann");
    cli_write_text(&scratch, "ann/v.txt", "\xEF\xBB\xBF" "valence,arousal\n0.5,0.5\n");
    cr_assert_eq(emoc("eval --pred sub.txt --labels ann --json"), 0, "%s", err);
    cr_assert(strstr(out, "\"n_va\":1,"), "%s", out);
    cli_write_text(&scratch, "list.txt", "\xEF\xBB\xBF" "image,valence\nv/00001.jpg,\n");
    cr_assert_eq(emoc("mtl --features f.csv --head none --list list.txt -o sub2.txt"), 0, "%s", err);
}

/* features and train-head write their file only at the end of a long run; an output that cannot
 * be written is now refused before the first frame / epoch, and the probe leaves no file. */
Test(qa_errors, long_runs_check_their_output_first)
{
    write_tiny_model();
    write_ppm("a.ppm", 0);
    make_dir("d");
    cr_assert_eq(emoc("features -m tiny.emw a.ppm -o no/such/f.bin"), 1, "%s", err);
    cr_assert(strstr(err, "cannot write 'no/such/f.bin': No such file or directory"), "%s", err);
    cr_assert_null(strstr(err, "frames_in"), "refused before any frame: %s", err);
    cr_assert_eq(emoc("features -m missing.emw a.ppm -o new.bin"), 1, "%s", err);
    cr_assert(!exists("new.bin"), "the probe leaves no empty file behind");
    cli_write_text(&scratch, "f.csv", features_csv);
    cr_assert_eq(emoc("train-head --features f.csv --labels f.csv -o d"), 1, "%s", err);
    cr_assert(strstr(err, "cannot write 'd': Is a directory"), "%s", err);
}

/* `--tensor /dev/zero` read the device until memory ran out; a tensor is now read up to the size
 * the model needs plus one byte. */
Test(qa_errors, tensor_from_an_endless_device_is_a_size_mismatch, .timeout = 10)
{
    write_tiny_model();
    cr_assert_eq(emoc("predict -m tiny.emw --tensor /dev/zero"), 4, "%s", err);
    cr_assert(strstr(out, "\n/dev/zero,,0,size_mismatch,"), "%s", out);
    cr_assert(strstr(err, "'/dev/zero' has more than 3072 bytes, expected 3072"), "%s", err);
    cr_assert_eq(emoc("features -m tiny.emw --tensor /dev/zero -o f.bin"), 4, "%s", err);
    cr_assert(strstr(err, "'/dev/zero' has more than 3072 bytes"), "%s", err);
}

/* "No network by construction" (docs/reliability.md), and nothing that runs other programs or
 * loads code: the CLI imports none of these functions. */
Test(qa_errors, cli_imports_no_network_process_or_loader_functions)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin, "EMOC_BIN not set");
    unsigned char magic[4] = {0};
    FILE *bf = fopen(bin, "rb");
    cr_assert(bf, "cannot open %s", bin);
    size_t got = fread(magic, 1, 4, bf);
    fclose(bf);
    if (got != 4 || memcmp(magic, "\x7f" "ELF", 4) != 0) /* e.g. tests/qemu/emoc_qemu.sh: shown as skipped */
        cr_skip_test("EMOC_BIN %s is a wrapper, not the ELF binary; its imports are checked on the host run", bin);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "nm -D --undefined-only '%s' > '%s/imports.txt'", bin, scratch.dir);
    cr_assert_eq(system(cmd), 0, "nm failed");
    static char text[1 << 16];
    size_t n = cli_read_text(&scratch, "imports.txt", text, sizeof text);
    cr_assert(n > 0 && strstr(text, " fopen"), "the import list looks wrong: %s", text);
    static const char *const banned[] = {"socket", "connect", "bind", "listen", "accept", "accept4",
                                         "getaddrinfo", "gethostbyname", "send", "sendto", "sendmsg",
                                         "recv", "recvfrom", "recvmsg", "system", "popen", "fork",
                                         "vfork", "execve", "execv", "execvp", "execl", "execlp",
                                         "posix_spawn", "dlopen", NULL};
    for (const char *const *b = banned; *b; b++) {
        char sym[64];
        for (int v = 0; v < 2; v++) { /* "U name\n" or "U name@GLIBC_x" */
            snprintf(sym, sizeof sym, " %s%c", *b, v ? '@' : '\n');
            cr_assert_null(strstr(text, sym), "the CLI imports %s", *b);
        }
    }
}

/* eval used to print a report of nulls and exit 0 when no labelled frame matched a prediction
 * (typically video names that differ, e.g. a _left suffix); frames without a prediction and
 * -1 ("none") predictions scored as Neutral are now said. */
Test(qa_errors, eval_with_nothing_to_score_or_unscored_frames)
{
    const char *pred = "image,valence,arousal,expression,aus\n"
                       "v/00001.jpg,0.1,0.2,-1,0,0,0,0,0,0,0,0,0,0,0,1\n"
                       "v/00002.jpg,0.3,0.2,3,0,0,0,0,0,0,0,0,0,0,0,1\n";
    cli_write_text(&scratch, "pred.txt", pred);
    make_dir("ann");
    cli_write_text(&scratch, "ann/v_left.txt", "valence,arousal\n0.5,0.5\n0.1,0.2\n");
    cr_assert_eq(emoc("eval --pred pred.txt --labels ann"), 3, "%s", err);
    cr_assert(strstr(err, "none of the 2 labelled frames has a prediction in 'pred.txt' (labels name e.g. "
                          "v_left/00001, predictions e.g. v/00001)"),
              "%s", err);
    cr_assert_str_empty(out, "no report of nulls: %s", out);
    make_dir("ex");
    cli_write_text(&scratch, "ex/v.txt", "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other\n2\n3\n4\n");
    cr_assert_eq(emoc("eval --pred pred.txt --labels ex"), 0, "%s", err);
    cr_assert(strstr(err, "note: 1 of 3 labelled frames have no prediction and are not scored"), "%s", err);
    cr_assert(strstr(err, "note: 1 EXPR-labelled frames have prediction -1 (none); scored as class 0"), "%s", err);
    cr_assert_eq(emoc("eval --pred pred.txt --labels ex --labels ex --labels ex --labels ex --labels ex --labels ex "
                      "--labels ex --labels ex --labels ex"),
                 2);
    cr_assert(strstr(err, "at most eight --labels"), "%s", err);
}

/* --boxes rows: a negative face_id gave an ok row (and a feature row that the feature reader
 * refuses); an empty image name became "io_error: : cannot open". Both are bad_row now. */
Test(qa_errors, boxes_rows_with_negative_face_or_no_image_are_bad_rows)
{
    write_tiny_model();
    write_ppm("a.ppm", 0);
    cli_write_text(&scratch, "b.csv", "a.ppm,0,0,2,2,-4\n,0,0,2,2\na.ppm,0,0,2,2,1\n");
    cr_assert_eq(emoc("predict -m tiny.emw --boxes b.csv"), 4, "%s", err);
    cr_assert(strstr(out, "\na.ppm,,0,bad_row,") && strstr(out, "\n,,0,bad_row,") && strstr(out, "\na.ppm,,1,ok,"),
              "%s", out);
    cr_assert(strstr(err, "b.csv: line 1: face_id must be >= 0"), "%s", err);
    cr_assert(strstr(err, "b.csv: line 2: empty image name"), "%s", err);
    cr_assert(strstr(err, "frames_in=3 rows_out=3 errors=2 (bad_row=2)"), "%s", err);
}

/* --version / -V print the version and build information (as llama.cpp's --version does),
 * plus the kernel set in use; an unknown command is a usage error naming it. */
Test(qa_errors, version_and_unknown_command)
{
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(emoc(k ? "-V" : "--version"), 0, "%s", err);
        cr_assert(strncmp(out, "emoc ", 5) == 0 && strstr(out, "\nbuild: C11, ") && strstr(out, "kernels: ref") &&
                      strstr(out, "\nisa: "),
                  "%s", out);
    }
    cr_assert_eq(emoc("frobnicate"), 2);
    cr_assert(strstr(err, "emoc frobnicate: unknown command (see emoc --help)"), "%s", err);
    cr_assert_eq(emoc("help frobnicate"), 2);
    cr_assert(strstr(err, "unknown command 'frobnicate'"), "%s", err);
}
