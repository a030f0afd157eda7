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

int cmd_ce(int argc, char **argv)
{
    const char *cmd = argv[0], *feat = NULL, *list_path = NULL, *out_path = NULL, *scores_out = NULL;
    emoc_ce_mean mean = EMOC_CE_MEAN_ARITHMETIC;
    emoc_ce_faces faces = EMOC_CE_FACES_MAX;
    emoc_smooth_settings sm;
    emoc_smooth_settings_default(&sm);
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, NULL);
    for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
        if (strcmp(a, "--features") == 0) feat = v;
        else if (strcmp(a, "--list") == 0) list_path = v;
        else if (strcmp(a, "-o") == 0) out_path = v;
        else if (strcmp(a, "--scores-out") == 0) scores_out = v;
        else if (strcmp(a, "--mean") == 0) {
            if (strcmp(v, "arithmetic") == 0) mean = EMOC_CE_MEAN_ARITHMETIC;
            else if (strcmp(v, "geometric") == 0) mean = EMOC_CE_MEAN_GEOMETRIC;
            else if (strcmp(v, "harmonic") == 0) mean = EMOC_CE_MEAN_HARMONIC;
            else {
                cli_error(cmd, "--mean: arithmetic, geometric or harmonic, not '%s'", v);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--faces") == 0) {
            if (strcmp(v, "max") == 0) faces = EMOC_CE_FACES_MAX;
            else if (strcmp(v, "largest") == 0) faces = EMOC_CE_FACES_LARGEST;
            else if (strcmp(v, "mean") == 0) faces = EMOC_CE_FACES_MEAN;
            else {
                cli_error(cmd, "--faces: max, largest or mean, not '%s'", v);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--smooth") == 0) {
            char spec[256];
            snprintf(spec, sizeof spec, "expr=%s", v);
            if (abaw_parse_smooth(cmd, spec, &sm)) return EXIT_USAGE;
        } else {
            return cli_opts_unknown(&scan, a);
        }
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!feat || !out_path) {
        cli_error(cmd, "--features and -o are required\n%s", usage);
        return EXIT_USAGE;
    }
    cli_outfile outs[2]; /* -o, --scores-out: opened before the sandbox */
    const char *out_paths[2] = {out_path, scores_out};
    int rc = cli_outfiles_prepare_and_sandbox(cmd, outs, out_paths, 2);
    if (rc) return rc;
    char err[1024];
    abaw_names names = {0};
    feat_set f;
    abaw_table frames, list;
    abaw_source src;
    memset(&src, 0, sizeof src);
    abaw_table_init(&frames, &names);
    abaw_table_init(&list, &names);
    long *order = NULL, *fr_of_row = NULL;
    char **images = NULL; /* list entries as spelled in --list (NULL without a list) */
    size_t n_order = 0, *perm = NULL, *starts = NULL, n_runs = 0, *byframe = NULL, *fstart = NULL;
    double *face7 = NULL, *vals = NULL, *rows = NULL, *buf = NULL, *areas = NULL, *scr = NULL;
    int *lvid = NULL, *lfr = NULL, *q = NULL;
    emoc_status st = feat_read(&f, &names, feat, err, sizeof err);
    if (st) {
        cli_error(cmd, "%s", err);
        rc = cli_exit_for_status(st);
        goto out;
    }
    if (f.dim < EMOC_MTL_N_SCORES) {
        cli_error(cmd, "%s: %d values per frame; compound expressions need the backbone's 10 scores "
                       "at the end (8 AffectNet logits, V, A)", feat, f.dim);
        rc = EXIT_INPUT;
        goto out;
    }
    /* per face: 7 compound scores; per frame: faces pooled */
    face7 = malloc((f.n ? f.n : 1) * EMOC_N_CE * sizeof(double));
    fr_of_row = malloc((f.n ? f.n : 1) * sizeof(long));
    for (size_t r = 0; r < f.n; r++) {
        double lg[8];
        const float *x = f.x + r * (size_t)f.dim + f.dim - EMOC_MTL_N_SCORES;
        for (int c = 0; c < 8; c++) lg[c] = x[c];
        emoc_ce_scores(lg, mean, face7 + r * EMOC_N_CE);
        fr_of_row[r] = abaw_table_row(&frames, f.video[r], f.frame[r], 1);
    }
    size_t nf = frames.n;
    fstart = calloc(nf + 1, sizeof(size_t));
    byframe = malloc((f.n ? f.n : 1) * sizeof(size_t));
    for (size_t r = 0; r < f.n; r++) fstart[fr_of_row[r] + 1]++;
    for (size_t t = 0; t < nf; t++) fstart[t + 1] += fstart[t];
    size_t *fill = calloc(nf + 1, sizeof(size_t));
    for (size_t r = 0; r < f.n; r++) byframe[fstart[fr_of_row[r]] + fill[fr_of_row[r]]++] = r;
    free(fill);
    vals = malloc((nf ? nf : 1) * EMOC_N_CE * sizeof(double));
    buf = malloc((f.n ? f.n : 1) * EMOC_N_CE * sizeof(double));
    areas = malloc((f.n ? f.n : 1) * sizeof(double));
    for (size_t t = 0; t < nf; t++) {
        int k = 0;
        for (size_t j = fstart[t]; j < fstart[t + 1]; j++, k++) {
            memcpy(buf + (size_t)k * EMOC_N_CE, face7 + byframe[j] * EMOC_N_CE, EMOC_N_CE * sizeof(double));
            areas[k] = f.area[byframe[j]];
        }
        emoc_ce_pool_faces(buf, areas, k, faces, vals + t * EMOC_N_CE);
    }
    if (abaw_source_build(&src, &frames, vals, EMOC_N_CE)) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (list_path) {
        st = abaw_load_list(&list, list_path, &order, &images, &n_order, err, sizeof err);
        if (st) {
            cli_error(cmd, "%s", err);
            rc = cli_exit_for_status(st);
            goto out;
        }
    } else { /* frames 1..last frame with a face, per video */
        for (size_t r = 0; r < src.n_runs; r++) {
            size_t last = src.perm[src.starts[r + 1] - 1];
            for (int fr = 1; fr <= frames.frame[last]; fr++) abaw_table_row(&list, frames.video[last], fr, 1);
        }
        order = malloc((list.n ? list.n : 1) * sizeof *order);
        for (size_t r = 0; r < list.n; r++) order[r] = (long)r;
        n_order = list.n;
    }
    size_t n = list.n;
    rows = calloc(n ? n : 1, EMOC_N_CE * sizeof(double));
    lvid = malloc((n ? n : 1) * sizeof(int));
    lfr = malloc((n ? n : 1) * sizeof(int));
    q = malloc((n ? n : 1) * sizeof(int));
    abaw_group_by_video(&list, NULL, n, &perm, &starts, &n_runs);
    scr = malloc(abaw_source_scratch(&src, EMOC_N_CE) * sizeof(double));
    double *tmp = malloc((n ? n : 1) * EMOC_N_CE * sizeof(double));
    size_t flagged = 0, filled = 0;
    for (size_t i = 0; i < n; i++) lvid[i] = list.video[i], lfr[i] = list.frame[i];
    for (size_t r = 0; r < n_runs; r++) {
        size_t b = starts[r], m = starts[r + 1] - b;
        for (size_t i = 0; i < m; i++) q[i] = list.frame[perm[b + i]];
        int got = abaw_source_interpolate(&src, list.video[perm[b]], q, m, EMOC_N_CE, tmp, scr) == 1;
        for (size_t i = 0; i < m; i++) {
            if (got) memcpy(rows + perm[b + i] * EMOC_N_CE, tmp + i * EMOC_N_CE, EMOC_N_CE * sizeof(double));
            else flagged++;
            if (got && abaw_table_row(&frames, list.video[perm[b + i]], q[i], 0) < 0) filled++;
        }
    }
    free(tmp);
    if (abaw_smooth_columns(&sm.expr, lvid, lfr, perm, starts, n_runs, rows, n, EMOC_N_CE, 0, EMOC_N_CE)) {
        cli_error(cmd, "smoothing failed (bad options)");
        rc = EXIT_USAGE;
        goto out;
    }
    FILE *o = cli_outfile_begin(cmd, &outs[0]);
    FILE *so = o && scores_out ? cli_outfile_begin(cmd, &outs[1]) : NULL;
    if (!o || (scores_out && !so)) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    fprintf(o, "image_location");
    for (int c = 0; c < EMOC_N_CE; c++) fprintf(o, ",%s", emoc_ce_name(c));
    fputc('\n', o);
    if (so) {
        fprintf(so, "image");
        for (int c = 0; c < EMOC_N_CE; c++) fprintf(so, ",%s", emoc_ce_name(c));
        fputc('\n', so);
    }
    for (size_t i = 0; i < n_order; i++) {
        const double *s = rows + (size_t)order[i] * EMOC_N_CE;
        int video = list.video[order[i]], frame = list.frame[order[i]];
        abaw_write_image(o, &names, images, i, video, frame);
        fprintf(o, ",%d\n", emoc_argmax(s, EMOC_N_CE));
        if (so) {
            abaw_write_image(so, &names, images, i, video, frame);
            for (int c = 0; c < EMOC_N_CE; c++) fprintf(so, ",%.9g", s[c]);
            fputc('\n', so);
        }
    }
    if (so && cli_outfile_commit(cmd, &outs[1])) rc = EXIT_RUNTIME;
    if (cli_outfile_commit(cmd, &outs[0])) {
        rc = EXIT_RUNTIME;
    }
    if (filled) /* the documented fill rule, not an error: said so that no row passes unnoticed */
        cli_error(cmd, "note: %zu of %zu listed frames have no face row; filled from the same video "
                       "(linear interpolation between faced frames, nearest one before the first or after the last)",
                  filled, n);
    if (flagged) {
        cli_error(cmd, "%zu listed frames belong to videos without any face: written as class 0", flagged);
        if (!rc) rc = EXIT_PARTIAL;
    }
out:
    cli_outfile_close(&outs[0]);
    cli_outfile_close(&outs[1]);
    feat_free(&f);
    abaw_source_free(&src);
    abaw_table_free(&frames);
    abaw_table_free(&list);
    abaw_names_free(&names);
    free(order);
    free(images);
    free(fr_of_row);
    free(perm);
    free(starts);
    free(byframe);
    free(fstart);
    free(face7);
    free(vals);
    free(rows);
    free(buf);
    free(areas);
    free(scr);
    free(lvid);
    free(lfr);
    free(q);
    return rc;
}
