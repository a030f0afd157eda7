/*
 * cmd_detect.c — `emoc detect -m DETECTOR.emw [options] INPUT...`: faces in images, folders of
 * frames and raw rgb24 streams (the inputs of `emoc predict`, without --tensor / --boxes).
 * One row per face in the detector's order (face_id 0, 1, ...), exactly one `no_face` row for a
 * frame without faces (not a failure), and one row with the input's status for a frame that
 * could not be read or detected on. Columns: tools/detect_rows.h.
 */
#include "tools/cli.h"
#include "tools/detect_rows.h"
#include "tools/input/inputs.h"
#include "tools/interrupt.h"
#include "tools/progress.h"
#include "nets/detector.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *usage =
    "usage: emoc detect -m DETECTOR.emw [options] [IMAGE|DIR|-]...\n"
    "  IMAGE, DIR        frames (JPEG/PNG/PPM/BMP; directories in natural order)\n"
    "  --raw WxH         read rgb24 frames of W x H from the path ('-' = stdin)\n"
    "  --max-pixels N    refuse frames of more than N pixels (default and cap 4096x4096;\n"
    "                    peak memory per frame: docs/reliability.md)\n"
    "  --threshold P     keep faces with score > P (RetinaFace: >= P, as detect.py)\n"
    "                    (default: the detector's: MTCNN 0.9, RetinaFace 0.6)\n"
    "  --min-face N      MTCNN: smallest face searched, px (default 40); other\n"
    "                    detectors: drop faces narrower than N (default 0)\n"
    "  --format csv|jsonl  output format (default csv)\n"
    "  -o OUT            write to OUT instead of stdout\n"
    "  -q | --progress   no progress/summary | key=value progress on stderr\n"
    "  --dump-raw DIR    (conformance) write the network's raw outputs of each input's\n"
    "                    last frame to DIR/<input name>.<output>.f32 (RetinaFace)\n"
    "One row per face (boxes and landmarks in original pixels, unclipped, as the\n"
    "upstream detector reports them); a frame without a face gives one no_face row.\n";

typedef struct detect_opts {
    const char *model, *out, *format, *dump_raw;
    int dump_dirfd; /* --dump-raw's directory, opened before the sandbox (its one write directory) */
    emoc_detect_options det;
    progress_mode progress;
    inputs_spec images;
} detect_opts;

/* Parses a float option in [lo, hi]. */
static int parse_float(const char *cmd, const char *opt, const char *s, double lo, double hi,
                       float *out)
{
    char *end = NULL;
    double v = s ? strtod(s, &end) : 0;
    if (!s || end == s || *end || !(v >= lo && v <= hi)) {
        cli_error(cmd, "%s expects a number in [%g, %g], got '%s'", opt, lo, hi, s ? s : "");
        return -1;
    }
    *out = (float)v;
    return 0;
}

/* Shared by detect / predict --detect / features --detect: --threshold and --min-face.
 * Returns 1 if consumed, 0 if not an option of these, -1 after a usage error. */
int detect_option(emoc_detect_options *d, const char *cmd, const char *a, const char *v)
{
    long n;
    if (!v) return 0; /* the caller names the option as unknown or missing its value */
    if (!strcmp(a, "--threshold")) return parse_float(cmd, a, v, 0.0, 1.0, &d->threshold) ? -1 : 1;
    if (!strcmp(a, "--min-face")) {
        if (cli_parse_int(cmd, a, v, 1, EMOC_DETECT_MAX_SIDE, &n)) return -1;
        d->min_face = (int)n;
        return 1;
    }
    return 0;
}

static int unknown_option(const char *cmd, const char *a)
{
    cli_error(cmd, "unknown option '%s' (or missing value)", a);
    fputs(usage, stderr);
    return EXIT_USAGE;
}

/* One scanned option (name NULL: an input path). -1 when read, else the exit code. */
static int detect_cli_option(detect_opts *o, const char *cmd, const char *a, const char *v)
{
    int r;
    if (!a) return inputs_spec_add_path(&o->images, v) ? EXIT_RUNTIME : -1;
    if (!strcmp(a, "--tensor") || !strcmp(a, "--boxes")) {
        cli_error(cmd, "%s is not an input of detect: it finds the faces itself in images, "
                  "folders or --raw streams", a);
        return EXIT_USAGE;
    }
    if ((r = inputs_spec_option(&o->images, cmd, a, v)) != 0) return r < 0 ? EXIT_USAGE : -1;
    if ((r = detect_option(&o->det, cmd, a, v)) != 0) return r < 0 ? EXIT_USAGE : -1;
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o->progress = PROGRESS_QUIET;
    else if (!strcmp(a, "--progress")) o->progress = PROGRESS_KV;
    else if (!v) return unknown_option(cmd, a);
    else if (!strcmp(a, "-m")) o->model = v;
    else if (!strcmp(a, "-o")) o->out = v;
    else if (!strcmp(a, "--dump-raw")) o->dump_raw = v;
    else if (!strcmp(a, "--format")) {
        o->format = v;
        if (strcmp(o->format, "csv") && strcmp(o->format, "jsonl")) {
            cli_error(cmd, "--format expects csv or jsonl, got '%s'", o->format);
            return EXIT_USAGE;
        }
    } else {
        return unknown_option(cmd, a);
    }
    return -1;
}

/* 0 when the command line is complete, -1 after --help, else the exit code (message printed). */
static int parse_args(int argc, char **argv, detect_opts *o)
{
    const char *cmd = argv[0];
    static const char *const flags[] = {"-q", "--quiet", "--progress", NULL};
    o->format = "csv";
    emoc_detect_options_default(&o->det);
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, flags);
    scan.positional = scan.value_optional = 1;
    for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
        int rc = detect_cli_option(o, cmd, a, v);
        if (rc >= 0) return rc;
    }
    if (scan.exit_code >= 0) return scan.exit_code == EXIT_OK ? -1 : scan.exit_code;
    if (o->images.opt.raw_width > 0 && o->images.n == 0) {
        cli_error(cmd, "--raw WxH reads a stream: give its path, or '-' for stdin");
        return EXIT_USAGE;
    }
    if (!o->model || o->images.n == 0) {
        cli_error(cmd, "%s", !o->model ? "missing -m DETECTOR.emw" : "no input (IMAGE, DIR or -)");
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    return 0;
}

/* Frames above the detector's cap are refused by the decoder / raw reader before their
 * pixels are allocated (the inputs' limits), not after. */
void detect_limit_inputs(inputs_spec *in)
{
    const size_t cap = (size_t)EMOC_DETECT_MAX_SIDE * EMOC_DETECT_MAX_SIDE * 3;
    emoc_image_limits *l = &in->opt.limits;
    l->max_width = EMOC_DETECT_MAX_SIDE;
    l->max_height = EMOC_DETECT_MAX_SIDE;
    if (!l->max_bytes || l->max_bytes > cap) l->max_bytes = cap; /* a lower --max-pixels stays */
}

/* --dump-raw: DIR/<basename of input>.<output name>.f32, little-endian float32, created
 * through the directory's descriptor (the sandbox lets emoc create files only there). */
static int dump_raw(const char *cmd, const char *dir, int dirfd, const emoc_detector *det, const char *input)
{
    const char *base = strrchr(input, '/');
    base = base ? base + 1 : input;
    const char *name;
    const float *data;
    size_t rows;
    int cols;
    for (int k = 0; emoc__detector_raw(det, k, &name, &data, &rows, &cols); k++) {
        char file[4096];
        snprintf(file, sizeof file, "%s.%s.f32", base, name);
        int fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (!f && fd >= 0) close(fd);
        size_t n = rows * (size_t)cols;
        if (!f || fwrite(data, sizeof(float), n, f) != n || fclose(f) != 0) {
            cli_error(cmd, "--dump-raw: cannot write '%s/%s': %s", dir, file, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Detects into a growing array; returns the status and sets *faces / *n. */
emoc_status detect_all(emoc_detector *d, const emoc_image *img, const emoc_detect_options *o,
                       emoc_face **faces, int *cap, int *n)
{
    emoc_status st = emoc_detect(d, img, o, *faces, *cap, n);
    if (st == EMOC_OK && *n > *cap) {
        emoc_face *bigger = realloc(*faces, sizeof(emoc_face) * (size_t)*n);
        if (!bigger) return EMOC_E_NOMEM;
        *faces = bigger;
        *cap = *n;
        st = emoc_detect(d, img, o, *faces, *cap, n);
    }
    return st;
}

/* The rows of one frame: its status row when it failed, a no_face row, or one row per face. */
static void frame_rows(FILE *f, int jsonl, const char *cmd, const emoc__input_item *item, emoc__input_status ist,
                       const char *msg, const emoc_face *faces, int n, int nlm)
{
    const char *end = jsonl ? "}\n" : "\n";
    if (ist != EMOC_INPUT_OK) {
        cli_error(cmd, "%s: %s: %s", item->input, emoc__input_status_name(ist), msg);
        detect_row_begin(f, jsonl, item->input, item->frame, 0, emoc__input_status_name(ist), NULL, nlm);
        fputs(end, f);
    } else if (n == 0) {
        detect_row_begin(f, jsonl, item->input, item->frame, 0, "no_face", NULL, nlm);
        fputs(end, f);
    }
    for (int k = 0; k < n; k++) {
        detect_row_begin(f, jsonl, item->input, item->frame, k, "ok", &faces[k], nlm);
        fputs(end, f);
    }
}

/* Every frame through the detector, its rows flushed as it goes. Returns the errno of a failed
 * write (a closed pipe or full disk stops the run at once: docs/reliability.md), else 0. */
static int detect_frames(const char *cmd, const detect_opts *o, emoc_detector *det, emoc__input_iter *it, FILE *f,
                         progress *pg)
{
    int jsonl = !strcmp(o->format, "jsonl"), nlm = emoc_detector_landmark_count(det);
    if (!jsonl) {
        detect_csv_header(f, nlm);
        fputc('\n', f);
    }
    emoc__input_item item;
    int cap = 64, n = 0, out_errno = 0;
    emoc_face *faces = malloc(sizeof(emoc_face) * (size_t)cap);
    cli_interrupt_install();
    while (faces && !out_errno && !cli_interrupt_signal() && emoc__input_next(it, &item)) {
        progress_frame_in(pg);
        emoc__input_status ist = item.status;
        const char *msg = item.message;
        n = 0;
        if (ist == EMOC_INPUT_OK && detect_all(det, &item.image, &o->det, &faces, &cap, &n) != EMOC_OK) {
            ist = EMOC_INPUT_RUN_ERROR;
            msg = emoc_detector_last_error(det);
        }
        if (ist == EMOC_INPUT_OK && o->dump_raw && dump_raw(cmd, o->dump_raw, o->dump_dirfd, det, item.input)) {
            ist = EMOC_INPUT_RUN_ERROR;
            msg = "could not write the raw outputs";
        }
        frame_rows(f, jsonl, cmd, &item, ist, msg, faces, n, nlm);
        if (fflush(f) != 0 || ferror(f)) out_errno = errno ? errno : EIO;
        progress_row_out(pg, ist);
    }
    free(faces);
    return out_errno;
}

/* Detector loaded, inputs and output opened, sandbox entered. 0 or the exit code. */
static int detect_open(const char *cmd, detect_opts *o, emoc_detector **det, emoc__input_iter **it, FILE **f)
{
    emoc_error err;
    err.msg[0] = 0;
    emoc_status st = emoc_detector_load_file(o->model, NULL, det, &err);
    if (st != EMOC_OK) {
        cli_error(cmd, "%s", err.msg);
        return cli_exit_for_status(st);
    }
    detect_limit_inputs(&o->images);
    if ((st = inputs_open(&o->images, it, &err)) != EMOC_OK) {
        cli_error(cmd, "%s", err.msg);
        return st == EMOC_E_ARG ? EXIT_USAGE : cli_exit_for_status(st);
    }
    *f = o->out ? fopen(o->out, "w") : stdout;
    if (!*f) {
        cli_error(cmd, "cannot write '%s'", o->out);
        return EXIT_RUNTIME;
    }
    if (o->dump_raw && (o->dump_dirfd = open(o->dump_raw, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        cli_error(cmd, "--dump-raw: cannot open the directory '%s': %s", o->dump_raw, strerror(errno));
        return EXIT_RUNTIME;
    }
    inputs_note_skipped(*it, cmd, o->progress == PROGRESS_QUIET);
    /* the detector is loaded, the inputs and the output are open: from here on only reading
     * (and creating the raw dumps in their directory) */
    return cli_sandbox_enter(cmd, &o->dump_dirfd, o->dump_dirfd >= 0);
}

int cmd_detect(int argc, char **argv)
{
    const char *cmd = argv[0];
    detect_opts o;
    memset(&o, 0, sizeof o);
    o.dump_dirfd = -1;
    inputs_spec_init(&o.images);
    int rc = parse_args(argc, argv, &o);
    emoc_detector *det = NULL;
    emoc__input_iter *it = NULL;
    FILE *f = NULL;
    if (rc == 0) rc = detect_open(cmd, &o, &det, &it, &f);
    if (rc) {
        if (f && o.out) fclose(f);
        if (rc < 0) rc = EXIT_OK; /* --help */
    } else {
        progress pg;
        progress_init(&pg, cmd, o.progress, emoc__input_total(it), NULL);
        int out_errno = detect_frames(cmd, &o, det, it, f, &pg);
        pg.interrupted = cli_interrupt_signal();
        pg.output_failed = out_errno != 0;
        progress_finish(&pg);
        int werr = ferror(f) || (o.out && fclose(f) != 0);
        if (out_errno == EPIPE) rc = 141; /* the reader is gone (| head), as with SIGPIPE */
        else if (werr) {
            cli_error(cmd, "error writing the output");
            rc = EXIT_RUNTIME;
        } else if (pg.interrupted) rc = 128 + pg.interrupted;
        else rc = progress_errors(&pg) ? EXIT_PARTIAL : EXIT_OK;
    }
    emoc__input_close(it);
    emoc_detector_free(det);
    inputs_spec_free(&o.images);
    if (o.dump_dirfd >= 0) close(o.dump_dirfd);
    return rc;
}
