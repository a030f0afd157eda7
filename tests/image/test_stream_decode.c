/* test_stream_decode.c — the streamed decode + resize (engine/image/rows.c: PNG rows from the
 * inflater, rows pushed into the cv2 / PIL resizers) gives the same bytes as decoding the whole
 * image and resizing it, on every image fixture and a spread of target sizes (downscale, exact
 * 2x, upscale, odd); the row sink sees each row once, in order; the pixel limit counted as RGB
 * refuses a gray image from its header; a progressive JPEG whose coefficients exceed the limit
 * is refused before its planes are allocated. */
#include "tests/image/image_fixture.h"
#include "tests/image/test_jpeg_util.h"
#include "engine/image/decoders.h"

#include <dirent.h>

static const char *const DIRS[] = {"image", "jpeg"};

static int is_image(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcmp(dot, ".png") || !strcmp(dot, ".jpg") || !strcmp(dot, ".bmp") || !strcmp(dot, ".ppm") ||
                   !strcmp(dot, ".pgm") || !strcmp(dot, ".pnm"));
}

static void check_file(const char *path, int *cases)
{
    static const int sizes[] = {1, 7, 16, 112, 224};
    emoc__image_limits lim = {16384, 16384, (size_t)256 << 20, 0};
    emoc_image whole;
    emoc_error err;
    if (emoc__image_load_file_lim(path, &lim, &whole, &err) != EMOC_OK) return; /* error fixtures */
    for (int m = 0; m < 2; m++)
        for (size_t k = 0; k < sizeof sizes / sizeof *sizes + 1; k++) {
            /* the last size is half the image: cv2's exact 2x INTER_AREA route when even */
            int s = k < sizeof sizes / sizeof *sizes ? sizes[k] : (whole.width / 2 > 0 ? whole.width / 2 : 1);
            emoc_resize_mode mode = m ? EMOC_RESIZE_PIL : EMOC_RESIZE_CV2;
            emoc_image want, got;
            int sw, sh;
            cr_assert_eq(emoc_image_resize(&whole, s, s, mode, &want, &err), EMOC_OK, "%s: %s", path, err.msg);
            cr_assert_eq(emoc__image_load_resized(path, &lim, s, mode, &got, &sw, &sh, &err), EMOC_OK, "%s: %s", path,
                         err.msg);
            cr_assert_eq(sw, whole.width, "%s", path);
            cr_assert_eq(sh, whole.height, "%s", path);
            cr_assert_eq(got.channels, whole.channels, "%s", path);
            cr_assert_eq(memcmp(got.pixels, want.pixels, (size_t)s * s * whole.channels), 0,
                         "%s: streamed %s resize to %d differs from the whole-image one", path, m ? "pil" : "cv2", s);
            emoc_image_free(&want);
            emoc_image_free(&got);
            (*cases)++;
        }
    emoc_image_free(&whole);
}

Test(stream_decode, equals_whole_image_decode_and_resize_on_every_fixture)
{
    int cases = 0, files = 0;
    for (size_t d = 0; d < 2; d++) {
        char dir[4096];
        const char *root = getenv("EMOC_ROOT");
        snprintf(dir, sizeof dir, "%s/tests/fixtures/%s", root ? root : ".", DIRS[d]);
        DIR *dp = opendir(dir);
        cr_assert(dp, "cannot list %s", dir);
        for (struct dirent *e; (e = readdir(dp));) {
            if (!is_image(e->d_name)) continue;
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            int before = cases;
            check_file(path, &cases);
            files += cases > before;
        }
        closedir(dp);
    }
    cr_assert_geq(files, 60, "only %d fixtures decoded", files);
    cr_log_info("%d files, %d resizes compared", files, cases);
}

typedef struct {
    int w, h, ch, rows, begun;
    uint8_t *img;
} collect;

static emoc_status c_begin(void *u, int w, int h, int ch, emoc_error *err)
{
    (void)err;
    collect *c = u;
    c->w = w, c->h = h, c->ch = ch, c->begun++;
    c->img = malloc((size_t)w * h * ch);
    return EMOC_OK;
}

static emoc_status c_row(void *u, const uint8_t *px, emoc_error *err)
{
    collect *c = u;
    if (c->rows >= c->h) return emoc__fail(err, EMOC_E_INTERNAL, "row %d of %d", c->rows, c->h);
    memcpy(c->img + (size_t)c->rows * c->w * c->ch, px, (size_t)c->w * c->ch);
    c->rows++;
    return EMOC_OK;
}

Test(stream_decode, png_rows_arrive_once_in_order_and_equal_the_whole_decode)
{
    const char *names[] = {"png_rgb8.png", "png_g1.png", "png_p4.png", "png_rgba16.png", "png_rgb8_stored.png",
                           "png_rgb8_split.png", "png_rgb8_adam7.png", "png_ga8.png"};
    emoc__image_limits lim = {16384, 16384, (size_t)256 << 20, 0};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t n;
        uint8_t *d = fx_read(names[i], &n);
        collect c = {0};
        emoc__row_sink sink = {c_begin, c_row, &c};
        emoc_error err;
        cr_assert_eq(emoc__decode_png_rows(d, n, &lim, &sink, &err), EMOC_OK, "%s: %s", names[i], err.msg);
        emoc_image whole;
        cr_assert_eq(emoc_image_decode(d, n, NULL, &whole, &err), EMOC_OK);
        cr_assert_eq(c.begun, 1);
        cr_assert_eq(c.rows, whole.height, "%s", names[i]);
        cr_assert_eq(memcmp(c.img, whole.pixels, (size_t)whole.width * whole.height * whole.channels), 0, "%s", names[i]);
        free(c.img);
        free(d);
        emoc_image_free(&whole);
    }
}

static emoc_status refuse_row3(void *u, const uint8_t *px, emoc_error *err)
{
    collect *c = u;
    (void)px;
    if (++c->rows == 3) return emoc__fail(err, EMOC_E_NOMEM, "sink: no room for row 3");
    return EMOC_OK;
}

Test(stream_decode, a_row_sink_error_stops_the_png_decoder)
{
    size_t n;
    uint8_t *d = fx_read("png_rgb8.png", &n);
    collect c = {0};
    emoc__row_sink sink = {c_begin, refuse_row3, &c};
    emoc__image_limits lim = {16384, 16384, (size_t)256 << 20, 0};
    emoc_error err;
    emoc_status st = emoc__decode_png_rows(d, n, &lim, &sink, &err);
    cr_assert_eq(st, EMOC_E_NOMEM, "status %d: %s", (int)st, err.msg);
    cr_assert_str_eq(err.msg, "sink: no room for row 3");
    cr_assert_eq(c.rows, 3, "rows after the error: %d", c.rows);
    free(c.img);
    /* refused from the header: begin is never called */
    collect z = {0};
    emoc__row_sink refuse = {c_begin, c_row, &z};
    lim.max_bytes = 1;
    cr_assert_eq(emoc__decode_png_rows(d, n, &lim, &refuse, &err), EMOC_E_LIMIT, "%s", err.msg);
    cr_assert_eq(z.begun, 0, "begin called for a refused image");
    free(d);
}

Test(stream_decode, gray_counted_as_rgb_and_progressive_coefficients_against_the_limit)
{
    size_t n;
    uint8_t *d = fx_read("png_g8.png", &n);
    emoc_image img;
    emoc_error err;
    cr_assert_eq(emoc_image_decode(d, n, NULL, &img, &err), EMOC_OK);
    size_t px = (size_t)img.width * img.height;
    emoc_image_free(&img);
    emoc__image_limits lim = {16384, 16384, px * 3 - 1, 0};
    cr_assert_eq(emoc__image_decode_lim(d, n, &lim, &img, &err), EMOC_OK, "gray fits as gray: %s", err.msg);
    emoc_image_free(&img);
    lim.min_channels = 3;
    cr_assert_eq(emoc__image_decode_lim(d, n, &lim, &img, &err), EMOC_E_LIMIT);
    cr_assert(strstr(err.msg, "pixels exceeds the limit of") && strstr(err.msg, "as RGB"), "%s", err.msg);
    free(d);
    /* 23x19 progressive 4:4:4: 1,311 bytes of pixels, 3 x 9 blocks x 64 x 2 = 3,456 bytes of
     * coefficients; the same image baseline needs none */
    char path[4096];
    const char *root = getenv("EMOC_ROOT");
    snprintf(path, sizeof path, "%s/tests/fixtures/jpeg/prog_444_q95_23x19.jpg", root ? root : ".");
    emoc__image_limits l2 = {16384, 16384, 3456, 0};
    cr_assert_eq(emoc__image_load_file_lim(path, &l2, &img, &err), EMOC_OK, "%s", err.msg);
    emoc_image_free(&img);
    l2.max_bytes = 3455;
    cr_assert_eq(emoc__image_load_file_lim(path, &l2, &img, &err), EMOC_E_LIMIT);
    cr_assert(strstr(err.msg, "needs 3456 bytes of DCT coefficients, above the 3455-byte limit"), "%s", err.msg);
}

/* ---- JPEG: rows leave MCU row by MCU row (engine/image/jpeg_output.c) ---------------------- */

/* The MCU-row decode (whole image and row sink) against the whole-plane reference: same status,
 * same bytes, same orientation; the rows once each, in order. 1 when the file decoded. */
static int jpeg_matches_planes(const char *path)
{
    size_t n;
    uint8_t *d = jt_read(path, &n);
    cr_assert(d, "cannot read %s", path);
    emoc__image_limits lim = {16384, 16384, (size_t)256 << 20, 0};
    emoc__image ref, got;
    emoc_error err;
    emoc_status rs = emoc__decode_jpeg_planes(d, n, &lim, &ref, &err);
    emoc_status gs = emoc__decode_jpeg(d, n, &lim, &got, &err);
    cr_assert_eq(gs, rs, "%s: status %d, whole planes %d (%s)", path, (int)gs, (int)rs, err.msg);
    if (rs != EMOC_OK) {
        free(d);
        return 0;
    }
    size_t bytes = (size_t)ref.width * ref.height * ref.channels;
    cr_assert(got.width == ref.width && got.height == ref.height && got.channels == ref.channels &&
                  got.orientation == ref.orientation, "%s: shape or orientation differs", path);
    cr_assert_eq(memcmp(got.pixels, ref.pixels, bytes), 0, "%s: MCU-row pixels differ from the whole planes'", path);
    cr_assert_eq(emoc__image_apply_orientation(&ref, &err), EMOC_OK);
    collect c = {0};
    emoc__row_sink sink = {c_begin, c_row, &c};
    cr_assert_eq(emoc__decode_jpeg_rows(d, n, &lim, &sink, &err), EMOC_OK, "%s: %s", path, err.msg);
    cr_assert_eq(c.begun, 1, "%s", path);
    cr_assert(c.w == ref.width && c.h == ref.height && c.ch == ref.channels && c.rows == ref.height, "%s", path);
    cr_assert_eq(memcmp(c.img, ref.pixels, bytes), 0, "%s: streamed rows differ", path);
    free(c.img);
    free(got.pixels);
    free(ref.pixels);
    free(d);
    return 1;
}

Test(stream_decode, jpeg_mcu_rows_equal_whole_planes_on_every_fixture)
{
    const char *root = getenv("EMOC_ROOT");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/jpeg", root ? root : ".");
    DIR *dp = opendir(dir);
    cr_assert(dp, "cannot list %s", dir);
    int files = 0, tall = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        const char *dot = strrchr(e->d_name, '.');
        if (!dot || strcmp(dot, ".jpg")) continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        int ok = jpeg_matches_planes(path);
        files += ok;
        tall += ok && strstr(e->d_name, "tall") != NULL;
    }
    closedir(dp);
    /* 4:2:0 4:2:2 4:4:4 4:4:0 4:1:1 3:1 1:4 mixed, gray, restarts, odd sizes, EXIF 1..8, progressive */
    cr_assert_geq(files, 46, "only %d JPEG fixtures decoded", files);
    cr_assert_geq(tall, 8, "only %d fixtures taller than the 3-MCU-row rings", tall);
    /* the face images beside the clone (150x150: rings wrap many times), when present */
    const char *shared = getenv("EMOC_SHARED_DATA");
    char sdir[4096];
    snprintf(sdir, sizeof sdir, "%s", shared ? shared : "");
    if (!shared) snprintf(sdir, sizeof sdir, "%s/../shared/data", root ? root : ".");
    static const char *const faces[] = {"face_q90.jpg", "face_q95_444.jpg", "face_progressive.jpg", "rocket.jpg"};
    for (size_t i = 0; i < sizeof faces / sizeof *faces; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", sdir, faces[i]);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        fclose(f);
        cr_assert(jpeg_matches_planes(path), "%s does not decode", path);
    }
}

/* Rows reach the sink while the scan is still being decoded: a file cut in the middle of its
 * only scan hands out its first rows, then reports the truncation (the whole-plane path would
 * hand out none); a sink error stops the decoder at once. */
Test(stream_decode, jpeg_rows_leave_before_the_scan_ends)
{
    char path[4096];
    const char *root = getenv("EMOC_ROOT");
    snprintf(path, sizeof path, "%s/tests/fixtures/jpeg/tall_420_rst_q85_52x100.jpg", root ? root : ".");
    size_t n;
    uint8_t *d = jt_read(path, &n);
    cr_assert(d);
    emoc__image_limits lim = {16384, 16384, (size_t)256 << 20, 0};
    emoc_error err;
    collect c = {0};
    emoc__row_sink sink = {c_begin, c_row, &c};
    size_t sos = 0;
    while (sos + 1 < n && !(d[sos] == 0xFF && d[sos + 1] == 0xDA)) sos++;
    cr_assert_lt(sos + 1, n);
    size_t cut = sos + (n - sos) * 2 / 3;
    cr_assert_eq(emoc__decode_jpeg_rows(d, cut, &lim, &sink, &err), EMOC_E_TRUNCATED, "%s", err.msg);
    /* 7 MCU rows of 16: 2/3 of the scan holds at least 4 of them, whose first 3 are out */
    cr_assert_geq(c.rows, 48, "%d rows before the truncation", c.rows);
    cr_assert_lt(c.rows, 100);
    free(c.img);
    collect z = {0};
    emoc__row_sink refuse = {c_begin, refuse_row3, &z};
    emoc_status st = emoc__decode_jpeg_rows(d, n, &lim, &refuse, &err);
    cr_assert_eq(st, EMOC_E_NOMEM, "status %d: %s", (int)st, err.msg);
    cr_assert_str_eq(err.msg, "sink: no room for row 3");
    cr_assert_eq(z.rows, 3);
    free(z.img);
    free(d);
}
