/*
 * cmd_features.c — `emoc features`: X = [embedding, backbone scores] per input frame (the MTL
 * head's input, docs/models.md §7.1), written with video, frame, face and face area in the feature
 * format of post/FEATURES.md (binary, or CSV with --csv). Inputs: images, folders (Aff-Wild2
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
#include "tools/frame_runner.h"
#include "tools/interrupt.h"
#include "tools/input/inputs.h"
#include "tools/progress.h"

static const char *usage =
    "usage: emoc features -m MODEL.emw (IMAGE | DIR | --raw WxH - | --boxes F.csv | --tensor F.f32)...\n"
    "                     -o FEATS [--csv] [--resize cv2|pil] [--threads N]\n"
    "                     [--batch-mode auto|ops|frames] [--shard K/N] [-q] [-v]\n"
    "                     [--detect DETECTOR.emw [--threshold P] [--min-face N]]\n"
    "  --shard K/N  only shard K of N of the inputs: whole videos (folders) and files, by a\n"
    "               hash of their name (docs/scale-out.md; merge shards with --csv)\n"
    "  -v           say the kernel set, threads and input counts on stderr\n"
    "  --detect: one row per detected face (face = its index, area = its box area; a frame\n"
    "  without a face has no row); emoc ce --faces largest|max|mean pools them.\n"
    "  EMOC_THREADS=N  default for --threads\n";

/* State the frame runner's callbacks share (emit runs in input order, one at a time). */
typedef struct feat_ctx {
    feat_set *fs;
    abaw_names *names;
    const char *cmd;
    int quiet;
    long failed;
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

int cmd_features(int argc, char **argv)
{
    const char *cmd = argv[0], *model_path = NULL, *out = NULL, *resize = NULL, *detect = NULL;
    emoc_detect_options dopt;
    emoc_detect_options_default(&dopt);
    int dopt_given = 0;
    const char *tensors[4096];
    int n_tensors = 0, csv = 0, quiet = 0, verbose = 0;
    long threads = 1;
    if (cli_env_threads(cmd, &threads)) return EXIT_USAGE;
    frame_batch_mode batch_mode = FRAME_BATCH_AUTO;
    inputs_spec in;
    inputs_spec_init(&in);
    int rc = EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = inputs_spec_option(&in, cmd, argc, argv, &i);
        if (r < 0) {
            inputs_spec_free(&in);
            return EXIT_USAGE;
        }
        if (r > 0) continue;
        if ((r = detect_option(&dopt, cmd, argc, argv, &i)) != 0) {
            if (r < 0) {
                inputs_spec_free(&in);
                return EXIT_USAGE;
            }
            dopt_given = 1;
            continue;
        }
        if (!strcmp(a, "--detect") && i + 1 < argc) {
            detect = argv[++i];
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            inputs_spec_free(&in);
            return EXIT_OK;
        } else if (!strcmp(a, "--csv")) csv = 1;
        else if (!strcmp(a, "-q")) quiet = 1;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) verbose = 1;
        else if ((!strcmp(a, "-m") || !strcmp(a, "-o") || !strcmp(a, "--tensor") || !strcmp(a, "--resize") ||
                  !strcmp(a, "--threads") || !strcmp(a, "--batch-mode")) && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(a, "-m")) model_path = v;
            else if (!strcmp(a, "--batch-mode") && frame_batch_mode_parse(v, &batch_mode)) {
                cli_error(cmd, "--batch-mode expects auto, ops or frames, got '%s'", v);
                rc = EXIT_USAGE;
            } else if (!strcmp(a, "--batch-mode")) continue;
            else if (!strcmp(a, "-o")) out = v;
            else if (!strcmp(a, "--resize")) resize = v;
            else if (!strcmp(a, "--threads")) {
                if (cli_parse_int(cmd, a, v, 1, 256, &threads)) rc = EXIT_USAGE;
            } else if (n_tensors < 4096) tensors[n_tensors++] = v;
        } else if (a[0] != '-' || !strcmp(a, "-")) {
            if (inputs_spec_add_path(&in, a)) rc = EXIT_RUNTIME;
        } else {
            cli_error(cmd, "unknown option or missing value '%s'\n%s", a, usage);
            rc = EXIT_USAGE;
        }
        if (rc) {
            inputs_spec_free(&in);
            return rc;
        }
    }
    int has_images = in.n > 0 || in.opt.boxes_csv || in.opt.raw_width > 0;
    if (in.opt.raw_width > 0 && in.n == 0) {
        cli_error(cmd, "--raw WxH reads a stream: give its path, or '-' for stdin");
        inputs_spec_free(&in);
        return EXIT_USAGE;
    }
    if (!model_path || !out || (!has_images && !n_tensors)) {
        cli_error(cmd, "-m, -o and at least one input are required\n%s", usage);
        inputs_spec_free(&in);
        return EXIT_USAGE;
    }
    if ((dopt_given && !detect) || (detect && (n_tensors || in.opt.boxes_csv))) {
        cli_error(cmd, "%s", dopt_given && !detect
                                 ? "--threshold and --min-face need --detect DETECTOR.emw"
                                 : "--detect finds the faces itself: not with --tensor or --boxes");
        inputs_spec_free(&in);
        return EXIT_USAGE;
    }
    cli_outfile of; /* checked before the frames, not after an hour of them */
    if (cli_outfile_prepare(cmd, out, &of)) {
        inputs_spec_free(&in);
        return EXIT_RUNTIME;
    }
    emoc_error err;
    emoc_model *model = NULL;
    emoc_session *sess = NULL;
    emoc_detector *det = NULL;
    emoc_options mopt;
    cli_model_options(&mopt);
    emoc_status st = emoc_model_load_file(model_path, &mopt, &model, &err);
    if (!st && detect && (st = emoc_detector_load_file(detect, NULL, &det, &err)) != EMOC_OK) {
        cli_error(cmd, "--detect %s", err.msg);
        emoc_model_free(model);
        inputs_spec_free(&in);
        cli_outfile_close(&of);
        return cli_exit_for_status(st);
    }
    if (st) {
        cli_error(cmd, "%s", err.msg);
        inputs_spec_free(&in);
        cli_outfile_close(&of);
        return cli_exit_for_status(st);
    }
    emoc_model_info info;
    emoc_model_get_info(model, &info);
    cli_note_model(cmd, model_path, model, quiet);
    emoc_resize_mode mode = EMOC_RESIZE_PIL;
    if ((resize || info.resize) && emoc_resize_mode_parse(resize ? resize : info.resize, &mode)) {
        cli_error(cmd, "--resize: cv2 or pil, not '%s'", resize ? resize : info.resize);
        rc = EXIT_USAGE;
        goto done;
    }
    st = n_tensors || det ? emoc_session_create(model, (int)threads, NULL, 0, &sess, &err) : EMOC_OK;
    if (st) { /* images get their sessions from the frame runner */
        cli_error(cmd, "%s", err.msg);
        rc = cli_exit_for_status(st);
        goto done;
    }
    if ((rc = cli_sandbox_enter(cmd, &of.dirfd, of.dirfd >= 0))) goto done;
    abaw_names names = {0};
    feat_set fs;
    const char *bb = emoc_model_meta(model, "emoc.name");
    feat_init(&fs, info.embedding_size + info.n_scores, info.embedding_size, bb && *bb ? bb : info.variant);
    size_t nx = (size_t)3 * (size_t)info.input_size * (size_t)info.input_size;
    float *x = malloc(nx * sizeof(float)), *row = malloc((size_t)fs.dim * sizeof(float));
    long failed = 0, frames_in = 0;
    int oom = !x || !row;
    for (int t = 0; t < n_tensors; t++)
        if (inputs_list_file(&in, tensors[t])) oom = 1;
    for (int t = 0; t < n_tensors && !oom; t++) {
        char e2[512];
        if (!inputs_file_selected(&in, tensors[t])) continue; /* --shard */
        frames_in++;
        emoc_output o;
        int r = cli_read_exact(tensors[t], x, nx * sizeof(float), e2, sizeof e2);
        if (r) { /* little-endian hosts only (every supported target), as preprocess writes it */
            cli_error(cmd, "%s: %s%s", tensors[t], e2, r == -2 ? " (3·S·S float32 values for this model)" : "");
            failed++;
            continue;
        }
        if (emoc_session_run(sess, x, nx, &o)) {
            cli_error(cmd, "%s: %s", tensors[t], emoc_session_last_error(sess));
            failed++;
            continue;
        }
        memcpy(row, o.embedding, (size_t)o.n_embedding * sizeof(float));
        memcpy(row + o.n_embedding, o.scores, (size_t)o.n_scores * sizeof(float));
        int video, frame;
        tensor_key(&names, tensors[t], t, &video, &frame);
        if (feat_append(&fs, video, frame, 0, (float)(info.input_size * info.input_size), row)) {
            cli_error(cmd, "%s: out of memory storing the feature row", tensors[t]);
            failed++;
        }
    }
    if (has_images && !oom) {
        emoc__input_iter *it;
        if (det) detect_limit_inputs(&in);
        emoc_status ost = inputs_open(&in, &it, &err);
        if (ost) {
            cli_error(cmd, "%s", err.msg);
            rc = cli_exit_for_status(ost); /* a missing --boxes/--raw file is not a usage error */
        } else {
            inputs_note_skipped(it, cmd, quiet);
            if (verbose) {
                emoc_isa isa = EMOC_ISA_REF;
                emoc_isa_resolve(EMOC_ISA_AUTO, &isa);
                fprintf(stderr, "emoc %s: kernels %s, %ld thread%s, batch mode %s, %ld input frames", cmd,
                        emoc_isa_name(isa), threads, threads == 1 ? "" : "s",
                        frame_batch_mode_name(frame_batch_resolve(batch_mode, (int)threads, emoc__input_total(it))),
                        emoc__input_total(it));
                if (in.shard.n) fprintf(stderr, " (shard %d/%d of %ld)", in.shard.k, in.shard.n, in.listed);
                fputc('\n', stderr);
            }
            progress pg;
            progress_init(&pg, cmd, quiet ? PROGRESS_QUIET : PROGRESS_AUTO, emoc__input_total(it), NULL);
            pg.ftz = cli_ftz;
            feat_ctx fc = {&fs, &names, cmd, quiet, 0};
            frame_runner_config cfg = {model, &info, mode, (int)threads, batch_mode, &pg, feat_finish, feat_emit, &fc,
                                       interrupted};
            cli_interrupt_install();
            if (det) {
                features_detect_cfg dc = {cmd, det, &dopt, sess, &info, mode, quiet};
                fc.failed = features_detect_run(&dc, it, &fs, &names, &pg);
            } else if (frame_runner_run(&cfg, it, &err)) {
                cli_error(cmd, "%s", err.msg);
                rc = EXIT_RUNTIME;
            }
            failed += fc.failed;
            frames_in += pg.frames_in;
            pg.interrupted = cli_interrupt_signal();
            progress_finish(&pg);
            if (pg.interrupted && !rc) { /* the feature file is written whole or not at all */
                cli_error(cmd, "'%s' not written: the run was interrupted", out);
                rc = 128 + pg.interrupted;
            }
            emoc__input_close(it);
        }
    }
    if (oom) {
        cli_error(cmd, "out of memory");
        rc = EXIT_RUNTIME;
    }
    if (!rc && frames_in == 0 && in.shard.n && in.listed > 0) {
        if (!quiet) cli_error(cmd, "note: no input falls in shard %d/%d: the output has no rows", in.shard.k, in.shard.n);
    } else if (!rc && frames_in == 0) {
        /* as in predict: an empty stream or image-less folder is a mistake upstream, not an
         * empty feature file to feed the pipelines */
        cli_error(cmd, "no input frames: the stream was empty or the folders hold no images");
        rc = EXIT_INPUT;
    }
    if (!rc) {
        FILE *f = cli_outfile_begin(cmd, &of);
        if (f) feat_write(&fs, &names, f, csv);
        if (!f || cli_outfile_commit(cmd, &of)) {
            rc = EXIT_RUNTIME;
        } else if (failed) {
            /* the summary's rows_out counts frames handled; failed frames get no feature row
             * (post/FEATURES.md), so say how many rows the file really holds */
            if (!quiet)
                cli_error(cmd, "'%s' holds %zu feature rows for %ld input frames: %ld failed and have no row",
                          out, fs.n, frames_in, failed);
            rc = EXIT_PARTIAL;
        }
    }
    free(x);
    free(row);
    feat_free(&fs);
    abaw_names_free(&names);
done:
    emoc_detector_free(det);
    cli_outfile_close(&of);
    emoc_session_free(sess);
    emoc_model_free(model);
    inputs_spec_free(&in);
    return rc;
}
