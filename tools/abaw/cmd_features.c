/*
 * cmd_features.c — `emoc features`: X = [embedding, backbone scores] per input frame (the MTL
 * head's input, docs/models.md §7.1), written with video, frame, face and face area in the feature
 * format of post/FEATURES.md (binary, or CSV with --csv; with --detect version 2, whose rows
 * carry the detector's box and score instead of an area). Inputs: images, folders (Aff-Wild2
 * layout VIDEO/00001.jpg), --raw WxH streams, --boxes crops (tools/input/inputs.h), or --tensor files
 * already preprocessed (VIDEO/00001.f32 names give video and frame). A frame that fails to
 * decode gets no row (it is "no face" for the pipelines) and is counted; exit code 4 then.
 */
#include <stdlib.h>
#include <string.h>

#include "tools/abaw/abaw_io.h"
#include "tools/cli.h"
#include "tools/features_detect.h"
#include "tools/outfile.h"
#include "tools/abaw/features_io.h"
#include "tools/abaw/features_resume.h"
#include "tools/frame_runner.h"
#include "tools/interrupt.h"
#include "tools/input/inputs.h"
#include "tools/progress.h"

static const char *usage =
    "usage: emoc features -m MODEL.emw (IMAGE | DIR | --raw WxH - | --boxes F.csv | --tensor F.f32)...\n"
    "                     -o FEATS [--csv] [--resize cv2|pil] [--threads N]\n"
    "                     [--batch-mode auto|ops|frames] [--shard K/N] [--resume] [-q] [-v]\n"
    "                     [--detect DETECTOR.emw [--threshold P] [--min-face N]] [--max-pixels N]\n"
    "  --shard K/N  only shard K of N of the inputs: whole videos (folders) and files, by a\n"
    "               hash of their name (docs/scale-out.md; merge shards with --csv)\n"
    "  --resume     keep the rows of the videos FEATS already holds, compute the rest; FEATS is\n"
    "               replaced atomically as videos complete (not with --tensor)\n"
    "  -v           say the kernel set, threads and input counts on stderr\n"
    "  --max-pixels N  refuse images of more than N pixels (default 16384*16384/3, with\n"
    "               --detect 4096x4096; peak memory per image: docs/reliability.md)\n"
    "  --detect: one row per detected face with its box and det_score (feature file version 2,\n"
    "  post/FEATURES.md; a frame without a face has no row); emoc ce --faces largest|max|mean\n"
    "  pools them, largest by box area.\n"
    "  EMOC_THREADS=N  default for --threads\n";

/* State the frame runner's callbacks share (emit runs in input order, one at a time). */
typedef struct feat_ctx {
    feat_set *fs;
    abaw_names *names;
    const char *cmd;
    int quiet;
    long failed;
    feat_resume *fr; /* --resume, else NULL */
} feat_ctx;

/* Worker side: X = [embedding, scores] copied out of the session's output. */
static void *feat_finish(void *user, const frame_job *job, const emoc_output *o)
{
    feat_ctx *c = user;
    (void)job;
    if (!o) return NULL;
    float *row = malloc((size_t)c->fs->dim * sizeof(float));
    if (!row) return NULL;
    memcpy(row, o->embedding, (size_t)o->n_embedding * sizeof(float));
    memcpy(row + o->n_embedding, o->scores, (size_t)o->n_scores * sizeof(float));
    return row;
}

static void feat_emit(void *user, const frame_job *job, void *result)
{
    feat_ctx *c = user;
    float *row = result;
    if (job->status == EMOC_INPUT_OK && row) {
        const char *vn = job->video[0] ? job->video : "video";
        int video = abaw_names_intern(c->names, vn, strlen(vn));
        /* the listing position, not the run's: a --shard run numbers as the whole run does */
        int frame = job->frame >= 0 ? (int)job->frame : (int)job->position + 1;
        float area = job->has_box ? (float)job->box[2] * (float)job->box[3] : (float)job->width * (float)job->height;
        if (feat_append(c->fs, video, frame, job->face_id, area, row)) {
            cli_error(c->cmd, "%s: out of memory storing the feature row", job->input);
            c->failed++;
        }
    } else {
        if (!c->quiet)
            cli_error(c->cmd, "%s: %s", job->input, job->message[0] ? job->message : "out of memory");
        c->failed++;
    }
    free(row);
    if (c->fr) feat_resume_frame(c->fr, job->input, job->video);
}

static void resume_frame_done(void *user, const char *input, const char *video)
{
    feat_resume_frame(user, input, video);
}

/* "video/00012.f32" → video, 12; otherwise video "tensor", frame = index + 1. */
static void tensor_key(abaw_names *names, const char *path, long index, int *video, int *frame)
{
    size_t len = strlen(path);
    if (abaw_parse_image(names, path, len, video, frame) == 0) return;
    *video = abaw_names_intern(names, "tensor", 6);
    *frame = (int)index + 1;
}

static int interrupted(void *user)
{
    (void)user;
    return cli_interrupt_signal();
}

/* The command line, read by features_parse. */
typedef struct feat_args {
    const char *model_path, *out, *resize, *detect;
    emoc_detect_options dopt;
    int dopt_given, csv, quiet, verbose, resume, n_tensors;
    const char *tensors[4096];
    long threads;
    frame_batch_mode batch_mode;
    inputs_spec in;
} feat_args;

/* What the run holds: the output, the model (and detector), the rows gathered so far. */
typedef struct feat_run {
    cli_outfile of;
    emoc_model *model;
    emoc_session *sess; /* for --tensor and --detect; image frames get theirs from the runner */
    emoc_detector *det;
    emoc_model_info info;
    emoc_resize_mode mode;
    abaw_names names;
    feat_set fs;
    feat_resume fr; /* --resume */
    long failed, frames_in;
} feat_run;

static int unknown_option(const char *cmd, const char *name)
{
    cli_error(cmd, "unknown option or missing value '%s'\n%s", name, usage);
    return EXIT_USAGE;
}

/* One scanned option (name NULL: an input path). -1 when read, else the exit code. */
static int features_option(feat_args *a, const char *cmd, const char *o, const char *v)
{
    int r;
    if (!o) return inputs_spec_add_path(&a->in, v) ? EXIT_RUNTIME : -1;
    if ((r = inputs_spec_option(&a->in, cmd, o, v)) != 0) return r < 0 ? EXIT_USAGE : -1;
    if ((r = detect_option(&a->dopt, cmd, o, v)) != 0) {
        a->dopt_given = 1;
        return r < 0 ? EXIT_USAGE : -1;
    }
    if (!strcmp(o, "--csv")) a->csv = 1;
    else if (!strcmp(o, "-q")) a->quiet = 1;
    else if (!strcmp(o, "--resume")) a->resume = 1;
    else if (!strcmp(o, "-v") || !strcmp(o, "--verbose")) a->verbose = 1;
    else if (!v) return unknown_option(cmd, o);
    else if (!strcmp(o, "--detect")) a->detect = v;
    else if (!strcmp(o, "-m")) a->model_path = v;
    else if (!strcmp(o, "-o")) a->out = v;
    else if (!strcmp(o, "--resize")) a->resize = v;
    else if (!strcmp(o, "--tensor")) {
        if (a->n_tensors < 4096) a->tensors[a->n_tensors++] = v;
    } else if (!strcmp(o, "--threads")) {
        if (cli_parse_int(cmd, o, v, 1, 256, &a->threads)) return EXIT_USAGE;
    } else if (!strcmp(o, "--batch-mode")) {
        if (frame_batch_mode_parse(v, &a->batch_mode)) {
            cli_error(cmd, "--batch-mode expects auto, ops or frames, got '%s'", v);
            return EXIT_USAGE;
        }
    } else {
        return unknown_option(cmd, o);
    }
    return -1;
}

static int has_images(const feat_args *a)
{
    return a->in.n > 0 || a->in.opt.boxes_csv || a->in.opt.raw_width > 0;
}

/* -1 when the command line is complete and consistent, else the exit code (message printed). */
static int features_parse(int argc, char **argv, feat_args *a)
{
    const char *cmd = argv[0];
    static const char *const flags[] = {"--csv", "-q", "-v", "--verbose", "--resume", NULL};
    memset(a, 0, sizeof *a);
    emoc_detect_options_default(&a->dopt);
    a->threads = 1;
    a->batch_mode = FRAME_BATCH_AUTO;
    inputs_spec_init(&a->in);
    if (cli_env_threads(cmd, &a->threads)) return EXIT_USAGE;
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, flags);
    scan.positional = scan.value_optional = 1;
    for (const char *o, *v; cli_opts_next(&scan, &o, &v);) {
        int rc = features_option(a, cmd, o, v);
        if (rc >= 0) return rc;
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (a->in.opt.raw_width > 0 && a->in.n == 0) {
        cli_error(cmd, "--raw WxH reads a stream: give its path, or '-' for stdin");
        return EXIT_USAGE;
    }
    if (!a->model_path || !a->out || (!has_images(a) && !a->n_tensors)) {
        cli_error(cmd, "-m, -o and at least one input are required\n%s", usage);
        return EXIT_USAGE;
    }
    if ((a->dopt_given && !a->detect) || (a->detect && (a->n_tensors || a->in.opt.boxes_csv))) {
        cli_error(cmd, "%s", a->dopt_given && !a->detect
                                 ? "--threshold and --min-face need --detect DETECTOR.emw"
                                 : "--detect finds the faces itself: not with --tensor or --boxes");
        return EXIT_USAGE;
    }
    if (a->resume && a->n_tensors) { /* their rows are keyed by file name, not by video folder */
        cli_error(cmd, "--resume continues runs over images and frame folders, not --tensor files");
        return EXIT_USAGE;
    }
    return -1;
}

/* Output checked, model (and detector) loaded, resize mode and session set, sandbox entered.
 * -1 when ready, else the exit code (message printed). */
static int features_open(feat_args *a, const char *cmd, feat_run *r)
{
    emoc_error err;
    /* checked before the frames, not after an hour of them (--resume: feat_resume_open below) */
    if (!a->resume && cli_outfile_prepare(cmd, a->out, &r->of)) return EXIT_RUNTIME;
    emoc_options mopt;
    cli_model_options(&mopt);
    emoc_status st = emoc_model_load_file(a->model_path, &mopt, &r->model, &err);
    if (!st && a->detect && (st = emoc_detector_load_file(a->detect, NULL, &r->det, &err)) != EMOC_OK) {
        cli_error(cmd, "--detect %s", err.msg);
        return cli_exit_for_status(st);
    }
    if (st) {
        cli_error(cmd, "%s", err.msg);
        return cli_exit_for_status(st);
    }
    emoc_model_get_info(r->model, &r->info);
    cli_note_model(cmd, a->model_path, r->model, a->quiet);
    const char *bb = emoc_model_meta(r->model, "emoc.name");
    feat_init(&r->fs, r->info.embedding_size + r->info.n_scores, r->info.embedding_size, bb && *bb ? bb : r->info.variant);
    r->fs.has_box = r->det != NULL; /* version 2 rows: the detector's box and score */
    if (a->resume) { /* read what a previous run left before listing the inputs */
        int rrc = feat_resume_open(&r->fr, cmd, a->out, a->csv, &r->fs, &r->names);
        if (rrc) return rrc;
        a->in.resume = &r->fr.out;
    }
    const char *resize = a->resize ? a->resize : r->info.resize;
    r->mode = EMOC_RESIZE_PIL;
    if (resize && emoc_resize_mode_parse(resize, &r->mode)) {
        cli_error(cmd, "--resize: cv2 or pil, not '%s'", resize);
        return EXIT_USAGE;
    }
    st = a->n_tensors || r->det ? emoc_session_create(r->model, (int)a->threads, NULL, 0, &r->sess, &err) : EMOC_OK;
    if (st) {
        cli_error(cmd, "%s", err.msg);
        return cli_exit_for_status(st);
    }
    int rc = a->resume ? cli_sandbox_enter(cmd, &r->fr.out.dirfd, 1) : cli_sandbox_enter(cmd, &r->of.dirfd, r->of.dirfd >= 0);
    return rc ? rc : -1;
}

/* --tensor files: one forward pass each, a row unless the file or the run fails. 0, or -1 when
 * out of memory. */
static int features_run_tensors(feat_args *a, const char *cmd, feat_run *r)
{
    size_t nx = (size_t)3 * (size_t)r->info.input_size * (size_t)r->info.input_size;
    float *x = malloc(nx * sizeof(float)), *row = malloc((size_t)r->fs.dim * sizeof(float));
    int oom = !x || !row;
    for (int t = 0; t < a->n_tensors; t++)
        if (inputs_list_file(&a->in, a->tensors[t])) oom = 1;
    for (int t = 0; t < a->n_tensors && !oom; t++) {
        const char *path = a->tensors[t];
        char e2[512];
        if (!inputs_file_selected(&a->in, path)) continue; /* --shard */
        r->frames_in++;
        emoc_output o;
        int rr = cli_read_exact(path, x, nx * sizeof(float), e2, sizeof e2);
        if (rr) { /* little-endian hosts only (every supported target), as preprocess writes it */
            cli_error(cmd, "%s: %s%s", path, e2, rr == -2 ? " (3·S·S float32 values for this model)" : "");
            r->failed++;
            continue;
        }
        if (emoc_session_run(r->sess, x, nx, &o)) {
            cli_error(cmd, "%s: %s", path, emoc_session_last_error(r->sess));
            r->failed++;
            continue;
        }
        memcpy(row, o.embedding, (size_t)o.n_embedding * sizeof(float));
        memcpy(row + o.n_embedding, o.scores, (size_t)o.n_scores * sizeof(float));
        int video, frame;
        tensor_key(&r->names, path, t, &video, &frame);
        if (feat_append(&r->fs, video, frame, 0, (float)(r->info.input_size * r->info.input_size), row)) {
            cli_error(cmd, "%s: out of memory storing the feature row", path);
            r->failed++;
        }
    }
    free(x);
    free(row);
    return oom ? -1 : 0;
}

static void say_run_setup(const feat_args *a, const char *cmd, emoc__input_iter *it)
{
    emoc_isa isa = EMOC_ISA_REF;
    emoc_isa_resolve(EMOC_ISA_AUTO, &isa);
    fprintf(stderr, "emoc %s: kernels %s, %ld thread%s, batch mode %s, %ld input frames", cmd,
            emoc_isa_name(isa), a->threads, a->threads == 1 ? "" : "s",
            frame_batch_mode_name(frame_batch_resolve(a->batch_mode, (int)a->threads, emoc__input_total(it))),
            emoc__input_total(it));
    if (a->in.shard.n) fprintf(stderr, " (shard %d/%d of %ld)", a->in.shard.k, a->in.shard.n, a->in.listed);
    fputc('\n', stderr);
}

/* Image inputs (files, folders, --raw, --boxes) through the frame runner, or through the
 * detector with --detect. EXIT_OK, or the exit code (message printed). */
static int features_run_images(feat_args *a, const char *cmd, feat_run *r)
{
    emoc_error err;
    emoc__input_iter *it;
    int rc = EXIT_OK;
    if (r->det) {
        detect_limit_inputs(&a->in);
    } else { /* frames only feed the model's resize: decode them straight into it (as predict) */
        a->in.opt.resize_to = r->info.input_size;
        a->in.opt.resize_mode = r->mode;
    }
    emoc_status ost = inputs_open(&a->in, &it, &err);
    if (ost) {
        cli_error(cmd, "%s", err.msg);
        return cli_exit_for_status(ost); /* a missing --boxes/--raw file is not a usage error */
    }
    inputs_note_skipped(it, cmd, a->quiet);
    if (a->verbose) say_run_setup(a, cmd, it);
    progress pg;
    progress_init(&pg, cmd, a->quiet ? PROGRESS_QUIET : PROGRESS_AUTO, emoc__input_total(it), NULL);
    pg.ftz = cli_ftz;
    feat_ctx fc = {&r->fs, &r->names, cmd, a->quiet, 0, a->resume ? &r->fr : NULL};
    frame_runner_config cfg = {r->model, &r->info, r->mode, (int)a->threads, a->batch_mode, &pg, feat_finish,
                               feat_emit, &fc, interrupted};
    cli_interrupt_install();
    if (r->det) {
        features_detect_cfg dc = {cmd, r->det, &a->dopt, r->sess, &r->info, r->mode, a->quiet,
                                  a->resume ? resume_frame_done : NULL, &r->fr};
        fc.failed = features_detect_run(&dc, it, &r->fs, &r->names, &pg);
    } else if (frame_runner_run(&cfg, it, &err)) {
        cli_error(cmd, "%s", err.msg);
        rc = EXIT_RUNTIME;
    }
    r->failed += fc.failed;
    r->frames_in += pg.frames_in;
    pg.interrupted = cli_interrupt_signal();
    progress_finish(&pg);
    if (pg.interrupted && !rc) { /* the feature file is written whole or not at all */
        if (a->resume)
            cli_error(cmd, "the run was interrupted: '%s' holds the videos completed before; run again with "
                      "--resume to continue", a->out);
        else
            cli_error(cmd, "'%s' not written: the run was interrupted", a->out);
        rc = 128 + pg.interrupted;
    }
    if (!rc && a->resume && r->fr.rc) rc = r->fr.rc; /* a replacement of the file failed */
    emoc__input_close(it);
    return rc;
}

/* The feature file, unless the run found no frame at all. The exit code. */
static int features_write(const feat_args *a, const char *cmd, feat_run *r)
{
    if (r->frames_in == 0 && a->resume && a->in.listed > 0) {
        if (!a->quiet) cli_error(cmd, "note: nothing to compute: every video of this run is in '%s'", a->out);
    } else if (r->frames_in == 0 && a->in.shard.n && a->in.listed > 0) {
        if (!a->quiet)
            cli_error(cmd, "note: no input falls in shard %d/%d: the output has no rows", a->in.shard.k, a->in.shard.n);
    } else if (r->frames_in == 0) {
        /* as in predict: an empty stream or image-less folder is a mistake upstream, not an
         * empty feature file to feed the pipelines */
        cli_error(cmd, "no input frames: the stream was empty or the folders hold no images");
        return EXIT_INPUT;
    }
    if (a->resume) {
        int frc = feat_resume_finish(&r->fr);
        if (frc) return frc;
    } else {
        FILE *f = cli_outfile_begin(cmd, &r->of);
        if (f && feat_write(&r->fs, &r->names, f, a->csv)) {
            cli_error(cmd, "out of memory writing '%s'", a->out);
            return EXIT_RUNTIME;
        }
        if (!f || cli_outfile_commit(cmd, &r->of)) return EXIT_RUNTIME;
    }
    if (r->failed) {
        /* the summary's rows_out counts frames handled; failed frames get no feature row
         * (post/FEATURES.md), so say how many rows the file really holds */
        if (!a->quiet)
            cli_error(cmd, "'%s' holds %zu feature rows for %ld input frames: %ld failed and have no row", a->out,
                      r->fs.n, r->frames_in, r->failed);
        return EXIT_PARTIAL;
    }
    return EXIT_OK;
}

int cmd_features(int argc, char **argv)
{
    const char *cmd = argv[0];
    feat_args *a = malloc(sizeof *a); /* 32 KiB of --tensor paths: off the stack */
    feat_run r;
    memset(&r, 0, sizeof r);
    r.of.dirfd = r.of.direct_fd = -1;
    if (!a) {
        cli_error(cmd, "out of memory");
        return EXIT_RUNTIME;
    }
    int rc = features_parse(argc, argv, a);
    if (rc < 0) rc = features_open(a, cmd, &r);
    if (rc < 0) {
        int oom = features_run_tensors(a, cmd, &r);
        rc = has_images(a) && !oom ? features_run_images(a, cmd, &r) : EXIT_OK;
        if (oom) {
            cli_error(cmd, "out of memory");
            rc = EXIT_RUNTIME;
        }
        if (!rc) rc = features_write(a, cmd, &r);
    }
    feat_resume_close(&r.fr);
    feat_free(&r.fs);
    abaw_names_free(&r.names);
    emoc_detector_free(r.det);
    cli_outfile_close(&r.of);
    emoc_session_free(r.sess);
    emoc_model_free(r.model);
    inputs_spec_free(&a->in);
    free(a);
    return rc;
}
