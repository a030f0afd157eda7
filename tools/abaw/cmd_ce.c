/*
 * cmd_ce.c — `emoc ce`: ABAW compound-expression submission (docs/models.md §7.5) from per-frame
 * features whose last 10 values are the backbone's scores (8 AffectNet logits, V, A): softmax,
 * pair means, pooling over the faces of a frame, interpolation of frames without a face,
 * smoothing per video, argmax.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/abaw/abaw_cli.h"
#include "tools/abaw/abaw_pipeline.h"
#include "tools/cli.h"
#include "tools/outfile.h"

static const char *usage =
    "usage: emoc ce --features FEATS [--mean arithmetic|geometric|harmonic]\n"
    "               [--faces max|largest|mean] [--smooth SPEC] [--list LIST.txt]\n"
    "               [--scores-out SCORES.csv] -o submission.txt\n"
    "  SPEC: none | box:DELTA | gauss_paper:SIGMA:DELTA | gauss_code:SIGMA:DELTA\n"
    "  without --list every frame from 1 to the last frame with a face is written per video\n";

typedef struct ce_args {
    const char *feat, *list_path, *out_path, *scores_out;
    emoc_ce_mean mean;
    emoc_ce_faces faces;
    emoc_smooth_settings sm;
} ce_args;

typedef struct ce_run {
    abaw_names names;
    feat_set f;
    abaw_table frames;     /* one row per (video, frame) with a face */
    double *vals;          /* frames.n × 7: the faces of each frame pooled */
    abaw_source src;
    abaw_out_list out;
    double *rows;          /* out.t.n × 7: interpolated, then smoothed */
    size_t flagged, filled;
} ce_run;

/* One scanned option: -1 when read, -2 when unknown, else the exit code (message printed). */
static int ce_option(ce_args *a, const char *cmd, const char *o, const char *v)
{
    if (strcmp(o, "--features") == 0) a->feat = v;
    else if (strcmp(o, "--list") == 0) a->list_path = v;
    else if (strcmp(o, "-o") == 0) a->out_path = v;
    else if (strcmp(o, "--scores-out") == 0) a->scores_out = v;
    else if (strcmp(o, "--mean") == 0) {
        if (strcmp(v, "arithmetic") == 0) a->mean = EMOC_CE_MEAN_ARITHMETIC;
        else if (strcmp(v, "geometric") == 0) a->mean = EMOC_CE_MEAN_GEOMETRIC;
        else if (strcmp(v, "harmonic") == 0) a->mean = EMOC_CE_MEAN_HARMONIC;
        else {
            cli_error(cmd, "--mean: arithmetic, geometric or harmonic, not '%s'", v);
            return EXIT_USAGE;
        }
    } else if (strcmp(o, "--faces") == 0) {
        if (strcmp(v, "max") == 0) a->faces = EMOC_CE_FACES_MAX;
        else if (strcmp(v, "largest") == 0) a->faces = EMOC_CE_FACES_LARGEST;
        else if (strcmp(v, "mean") == 0) a->faces = EMOC_CE_FACES_MEAN;
        else {
            cli_error(cmd, "--faces: max, largest or mean, not '%s'", v);
            return EXIT_USAGE;
        }
    } else if (strcmp(o, "--smooth") == 0) {
        char spec[256];
        snprintf(spec, sizeof spec, "expr=%s", v);
        if (abaw_parse_smooth(cmd, spec, &a->sm)) return EXIT_USAGE;
    } else {
        return -2;
    }
    return -1;
}

/* -1 when the command line is complete, else the exit code (message printed). */
static int ce_parse(int argc, char **argv, ce_args *a)
{
    const char *cmd = argv[0];
    memset(a, 0, sizeof *a);
    a->mean = EMOC_CE_MEAN_ARITHMETIC;
    a->faces = EMOC_CE_FACES_MAX;
    emoc_smooth_settings_default(&a->sm);
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, NULL);
    for (const char *o, *v; cli_opts_next(&scan, &o, &v);) {
        int rc = ce_option(a, cmd, o, v);
        if (rc == -2) return cli_opts_unknown(&scan, o);
        if (rc >= 0) return rc;
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!a->feat || !a->out_path) {
        cli_error(cmd, "--features and -o are required\n%s", usage);
        return EXIT_USAGE;
    }
    return -1;
}

/* Per face the 7 compound scores, per frame the faces pooled (r->frames, r->vals), and those
 * frames as an interpolation source. -1 or the exit code. */
static int ce_frame_scores(ce_run *r, const ce_args *a)
{
    const feat_set *f = &r->f;
    size_t nr = f->n ? f->n : 1;
    double *face7 = malloc(nr * EMOC_N_CE * sizeof(double)), *buf = malloc(nr * EMOC_N_CE * sizeof(double));
    double *areas = malloc(nr * sizeof(double));
    long *fr_of_row = malloc(nr * sizeof(long));
    size_t *byframe = malloc(nr * sizeof(size_t)), *fstart = NULL, *fill = NULL;
    int rc = EXIT_RUNTIME;
    if (!face7 || !buf || !areas || !fr_of_row || !byframe) goto out;
    for (size_t i = 0; i < f->n; i++) {
        double lg[8];
        const float *x = f->x + i * (size_t)f->dim + f->dim - EMOC_MTL_N_SCORES;
        for (int c = 0; c < 8; c++) lg[c] = x[c];
        emoc_ce_scores(lg, a->mean, face7 + i * EMOC_N_CE);
        fr_of_row[i] = abaw_table_row(&r->frames, f->video[i], f->frame[i], 1);
    }
    size_t nf = r->frames.n;
    fstart = calloc(nf + 1, sizeof(size_t));
    fill = calloc(nf + 1, sizeof(size_t));
    r->vals = malloc((nf ? nf : 1) * EMOC_N_CE * sizeof(double));
    if (!fstart || !fill || !r->vals) goto out;
    for (size_t i = 0; i < f->n; i++) fstart[fr_of_row[i] + 1]++;
    for (size_t t = 0; t < nf; t++) fstart[t + 1] += fstart[t];
    for (size_t i = 0; i < f->n; i++) byframe[fstart[fr_of_row[i]] + fill[fr_of_row[i]]++] = i;
    for (size_t t = 0; t < nf; t++) {
        int k = 0;
        for (size_t j = fstart[t]; j < fstart[t + 1]; j++, k++) {
            memcpy(buf + (size_t)k * EMOC_N_CE, face7 + byframe[j] * EMOC_N_CE, EMOC_N_CE * sizeof(double));
            areas[k] = f->area[byframe[j]]; /* v2: the box area; v1: the area column (features_io.h) */
        }
        emoc_ce_pool_faces(buf, areas, k, a->faces, r->vals + t * EMOC_N_CE);
    }
    if (!abaw_source_build(&r->src, &r->frames, r->vals, EMOC_N_CE)) rc = -1;
out:
    free(face7);
    free(buf);
    free(areas);
    free(fr_of_row);
    free(byframe);
    free(fstart);
    free(fill);
    return rc;
}

/* The output rows: the organisers' list, or frames 1 … last frame with a face of each video.
 * -1 or the exit code. */
static int ce_list(ce_run *r, const ce_args *a, const char *cmd)
{
    if (a->list_path) {
        char err[1024];
        emoc_status st = abaw_out_list_load(&r->out, a->list_path, err, sizeof err);
        if (st) {
            cli_error(cmd, "%s", err);
            return cli_exit_for_status(st);
        }
    } else {
        for (size_t k = 0; k < r->src.n_runs; k++) {
            size_t last = r->src.perm[r->src.starts[k + 1] - 1];
            for (int fr = 1; fr <= r->frames.frame[last]; fr++) abaw_table_row(&r->out.t, r->frames.video[last], fr, 1);
        }
        if (abaw_out_list_all(&r->out)) return EXIT_RUNTIME;
    }
    return abaw_out_list_group(&r->out) ? EXIT_RUNTIME : -1;
}

/* Every listed row interpolated from its video's frames (a video without any face stays class 0
 * and is flagged), then smoothed. -1 or the exit code. */
static int ce_fill_rows(ce_run *r, const ce_args *a, const char *cmd)
{
    const abaw_out_list *l = &r->out;
    size_t n = l->t.n;
    r->rows = calloc(n ? n : 1, EMOC_N_CE * sizeof(double));
    int *q = malloc((n ? n : 1) * sizeof(int));
    size_t scr_n = abaw_source_scratch(&r->src, EMOC_N_CE);
    double *scr = malloc((scr_n ? scr_n : 1) * sizeof(double));
    double *tmp = malloc((n ? n : 1) * EMOC_N_CE * sizeof(double));
    int ok = r->rows && q && scr && tmp;
    for (size_t k = 0; ok && k < l->n_runs; k++) {
        size_t b = l->starts[k], m = l->starts[k + 1] - b;
        for (size_t i = 0; i < m; i++) q[i] = l->t.frame[l->perm[b + i]];
        int got = abaw_source_interpolate(&r->src, l->t.video[l->perm[b]], q, m, EMOC_N_CE, tmp, scr) == 1;
        for (size_t i = 0; i < m; i++) {
            if (got) memcpy(r->rows + l->perm[b + i] * EMOC_N_CE, tmp + i * EMOC_N_CE, EMOC_N_CE * sizeof(double));
            else r->flagged++;
            if (got && abaw_table_row(&r->frames, l->t.video[l->perm[b + i]], q[i], 0) < 0) r->filled++;
        }
    }
    free(q);
    free(scr);
    free(tmp);
    if (!ok) return EXIT_RUNTIME;
    if (abaw_smooth_columns(&a->sm.expr, l->video, l->frame, l->perm, l->starts, l->n_runs, r->rows, n, EMOC_N_CE,
                            0, EMOC_N_CE)) {
        cli_error(cmd, "smoothing failed (bad options)");
        return EXIT_USAGE;
    }
    return -1;
}

static void ce_header(FILE *f, const char *first)
{
    fputs(first, f);
    for (int c = 0; c < EMOC_N_CE; c++) fprintf(f, ",%s", emoc_ce_name(c));
    fputc('\n', f);
}

/* -o (class per listed frame) and --scores-out (the 7 scores). The exit code for the writing. */
static int ce_write(const ce_run *r, const ce_args *a, const char *cmd, cli_outfile outs[2])
{
    const abaw_out_list *l = &r->out;
    FILE *o = cli_outfile_begin(cmd, &outs[0]);
    FILE *so = o && a->scores_out ? cli_outfile_begin(cmd, &outs[1]) : NULL;
    if (!o || (a->scores_out && !so)) return EXIT_RUNTIME;
    ce_header(o, "image_location");
    if (so) ce_header(so, "image");
    for (size_t i = 0; i < l->n_order; i++) {
        const double *s = r->rows + (size_t)l->order[i] * EMOC_N_CE;
        int video = l->t.video[l->order[i]], frame = l->t.frame[l->order[i]];
        abaw_write_image(o, &r->names, l->images, i, video, frame);
        fprintf(o, ",%d\n", emoc_argmax(s, EMOC_N_CE));
        if (so) {
            abaw_write_image(so, &r->names, l->images, i, video, frame);
            for (int c = 0; c < EMOC_N_CE; c++) fprintf(so, ",%.9g", s[c]);
            fputc('\n', so);
        }
    }
    int rc = EXIT_OK;
    if (so && cli_outfile_commit(cmd, &outs[1])) rc = EXIT_RUNTIME;
    if (cli_outfile_commit(cmd, &outs[0])) rc = EXIT_RUNTIME;
    return rc;
}

/* Reading, scoring, gathering and writing, after the outputs are open. The exit code. */
static int ce_run_all(ce_run *r, const ce_args *a, const char *cmd, cli_outfile outs[2])
{
    char err[1024];
    emoc_status st = feat_read(&r->f, &r->names, a->feat, err, sizeof err);
    if (st) {
        cli_error(cmd, "%s", err);
        return cli_exit_for_status(st);
    }
    if (r->f.dim < EMOC_MTL_N_SCORES) {
        cli_error(cmd, "%s: %d values per frame; compound expressions need the backbone's 10 scores "
                       "at the end (8 AffectNet logits, V, A)", a->feat, r->f.dim);
        return EXIT_INPUT;
    }
    int rc = ce_frame_scores(r, a);
    if (rc < 0) rc = ce_list(r, a, cmd);
    if (rc < 0) rc = ce_fill_rows(r, a, cmd);
    if (rc >= 0) return rc;
    rc = ce_write(r, a, cmd, outs);
    if (r->filled) /* the documented fill rule, not an error: said so that no row passes unnoticed */
        cli_error(cmd, "note: %zu of %zu listed frames have no face row; filled from the same video "
                       "(linear interpolation between faced frames, nearest one before the first or after the last)",
                  r->filled, r->out.t.n);
    if (r->flagged) {
        cli_error(cmd, "%zu listed frames belong to videos without any face: written as class 0", r->flagged);
        if (!rc) rc = EXIT_PARTIAL;
    }
    return rc;
}

int cmd_ce(int argc, char **argv)
{
    const char *cmd = argv[0];
    ce_args a;
    int rc = ce_parse(argc, argv, &a);
    if (rc >= 0) return rc;
    cli_outfile outs[2]; /* -o, --scores-out: opened before the sandbox */
    const char *out_paths[2] = {a.out_path, a.scores_out};
    rc = cli_outfiles_prepare_and_sandbox(cmd, outs, out_paths, 2);
    if (rc) return rc;
    ce_run r;
    memset(&r, 0, sizeof r);
    abaw_table_init(&r.frames, &r.names);
    abaw_out_list_init(&r.out, &r.names);
    rc = ce_run_all(&r, &a, cmd, outs);
    cli_outfile_close(&outs[0]);
    cli_outfile_close(&outs[1]);
    feat_free(&r.f);
    abaw_source_free(&r.src);
    abaw_table_free(&r.frames);
    abaw_out_list_free(&r.out);
    abaw_names_free(&r.names);
    free(r.vals);
    free(r.rows);
    return rc;
}
