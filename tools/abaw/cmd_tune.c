/*
 * cmd_tune.c — `emoc tune`: validation-set search of the post-processing settings
 * (docs/models.md §7.2–7.3): blend weights per task (two score files), per-AU thresholds
 * (grid 0.1..0.9, finer with --au-step), and smoothing σ × δ per task. Prints the best values
 * and the matching `emoc mtl` options; writes every curve as CSV and SVG into the output
 * directory (metric against δ, one line per σ, like the paper's Figures 2–5).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/abaw/abaw_cli.h"
#include "tools/cli.h"

static const char *usage =
    "usage: emoc tune --scores A.csv [--scores B.csv] --labels FILE_OR_DIR [--labels ...] -o DIR\n"
    "                 [--kind gauss_code|gauss_paper|box|notebook] [--sigmas 10,100,...]\n"
    "                 [--deltas 0,1,5,...] [--au-step 0.1] [--blend-step 0.1]\n"
    "  score files come from `emoc mtl --scores-out` (no smoothing) on the validation list\n";

static const char *task_name[3] = {"va", "expr", "au"};
static const size_t task_col[3] = {0, 2, 10};

static void extract(const double *rows, size_t n, size_t col, size_t dim, double *out)
{
    for (size_t i = 0; i < n; i++) memcpy(out + i * dim, rows + i * ABAW_N_SCORES + col, dim * sizeof(double));
}

static void insert(double *rows, size_t n, size_t col, size_t dim, const double *in)
{
    for (size_t i = 0; i < n; i++) memcpy(rows + i * ABAW_N_SCORES + col, in + i * dim, dim * sizeof(double));
}

/* A grid step: NULL keeps *out; else a number in (0, 0.5]. */
static int parse_step(const char *cmd, const char *opt, const char *s, double *out)
{
    if (!s) return 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v > 0 && v <= 0.5)) {
        cli_error(cmd, "%s expects a number in (0, 0.5], got '%s'", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* Output files of the run: DIR/NAME opened for writing, closed with the error checked. A file
 * that cannot be written fails the run (exit 1) instead of vanishing: the printed `emoc mtl`
 * options point at au_thresholds.txt. */
static FILE *out_open(const char *cmd, const char *dir, const char *name, char *path, size_t cap, int *rc)
{
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_error(cmd, "cannot write '%s': %s", path, strerror(errno));
        *rc = EXIT_RUNTIME;
    }
    return f;
}

static void out_close(const char *cmd, FILE *f, const char *path, int *rc)
{
    if (!f) return;
    int bad = ferror(f);
    if (fclose(f) || bad) {
        cli_error(cmd, "error writing '%s'", path);
        *rc = EXIT_RUNTIME;
    }
}

static void out_svg(const char *cmd, int ok, const char *path, int *rc)
{
    if (ok) return;
    cli_error(cmd, "cannot write '%s'", path);
    *rc = EXIT_RUNTIME;
}

int cmd_tune(int argc, char **argv)
{
    const char *cmd = argv[0], *scores[2], *labels[8], *outdir = NULL, *kind_s = "gauss_code";
    int ns = 0, nl = 0;
    double sig[32] = {0.1, 1, 10, 100, 1000, 10000, 100000}, delta_d[32] = {0, 1, 2, 5, 10, 20, 50, 100};
    int n_sig = 7, n_del = 8;
    double au_step = 0.1, blend_step = 0.1;
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, NULL);
    const char *sig_s = NULL, *del_s = NULL, *au_step_s = NULL, *blend_step_s = NULL;
    for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
        if (strcmp(a, "--scores") == 0 || strcmp(a, "--labels") == 0) {
            int is_scores = a[2] == 's';
            if (is_scores ? ns == 2 : nl == 8) {
                cli_error(cmd, "at most %s %s files", is_scores ? "two" : "eight", a);
                return EXIT_USAGE;
            }
            if (is_scores) scores[ns++] = v;
            else labels[nl++] = v;
        } else if (strcmp(a, "-o") == 0) outdir = v;
        else if (strcmp(a, "--kind") == 0) kind_s = v;
        else if (strcmp(a, "--sigmas") == 0) sig_s = v, n_sig = abaw_parse_doubles(v, sig, 32);
        else if (strcmp(a, "--deltas") == 0) del_s = v, n_del = abaw_parse_doubles(v, delta_d, 32);
        else if (strcmp(a, "--au-step") == 0) au_step_s = v;
        else if (strcmp(a, "--blend-step") == 0) blend_step_s = v;
        else return cli_opts_unknown(&scan, a);
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    emoc_smooth_kind kind = strcmp(kind_s, "gauss_code") == 0    ? EMOC_SMOOTH_GAUSS_CODE
                            : strcmp(kind_s, "gauss_paper") == 0 ? EMOC_SMOOTH_GAUSS_PAPER
                            : strcmp(kind_s, "box") == 0         ? EMOC_SMOOTH_BOX
                            : strcmp(kind_s, "notebook") == 0    ? EMOC_SMOOTH_ABAW7_NOTEBOOK
                                                                 : EMOC_SMOOTH_NONE;
    /* each problem named on its own: a catch-all message left users guessing which option */
    if (!ns || !nl || !outdir) {
        cli_error(cmd, "--scores, --labels and -o are required\n%s", usage);
        return EXIT_USAGE;
    }
    if (kind == EMOC_SMOOTH_NONE) {
        cli_error(cmd, "--kind expects gauss_code, gauss_paper, box or notebook, got '%s'", kind_s);
        return EXIT_USAGE;
    }
    if (n_sig < 1 || n_del < 1) {
        cli_error(cmd, "%s expects up to 32 comma-separated finite numbers, got '%s'",
                  n_sig < 1 ? "--sigmas" : "--deltas", n_sig < 1 ? sig_s : del_s);
        return EXIT_USAGE;
    }
    if (parse_step(cmd, "--au-step", au_step_s, &au_step) || parse_step(cmd, "--blend-step", blend_step_s, &blend_step))
        return EXIT_USAGE;
    if (kind == EMOC_SMOOTH_BOX) n_sig = 1, sig[0] = 1.0;
    int del[32];
    for (int i = 0; i < n_del; i++) {
        if (delta_d[i] < 0 || delta_d[i] > 100000) {
            cli_error(cmd, "--deltas must be in 0..100000");
            return EXIT_USAGE;
        }
        del[i] = (int)delta_d[i];
    }
    struct stat sb;
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        cli_error(cmd, "cannot create directory '%s': %s", outdir, strerror(errno));
        return EXIT_RUNTIME;
    }
    if (stat(outdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        cli_error(cmd, "-o '%s' exists and is not a directory", outdir);
        return EXIT_RUNTIME;
    }
    char err[1024];
    int rc = EXIT_OK;
    abaw_names names = {0};
    abaw_table S[2], L;
    abaw_table_init(&S[0], &names);
    abaw_table_init(&S[1], &names);
    abaw_table_init(&L, &names);
    emoc_status st = EMOC_OK;
    for (int m = 0; !st && m < ns; m++) {
        st = abaw_load(&S[m], scores[m], err, sizeof err);
        if (!st && !S[m].has_scores) {
            snprintf(err, sizeof err, "%s: not a score file (write one with emoc mtl --scores-out)", scores[m]);
            st = EMOC_E_FORMAT;
        }
    }
    for (int i = 0; !st && i < nl; i++) st = abaw_load(&L, labels[i], err, sizeof err);
    if (st) {
        cli_error(cmd, "%s", err);
        abaw_table_free(&S[0]);
        abaw_table_free(&S[1]);
        abaw_table_free(&L);
        abaw_names_free(&names);
        return cli_exit_for_status(st);
    }
    size_t n = S[0].n, *perm, *starts, n_runs;
    abaw_group_by_video(&S[0], NULL, n, &perm, &starts, &n_runs);
    double *A = malloc(n * ABAW_N_SCORES * sizeof(double)), *B = malloc(n * ABAW_N_SCORES * sizeof(double));
    double *va = malloc(n * 2 * sizeof(double));
    int *ex = malloc(n * sizeof(int)), *au = malloc(n * EMOC_N_AU * sizeof(int));
    int *vid = malloc(n * sizeof(int)), *fr = malloc(n * sizeof(int));
    double *ta = malloc(n * EMOC_N_AU * sizeof(double)), *tb = malloc(n * EMOC_N_AU * sizeof(double));
    void *scratch = malloc(emoc_tune_scratch_size(EMOC_TASK_AU, n));
    for (size_t i = 0; i < n; i++) {
        size_t r = perm[i];
        vid[i] = S[0].video[r];
        fr[i] = S[0].frame[r];
        memcpy(A + i * ABAW_N_SCORES, S[0].scores + r * ABAW_N_SCORES, ABAW_N_SCORES * sizeof(double));
        if (ns == 2) {
            long q = abaw_table_row(&S[1], vid[i], fr[i], 0);
            if (q < 0) {
                cli_error(cmd, "%s has no row for %s/%05d.jpg (both score files must cover the same list)",
                          scores[1], names.name[vid[i]], fr[i]);
                rc = EXIT_INPUT;
                goto out;
            }
            memcpy(B + i * ABAW_N_SCORES, S[1].scores + (size_t)q * ABAW_N_SCORES, ABAW_N_SCORES * sizeof(double));
        }
        long l = abaw_table_row(&L, vid[i], fr[i], 0);
        va[2 * i] = l >= 0 ? L.va[2 * l] : -5;
        va[2 * i + 1] = l >= 0 ? L.va[2 * l + 1] : -5;
        ex[i] = l >= 0 ? L.expr[l] : -1;
        for (int k = 0; k < EMOC_N_AU; k++) au[i * EMOC_N_AU + k] = l >= 0 ? L.au[l * EMOC_N_AU + k] : -1;
    }
    emoc_mtl_labels lab = {n, va, ex, au};
    char path[4096];
    double blend_best[3] = {1, 1, 1};
    if (ns == 2) {
        double grid[64], curves[3 * 64];
        size_t ng = emoc_grid(0.0, 1.0, blend_step, grid, 64);
        for (int t = 0; t < 3; t++) {
            size_t dim = (size_t)emoc_task_dim((emoc_task)t);
            extract(A, n, task_col[t], dim, ta);
            extract(B, n, task_col[t], dim, tb);
            double bm;
            emoc_tune_blend((emoc_task)t, ta, tb, &lab, NULL, grid, ng, scratch, curves + t * ng, &blend_best[t], &bm);
            emoc_blend(ta, tb, n * dim, blend_best[t], ta);
            insert(A, n, task_col[t], dim, ta);
            printf("blend %-4s w = %.2f  metric %.4f (A alone %.4f, B alone %.4f)\n", task_name[t], blend_best[t],
                   bm, curves[t * ng + ng - 1], curves[t * ng]);
        }
        FILE *f = out_open(cmd, outdir, "blend.csv", path, sizeof path, &rc);
        if (f) {
            fprintf(f, "w,p_va,f1_expr,f1_au\n");
            for (size_t g = 0; g < ng; g++)
                fprintf(f, "%g,%.6f,%.6f,%.6f\n", grid[g], curves[g], curves[ng + g], curves[2 * ng + g]);
            out_close(cmd, f, path, &rc);
        }
        const char *sn[3] = {"P_VA", "F1 EXPR", "F1 AU"};
        snprintf(path, sizeof path, "%s/blend.svg", outdir);
        out_svg(cmd, !abaw_write_svg(path, "Blending weight of model A", "w", "metric", grid, ng, curves, 3, sn, 0),
                path, &rc);
    }
    /* AU thresholds */
    double grid[256], thr[EMOC_N_AU], f1[EMOC_N_AU];
    size_t ng = emoc_grid(au_step, 1.0 - au_step + 1e-9, au_step, grid, 256);
    double *curve = malloc(EMOC_N_AU * ng * sizeof(double));
    extract(A, n, 10, EMOC_N_AU, ta);
    emoc_tune_au_thresholds(ta, au, n, grid, ng, thr, f1, curve);
    double half_f1 = NAN, tuned_f1 = 0;
    emoc_task_metric(EMOC_TASK_AU, ta, &lab, NULL, scratch, &half_f1);
    emoc_task_metric(EMOC_TASK_AU, ta, &lab, thr, scratch, &tuned_f1);
    printf("AU thresholds:");
    for (int k = 0; k < EMOC_N_AU; k++) printf(" %g", thr[k]);
    printf("\n  mean F1 %.4f tuned vs %.4f at 0.5\n", tuned_f1, half_f1);
    FILE *f = out_open(cmd, outdir, "au_thresholds.txt", path, sizeof path, &rc);
    if (f) {
        for (int k = 0; k < EMOC_N_AU; k++) fprintf(f, "%g%s", thr[k], k < 11 ? "," : "\n");
        out_close(cmd, f, path, &rc);
    }
    if ((f = out_open(cmd, outdir, "au_thresholds.csv", path, sizeof path, &rc))) {
        fprintf(f, "threshold");
        for (int k = 0; k < EMOC_N_AU; k++) fprintf(f, ",%s", emoc_au_name(k));
        fputc('\n', f);
        for (size_t g = 0; g < ng; g++) {
            fprintf(f, "%g", grid[g]);
            for (int k = 0; k < EMOC_N_AU; k++) fprintf(f, ",%.6f", curve[k * ng + g]);
            fputc('\n', f);
        }
        out_close(cmd, f, path, &rc);
    }
    const char *aun[EMOC_N_AU];
    for (int k = 0; k < EMOC_N_AU; k++) aun[k] = emoc_au_name(k);
    snprintf(path, sizeof path, "%s/au_thresholds.svg", outdir);
    out_svg(cmd, !abaw_write_svg(path, "Per-AU F1 against threshold", "threshold", "F1", grid, ng, curve, EMOC_N_AU, aun, 0),
            path, &rc);
    free(curve);
    /* smoothing per task */
    double best_sigma[3];
    int best_delta[3];
    double *sc = malloc((size_t)n_sig * (size_t)n_del * sizeof(double));
    double *tr = malloc((size_t)n_sig * (size_t)n_del * sizeof(double)), *dx = malloc((size_t)n_del * sizeof(double));
    char **sname = malloc((size_t)n_sig * sizeof(char *));
    for (int s = 0; s < n_sig; s++) {
        sname[s] = malloc(32);
        snprintf(sname[s], 32, kind == EMOC_SMOOTH_BOX ? "box" : "sigma %g", sig[s]);
    }
    for (int d = 0; d < n_del; d++) dx[d] = del[d];
    for (int t = 0; t < 3; t++) {
        size_t dim = (size_t)emoc_task_dim((emoc_task)t);
        extract(A, n, task_col[t], dim, ta);
        double bm;
        st = emoc_tune_smooth((emoc_task)t, kind, vid, fr, ta, &lab, t == 2 ? thr : NULL, sig, (size_t)n_sig, del,
                              (size_t)n_del, scratch, sc, &best_sigma[t], &best_delta[t], &bm);
        if (st) {
            cli_error(cmd, "smoothing search failed for %s (frames must be unique per video)", task_name[t]);
            rc = EXIT_INPUT;
            break;
        }
        printf("smooth %-4s best sigma %g delta %d  metric %.4f (unsmoothed %.4f)\n", task_name[t], best_sigma[t],
               best_delta[t], bm, sc[0]);
        /* delta = 0 is the unsmoothed baseline only if the first delta is 0 */
        char name[32];
        snprintf(name, sizeof name, "smooth_%s.csv", task_name[t]);
        if ((f = out_open(cmd, outdir, name, path, sizeof path, &rc))) {
            fprintf(f, "sigma,delta,metric\n");
            for (int s = 0; s < n_sig; s++)
                for (int d = 0; d < n_del; d++) fprintf(f, "%g,%d,%.6f\n", sig[s], del[d], sc[s * n_del + d]);
            out_close(cmd, f, path, &rc);
        }
        snprintf(path, sizeof path, "%s/smooth_%s.svg", outdir, task_name[t]);
        char title[128];
        snprintf(title, sizeof title, "%s: %s smoothing, metric against delta", task_name[t], kind_s);
        out_svg(cmd, !abaw_write_svg(path, title, "delta (frames)", t == 0 ? "P_VA" : "F1", dx, (size_t)n_del, sc,
                                     (size_t)n_sig, (const char *const *)sname, 0),
                path, &rc);
    }
    if (!rc) {
        const char *ks = kind == EMOC_SMOOTH_BOX ? "box" : kind_s;
        printf("\nemoc mtl options:%s%s", ns == 2 ? " --blend " : "", "");
        if (ns == 2) printf("va=%g,expr=%g,au=%g", blend_best[0], blend_best[1], blend_best[2]);
        printf(" --au-thresholds %s/au_thresholds.txt --smooth ", outdir);
        for (int t = 0; t < 3; t++) {
            if (best_delta[t] == 0) printf("%s=none", task_name[t]);
            else if (kind == EMOC_SMOOTH_BOX) printf("%s=box:%d", task_name[t], best_delta[t]);
            else printf("%s=%s:%g:%d", task_name[t], ks, best_sigma[t], best_delta[t]);
            printf(t < 2 ? "," : "\n");
        }
    }
    for (int s = 0; s < n_sig; s++) free(sname[s]);
    free(sname);
    free(sc);
    free(tr);
    free(dx);
out:
    free(perm);
    free(starts);
    free(A);
    free(B);
    free(va);
    free(ex);
    free(au);
    free(vid);
    free(fr);
    free(ta);
    free(tb);
    free(scratch);
    abaw_table_free(&S[0]);
    abaw_table_free(&S[1]);
    abaw_table_free(&L);
    abaw_names_free(&names);
    return rc;
}
