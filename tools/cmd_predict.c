/*
 * cmd_predict.c — `emoc predict -m MODEL.emw [--tensor FILE.f32]... [IMAGE|DIR|-]...`: one forward
 * pass per input, one output row per input, CSV or JSON Lines. Images go through the input
 * iterator (tools/input/inputs.h: files, directories, --raw WxH streams, --boxes crops) and the
 * model's own resize + normalisation (metadata input.resize/mean/std); tensors are taken as is.
 *
 * Row fields: input, frame, face_id, status, label, probs (softmax of the emotion logits, class
 * order), scores (raw outputs of the final linear, graph order), valence, arousal (null without
 * V/A), and with --embedding the embedding (input of the final linear). A failed input still
 * gets its row: status names the error, value fields are empty (CSV) or null (JSON).
 * CSV spells arrays as named columns: prob_<label>, score_<i>, emb_<i>.
 */
#include "tools/cli.h"
#include "tools/detect_rows.h"
#include "tools/frame_runner.h"
#include "tools/interrupt.h"
#include "tools/input/inputs.h"
#include "tools/progress.h"
#include "tools/resume_out.h"
#include "tools/shard.h"
#include "tools/text_escape.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct predict_opts {
    const char *model, *out, *format, *resize;
    int threads, embedding, resume, verbose;
    frame_batch_mode batch_mode;
    progress_mode progress;
    const char **tensors;
    int n_tensors;
    inputs_spec images;
    const char *detect;          /* --detect DETECTOR.emw */
    int largest_only;            /* --faces largest */
    emoc_detect_options det;
    int det_options_given, faces_given;
} predict_opts;

static const char *usage =
    "usage: emoc predict -m MODEL.emw [--tensor FILE.f32]... [IMAGE|DIR|-]... [options]\n"
    "  --tensor FILE   raw little-endian float32 NCHW 1x3xSxS, already preprocessed\n"
    "                  (exactly what PyTorch would be given); may repeat\n"
    "  IMAGE, DIR      RGB face crops (JPEG/PNG/PPM/BMP; directories walked in natural\n"
    "                  order), resized and normalised as the model's metadata says\n"
    "  --raw WxH       read rgb24 frames of W x H from the path ('-' = stdin)\n"
    "  --boxes F.csv   crop faces: rows image,x,y,w,h[,face_id]\n"
    "  --max-pixels N  refuse images of more than N pixels (default 16384*16384/3;\n"
    "                  peak memory per image: docs/reliability.md)\n"
    "  --no-sandbox    do not enter the seccomp sandbox after loading (docs/sandbox.md)\n"
    "  --ftz           flush denormals to zero (recorded in the summary; default IEEE)\n"
    "  --resize cv2|pil  override the model's resize rule (default: its metadata)\n"
    "  -q | --progress   no progress/summary | key=value progress on stderr\n"
    "  --format csv|jsonl  output format (default csv)\n"
    "  --embedding     add the embedding (input of the final linear)\n"
    "  --threads N     worker threads (default 1)\n"
    "  --batch-mode auto|ops|frames  spend the threads inside each frame's ops or\n"
    "                  across frames (one session per thread; rows stay in input order,\n"
    "                  values identical). auto: frames when there are at least as many\n"
    "                  images as threads or the input is a --raw stream\n"
    "  -o OUT          write to OUT instead of stdout\n"
    "  --shard K/N     only the inputs of shard K of N: whole videos (folders) and\n"
    "                  files, by a hash of their name (docs/scale-out.md)\n"
    "  --resume        with -o OUT: keep the rows of inputs OUT already holds complete,\n"
    "                  compute the rest; OUT is replaced atomically as videos complete\n"
    "  -v              say the kernel set, threads, batch mode and input counts\n"
    "  EMOC_THREADS=N  default for --threads\n"
    "  --detect DET.emw  find the faces in each frame first (e.g. MTCNN); one row per\n"
    "                  face, the detect columns (box, det_score, landmarks) before the\n"
    "                  model's; a frame without a face gives one no_face row. The crop\n"
    "                  is the box truncated to int and clipped to the frame.\n"
    "  --faces all|largest  with --detect: every face (default) or the largest\n"
    "  --threshold P, --min-face N  detector options (see emoc detect --help)\n"
    "One row per input, failed inputs included (status names the failure, value\n"
    "fields empty/null). frame is the number in the file name (00042.jpg -> 42) or the\n"
    "1-based raw frame, empty otherwise; face_id comes from --boxes, else 0.\n"
    "SIGINT/SIGTERM: the frames in progress finish, their rows are flushed, the summary\n"
    "says 'interrupted after N frames', exit 130/143. A closed output (| head) stops at\n"
    "once: killed by SIGPIPE (141 in the shell), or exit 141 when SIGPIPE is ignored.\n"
    "JSONL names that are not UTF-8 keep each invalid byte as \\udcXX (surrogateescape).\n";

/* ---- output ------------------------------------------------------------------------------ */

static void json_array(FILE *f, const char *key, const float *v, int n)
{
    fprintf(f, ",\"%s\":", key);
    if (!v) {
        fputs("null", f);
        return;
    }
    fputc('[', f);
    for (int i = 0; i < n; i++) fprintf(f, i ? ",%.9g" : "%.9g", (double)v[i]);
    fputc(']', f);
}

/* The model's columns after status: ",label,prob_...,emb_N" (no newline). */
static void csv_header_values(FILE *f, const emoc_model *m, const emoc_model_info *info, int emb)
{
    fputs(",label", f);
    for (int i = 0; i < info->n_classes; i++) { /* labels come from the file: quoted like any field */
        const char *l = emoc_model_class_label(m, i);
        size_t len = strlen(l ? l : "") + 6;
        char *col = malloc(len);
        fputc(',', f);
        if (!col) {
            fputs("prob_", f); /* out of memory: the column count stays right */
            continue;
        }
        snprintf(col, len, "prob_%s", l ? l : "");
        for (size_t k = 5; col[k]; k++) col[k] = (char)tolower((unsigned char)col[k]);
        cli_csv_str(f, col);
        free(col);
    }
    for (int i = 0; i < info->n_scores; i++) fprintf(f, ",score_%d", i);
    fputs(",valence,arousal", f);
    if (emb)
        for (int i = 0; i < info->embedding_size; i++) fprintf(f, ",emb_%d", i);
}

static void csv_header(FILE *f, const emoc_model *m, const emoc_model_info *info, int emb)
{
    fputs("input,frame,face_id,status", f);
    csv_header_values(f, m, info, emb);
    fputc('\n', f);
}

/* The model's values of a row after its leading columns, through the end of the row. */
static void write_values(FILE *f, int jsonl, const emoc_model *m, const emoc_model_info *info,
                         const emoc_output *out, int emb)
{
    const char *label = out ? emoc_model_class_label(m, out->label) : NULL;
    if (jsonl) {
        fputs(",\"label\":", f);
        if (label) cli_json_str(f, label);
        else fputs("null", f);
        json_array(f, "probs", out ? out->probs : NULL, out ? out->n_classes : 0);
        json_array(f, "scores", out ? out->scores : NULL, out ? out->n_scores : 0);
        if (out && out->has_va)
            fprintf(f, ",\"valence\":%.9g,\"arousal\":%.9g", (double)out->valence,
                    (double)out->arousal);
        else
            fputs(",\"valence\":null,\"arousal\":null", f);
        if (emb) json_array(f, "embedding", out ? out->embedding : NULL, out ? out->n_embedding : 0);
        fputs("}\n", f);
        return;
    }
    fputc(',', f);
    if (label) cli_csv_str(f, label);
    for (int i = 0; i < info->n_classes; i++)
        out ? (void)fprintf(f, ",%.9g", (double)out->probs[i]) : (void)fputc(',', f);
    for (int i = 0; i < info->n_scores; i++)
        out ? (void)fprintf(f, ",%.9g", (double)out->scores[i]) : (void)fputc(',', f);
    if (out && out->has_va)
        fprintf(f, ",%.9g,%.9g", (double)out->valence, (double)out->arousal);
    else
        fputs(",,", f);
    if (emb)
        for (int i = 0; i < info->embedding_size; i++)
            out ? (void)fprintf(f, ",%.9g", (double)out->embedding[i]) : (void)fputc(',', f);
    fputc('\n', f);
}

/* out == NULL: failed row with `status`. */
static void write_row(FILE *f, int jsonl, const emoc_model *m, const emoc_model_info *info,
                      const char *input, long frame, int face_id, const char *status,
                      const emoc_output *out, int emb)
{
    if (jsonl) {
        fputs("{\"input\":", f);
        cli_json_str(f, input);
        if (frame >= 0) fprintf(f, ",\"frame\":%ld", frame);
        else fputs(",\"frame\":null", f);
        fprintf(f, ",\"face_id\":%d,\"status\":", face_id);
        cli_json_str(f, status);
    } else {
        cli_csv_str(f, input);
        if (frame >= 0) fprintf(f, ",%ld,%d,", frame, face_id);
        else fprintf(f, ",,%d,", face_id);
        cli_csv_str(f, status);
    }
    write_values(f, jsonl, m, info, out, emb);
}

/* ---- inputs -------------------------------------------------------------------------------- */

/* Reads a raw float32 tensor of exactly n values into x; returns the row status ("ok",
 * "io_error", "size_mismatch") and a message. */
static const char *read_tensor(const char *path, float *x, size_t n, char *msg, size_t len)
{
    unsigned char *buf = malloc(n * sizeof(float));
    if (!buf) {
        snprintf(msg, len, "out of memory");
        return "io_error";
    }
    char e[512];
    int r = cli_read_exact(path, buf, n * sizeof(float), e, sizeof e); /* never more than it needs */
    if (r) {
        if (r == -1) snprintf(msg, len, "%s", e);
        else snprintf(msg, len, "%s: the model needs float32 1x3xSxS with S = input.size", e);
        free(buf);
        return r == -1 ? "io_error" : "size_mismatch";
    }
    for (size_t i = 0; i < n; i++) { /* explicit little-endian */
        uint32_t u = (uint32_t)buf[4 * i] | (uint32_t)buf[4 * i + 1] << 8 |
                     (uint32_t)buf[4 * i + 2] << 16 | (uint32_t)buf[4 * i + 3] << 24;
        memcpy(&x[i], &u, 4);
    }
    free(buf);
    return "ok";
}

static int check_args(const char *cmd, predict_opts *o);

static int unknown_option(const char *cmd, const char *a)
{
    cli_error(cmd, "unknown option '%s' (or missing value)", a);
    fputs(usage, stderr);
    return EXIT_USAGE;
}

/* One scanned option (name NULL: an input path). -1 when read, else the exit code. */
static int predict_option(predict_opts *o, const char *cmd, const char *a, const char *v)
{
    int r;
    long n;
    if (!a) return inputs_spec_add_path(&o->images, v) ? EXIT_RUNTIME : -1;
    if ((r = inputs_spec_option(&o->images, cmd, a, v)) != 0) return r < 0 ? EXIT_USAGE : -1;
    if ((r = detect_option(&o->det, cmd, a, v)) != 0) {
        o->det_options_given = 1;
        return r < 0 ? EXIT_USAGE : -1;
    }
    if (!strcmp(a, "--embedding")) o->embedding = 1;
    else if (!strcmp(a, "--resume")) o->resume = 1;
    else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) o->verbose = 1;
    else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o->progress = PROGRESS_QUIET;
    else if (!strcmp(a, "--progress")) o->progress = PROGRESS_KV;
    else if (!v) return unknown_option(cmd, a);
    else if (!strcmp(a, "--detect")) o->detect = v;
    else if (!strcmp(a, "-m")) o->model = v;
    else if (!strcmp(a, "-o")) o->out = v;
    else if (!strcmp(a, "--resize")) o->resize = v;
    else if (!strcmp(a, "--tensor")) o->tensors[o->n_tensors++] = v;
    else if (!strcmp(a, "--faces")) {
        if (strcmp(v, "all") && strcmp(v, "largest")) {
            cli_error(cmd, "--faces expects all or largest, got '%s'", v);
            return EXIT_USAGE;
        }
        o->largest_only = !strcmp(v, "largest");
        o->faces_given = 1;
    } else if (!strcmp(a, "--format")) {
        o->format = v;
        if (strcmp(o->format, "csv") && strcmp(o->format, "jsonl")) {
            cli_error(cmd, "--format expects csv or jsonl, got '%s'", o->format);
            return EXIT_USAGE;
        }
    } else if (!strcmp(a, "--threads")) {
        if (cli_parse_int(cmd, "--threads", v, 1, 256, &n)) return EXIT_USAGE;
        o->threads = (int)n;
    } else if (!strcmp(a, "--batch-mode")) {
        if (frame_batch_mode_parse(v, &o->batch_mode)) {
            cli_error(cmd, "--batch-mode expects auto, ops or frames, got '%s'", v);
            return EXIT_USAGE;
        }
    } else {
        return unknown_option(cmd, a);
    }
    return -1;
}

/* 0 when the command line is complete and consistent, -1 after --help, else the exit code. */
static int parse_args(int argc, char **argv, predict_opts *o)
{
    const char *cmd = argv[0];
    static const char *const flags[] = {"--embedding", "--resume", "-v", "--verbose", "-q", "--quiet",
                                        "--progress", NULL};
    o->tensors = calloc((size_t)argc, sizeof *o->tensors);
    if (!o->tensors) return EXIT_RUNTIME;
    o->format = "csv";
    long env_threads = 1;
    if (cli_env_threads(cmd, &env_threads)) return EXIT_USAGE;
    o->threads = (int)env_threads;
    emoc_detect_options_default(&o->det);
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, flags);
    scan.positional = scan.value_optional = 1;
    for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
        int rc = predict_option(o, cmd, a, v);
        if (rc >= 0) return rc;
    }
    if (scan.exit_code >= 0) return scan.exit_code == EXIT_OK ? -1 : scan.exit_code;
    return check_args(cmd, o);
}

/* The combinations the options allow. 0, or EXIT_USAGE (message printed). */
static int check_args(const char *cmd, predict_opts *o)
{
    int has_images = o->images.n > 0 || o->images.opt.boxes_csv;
    if (!o->detect && (o->det_options_given || o->faces_given)) {
        cli_error(cmd, "--faces, --threshold and --min-face need --detect DETECTOR.emw");
        return EXIT_USAGE;
    }
    if (o->detect && (o->n_tensors > 0 || o->images.opt.boxes_csv)) {
        cli_error(cmd, "--detect finds the faces itself: it takes images, folders or --raw "
                  "streams, not %s", o->n_tensors > 0 ? "--tensor" : "--boxes");
        return EXIT_USAGE;
    }
    if (o->images.opt.raw_width > 0 && o->images.n == 0) {
        cli_error(cmd, "--raw WxH reads a stream: give its path, or '-' for stdin");
        return EXIT_USAGE;
    }
    if (o->resume && !o->out) {
        cli_error(cmd, "--resume needs -o FILE (the output it continues)");
        return EXIT_USAGE;
    }
    if (!o->model || (o->n_tensors == 0 && !has_images)) {
        cli_error(cmd, "%s", !o->model ? "missing -m MODEL.emw" : "no input (--tensor FILE or IMAGE)");
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    return 0;
}

typedef struct run_ctx {
    FILE *f;
    int jsonl, emb;
    const emoc_model *m;
    const emoc_model_info *info;
    emoc_session *s;
    float *x;
    size_t n;
    progress *pg;
    resume_out *resume; /* --resume: rows go to its pending stream, committed per unit */
    int rc;             /* first commit failure */
    int out_errno;      /* set when a row could not be written: nothing more is computed */
} run_ctx;

/* --resume: the row of input (video) is written; commit when its unit and all before are done. */
static void row_done(run_ctx *c, const char *input, const char *video)
{
    if (!c->resume) return;
    char *unit = shard_unit(input, video);
    int rc = unit ? resume_row_done(c->resume, unit) : EXIT_RUNTIME;
    free(unit);
    if (rc && !c->rc) c->rc = rc;
    c->f = resume_rows(c->resume);
}

/* After each flushed row: a reader gone (EPIPE with SIGPIPE ignored) or a full disk stops the
 * run at once rather than computing frames whose rows cannot be written. */
static void note_write(run_ctx *c)
{
    if (fflush(c->f) != 0 || ferror(c->f))
        if (!c->out_errno) c->out_errno = errno ? errno : EIO;
}

static int should_stop(void *user)
{
    const run_ctx *c = user;
    return c->out_errno || cli_interrupt_signal();
}

/* Runs x through the model and writes the row; `status` is "ok" unless the input failed. */
static void run_and_write(run_ctx *c, const char *input, long frame, int face_id,
                          const char *status, const char *msg, emoc__input_status st)
{
    emoc_output out;
    int ok = !strcmp(status, "ok");
    if (ok) {
        emoc_status rs = emoc_session_run(c->s, c->x, c->n, &out);
        if (rs != EMOC_OK) {
            ok = 0;
            st = inputs_run_status(rs, c->x, c->n);
            status = emoc__input_status_name(st);
            msg = emoc_session_last_error(c->s);
        }
    }
    char name[1024];
    if (!ok) cli_error("predict", "%s: %s: %s", cli_printable(input, name, sizeof name), status, msg && *msg ? msg : "failed");
    write_row(c->f, c->jsonl, c->m, c->info, input, frame, face_id, status, ok ? &out : NULL,
              c->emb);
    note_write(c);
    row_done(c, input, "");
    progress_row_out(c->pg, ok ? EMOC_INPUT_OK : st);
}

/* Frame runner worker side: the row as text (formatting runs in parallel too). */
static void *image_row_finish(void *user, const frame_job *job, const emoc_output *out)
{
    run_ctx *c = user;
    char *text = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&text, &len);
    if (!mf) return NULL;
    write_row(mf, c->jsonl, c->m, c->info, job->input, job->frame, job->face_id, job->status_name, out,
              c->emb);
    if (fclose(mf)) {
        free(text);
        return NULL;
    }
    return text;
}

/* Frame runner, in input order: the error line, then the row, flushed. */
static void image_row_emit(void *user, const frame_job *job, void *result)
{
    run_ctx *c = user;
    char name[1024], msg[sizeof job->message];
    if (job->status != EMOC_INPUT_OK) /* names and messages quote file names: no control bytes */
        cli_error("predict", "%s: %s: %s", cli_printable(job->input, name, sizeof name), job->status_name,
                  cli_printable(job->message[0] ? job->message : "failed", msg, sizeof msg));
    if (result) fputs(result, c->f);
    else write_row(c->f, c->jsonl, c->m, c->info, job->input, job->frame, job->face_id, "io_error", NULL,
                   c->emb); /* no memory for the text: still one row */
    note_write(c);
    free(result);
    row_done(c, job->input, job->video);
}

/* Everything about the image inputs that can be a usage or open error (resize rule, --boxes
 * with other inputs, '-' without --raw, a missing --raw/--boxes file), checked before the
 * header or any --tensor row is written: a refused command line leaves no partial output. */
static int open_images(const char *cmd, predict_opts *o, const emoc_model_info *info,
                       emoc_resize_mode *mode, emoc__input_iter **it)
{
    *it = NULL;
    if (o->images.n == 0 && !o->images.opt.boxes_csv) return EXIT_OK;
    const char *rs = o->resize ? o->resize : info->resize;
    if (emoc_resize_mode_parse(rs ? rs : "cv2_linear", mode) != EMOC_OK) {
        cli_error(cmd, "unknown resize rule '%s' (cv2 or pil)", rs);
        return EXIT_USAGE;
    }
    if (!o->detect) { /* frames only feed the model's resize: decode them straight into it */
        o->images.opt.resize_to = info->input_size;
        o->images.opt.resize_mode = *mode;
    }
    emoc_error err = {{0}};
    emoc_status st = inputs_open(&o->images, it, &err);
    if (st != EMOC_OK) {
        cli_error(cmd, "%s", err.msg);
        return cli_exit_for_status(st); /* E_ARG usage, E_IO (cannot open) 1, bad file 3 */
    }
    inputs_note_skipped(*it, cmd, o->progress == PROGRESS_QUIET);
    return EXIT_OK;
}

/* ---- --detect: faces first, then the model on each crop ---------------------------------- */

typedef struct detect_ctx {
    emoc_detector *det;
    int nlm, largest_only;
    const emoc_detect_options *opt;
    emoc_resize_mode mode;
} detect_ctx;

static void face_row(run_ctx *c, const detect_ctx *d, const emoc__input_item *item, int face_id,
                     const char *status, const emoc_face *face, const emoc_output *out)
{
    detect_row_begin(c->f, c->jsonl, item->input, item->frame, face_id, status, face, d->nlm);
    write_values(c->f, c->jsonl, c->m, c->info, out, c->emb);
}

/* One face: the EmotiEffLib crop (box truncated, clipped), the model's preprocessing, a pass. */
static emoc__input_status run_face(run_ctx *c, const detect_ctx *d, const emoc__input_item *item,
                                   int k, const emoc_face *face)
{
    int x, y, w, h;
    emoc_face_crop_box(face, item->image.width, item->image.height, &x, &y, &w, &h);
    emoc__input_status st = EMOC_INPUT_OK;
    const char *msg = NULL;
    emoc_error err = {{0}};
    emoc_image crop = {0};
    emoc_output out;
    if (w == 0 || h == 0) {
        st = EMOC_INPUT_EMPTY_BOX;
        msg = "the face box lies outside the frame";
    } else if (emoc_image_crop(&item->image, x, y, w, h, &crop, &err) != EMOC_OK ||
               emoc_image_preprocess(&crop, c->info->input_size, c->info->mean, c->info->std,
                                     d->mode, c->x, c->n, &err) != EMOC_OK) {
        st = EMOC_INPUT_RUN_ERROR;
        msg = err.msg;
    } else {
        emoc_status rs = emoc_session_run(c->s, c->x, c->n, &out);
        if (rs != EMOC_OK) {
            st = inputs_run_status(rs, c->x, c->n);
            msg = emoc_session_last_error(c->s);
        }
    }
    emoc_image_free(&crop);
    if (st != EMOC_INPUT_OK)
        cli_error("predict", "%s: face %d: %s: %s", item->input, k, emoc__input_status_name(st), msg);
    face_row(c, d, item, k, emoc__input_status_name(st), face, st == EMOC_INPUT_OK ? &out : NULL);
    return st;
}

static int run_detect(run_ctx *c, const detect_ctx *d, emoc__input_iter *it)
{
    int cap = 64, n = 0;
    emoc_face *faces = malloc(sizeof(emoc_face) * (size_t)cap);
    if (!faces) return EXIT_RUNTIME;
    emoc__input_item item;
    while (!should_stop(c) && emoc__input_next(it, &item)) {
        progress_frame_in(c->pg);
        emoc__input_status st = item.status;
        const char *msg = item.message;
        n = 0;
        if (st == EMOC_INPUT_OK && detect_all(d->det, &item.image, d->opt, &faces, &cap, &n)) {
            st = EMOC_INPUT_RUN_ERROR;
            msg = emoc_detector_last_error(d->det);
        }
        if (st != EMOC_INPUT_OK || n == 0) {
            if (st != EMOC_INPUT_OK)
                cli_error("predict", "%s: %s: %s", item.input, emoc__input_status_name(st), msg);
            face_row(c, d, &item, 0, st == EMOC_INPUT_OK ? "no_face" : emoc__input_status_name(st),
                     NULL, NULL);
        }
        int best = 0;
        for (int k = 1; k < n; k++) { /* largest area, first on ties */
            float a = (faces[k].x2 - faces[k].x1) * (faces[k].y2 - faces[k].y1);
            float b = (faces[best].x2 - faces[best].x1) * (faces[best].y2 - faces[best].y1);
            if (a > b) best = k;
        }
        for (int k = 0; k < n; k++) {
            if (d->largest_only && k != best) continue;
            emoc__input_status fs = run_face(c, d, &item, k, &faces[k]);
            if (fs != EMOC_INPUT_OK) st = fs;
        }
        note_write(c);
        row_done(c, item.input, item.video); /* after the frame's last row: --resume counts frames */
        progress_row_out(c->pg, st);
    }
    free(faces);
    return EXIT_OK;
}

static int run_inputs(const char *cmd, predict_opts *o, run_ctx *c, emoc_resize_mode mode,
                      emoc__input_iter *it)
{
    char msg[600];
    for (int i = 0; i < o->n_tensors && !should_stop(c); i++) {
        if (!inputs_file_selected(&o->images, o->tensors[i])) continue; /* --shard, --resume */
        progress_frame_in(c->pg);
        const char *status = read_tensor(o->tensors[i], c->x, c->n, msg, sizeof msg);
        run_and_write(c, o->tensors[i], -1, 0, status, msg,
                      !strcmp(status, "io_error") ? EMOC_INPUT_IO_ERROR : EMOC_INPUT_SIZE_MISMATCH);
    }
    if (!it) return EXIT_OK;
    emoc_error err = {{0}};
    frame_runner_config rc = {c->m, c->info, mode, o->threads, o->batch_mode, c->pg,
                              image_row_finish, image_row_emit, c, should_stop};
    emoc_status st = frame_runner_run(&rc, it, &err);
    if (st != EMOC_OK) {
        cli_error(cmd, "%s", err.msg);
        return cli_exit_for_status(st);
    }
    return EXIT_OK;
}

/* The CSV header line as a string (without its newline), for --resume's check. */
static char *header_text(const emoc_model *m, const emoc_model_info *info, int emb, const emoc_detector *det)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&text, &len);
    if (!mf) return NULL;
    if (det) {
        detect_csv_header(mf, emoc_detector_landmark_count(det));
        csv_header_values(mf, m, info, emb);
    } else {
        csv_header(mf, m, info, emb);
    }
    if (fclose(mf)) {
        free(text);
        return NULL;
    }
    if (len && text[len - 1] == '\n') text[len - 1] = 0;
    return text;
}

/* -v: what this run uses, before the first row. */
static void say_run(const char *cmd, const predict_opts *o, const emoc__input_iter *it)
{
    emoc_isa isa = EMOC_ISA_REF;
    emoc_isa_resolve(EMOC_ISA_AUTO, &isa);
    const char *env = getenv("EMOC_THREADS");
    long total = it ? emoc__input_total(it) : 0;
    fprintf(stderr, "emoc %s: kernels %s%s, %d thread%s%s, batch mode %s", cmd, emoc_isa_name(isa),
            getenv("EMOC_ISA") ? " (EMOC_ISA)" : "", o->threads, o->threads == 1 ? "" : "s",
            env && *env ? " (EMOC_THREADS unless --threads)" : "",
            it ? frame_batch_mode_name(frame_batch_resolve(o->batch_mode, o->threads, total)) : "-");
    if (o->images.shard.n || o->resume)
        fprintf(stderr, ", %ld of %ld input frames to compute (%s%s%s)", o->images.selected,
                o->images.listed, o->images.shard.n ? "this shard" : "",
                o->images.shard.n && o->resume ? ", " : "", o->resume ? "minus complete ones" : "");
    if (o->images.shard.n) fprintf(stderr, ", shard %d/%d", o->images.shard.k, o->images.shard.n);
    fputc('\n', stderr);
}

/* What a predict run holds between its steps. */
typedef struct predict_run {
    emoc_model *m;
    emoc_session *s; /* for --tensor and --detect; image frames get theirs from the frame runner */
    emoc_model_info info;
    emoc_detector *det;
    emoc__input_iter *it;
    emoc_resize_mode mode;
    FILE *f;         /* the output, unless resuming */
    float *x;
    size_t n;
    char *header;
    resume_out resume;
    int resuming, jsonl;
    cli_digest dg;
    double t[5]; /* -v timing (ms): start, loaded, opened, frames done, digest printed */
} predict_run;

/* -v: where a run's wall time went (docs/startup.md reads start-up from it). */
static void say_timing(const char *cmd, const predict_run *r)
{
    fprintf(stderr, "%s: timing: load %.2f ms, open %.2f ms, frames %.2f ms, digest wait %.2f ms\n",
            cmd, r->t[1] - r->t[0], r->t[2] - r->t[1], r->t[3] - r->t[2], r->t[4] - r->t[3]);
}

/* Model and session, the rows a --resume run keeps, the --tensor listing, the detector.
 * 0, or the exit code (message printed). */
static int predict_load(predict_run *r, predict_opts *o, const char *cmd)
{
    emoc_error err = {{0}};
    emoc_options mopt;
    cli_model_options(&mopt);
    emoc_status st = emoc_model_load_file(o->model, &mopt, &r->m, &err);
    if (st == EMOC_OK) st = emoc_model_get_info(r->m, &r->info);
    if (st == EMOC_OK && (o->n_tensors > 0 || o->detect)) /* else sessions come from the frame runner */
        st = emoc_session_create(r->m, o->threads, NULL, 0, &r->s, &err);
    if (st != EMOC_OK) {
        cli_error(cmd, "%s: %s", o->model, err.msg[0] ? err.msg : emoc_strerror(st));
        return cli_exit_for_status(st);
    }
    r->jsonl = !strcmp(o->format, "jsonl");
    if (o->detect && (st = emoc_detector_load_file(o->detect, NULL, &r->det, &err)) != EMOC_OK) {
        cli_error(cmd, "--detect %s", err.msg);
        return cli_exit_for_status(st);
    }
    int rc;
    if (o->resume) { /* read what a previous run left before listing the inputs */
        r->resuming = 1;
        r->header = header_text(r->m, &r->info, o->embedding, r->det);
        if (!r->header) {
            cli_error(cmd, "out of memory");
            return EXIT_RUNTIME;
        }
        if ((rc = resume_open(&r->resume, cmd, o->out, r->jsonl)) || (rc = resume_check_header(&r->resume, r->header)))
            return rc;
        r->resume.per_frame = r->det != NULL; /* one row per face, or one status row */
        o->images.resume = &r->resume;
    }
    for (int i = 0; i < o->n_tensors; i++)
        if (inputs_list_file(&o->images, o->tensors[i])) {
            cli_error(cmd, "out of memory");
            return EXIT_RUNTIME;
        }
    return EXIT_OK;
}

/* Inputs and output opened, the sandbox entered, the header written. 0 or the exit code. */
static int predict_open(predict_run *r, predict_opts *o, const char *cmd)
{
    int rc;
    /* The digest line is printed after the rows, so hashing the weights overlaps the run. */
    cli_digest_start(&r->dg, r->m, o->progress == PROGRESS_QUIET);
    r->mode = EMOC_RESIZE_CV2;
    if (r->det) detect_limit_inputs(&o->images);
    if ((rc = open_images(cmd, o, &r->info, &r->mode, &r->it))) return rc;
    r->n = (size_t)3 * (size_t)r->info.input_size * (size_t)r->info.input_size;
    r->x = malloc(r->n * sizeof(float));
    if (!r->x) {
        cli_error(cmd, "out of memory");
        return EXIT_RUNTIME;
    }
    if (r->resuming) {
        resume_scan(&r->resume); /* tensors only: no iterator hook ran */
        if ((rc = resume_start(&r->resume, r->jsonl ? NULL : r->header))) return rc;
    } else {
        r->f = o->out ? fopen(o->out, "w") : stdout;
        if (!r->f) {
            cli_error(cmd, "cannot write '%s': %s", o->out, strerror(errno));
            return EXIT_RUNTIME;
        }
    }
    /* the model is loaded, the inputs and the output are open: from here on only reading (and,
     * for --resume, replacing the output inside its directory) */
    if ((rc = cli_sandbox_enter(cmd, r->resuming ? &r->resume.dirfd : NULL, r->resuming))) return rc;
    if (!r->resuming && !r->jsonl && r->det) {
        detect_csv_header(r->f, emoc_detector_landmark_count(r->det));
        csv_header_values(r->f, r->m, &r->info, o->embedding);
        fputc('\n', r->f);
    } else if (!r->resuming && !r->jsonl) {
        csv_header(r->f, r->m, &r->info, o->embedding);
    }
    return EXIT_OK;
}

/* The exit code of a run that was not cut short: partial rows, --resume's completion, and an
 * empty input said as such. */
static int predict_status(predict_run *r, const predict_opts *o, const char *cmd, const progress *pg, int rc)
{
    if (r->resuming && (rc == EXIT_OK || rc == EXIT_PARTIAL)) {
        int frc = resume_finish(&r->resume);
        if (frc) rc = frc;
    }
    if (rc == EXIT_OK && progress_errors(pg)) rc = EXIT_PARTIAL;
    int selecting = o->images.shard.n || o->resume;
    if (rc == EXIT_OK && pg->frames_in == 0 && (selecting ? o->images.listed == 0 : o->n_tensors == 0)) {
        /* an empty stream or a folder without images is almost always a mistake upstream
         * (wrong path, ffmpeg failed): say so rather than succeed with no rows */
        cli_error(cmd, "no input frames: the stream was empty or the folders hold no images");
        rc = EXIT_INPUT;
    } else if (rc == EXIT_OK && pg->frames_in == 0 && o->progress != PROGRESS_QUIET) {
        cli_error(cmd, "note: nothing to compute: %s", o->resume ? "every input of this run is complete in the output"
                                                                : "no input falls in this shard");
    }
    return rc;
}

/* Every frame through the model (or the detector first), the summary, the exit code. */
static int predict_frames(predict_run *r, predict_opts *o, const char *cmd)
{
    if (o->verbose) say_run(cmd, o, r->it);
    progress pg;
    progress_init(&pg, cmd, o->progress, -1, NULL);
    pg.ftz = cli_ftz;
    run_ctx c = {r->resuming ? resume_rows(&r->resume) : r->f, r->jsonl, o->embedding, r->m, &r->info, r->s, r->x,
                 r->n, &pg, r->resuming ? &r->resume : NULL, 0, 0};
    cli_interrupt_install();
    int rc;
    if (r->det) {
        detect_ctx d = {r->det, emoc_detector_landmark_count(r->det), o->largest_only, &o->det, r->mode};
        rc = run_detect(&c, &d, r->it);
    } else {
        rc = run_inputs(cmd, o, &c, r->mode, r->it);
    }
    note_write(&c);
    pg.interrupted = cli_interrupt_signal();
    pg.output_failed = c.out_errno != 0;
    if (c.out_errno == EPIPE) /* the reader is gone (| head): like other tools, 128 + SIGPIPE */
        rc = 141;
    else if (c.out_errno)
        cli_error(cmd, "error writing '%s': %s: output rows were lost", o->out ? o->out : "stdout", strerror(c.out_errno));
    r->t[3] = cli_now_ms();
    cli_digest_note(&r->dg, cmd, o->model);
    r->t[4] = cli_now_ms();
    if (o->verbose) say_timing(cmd, r);
    progress_finish(&pg);
    if (c.out_errno) return rc != 141 ? EXIT_RUNTIME : rc;
    if (pg.interrupted) return 128 + pg.interrupted;
    if (rc == EXIT_OK && c.rc) rc = c.rc;
    return predict_status(r, o, cmd, &pg, rc);
}

/* Flushes and closes the output (rows lost on a full disk or closed pipe turn success into
 * exit 1) and frees the run. The exit code. */
static int predict_close(predict_run *r, predict_opts *o, const char *cmd, int rc)
{
    cli_digest_end(&r->dg);
    if (r->f) { /* a full disk or closed pipe sets the error flag on a per-row fflush: rows lost */
        int werr = fflush(r->f) != 0 || ferror(r->f);
        if (r->f != stdout && fclose(r->f)) werr = 1;
        if (werr && (rc == EXIT_OK || rc == EXIT_PARTIAL)) {
            cli_error(cmd, "error writing '%s': output rows were lost", o->out ? o->out : "stdout");
            rc = EXIT_RUNTIME;
        }
    }
    if (r->resuming) resume_close(&r->resume);
    free(r->header);
    emoc__input_close(r->it);
    emoc_detector_free(r->det);
    free(r->x);
    emoc_session_free(r->s);
    emoc_model_free(r->m);
    free(o->tensors);
    inputs_spec_free(&o->images);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    const char *cmd = argv[0];
    predict_opts o;
    predict_run r;
    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    inputs_spec_init(&o.images);
    int rc = parse_args(argc, argv, &o);
    r.t[0] = cli_now_ms();
    if (rc) rc = rc < 0 ? EXIT_OK : rc;
    else if (!(rc = predict_load(&r, &o, cmd)) && (r.t[1] = cli_now_ms(), !(rc = predict_open(&r, &o, cmd))))
        r.t[2] = cli_now_ms(), rc = predict_frames(&r, &o, cmd);
    return predict_close(&r, &o, cmd, rc);
}
