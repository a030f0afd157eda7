/*
 * cmd_mtl.c — `emoc mtl`: ABAW multi-task submission from per-frame features and MTL heads.
 *
 * Per model: features → head (V, A, 8 EXPR probabilities, 12 AU scores) for the largest face
 * of each frame. Per listed image: each model's rows interpolated at the listed frame (videos
 * without any face for a model fall back to the other model; without any at all the row is
 * written with V = A = 0, Neutral, no AU and counted as flagged → exit code 4). Then blending
 * per task, smoothing per task and video, argmax / AU thresholds (docs/models.md §7.2–7.3).
 */
#include <math.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/abaw/abaw_cli.h"
#include "tools/abaw/abaw_pipeline.h"
#include "tools/cli.h"
#include "tools/outfile.h"

#define MAXM 2

static const char *usage =
    "usage: emoc mtl --features A[,B] --head HA[,HB] [--blend va=W,expr=W,au=W]\n"
    "                [--smooth va=SPEC,expr=SPEC,au=SPEC] [--au-thresholds PRESET|FILE]\n"
    "                [--list MTL.txt] [--scores-out SCORES.csv] -o submission.txt\n"
    "                [--class-map contempt-other|no-contempt]\n"
    "  --head none     use the backbone's own scores (V, A raw; EXPR = softmax of the 8 AffectNet\n"
    "                  logits mapped to ABAW order: Contempt → Other, or Contempt dropped; AU 0)\n"
    "  SPEC: none | box:DELTA | gauss_paper:SIGMA:DELTA | gauss_code:SIGMA:DELTA | notebook:SIGMA:DELTA\n";

typedef struct mtl_args {
    const char *feat_arg, *head_arg, *list_path, *out_path, *scores_out;
    emoc_blend_weights bw;
    emoc_class_map cmap;
    emoc_smooth_settings sm;
    double thr[EMOC_N_AU];
} mtl_args;

/* Per model (up to two): its features, head, one row of scores per frame (largest face), and
 * those rows as an interpolation source. */
typedef struct mtl_model {
    feat_set feats;
    emoc_mtl_head head;
    abaw_table frames;
    abaw_source src;
    long *pick;
} mtl_model;

typedef struct mtl_run {
    abaw_names names;
    mtl_model m[MAXM];
    int nf;
    abaw_out_list out;
    double *rows;          /* out.t.n × ABAW_N_SCORES: blended, then smoothed */
    size_t flagged, filled;
} mtl_run;

/* One scanned option: -1 when read, else the exit code (message printed). */
static int mtl_option(mtl_args *a, const char *cmd, const char *o, const char *v)
{
    if (strcmp(o, "--features") == 0) a->feat_arg = v;
    else if (strcmp(o, "--head") == 0) a->head_arg = v;
    else if (strcmp(o, "--list") == 0) a->list_path = v;
    else if (strcmp(o, "-o") == 0) a->out_path = v;
    else if (strcmp(o, "--scores-out") == 0) a->scores_out = v;
    else if (strcmp(o, "--class-map") == 0) {
        if (strcmp(v, "contempt-other") == 0) a->cmap = EMOC_MAP_AFFECTNET8_TO_ABAW;
        else if (strcmp(v, "no-contempt") == 0) a->cmap = EMOC_MAP_AFFECTNET8_TO_ABAW_NO_CONTEMPT;
        else {
            cli_error(cmd, "--class-map: contempt-other or no-contempt, not '%s'", v);
            return EXIT_USAGE;
        }
    } else if (strcmp(o, "--blend") == 0) {
        if (abaw_parse_blend(cmd, v, &a->bw)) return EXIT_USAGE;
    } else if (strcmp(o, "--smooth") == 0) {
        if (abaw_parse_smooth(cmd, v, &a->sm)) return EXIT_USAGE;
    } else if (strcmp(o, "--au-thresholds") == 0) {
        if (abaw_parse_thresholds(cmd, v, a->thr)) return EXIT_USAGE;
    } else {
        return -2;
    }
    return -1;
}

/* -1 when the command line is complete, else the exit code (message printed). */
static int mtl_parse(int argc, char **argv, mtl_args *a)
{
    const char *cmd = argv[0];
    memset(a, 0, sizeof *a);
    a->bw = (emoc_blend_weights){0.8, 0.5, 0.5};
    a->cmap = EMOC_MAP_AFFECTNET8_TO_ABAW;
    emoc_smooth_settings_default(&a->sm);
    memcpy(a->thr, emoc_au_threshold_preset("0.5"), sizeof a->thr);
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, NULL);
    for (const char *o, *v; cli_opts_next(&scan, &o, &v);) {
        int rc = mtl_option(a, cmd, o, v);
        if (rc == -2) return cli_opts_unknown(&scan, o);
        if (rc >= 0) return rc;
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!a->feat_arg || !a->head_arg || (!a->out_path && !a->scores_out)) {
        cli_error(cmd, "--features, --head and -o (or --scores-out) are required\n%s", usage);
        return EXIT_USAGE;
    }
    return -1;
}

/* Model m: features read, head loaded (or the backbone's own scores with `none`), one score row
 * per frame. -1 when done, else the exit code (message printed). */
static int mtl_load_model(mtl_run *r, const mtl_args *a, const char *cmd, int m, const char *fpath,
                          const char *hpath)
{
    mtl_model *mm = &r->m[m];
    char err[1024];
    emoc_status st = feat_read(&mm->feats, &r->names, fpath, err, sizeof err);
    if (st) {
        cli_error(cmd, "%s", err);
        return cli_exit_for_status(st);
    }
    emoc_error e;
    int direct = strcmp(hpath, "none") == 0;
    st = direct ? EMOC_OK : emoc_mtl_head_load_file(hpath, &mm->head, &e);
    if (st) {
        cli_error(cmd, "%s", e.msg);
        return cli_exit_for_status(st);
    }
    if (abaw_pick_faces(&mm->feats, &mm->frames, &mm->pick)) return EXIT_RUNTIME;
    st = direct ? abaw_run_direct(cmd, a->cmap, &mm->feats, &mm->frames, mm->pick)
                : abaw_run_head(cmd, &mm->head, &mm->feats, &mm->frames, mm->pick);
    if (st) return st == EMOC_E_SHAPE ? EXIT_INPUT : EXIT_RUNTIME;
    if (abaw_source_build(&mm->src, &mm->frames, mm->frames.scores, ABAW_N_SCORES)) return EXIT_RUNTIME;
    return -1;
}

/* The output rows: the organisers' list, or every frame with a face. -1 or the exit code. */
static int mtl_list(mtl_run *r, const mtl_args *a, const char *cmd)
{
    if (a->list_path) {
        char err[1024];
        emoc_status st = abaw_out_list_load(&r->out, a->list_path, err, sizeof err);
        if (st) {
            cli_error(cmd, "%s", err);
            return cli_exit_for_status(st);
        }
    } else {
        for (int m = 0; m < r->nf; m++)
            for (size_t i = 0; i < r->m[m].frames.n; i++)
                abaw_table_row(&r->out.t, r->m[m].frames.video[i], r->m[m].frames.frame[i], 1);
        if (abaw_out_list_all(&r->out)) return EXIT_RUNTIME;
    }
    return abaw_out_list_group(&r->out) ? EXIT_RUNTIME : -1;
}

/* Row o of one video from the models' interpolated rows a (model A) and c (model B, if any):
 * blended when both have the video, else the one that has it, else a flagged neutral row. */
static void mtl_combine(mtl_run *r, const mtl_args *a, const int got[MAXM], const double *ra,
                        const double *rb, double *o)
{
    if (got[0] && r->nf == 2 && got[1]) {
        emoc_blend(ra, rb, 2, a->bw.va, o);
        emoc_blend(ra + 2, rb + 2, EMOC_N_EXPR, a->bw.expr, o + 2);
        emoc_blend(ra + 10, rb + 10, EMOC_N_AU, a->bw.au, o + 10);
    } else if (got[0] || (r->nf == 2 && got[1])) {
        memcpy(o, got[0] ? ra : rb, ABAW_N_SCORES * sizeof(double));
    } else { /* no face in the whole video for any model: neutral row, flagged */
        memset(o, 0, ABAW_N_SCORES * sizeof(double));
        o[2] = 1.0;
        r->flagged++;
    }
}

/* Every listed row: each model interpolated at the listed frames of its video, then combined.
 * -1 or the exit code. */
static int mtl_fill_rows(mtl_run *r, const mtl_args *a)
{
    const abaw_out_list *l = &r->out;
    size_t n = l->t.n, maxrun = 1, scr_n = 1;
    for (size_t k = 0; k < l->n_runs; k++)
        maxrun = l->starts[k + 1] - l->starts[k] > maxrun ? l->starts[k + 1] - l->starts[k] : maxrun;
    double *tmp[MAXM] = {NULL, NULL}, *scr;
    for (int m = 0; m < r->nf; m++) {
        size_t s = abaw_source_scratch(&r->m[m].src, ABAW_N_SCORES);
        scr_n = s > scr_n ? s : scr_n;
        tmp[m] = malloc(maxrun * ABAW_N_SCORES * sizeof(double));
    }
    scr = malloc(scr_n * sizeof(double));
    int *q = malloc(maxrun * sizeof(int));
    r->rows = calloc(n ? n : 1, ABAW_N_SCORES * sizeof(double));
    int ok = scr && q && r->rows && tmp[0] && (r->nf < 2 || tmp[1]);
    for (size_t k = 0; ok && k < l->n_runs; k++) {
        size_t b = l->starts[k], len = l->starts[k + 1] - b;
        int video = l->t.video[l->perm[b]], got[MAXM] = {0, 0};
        for (size_t i = 0; i < len; i++) q[i] = l->t.frame[l->perm[b + i]];
        for (int m = 0; m < r->nf; m++)
            got[m] = abaw_source_interpolate(&r->m[m].src, video, q, len, ABAW_N_SCORES, tmp[m], scr) == 1;
        for (size_t i = 0; i < len; i++) {
            int has_face = 0;
            for (int m = 0; m < r->nf; m++) has_face |= abaw_table_row(&r->m[m].frames, video, q[i], 0) >= 0;
            if (!has_face && (got[0] || (r->nf == 2 && got[1]))) r->filled++;
            mtl_combine(r, a, got, tmp[0] + i * ABAW_N_SCORES, tmp[1] ? tmp[1] + i * ABAW_N_SCORES : NULL,
                        r->rows + l->perm[b + i] * ABAW_N_SCORES);
        }
    }
    free(q);
    free(scr);
    free(tmp[0]);
    free(tmp[1]);
    return ok ? -1 : EXIT_RUNTIME;
}

/* Smoothing per task (VA, EXPR, AU columns), per video. -1 or the exit code. */
static int mtl_smooth(mtl_run *r, const mtl_args *a, const char *cmd)
{
    const emoc_smooth_opts *so[3] = {&a->sm.va, &a->sm.expr, &a->sm.au};
    const size_t col[3] = {0, 2, 10}, dim[3] = {2, EMOC_N_EXPR, EMOC_N_AU};
    const abaw_out_list *l = &r->out;
    for (int t = 0; t < 3; t++)
        if (abaw_smooth_columns(so[t], l->video, l->frame, l->perm, l->starts, l->n_runs, r->rows, l->t.n,
                                ABAW_N_SCORES, col[t], dim[t])) {
            cli_error(cmd, "smoothing failed (bad options)");
            return EXIT_USAGE;
        }
    return -1;
}

/* --scores-out: the smoothed scores in list order. 0 or -1. */
static int mtl_write_scores(const mtl_run *r, const char *cmd, cli_outfile *out)
{
    const abaw_out_list *l = &r->out;
    size_t n = l->n_order ? l->n_order : 1;
    int *ov = malloc(n * sizeof(int)), *of = malloc(n * sizeof(int));
    double *os = malloc(n * ABAW_N_SCORES * sizeof(double));
    int w = -1;
    if (ov && of && os) {
        for (size_t i = 0; i < l->n_order; i++) {
            ov[i] = l->t.video[l->order[i]];
            of[i] = l->t.frame[l->order[i]];
            memcpy(os + i * ABAW_N_SCORES, r->rows + (size_t)l->order[i] * ABAW_N_SCORES,
                   ABAW_N_SCORES * sizeof(double));
        }
        w = abaw_write_scores(cmd, out, &r->names, l->images, ov, of, os, l->n_order);
    }
    free(ov);
    free(of);
    free(os);
    return w;
}

/* -o: the submission (V, A, EXPR argmax, 12 AU decisions) in list order. 0 or -1. */
static int mtl_write_submission(const mtl_run *r, const mtl_args *a, const char *cmd, cli_outfile *out)
{
    const abaw_out_list *l = &r->out;
    FILE *f = cli_outfile_begin(cmd, out);
    if (!f) return -1;
    fprintf(f, "image,valence,arousal,expression,aus\n");
    for (size_t i = 0; i < l->n_order; i++) {
        const double *o = r->rows + (size_t)l->order[i] * ABAW_N_SCORES;
        int au[EMOC_N_AU];
        emoc_au_decide(o + 10, a->thr, au);
        abaw_write_image(f, &r->names, l->images, i, l->t.video[l->order[i]], l->t.frame[l->order[i]]);
        fprintf(f, ",%.6f,%.6f,%d", o[0], o[1], emoc_argmax(o + 2, EMOC_N_EXPR));
        for (int k = 0; k < EMOC_N_AU; k++) fprintf(f, ",%d", au[k]);
        fputc('\n', f);
    }
    return cli_outfile_commit(cmd, out);
}

/* Loading, gathering, smoothing and writing, after the outputs are open. The exit code. */
static int mtl_run_all(mtl_run *r, const mtl_args *a, const char *cmd, const char *const fpath[2],
                       const char *const hpath[2], cli_outfile outs[2])
{
    int rc = -1;
    for (int m = 0; rc < 0 && m < r->nf; m++) rc = mtl_load_model(r, a, cmd, m, fpath[m], hpath[m]);
    if (rc < 0) rc = mtl_list(r, a, cmd);
    if (rc < 0) rc = mtl_fill_rows(r, a);
    if (rc < 0) rc = mtl_smooth(r, a, cmd);
    if (rc >= 0) return rc;
    if (a->scores_out && mtl_write_scores(r, cmd, &outs[1])) return EXIT_RUNTIME;
    if (a->out_path && mtl_write_submission(r, a, cmd, &outs[0])) return EXIT_RUNTIME;
    if (r->filled) /* the documented fill rule, not an error: said so that no row passes unnoticed */
        cli_error(cmd, "note: %zu of %zu listed images have no face row; filled from the same video "
                       "(linear interpolation between faced frames, nearest one before the first or after the last)",
                  r->filled, r->out.t.n);
    if (r->flagged) {
        cli_error(cmd, "%zu listed images belong to videos without any detected face: written as "
                       "V=A=0, Neutral, no AU", r->flagged);
        return EXIT_PARTIAL;
    }
    return EXIT_OK;
}

int cmd_mtl(int argc, char **argv)
{
    const char *cmd = argv[0];
    mtl_args a;
    int rc = mtl_parse(argc, argv, &a);
    if (rc >= 0) return rc;
    char *fcopy, *hcopy;
    const char *fpath[2], *hpath[2];
    int nf = abaw_split2(a.feat_arg, &fcopy, fpath), nh = abaw_split2(a.head_arg, &hcopy, hpath);
    if (nf < 1 || nf > MAXM || nh != nf) {
        cli_error(cmd, "give one or two feature files and as many heads (got %d and %d)", nf, nh);
        free(fcopy);
        free(hcopy);
        return EXIT_USAGE;
    }
    cli_outfile outs[2]; /* -o, --scores-out: opened before the sandbox */
    const char *out_paths[2] = {a.out_path, a.scores_out};
    rc = cli_outfiles_prepare_and_sandbox(cmd, outs, out_paths, 2);
    if (rc) {
        free(fcopy);
        free(hcopy);
        return rc;
    }
    mtl_run r;
    memset(&r, 0, sizeof r);
    r.nf = nf;
    abaw_out_list_init(&r.out, &r.names);
    for (int m = 0; m < MAXM; m++) abaw_table_init(&r.m[m].frames, &r.names);
    rc = mtl_run_all(&r, &a, cmd, fpath, hpath, outs);
    cli_outfile_close(&outs[0]);
    cli_outfile_close(&outs[1]);
    for (int m = 0; m < MAXM; m++) {
        feat_free(&r.m[m].feats);
        emoc_mtl_head_release(&r.m[m].head);
        abaw_table_free(&r.m[m].frames);
        abaw_source_free(&r.m[m].src);
        free(r.m[m].pick);
    }
    abaw_out_list_free(&r.out);
    abaw_names_free(&r.names);
    free(r.rows);
    free(fcopy);
    free(hcopy);
    return rc;
}
