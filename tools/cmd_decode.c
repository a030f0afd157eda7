/* cmd_decode.c — `emoc decode IMAGE -o OUT.ppm`: the decoded pixels (after EXIF orientation), as
 * binary PPM (P6), or PGM (P5) for gray images, so users can compare them with their decoder. */
#include "tools/cli.h"

#include <stdio.h>
#include <string.h>

int cmd_decode(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: emoc decode IMAGE -o OUT.ppm\n"
                   "Decodes PNG, JPEG, PPM/PGM or BMP (EXIF orientation applied) and writes the\n"
                   "pixels as binary PPM (RGB) or PGM (gray). -o - writes to stdout.\n");
            return EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error(argv[0], "unknown option '%s'", argv[i]);
            return EXIT_USAGE;
        } else if (!in) {
            in = argv[i];
        } else {
            cli_error(argv[0], "more than one input ('%s' and '%s')", in, argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!in || !out) {
        cli_error(argv[0], "usage: emoc decode IMAGE -o OUT.ppm");
        return EXIT_USAGE;
    }
    emoc_image img;
    emoc_error err;
    emoc_status st = emoc_image_load_file(in, NULL, &img, &err);
    if (st) {
        cli_error(argv[0], "%s", err.msg);
        return cli_exit_for_status(st);
    }
    FILE *f = strcmp(out, "-") ? fopen(out, "wb") : stdout;
    if (!f) {
        cli_error(argv[0], "cannot create '%s'", out);
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
