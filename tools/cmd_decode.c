/* cmd_decode.c — `emoc decode IMAGE -o OUT.ppm [--box x,y,w,h] [--size WxH] [--resize cv2|pil]
 * [--max-pixels N]`:
 * the decoded pixels (after EXIF orientation), optionally cropped and resized exactly as the
 * preprocessing does, as binary PPM (P6), or PGM (P5) for gray images, so users can compare each
 * step with their own decoder / cv2.resize / PIL. */
#include "tools/cli.h"

#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_ints(const char *s, int *v, int n, char sep)
{
    char *end;
    for (int i = 0; i < n; i++) {
        long x = strtol(s, &end, 10);
        if (end == s || x < -1000000000L || x > 1000000000L) return -1;
        v[i] = (int)x;
        if (i < n - 1) {
            if (*end != sep && !(sep == 'x' && *end == 'X')) return -1;
            s = end + 1;
        }
    }
    return *end ? -1 : 0;
}

static const char *usage =
    "usage: emoc decode IMAGE -o OUT.ppm [--box x,y,w,h] [--size WxH] [--resize cv2|pil]\n"
    "                   [--max-pixels N]\n"
    "Decodes PNG, JPEG, PPM/PGM or BMP (EXIF orientation applied) and writes the\n"
    "pixels as binary PPM (RGB) or PGM (gray). -o - writes to stdout.\n"
    "--box crops (clipped to the image); --size resizes with cv2 INTER_LINEAR\n"
    "(default) or PIL BILINEAR, bit-exact with OpenCV / Pillow.\n"
    "--max-pixels N refuses an image of more than N pixels from its header (default:\n"
    "256 MiB of decoded pixels; see docs/reliability.md, \"Images\").\n";

int cmd_decode(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    int box[4], has_box = 0, size[2] = {0, 0};
    emoc_resize_mode mode = EMOC_RESIZE_CV2;
    long max_pixels = 0;
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, NULL);
    scan.positional = scan.value_optional = 1;
    for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
        if (!a && !in) {
            in = v;
        } else if (!a) {
            cli_error(argv[0], "more than one input ('%s' and '%s')", in, v);
            return EXIT_USAGE;
        } else if (v && !strcmp(a, "-o")) {
            out = v;
        } else if (v && !strcmp(a, "--box")) {
            if (parse_ints(v, box, 4, ',')) {
                cli_error(argv[0], "--box expects x,y,w,h, got '%s'", v);
                return EXIT_USAGE;
            }
            has_box = 1;
        } else if (v && !strcmp(a, "--size")) {
            if (parse_ints(v, size, 2, 'x') || size[0] <= 0 || size[1] <= 0) {
                cli_error(argv[0], "--size expects WIDTHxHEIGHT, got '%s'", v);
                return EXIT_USAGE;
            }
        } else if (v && !strcmp(a, "--resize")) {
            if (emoc_resize_mode_parse(v, &mode)) {
                cli_error(argv[0], "--resize expects cv2 or pil, got '%s'", v);
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--max-pixels")) {
            if (cli_max_pixels_option(argv[0], v, &max_pixels)) return EXIT_USAGE;
        } else {
            cli_error(argv[0], "unknown option '%s'", a);
            return EXIT_USAGE;
        }
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!in || !out) {
        cli_error(argv[0], "usage: emoc decode IMAGE -o OUT.ppm [--box x,y,w,h] [--size WxH] [--resize cv2|pil] "
                  "[--max-pixels N]");
        return EXIT_USAGE;
    }
    emoc_image img;
    emoc_error err;
    emoc_status st = cli_load_image(in, max_pixels, &img, &err);
    if (!st && has_box) {
        emoc_image c;
        st = emoc_image_crop(&img, box[0], box[1], box[2], box[3], &c, &err);
        emoc_image_free(&img);
        img = c;
    }
    if (!st && size[0]) {
        emoc_image r;
        st = emoc_image_resize(&img, size[0], size[1], mode, &r, &err);
        emoc_image_free(&img);
        img = r;
    }
    if (st) {
        cli_error(argv[0], "%s", err.msg);
        emoc_image_free(&img);
        return cli_exit_for_status(st);
    }
    FILE *f = strcmp(out, "-") ? fopen(out, "wb") : stdout;
    if (!f) {
        cli_error(argv[0], "cannot create '%s': %s", out, strerror(errno));
        emoc_image_free(&img);
        return EXIT_RUNTIME;
    }
    size_t n = (size_t)img.width * img.height * img.channels;
    int ok = fprintf(f, "P%c\n%d %d\n255\n", img.channels == 3 ? '6' : '5', img.width, img.height) > 0 &&
             fwrite(img.pixels, 1, n, f) == n;
    ok = (f == stdout ? fflush(f) == 0 : fclose(f) == 0) && ok;
    emoc_image_free(&img);
    if (!ok) {
        cli_error(argv[0], "write error on '%s'", out);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
