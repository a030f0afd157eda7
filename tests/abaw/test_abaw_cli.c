/* test_abaw_cli.c — `emoc features` against in-process inference (binary and CSV feature
 * files, post/FEATURES.md), failing inputs, and malformed feature / annotation / threshold
 * files rejected with file, line/byte and column, exit code 3. Runs $EMOC_BIN. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emoc.h"
#include "tests/core/tinynet_fixture.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/emoc_abaw_cli_XXXXXX");
    cr_assert(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* Runs `emoc ARGS` in dir; returns the exit code, stderr in err. */
static int emoc(char *err, size_t errlen, const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && %s %s 2> stderr.txt > stdout.txt", dir, getenv("EMOC_BIN"), args);
    int rc = system(cmd);
    snprintf(cmd, sizeof cmd, "%s/stderr.txt", dir);
    FILE *f = fopen(cmd, "r");
    size_t n = f ? fread(err, 1, errlen - 1, f) : 0;
    err[n] = '\0';
    if (f) fclose(f);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void write_file(const char *name, const void *data, size_t n)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    cr_assert(f);
    fwrite(data, 1, n, f);
    fclose(f);
}

static unsigned char *read_file(const char *name, size_t *n)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    cr_assert(f, "%s missing", p);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n + 1);
    cr_assert_eq(fread(b, 1, *n, f), *n);
    b[*n] = 0;
    fclose(f);
    return b;
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

TestSuite(abaw_cli, .init = setup, .fini = teardown);

Test(abaw_cli, features_match_in_process_inference)
{
    tiny_opts o;
    tiny_default(&o);
    size_t n;
    uint8_t *emw = tiny_build(&o, &n);
    write_file("tiny.emw", emw, n);
    emoc_model *m;
    emoc_error err;
    cr_assert_eq(emoc_model_load_memory(emw, n, NULL, &m, &err), EMOC_OK, "%s", err.msg);
    free(emw);
    emoc_model_info info;
    emoc_model_get_info(m, &info);
    emoc_session *s;
    cr_assert_eq(emoc_session_create(m, 1, NULL, 0, &s, &err), EMOC_OK);
    /* a folder in the Aff-Wild2 layout: vidA/00003.png, vidA/00007.png */
    char cmd[1024], msg[4096];
    const char *root = getenv("EMOC_ROOT");
    snprintf(cmd, sizeof cmd, "mkdir -p %s/frames/vidA && cp %s/tests/fixtures/image/png_g8.png %s/frames/vidA/00003.png"
             " && cp %s/tests/fixtures/image/bmp_24.bmp %s/frames/vidA/00007.bmp", dir, root, dir, root, dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(emoc(msg, sizeof msg, "features -q -m tiny.emw frames -o f.bin"), 0, "%s", msg);
    cr_assert_eq(emoc(msg, sizeof msg, "features -q -m tiny.emw frames -o f.csv --csv"), 0, "%s", msg);
    size_t nb;
    unsigned char *b = read_file("f.bin", &nb);
    cr_assert_eq(memcmp(b, "EMOCFEAT", 8), 0);
    uint32_t dim = rd32(b + 12), emb = rd32(b + 16), nv = rd32(b + 20), nr = rd32(b + 24);
    cr_assert_eq(dim, (uint32_t)(info.embedding_size + info.n_scores));
    cr_assert_eq(emb, (uint32_t)info.embedding_size);
    cr_assert(nv == 1 && nr == 2, "videos %u rows %u", nv, nr);
    cr_assert(b[64] == 4 && b[65] == 0 && memcmp(b + 66, "vidA", 4) == 0);
    const char *imgs[2] = {"frames/vidA/00003.png", "frames/vidA/00007.bmp"};
    int frames[2] = {3, 7};
    size_t nx = (size_t)3 * info.input_size * info.input_size;
    float *x = malloc(nx * sizeof(float));
    emoc_resize_mode mode = EMOC_RESIZE_PIL;
    emoc_resize_mode_parse(info.resize, &mode);
    size_t off = 70, rowb = 16 + 4 * (size_t)dim;
    cr_assert_eq(nb, off + 2 * rowb);
    for (int r = 0; r < 2; r++, off += rowb) {
        char p[256];
        snprintf(p, sizeof p, "%s/%s", dir, imgs[r]);
        emoc_image img;
        cr_assert_eq(emoc_image_load_file(p, NULL, &img, &err), EMOC_OK, "%s", err.msg);
        cr_assert_eq(emoc_image_preprocess(&img, info.input_size, info.mean, info.std, mode, x, nx, &err), EMOC_OK);
        emoc_output out;
        cr_assert_eq(emoc_session_run(s, x, nx, &out), EMOC_OK);
        cr_assert_eq(rd32(b + off), 0u);
        cr_assert_eq((int)rd32(b + off + 4), frames[r]);
        for (uint32_t j = 0; j < dim; j++) {
            uint32_t u = rd32(b + off + 16 + 4 * j);
            float v;
            memcpy(&v, &u, 4);
            float want = j < emb ? out.embedding[j] : out.scores[j - emb];
            cr_assert_eq(v, want, "row %d value %u", r, j);
        }
        emoc_image_free(&img);
    }
    size_t nc;
    char *csv = (char *)read_file("f.csv", &nc);
    cr_assert(strstr(csv, "\nvideo,frame,face,area,x0,") && strstr(csv, "\nvidA,3,0,") && strstr(csv, "\nvidA,7,0,"), "%s", csv);
    free(csv);
    free(b);
    free(x);
    /* an undecodable frame: no row, counted, exit 4 */
    write_file("frames/vidA/00009.png", "\x89PNG\r\n\x1a\nbroken", 15);
    cr_assert_eq(emoc(msg, sizeof msg, "features -q -m tiny.emw frames -o g.bin"), 4, "%s", msg);
    b = read_file("g.bin", &nb);
    cr_assert_eq(rd32(b + 24), 2u, "two good rows kept");
    free(b);
    emoc_session_free(s);
    emoc_model_free(m);
}

Test(abaw_cli, malformed_feature_files_name_the_place)
{
    char msg[4096];
    /* binary: truncated header, bad version, rows that do not fill the file */
    write_file("h.emw", "x", 1);
    write_file("short.bin", "EMOCFEAT\1\0\0\0", 12);
    cr_assert_eq(emoc(msg, sizeof msg, "ce --features short.bin -o o.txt"), 3);
    cr_assert(strstr(msg, "short.bin: byte 12: file ends inside the 64-byte header"), "%s", msg);
    unsigned char h[64 + 2 + 1 + 16 + 40] = "EMOCFEAT";
    h[8] = 3; /* versions 1 and 2 are known (post/FEATURES.md) */
    write_file("ver.bin", h, 64);
    cr_assert_eq(emoc(msg, sizeof msg, "ce --features ver.bin -o o.txt"), 3);
    cr_assert(strstr(msg, "ver.bin: byte 8: version 3"), "%s", msg);
    memset(h, 0, sizeof h);
    memcpy(h, "EMOCFEAT", 8);
    h[8] = 1, h[12] = 10, h[16] = 0, h[20] = 1, h[24] = 2; /* 10 values, 1 video, 2 rows */
    h[64] = 1, h[66] = 'v';
    write_file("rows.bin", h, 64 + 3 + 56);
    cr_assert_eq(emoc(msg, sizeof msg, "ce --features rows.bin -o o.txt"), 3);
    cr_assert(strstr(msg, "rows.bin: byte 67: 2 rows of 56 bytes need 112 bytes, 56 remain"), "%s", msg);
    /* CSV: a non-number and a short row */
    const char *csv = "video,frame,face,area,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9\n"
                      "v,1,0,1,0,0,0,0,0,0,0,0,0,0\n"
                      "v,2,0,1,0,0,0,abc,0,0,0,0,0,0\n";
    write_file("bad.csv", csv, strlen(csv));
    cr_assert_eq(emoc(msg, sizeof msg, "ce --features bad.csv -o o.txt"), 3);
    cr_assert(strstr(msg, "bad.csv:3:15: expected a number (x3)"), "%s", msg);
    const char *csv2 = "video,frame,face,area,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9\nv,1,0,1,0,0,0\n";
    write_file("short.csv", csv2, strlen(csv2));
    cr_assert_eq(emoc(msg, sizeof msg, "ce --features short.csv -o o.txt"), 3);
    cr_assert(strstr(msg, "short.csv:2:14: expected 10 feature values, found 3"), "%s", msg);
}

Test(abaw_cli, malformed_annotations_and_options)
{
    char msg[4096];
    const char *pred = "image,valence,arousal,expression,aus\nv/00001.jpg,0.1,0.2,3,0,0,0,0,0,0,0,0,0,0,0,1\n";
    write_file("pred.txt", pred, strlen(pred));
    /* per-video directory with an unknown header */
    cr_assert_eq(system("true"), 0);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/ann", dir);
    cr_assert_eq(system(cmd), 0);
    write_file("ann/v.txt", "foo,bar\n1,2\n", strlen("foo,bar\n1,2\n"));
    cr_assert_eq(emoc(msg, sizeof msg, "eval --pred pred.txt --labels ann"), 3);
    cr_assert(strstr(msg, "ann/v.txt:1:1: unknown header 'foo,bar'"), "%s", msg);
    /* EXPR file: out-of-range class on line 3 */
    write_file("ann/v.txt", "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other\n3\n9\n", strlen("Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other\n3\n9\n"));
    cr_assert_eq(emoc(msg, sizeof msg, "eval --pred pred.txt --labels ann"), 3);
    cr_assert(strstr(msg, "ann/v.txt:3:1: expected an expression index -1..7"), "%s", msg);
    /* AU file: wrong count */
    write_file("ann/v.txt", "AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26\n0,1\n", strlen("AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26\n0,1\n"));
    cr_assert_eq(emoc(msg, sizeof msg, "eval --pred pred.txt --labels ann"), 3);
    cr_assert(strstr(msg, "ann/v.txt:2:1: expected 12 comma-separated values, got 2"), "%s", msg);
    /* a good VA file evaluates, other tasks null */
    write_file("ann/v.txt", "valence,arousal\n0.5,0.5\n-5,-5\n", strlen("valence,arousal\n0.5,0.5\n-5,-5\n"));
    cr_assert_eq(emoc(msg, sizeof msg, "eval --pred pred.txt --labels ann --json"), 0, "%s", msg);
    size_t n;
    char *out = (char *)read_file("stdout.txt", &n);
    cr_assert(strstr(out, "\"f1_expr\":null") && strstr(out, "\"n_va\":1,") && strstr(out, "\"p_mtl\":null"), "%s", out);
    free(out);
    /* single-file layout: ragged row */
    const char *ann = "image,valence,arousal,expression,aus\nv/00001.jpg,0.1,0.2,3,0,0,0,0,0,0,0,0,0,0,0,1\nv/00002.jpg,0.1,0.2,3\n";
    write_file("ann.txt", ann, strlen(ann));
    cr_assert_eq(emoc(msg, sizeof msg, "eval --pred pred.txt --labels ann.txt"), 3);
    cr_assert(strstr(msg, "ann.txt:3:"), "%s", msg);
    write_file("bad_path.txt", "image\nnot-a-path,1\n", strlen("image\nnot-a-path,1\n"));
    cr_assert_eq(emoc(msg, sizeof msg, "eval --pred bad_path.txt --labels ann.txt"), 3);
    cr_assert(strstr(msg, "bad_path.txt:2:1: expected an image path"), "%s", msg);
    /* thresholds file with 11 values, unknown smoothing kind, blend weight out of range */
    write_file("thr.txt", "0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5\n", strlen("0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5\n"));
    cr_assert_eq(emoc(msg, sizeof msg, "mtl --features a --head b --au-thresholds thr.txt -o x"), 2);
    cr_assert(strstr(msg, "expected 12 AU thresholds, read 11"), "%s", msg);
    cr_assert_eq(emoc(msg, sizeof msg, "mtl --features a --head b --smooth expr=tri:3 -o x"), 2);
    cr_assert_eq(emoc(msg, sizeof msg, "mtl --features a --head b --blend va=1.5 -o x"), 2);
    /* a head file that is not an mtl_head */
    tiny_opts o;
    tiny_default(&o);
    uint8_t *emw = tiny_build(&o, &n);
    write_file("tiny.emw", emw, n);
    free(emw);
    const char *f = "video,frame,face,area,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9,x10\nv,1,0,1,0,0,0,0,0,0,0,0,0,0,0\n";
    write_file("f.csv", f, strlen(f));
    cr_assert_eq(emoc(msg, sizeof msg, "mtl --features f.csv --head tiny.emw -o x"), 3);
    cr_assert(strstr(msg, "tinynet") && strstr(msg, "not an mtl_head"), "%s", msg);
}
