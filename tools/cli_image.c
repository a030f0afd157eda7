/* cli_image.c — the pixel limit (--max-pixels) of the commands that decode one image path:
 * decode, preprocess, convert --calib, bench --image (docs/reliability.md, "Images"). */
#include "tools/cli.h"
#include "engine/image/decoders.h"

#include <string.h>

/* The largest N whose 3·N bytes stay within the default 256 MiB pixel limit. */
#define CLI_MAX_PIXELS ((long)(((size_t)256 << 20) / 3))

int cli_max_pixels_option(const char *cmd, const char *value, long *max_pixels)
{
    return cli_parse_int(cmd, "--max-pixels", value, 1, CLI_MAX_PIXELS, max_pixels) ? EXIT_USAGE : 0;
}

emoc_status cli_load_image(const char *path, long max_pixels, emoc_image *img, emoc_error *err)
{
    if (max_pixels <= 0) return emoc_image_load_file(path, NULL, img, err);
    emoc_image_limits d;
    emoc_image_limits_default(&d);
    emoc__image_limits lim = {d.max_width, d.max_height, (size_t)max_pixels * 3, 3};
    return emoc__image_load_file_lim(path, &lim, img, err);
}
