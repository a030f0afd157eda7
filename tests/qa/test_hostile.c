/* test_hostile.c — regressions for the defects a hostile tester found (issue 15): CSV header
 * labels escaped and duplicate labels refused at load; JSONL always valid UTF-8 with a lossless
 * \udcXX escape, control bytes in names escaped on stderr; eval refuses NUL bytes with
 * file:line:column; a huge non-image is refused after sniffing, not read whole, and so are huge
 * convert and eval inputs; --max-pixels and
 * the RGB-size cap; strict --raw WxH (usage errors, exit 2); FIFOs as model or image do not
 * block; --help to a full device fails. (Defect 1, the EMW writer, is in
 * tests/weights/test_emw_writer.c.) */
#include "tests/cli_run.h"
#include "tests/core/tinynet_fixture.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static cli_scratch scratch;
static char out[1 << 16], err[1 << 14];
static void setup(void) { cli_scratch_init_tiny(&scratch, "tiny.emw"); }
static void teardown(void) { cli_scratch_free(&scratch); }
static int emoc(const char *args) { return cli_run(&scratch, args, out, sizeof out, err, sizeof err); }

static void write_model(const char *name, const char *const *labels)
{
    tiny_opts o;
    tiny_default(&o);
    o.labels = labels;
    size_t n = 0;
    uint8_t *emw = tiny_build(&o, &n);
    cr_assert(emw);
    cli_write_bytes(&scratch, name, emw, n);
    free(emw);
}

/* A w×h binary PPM (P6) or PGM (P5). */
static void write_pnm(const char *name, int w, int h, int gray)
{
    size_t n = (size_t)w * h * (gray ? 1 : 3);
    char head[64];
    int hl = snprintf(head, sizeof head, "%s\n%d %d\n255\n", gray ? "P5" : "P6", w, h);
    unsigned char *b = malloc((size_t)hl + n);
    memcpy(b, head, (size_t)hl);
    for (size_t i = 0; i < n; i++) b[hl + i] = (unsigned char)(i * 31);
    cli_write_bytes(&scratch, name, b, (size_t)hl + n);
    free(b);
}

Test(hostile, csv_header_labels_are_escaped, .init = setup, .fini = teardown)
{
    const char *labels[8] = {"a,b", "new\nline", "q\"uote", "D", "E", "F", "G", "H"};
    write_model("odd.emw", labels);
    write_pnm("f.ppm", 4, 4, 0);
    cr_assert_eq(emoc("predict -m odd.emw f.ppm -q"), 0, "%s", err);
    cr_assert(strstr(out, ",\"prob_a,b\",\"prob_new\nline\",\"prob_q\"\"uote\",prob_d,"), "%s", out);
    /* parsed as CSV, the header has exactly one column per field of the row */
    cli_write_text(&scratch, "check.py",
                   "import csv,sys\nr=list(csv.reader(open(sys.argv[1],newline='')))\n"
                   "assert len(r)==2 and len(r[0])==len(r[1]), (len(r), [len(x) for x in r])\n"
                   "assert r[0][5:8]==['prob_a,b','prob_new\\nline','prob_q\"uote'], r[0][5:8]\n");
    cli_write_text(&scratch, "rows.csv", out);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cd '%s' && python3 check.py rows.csv", scratch.dir);
    cr_assert_eq(system(cmd), 0, "the header does not parse as CSV");
}

Test(hostile, duplicate_labels_are_refused_at_load, .init = setup, .fini = teardown)
{
    const char *labels[8] = {"Anger", "Fear", "anger", "D", "E", "F", "G", "H"};
    write_model("dup.emw", labels);
    write_pnm("f.ppm", 4, 4, 0);
    int rc = emoc("predict -m dup.emw f.ppm");
    cr_assert_eq(rc, 3, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "'anger' repeats") && strstr(err, "ignoring case"), "%s", err);
    cr_assert_eq(out[0], 0, "rows were written: %s", out);
}

Test(hostile, jsonl_is_valid_utf8_and_names_round_trip, .init = setup, .fini = teardown)
{
    cli_write_text(&scratch, "mk.py",
                   "import os\nos.mkdir(b'v')\n"
                   "for n in [b'caf\\xe9.ppm', b'ok_\\xc3\\xa9.ppm', b'\\xed\\xa0\\x80x.ppm', b'c\\x1b[31m.ppm']:\n"
                   "    open(b'v/'+n,'wb').write(b'P6\\n2 2\\n255\\n'+bytes(12) if n!=b'c\\x1b[31m.ppm' else b'P6\\n2 2\\n255\\n')\n");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && python3 mk.py", scratch.dir);
    cr_assert_eq(system(cmd), 0);
    int rc = emoc("predict -m tiny.emw v --format jsonl");
    cr_assert_eq(rc, 4, "rc %d (one truncated image): %s", rc, err);
    cli_write_bytes(&scratch, "rows.jsonl", out, strlen(out));
    cli_write_text(&scratch, "check.py",
                   "import json,os\nraw=open('rows.jsonl','rb').read()\ntext=raw.decode('utf-8')\n"
                   "names=sorted(json.loads(l)['input'].encode('utf-8','surrogateescape') for l in text.splitlines())\n"
                   "want=sorted(b'v/'+n for n in os.listdir(b'v'))\nassert names==want,(names,want)\n"
                   "assert '\\\\udce9' in text and '\\\\udced' in text, text\n");
    snprintf(cmd, sizeof cmd, "cd '%s' && python3 check.py", scratch.dir);
    cr_assert_eq(system(cmd), 0, "JSONL not valid UTF-8 or names not recoverable:\n%s", out);
    cr_assert_null(memchr(err, 0x1b, strlen(err)), "a raw ESC byte reached stderr: %s", err);
    cr_assert(strstr(err, "c\\x1b[31m.ppm"), "the control byte is not shown escaped: %s", err);
}

Test(hostile, eval_refuses_nul_bytes_with_file_line_column, .init = setup, .fini = teardown)
{
    cli_write_text(&scratch, "pred.txt", "image,valence,arousal\nv/00001.jpg,0.5,0.5\n");
    cr_assert_eq(mkdir(strcat(strcpy(out, scratch.dir), "/ann"), 0700), 0);
    const char ann[] = "valence,arousal\n0.8\0 03379,0.1\n";
    cli_write_bytes(&scratch, "ann/v.txt", ann, sizeof ann - 1);
    int rc = emoc("eval --pred pred.txt --labels ann");
    cr_assert_eq(rc, 3, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "ann/v.txt:2:4: NUL byte"), "%s", err);
}

/* Peak resident memory of a child running `emoc ARGS` (kB), and its exit code. */
static long child_maxrss_kb(const char *args, int *rc)
{
    return cli_run_maxrss_kb(&scratch, args, rc, err, sizeof err);
}

Test(hostile, huge_non_image_is_refused_without_reading_it, .init = setup, .fini = teardown)
{
    char path[256];
    int fd = open(cli_scratch_path(&scratch, "big.jpg", path, sizeof path), O_CREAT | O_WRONLY, 0600);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, "not an image", 12), 12);
    cr_assert_eq(ftruncate(fd, (off_t)3 << 30), 0); /* 3 GiB, sparse: costs no disk */
    close(fd);
    int rc;
    long kb = child_maxrss_kb("predict -m tiny.emw big.jpg", &rc);
    cr_assert_eq(rc, 4, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "unknown format"), "%s", err);
    cr_assert_lt(kb, 200 * 1024, "peak RSS %ld kB for a file refused after 16 bytes", kb);
    /* a real header but a file far above its format's cap: refused from its size alone */
    fd = open(path, O_WRONLY);
    cr_assert_eq(write(fd, "P6\n4 4\n255\n", 11), 11);
    close(fd);
    kb = child_maxrss_kb("predict -m tiny.emw big.jpg", &rc);
    cr_assert_eq(rc, 4, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "exceeds the") && strstr(err, "cap"), "%s", err);
    cr_assert_lt(kb, 200 * 1024, "peak RSS %ld kB", kb);
}

/* A sparse file of 3 GiB starting with `head` (it costs no disk). */
static void write_sparse(const char *name, const void *head, size_t n)
{
    char path[256];
    int fd = open(cli_scratch_path(&scratch, name, path, sizeof path), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, head, n), (ssize_t)n);
    cr_assert_eq(ftruncate(fd, (off_t)3 << 30), 0);
    close(fd);
}

/* convert and eval sniff the first bytes and check the size against the format's cap before
 * reading a file whole (they used to read any regular file whole, with no cap). */
Test(hostile, convert_and_eval_refuse_huge_files_without_reading_them, .init = setup, .fini = teardown)
{
    int rc;
    write_sparse("zeros.onnx", "", 0);
    long kb = child_maxrss_kb("convert zeros.onnx -o x.emw", &rc);
    cr_assert_eq(rc, 3, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "is not an ONNX model, a PyTorch checkpoint or a TFLite file (first bytes 00 00"), "%s", err);
    cr_assert_lt(kb, 200 * 1024, "peak RSS %ld kB", kb);
    /* a plausible first byte for each format, then 3 GiB: refused from the size */
    static const struct { const char *name, *head, *kind; size_t n; } heads[] = {
        {"big.onnx", "\x08\x07\x12\x04", "limit for ONNX files", 4},
        {"big.pth", "PK\x03\x04", "limit for PyTorch checkpoints", 4},
        {"big.tflite", "\x1c\0\0\0TFL3", "limit for TFLite files", 8},
    };
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        write_sparse(heads[i].name, heads[i].head, heads[i].n);
        char args[128];
        snprintf(args, sizeof args, "convert %s -o x.emw", heads[i].name);
        kb = child_maxrss_kb(args, &rc);
        cr_assert_eq(rc, 3, "%s: rc %d: %s", heads[i].name, rc, err);
        cr_assert(strstr(err, "is 3221225472 bytes, above the") && strstr(err, heads[i].kind), "%s", err);
        cr_assert_lt(kb, 200 * 1024, "%s: peak RSS %ld kB", heads[i].name, kb);
    }
    /* MTCNN's three checkpoints go through the same check */
    kb = child_maxrss_kb("convert big.pth big.pth big.pth -o x.emw", &rc);
    cr_assert_eq(rc, 3, "rc %d: %s", rc, err);
    cr_assert_lt(kb, 200 * 1024, "peak RSS %ld kB", kb);
    cr_assert_eq(access(cli_scratch_path(&scratch, "x.emw", (char[256]){0}, 256), F_OK), -1, "x.emw was written");

    /* eval: a 3 GiB predictions file and a 3 GiB per-video annotation file */
    cr_assert_eq(mkdir(strcat(strcpy(out, scratch.dir), "/ann"), 0700), 0);
    cli_write_text(&scratch, "ann/v.txt", "valence,arousal\n0.5,0.1\n");
    cli_write_text(&scratch, "pred.txt", "image,valence,arousal\nv/00001.jpg,0.5,0.5\n");
    cr_assert_eq(emoc("eval --pred pred.txt --labels ann"), 0, "%s", err);
    write_sparse("bigpred.txt", "image,valence,arousal\n", 22); /* NULs from byte 22: seen in the first bytes */
    kb = child_maxrss_kb("eval --pred bigpred.txt --labels ann", &rc);
    cr_assert_eq(rc, 3, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "bigpred.txt:2:1: NUL byte"), "%s", err);
    cr_assert_lt(kb, 200 * 1024, "peak RSS %ld kB", kb);
    static const char pred_head[] = "image,valence,arousal\nv/00001.jpg,0.5,0.5\nv/00002.jpg,0.5,0.5\nv/00003.jpg,0.5,0.5\n";
    write_sparse("bigpred.txt", pred_head, sizeof pred_head - 1);
    kb = child_maxrss_kb("eval --pred bigpred.txt --labels ann", &rc);
    cr_assert_eq(rc, 3, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "bigpred.txt' is 3221225472 bytes, above the 1073741824-byte limit for CSV tables"), "%s", err);
    cr_assert_lt(kb, 200 * 1024, "peak RSS %ld kB", kb);
    static const char ann_head[] = "valence,arousal\n0.5,0.1\n0.5,0.1\n0.5,0.1\n0.5,0.1\n0.5,0.1\n0.5,0.1\n0.5,0.1\n";
    write_sparse("ann/v.txt", ann_head, sizeof ann_head - 1);
    kb = child_maxrss_kb("eval --pred pred.txt --labels ann", &rc);
    cr_assert_eq(rc, 3, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "above the 67108864-byte limit for per-video annotation files"), "%s", err);
    cr_assert_lt(kb, 200 * 1024, "peak RSS %ld kB", kb);
}

Test(hostile, max_pixels_and_the_rgb_size_cap, .init = setup, .fini = teardown)
{
    write_pnm("big.ppm", 200, 100, 0);
    cr_assert_eq(emoc("predict -m tiny.emw big.ppm -q"), 0, "%s", err);
    cr_assert_eq(emoc("predict -m tiny.emw big.ppm --max-pixels 19999"), 4, "%s", err);
    cr_assert(strstr(err, "big.ppm"), "%s", err);
    cr_assert_eq(emoc("predict -m tiny.emw big.ppm --max-pixels 20000 -q"), 0, "%s", err);
    /* a gray image is capped by the RGB image it becomes (3 bytes per pixel) */
    write_pnm("gray.pgm", 200, 100, 1);
    cr_assert_eq(emoc("predict -m tiny.emw gray.pgm --max-pixels 19999"), 4, "%s", err);
    cr_assert(strstr(err, "as RGB") || strstr(err, "exceeds"), "%s", err);
    cr_assert_eq(emoc("predict -m tiny.emw gray.pgm --max-pixels 0"), 2, "%s", err);
    /* a missing value is named too (it used to end the run with exit 2 and no word) */
    cr_assert_eq(emoc("predict -m tiny.emw gray.pgm --max-pixels"), 2, "%s", err);
    cr_assert(strstr(err, "--max-pixels expects an integer"), "%s", err);
}

Test(hostile, raw_size_is_strict_and_a_usage_error, .init = setup, .fini = teardown)
{
    const char *bad[] = {"16384x16384", "112X112", "' 112x112'", "+16x16", "16x16x", "0x16", "16x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char args[128];
        snprintf(args, sizeof args, "predict -m tiny.emw --raw %s /dev/null", bad[i]);
        cr_assert_eq(emoc(args), 2, "--raw %s: %s", bad[i], err);
        cr_assert_eq(out[0], 0, "--raw %s wrote output", bad[i]);
    }
    cr_assert(strstr(err, "WIDTHxHEIGHT"), "%s", err);
}

Test(hostile, fifo_as_model_or_image_does_not_block, .init = setup, .fini = teardown, .timeout = 20)
{
    char path[256];
    cr_assert_eq(mkfifo(cli_scratch_path(&scratch, "fifo", path, sizeof path), 0600), 0);
    int rc = emoc("predict -m fifo --raw 16x16 /dev/null");
    cr_assert_eq(rc, 1, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "not a regular file"), "%s", err);
    rc = emoc("predict -m tiny.emw fifo");
    cr_assert_eq(rc, 4, "rc %d: %s", rc, err); /* a row for it, no hang */
}

static int run_to_full(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && %s %s >/dev/full 2>cli_stderr.txt", scratch.dir, getenv("EMOC_BIN"), args);
    int st = system(cmd);
    cli_read_text(&scratch, "cli_stderr.txt", err, sizeof err);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(hostile, help_to_a_full_device_fails, .init = setup, .fini = teardown)
{
    const char *args[] = {"--help", "predict --help", "--version", "help eval"};
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        cr_assert_eq(run_to_full(args[i]), 1, "%s >/dev/full: %s", args[i], err);
        cr_assert(strstr(err, "error writing standard output"), "%s", err);
    }
    cr_assert_eq(emoc("--help"), 0, "%s", err);
}

/* --boxes dropped rows silently: an unparseable first line was taken for a header and a name
 * starting with '#' for a comment. Now only the documented header is one. */
Test(hostile, boxes_only_the_documented_header_is_a_header, .init = setup, .fini = teardown)
{
    write_pnm("a.ppm", 8, 8, 0);
    write_pnm("#b.ppm", 8, 8, 0);
    cli_write_text(&scratch, "b.csv", "a.ppm,0,0,x,4\n#b.ppm,0,0,4,4\na.ppm,0,0,4,4\n");
    int rc = emoc("predict -m tiny.emw --boxes b.csv");
    cr_assert_eq(rc, 4, "rc %d: %s", rc, err);
    cr_assert(strstr(out, "\na.ppm,,0,bad_row,"), "first line not a bad_row:\n%s", out);
    cr_assert(strstr(out, "\n#b.ppm,,0,ok,"), "'#' name not a row:\n%s", out);
    int rows = 0;
    for (const char *p = out; *p; p++) rows += *p == '\n';
    cr_assert_eq(rows, 1 + 3, "%s", out);
    cli_write_text(&scratch, "h.csv", "image,x,y,w,h,face_id\na.ppm,0,0,4,4,2\n");
    cr_assert_eq(emoc("predict -m tiny.emw --boxes h.csv -q"), 0, "%s", err);
    cr_assert(strstr(out, "\na.ppm,,2,ok,"), "%s", out);
}
