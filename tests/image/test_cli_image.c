/* test_cli_image.c — `emoc decode` and `emoc preprocess` through the built CLI ($EMOC_BIN):
 * decoded pixels byte-identical to the fixture expectations, the preprocessed tensor identical to
 * emoc_image_preprocess with the model's size/mean/std, error exits naming the offset. */
#include "tests/image/image_fixture.h"
#include "tests/core/tinynet_fixture.h"

#include <sys/wait.h>
#include <unistd.h>

static int run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "missing %s", path);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*n + 1);
    cr_assert_eq(fread(b, 1, *n, f), *n);
    fclose(f);
    b[*n] = 0;
    return b;
}

Test(cli_image, decode_writes_the_pixels_as_pnm)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin, "EMOC_BIN not set");
    char cmd[8192], out[64];
    snprintf(out, sizeof out, "/tmp/emoc_dec_%d.pnm", (int)getpid());
    const char *cases[][2] = {{"png_p4_adam7.png", "png_p4_adam7.expect.pnm"}, {"png_g16.png", "png_g16.expect.pnm"},
                              {"bmp_topdown.bmp", "bmp_topdown.expect.pnm"}};
    for (int i = 0; i < 3; i++) {
        snprintf(cmd, sizeof cmd, "'%s' decode '%s' -o %s", bin, fx_path(cases[i][0]), out);
        cr_assert_eq(run(cmd), 0, "%s", cmd);
        size_t n, m;
        uint8_t *got = slurp(out, &n);
        uint8_t *want = fx_read(cases[i][1], &m);
        cr_assert_eq(n, m, "%s: %zu bytes vs %zu", cases[i][0], n, m);
        cr_assert(!memcmp(got, want, n), "%s differs", cases[i][0]);
        free(got);
        free(want);
    }
    /* crop + resize: identical to the library calls */
    snprintf(cmd, sizeof cmd, "'%s' decode '%s' -o %s --box 1,2,9,8 --size 20x9 --resize pil", bin,
             fx_path("png_rgb8.png"), out);
    cr_assert_eq(run(cmd), 0, "%s", cmd);
    {
        emoc_image img, c, r;
        emoc_error e;
        cr_assert_eq(emoc_image_load_file(fx_path("png_rgb8.png"), NULL, &img, &e), EMOC_OK);
        cr_assert_eq(emoc_image_crop(&img, 1, 2, 9, 8, &c, &e), EMOC_OK);
        cr_assert_eq(emoc_image_resize(&c, 20, 9, EMOC_RESIZE_PIL, &r, &e), EMOC_OK);
        size_t n;
        uint8_t *got = slurp(out, &n);
        const char *hdr = "P6\n20 9\n255\n";
        cr_assert_eq(n, strlen(hdr) + 20 * 9 * 3);
        cr_assert(!memcmp(got, hdr, strlen(hdr)));
        cr_assert(!memcmp(got + strlen(hdr), r.pixels, 20 * 9 * 3));
        free(got);
        emoc_image_free(&img);
        emoc_image_free(&c);
        emoc_image_free(&r);
    }
    /* a corrupt file: exit 3, message with the offset */
    char bad[64], log[64];
    snprintf(bad, sizeof bad, "/tmp/emoc_bad_%d.png", (int)getpid());
    snprintf(log, sizeof log, "/tmp/emoc_bad_%d.log", (int)getpid());
    size_t size;
    uint8_t *png = fx_read("png_rgb8.png", &size);
    FILE *f = fopen(bad, "wb");
    fwrite(png, 1, size - 20, f);
    fclose(f);
    free(png);
    snprintf(cmd, sizeof cmd, "'%s' decode %s -o %s 2>%s", bin, bad, out, log);
    cr_assert_eq(run(cmd), 3);
    size_t ln;
    char *msg = (char *)slurp(log, &ln);
    cr_assert(strstr(msg, bad) && strstr(msg, "offset"), "%s", msg);
    free(msg);
    snprintf(cmd, sizeof cmd, "'%s' decode 2>/dev/null", bin);
    cr_assert_eq(run(cmd), 2);
    remove(bad);
    remove(log);
    remove(out);
}

Test(cli_image, preprocess_equals_library_tensor)
{
    const char *bin = getenv("EMOC_BIN");
    cr_assert(bin);
    tiny_opts o;
    tiny_default(&o);
    o.size = 20;
    size_t n;
    uint8_t *emw = tiny_build(&o, &n);
    cr_assert(emw);
    char model[64], out[64], cmd[8192];
    snprintf(model, sizeof model, "/tmp/emoc_pp_%d.emw", (int)getpid());
    snprintf(out, sizeof out, "/tmp/emoc_pp_%d.f32", (int)getpid());
    FILE *f = fopen(model, "wb");
    fwrite(emw, 1, n, f);
    fclose(f);
    free(emw);
    emoc_model *m;
    emoc_error err;
    cr_assert_eq(emoc_model_load_file(model, NULL, &m, &err), EMOC_OK, "%s", err.msg);
    emoc_model_info info;
    emoc_model_get_info(m, &info);
    cr_assert_eq(info.input_size, 20);
    struct { const char *args; emoc_resize_mode mode; int box[4]; } cases[] = {
        {"", EMOC_RESIZE_CV2, {0, 0, 0, 0}},
        {"--resize pil", EMOC_RESIZE_PIL, {0, 0, 0, 0}},
        {"--box 2,1,8,7", EMOC_RESIZE_CV2, {2, 1, 8, 7}},
    };
    for (int i = 0; i < 3; i++) {
        snprintf(cmd, sizeof cmd, "'%s' preprocess -m %s '%s' -o %s %s", bin, model, fx_path("png_rgb8.png"), out,
                 cases[i].args);
        cr_assert_eq(run(cmd), 0, "%s", cmd);
        size_t bytes;
        float *got = (float *)slurp(out, &bytes);
        cr_assert_eq(bytes, 3 * 20 * 20 * sizeof(float));
        emoc_image img, crop;
        cr_assert_eq(emoc_image_load_file(fx_path("png_rgb8.png"), NULL, &img, &err), EMOC_OK);
        if (cases[i].box[2]) {
            cr_assert_eq(emoc_image_crop(&img, cases[i].box[0], cases[i].box[1], cases[i].box[2], cases[i].box[3], &crop, &err), EMOC_OK);
            emoc_image_free(&img);
            img = crop;
        }
        float want[3 * 20 * 20];
        cr_assert_eq(emoc_image_preprocess(&img, 20, info.mean, info.std, cases[i].mode, want, 1200, &err), EMOC_OK);
        cr_assert(!memcmp(got, want, sizeof want), "case '%s': tensor differs", cases[i].args);
        emoc_image_free(&img);
        free(got);
    }
    snprintf(cmd, sizeof cmd, "'%s' preprocess -m %s '%s' -o %s --box 100,100,5,5 2>/dev/null", bin, model,
             fx_path("png_rgb8.png"), out);
    cr_assert_eq(run(cmd), 3, "empty box must fail");
    snprintf(cmd, sizeof cmd, "'%s' preprocess -m %s '%s' -o %s --resize lanczos 2>/dev/null", bin, model,
             fx_path("png_rgb8.png"), out);
    cr_assert_eq(run(cmd), 2);
    emoc_model_free(m);
    remove(model);
    remove(out);
}
