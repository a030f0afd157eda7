/* inputs.c — command-line side of the input iterator: --raw WxH, --boxes FILE, paths. */
#include "tools/input/inputs.h"
#include "tools/cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void inputs_spec_init(inputs_spec *in)
{
    memset(in, 0, sizeof *in);
}

int inputs_spec_option(inputs_spec *in, const char *cmd, const char *a, const char *v)
{
    if (!strcmp(a, "--raw")) {
        if (!v) {
            cli_error(cmd, "--raw expects WIDTHxHEIGHT");
            return -1;
        }
        long w = -1, h = -1;
        const char *x = strchr(v, 'x');
        /* exactly WxH: digits, a lower-case x, digits (no sign, blank or 'X') */
        if (x && strspn(v, "0123456789") == (size_t)(x - v) && x > v && x[1] &&
            strspn(x + 1, "0123456789") == strlen(x + 1) && x - v <= 6 && strlen(x + 1) <= 6) {
            w = strtol(v, NULL, 10);
            h = strtol(x + 1, NULL, 10);
        }
        if (w <= 0 || h <= 0 || w > 65535 || h > 65535) {
            cli_error(cmd, "--raw expects WIDTHxHEIGHT (e.g. 224x224), got '%s'", v);
            return -1;
        }
        in->opt.raw_width = (int)w;
        in->opt.raw_height = (int)h;
        return 1;
    }
    if (!strcmp(a, "--shard")) {
        if (!v) {
            cli_error(cmd, "--shard expects K/N");
            return -1;
        }
        return shard_parse(cmd, v, &in->shard) ? -1 : 1;
    }
    if (!strcmp(a, "--max-pixels")) { /* lowers the decoded-image cap (docs/reliability.md) */
        long n = 0;
        if (cli_max_pixels_option(cmd, v, &n)) return -1;
        emoc_image_limits_default(&in->opt.limits);
        in->opt.limits.max_bytes = (size_t)n * 3;
        return 1;
    }
    if (!strcmp(a, "--boxes")) {
        if (!v) {
            cli_error(cmd, "--boxes expects a CSV file (image,x,y,w,h[,face_id])");
            return -1;
        }
        in->opt.boxes_csv = v;
        return 1;
    }
    return 0;
}

int inputs_spec_add_path(inputs_spec *in, const char *path)
{
    if (in->n == in->cap) {
        int cap = in->cap ? in->cap * 2 : 16;
        const char **np = realloc(in->paths, (size_t)cap * sizeof *np);
        if (!np) return -1;
        in->paths = np;
        in->cap = cap;
    }
    in->paths[in->n++] = path;
    return 0;
}

static int in_shard(const inputs_spec *in, const char *unit)
{
    return !in->shard.n || shard_of_unit(unit, in->shard.n) == in->shard.k;
}

/* emoc__input_options.select: this shard's units, minus those the resumed output holds. */
static int select_inputs(void *user, size_t n, const char *const *paths, const char *const *videos,
                         unsigned char *keep)
{
    inputs_spec *in = user;
    for (int pass = 0; pass < 2; pass++) { /* list everything, then decide with the counts */
        for (size_t i = 0; i < n; i++) {
            char *unit = shard_unit(paths[i], videos[i]);
            if (!unit) return -1;
            int mine = in_shard(in, unit);
            if (pass == 0 && mine && in->resume && resume_list(in->resume, paths[i], unit)) mine = -1;
            if (pass == 1) keep[i] = mine && !(in->resume && resume_unit_done(in->resume, unit));
            free(unit);
            if (mine < 0) return -1;
        }
        if (pass == 0 && in->resume) resume_scan(in->resume);
    }
    in->listed += (long)n;
    for (size_t i = 0; i < n; i++) in->selected += keep[i];
    return 0;
}

int inputs_list_file(inputs_spec *in, const char *path)
{
    in->listed++;
    return in_shard(in, path) && in->resume ? resume_list(in->resume, path, path) : 0;
}

int inputs_file_selected(inputs_spec *in, const char *path)
{
    if (in->resume) resume_scan(in->resume); /* once: after the hook or right here */
    int sel = in_shard(in, path) && !(in->resume && resume_unit_done(in->resume, path));
    in->selected += sel;
    return sel;
}

emoc_status inputs_open(inputs_spec *in, emoc__input_iter **it, emoc_error *err)
{
    in->opt.paths = in->paths;
    in->opt.n_paths = in->n;
    if (in->opt.raw_width > 0 && (in->shard.n || in->resume)) {
        /* a stream has no units to split or to find complete; stdin cannot even be re-read */
        *it = NULL;
        snprintf(err->msg, sizeof err->msg, "%s: a --raw stream cannot be %s: give image files or "
                 "frame folders (one folder per video)", in->shard.n ? "--shard" : "--resume",
                 in->shard.n ? "sharded" : "resumed");
        return EMOC_E_ARG;
    }
    if (in->shard.n || in->resume) {
        in->opt.select = select_inputs;
        in->opt.select_user = in;
    }
    return emoc__input_open(&in->opt, it, err);
}

void inputs_note_skipped(const emoc__input_iter *it, const char *cmd, int quiet)
{
    const char *first = NULL;
    size_t n = emoc__input_skipped(it, &first);
    if (n && !quiet)
        cli_error(cmd, "note: %zu entr%s in the input folders %s hidden or not an image (.jpg .jpeg .png .ppm .pgm .bmp) "
                       "and got no row, e.g. '%s'",
                  n, n == 1 ? "y" : "ies", n == 1 ? "is" : "are", first ? first : "?");
}

emoc__input_status inputs_run_status(emoc_status rs, const float *x, size_t n)
{
    if (rs != EMOC_E_NONFINITE) return EMOC_INPUT_RUN_ERROR;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return EMOC_INPUT_NONFINITE;
    return EMOC_INPUT_NONFINITE_OUTPUT;
}

void inputs_spec_free(inputs_spec *in)
{
    free(in->paths);
    memset(in, 0, sizeof *in);
}
