/*
 * cmd_preprocess.c — `emoc preprocess -m MODEL.emw IMAGE -o OUT.f32 [--resize cv2|pil]
 * [--box x,y,w,h] [--max-pixels N]`: writes the exact float32 NCHW tensor (1×3×S×S, little endian, no header)
 * the net receives — the same layout `emoc predict --tensor` reads — so users can diff it with
 * their Python pipeline. Size, mean, std and the default resize come from the model metadata.
 */
#include "tools/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: emoc preprocess -m MODEL.emw IMAGE -o OUT.f32 [--resize cv2|pil] [--box x,y,w,h]\n"
    "                       [--max-pixels N]\n"
    "Decodes IMAGE (EXIF orientation applied), crops the box (clipped to the image),\n"
    "resizes to the model's input size (default: the model's resize, else cv2 INTER_LINEAR),\n"
    "then (v/255 - mean)/std per RGB channel; writes float32 NCHW 1x3xSxS, little endian.\n"
    "--max-pixels N refuses an image of more than N pixels from its header (default:\n"
    "256 MiB of decoded pixels; see docs/reliability.md, \"Images\").\n";

static int parse_box(const char *s, int box[4])
{
    char *end;
    for (int i = 0; i < 4; i++) {
        long v = strtol(s, &end, 10);
        if (end == s || v < -1000000000L || v > 1000000000L) return -1;
        box[i] = (int)v;
        if (i < 3) {
            if (*end != ',') return -1;
            s = end + 1;
        }
    }
    return *end ? -1 : 0;
}

/* The model's input size, normalisation and (unless --resize) resize rule. 0 or the exit code. */
static int model_input(const char *cmd, const char *model_path, int resize_given, emoc_model_info *info,
                       emoc_resize_mode *mode)
{
    emoc_error err;
    emoc_model *model = NULL;
    emoc_status st = emoc_model_load_file(model_path, NULL, &model, &err);
    if (st) {
        cli_error(cmd, "%s", err.msg);
        return cli_exit_for_status(st);
    }
    st = emoc_model_get_info(model, info);
    if (st || info->input_size <= 0 || info->input_channels != 3) {
        cli_error(cmd, "%s: model has no 3-channel image input", model_path);
        emoc_model_free(model);
        return EXIT_INPUT;
    }
    if (!resize_given && info->resize && emoc_resize_mode_parse(info->resize, mode)) *mode = EMOC_RESIZE_CV2;
    emoc_model_free(model);
    return EXIT_OK;
}

/* x (n floats) as little-endian float32 to OUT ("-": stdout). 0 or EXIT_RUNTIME (message printed). */
static int write_tensor(const char *cmd, const char *out, const float *x, size_t n)
{
    FILE *f = strcmp(out, "-") ? fopen(out, "wb") : stdout;
    int ok = f != NULL, open_errno = errno;
    /* little endian on disk; every supported target is little endian, checked here */
    const uint16_t probe = 1;
    if (ok && *(const uint8_t *)&probe != 1) ok = 0;
    if (ok) ok = fwrite(x, sizeof *x, n, f) == n;
    if (f) ok = (f == stdout ? fflush(f) == 0 : fclose(f) == 0) && ok;
    if (!ok) {
        if (!f) cli_error(cmd, "cannot write '%s': %s", out, strerror(open_errno));
        else cli_error(cmd, "error writing '%s'", out);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

int cmd_preprocess(int argc, char **argv)
{
    const char *model_path = NULL, *in = NULL, *out = NULL, *resize = NULL;
    int box[4], has_box = 0;
    long max_pixels = 0;
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, NULL);
    scan.positional = scan.value_optional = 1;
    for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
        if (!a && !in) {
            in = v;
        } else if (!a) {
            cli_error(argv[0], "more than one image ('%s' and '%s')", in, v);
            return EXIT_USAGE;
        } else if (v && !strcmp(a, "-m")) {
            model_path = v;
        } else if (v && !strcmp(a, "-o")) {
            out = v;
        } else if (v && !strcmp(a, "--resize")) {
            resize = v;
        } else if (v && !strcmp(a, "--box")) {
            if (parse_box(v, box)) {
                cli_error(argv[0], "--box expects x,y,w,h integers, got '%s'", v);
                return EXIT_USAGE;
            }
            has_box = 1;
        } else if (!strcmp(a, "--max-pixels")) {
            if (cli_max_pixels_option(argv[0], v, &max_pixels)) return EXIT_USAGE;
        } else {
            cli_error(argv[0], "unknown option or missing value: '%s'", a);
            return EXIT_USAGE;
        }
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!model_path || !in || !out) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    emoc_resize_mode mode = EMOC_RESIZE_CV2;
    if (resize && emoc_resize_mode_parse(resize, &mode)) {
        cli_error(argv[0], "--resize expects cv2 or pil, got '%s'", resize);
        return EXIT_USAGE;
    }
    emoc_model_info info;
    int rc = model_input(argv[0], model_path, resize != NULL, &info, &mode);
    if (rc) return rc;
    emoc_error err;
    emoc_status st;
    emoc_image img = {0}, crop = {0};
    float *x = NULL;
    st = cli_load_image(in, max_pixels, &img, &err);
    if (!st && has_box) {
        st = emoc_image_crop(&img, box[0], box[1], box[2], box[3], &crop, &err);
        emoc_image_free(&img);
        img = crop;
    }
    size_t n = 3 * (size_t)info.input_size * info.input_size;
    if (!st) {
        x = malloc(n * sizeof *x);
        st = x ? emoc_image_preprocess(&img, info.input_size, info.mean, info.std, mode, x, n, &err) : EMOC_E_NOMEM;
        if (!x) snprintf(err.msg, sizeof err.msg, "out of memory");
    }
    if (st) {
        cli_error(argv[0], "%s", err.msg);
        rc = cli_exit_for_status(st);
    } else {
        rc = write_tensor(argv[0], out, x, n);
    }
    free(x);
    emoc_image_free(&img);
    return rc;
}
