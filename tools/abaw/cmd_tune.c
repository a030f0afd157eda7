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

typedef struct tune_args {
    const char *scores[2], *labels[8], *outdir, *kind_s;
    int ns, nl, n_sig, n_del;
    double sig[32], au_step, blend_step;
    int del[32];
    emoc_smooth_kind kind;
} tune_args;

/* The validation rows in video/frame order: model A's (and B's) scores and the labels. */
typedef struct tune_data {
    size_t n;
    double *A, *B, *va, *ta, *tb;
    int *ex, *au, *vid, *fr;
    void *scratch;
    emoc_mtl_labels lab;
} tune_data;

/* One scanned option: -1 when read, -2 when unknown, else the exit code (message printed). */
static int tune_option(tune_args *a, const char *cmd, const char *o, const char *v, double *delta_d,
                       const char **sig_s, const char **del_s, const char **au_step_s, const char **blend_step_s)
{
    if (strcmp(o, "--scores") == 0 || strcmp(o, "--labels") == 0) {
        int is_scores = o[2] == 's';
        if (is_scores ? a->ns == 2 : a->nl == 8) {
            cli_error(cmd, "at most %s %s files", is_scores ? "two" : "eight", o);
            return EXIT_USAGE;
        }
        if (is_scores) a->scores[a->ns++] = v;
        else a->labels[a->nl++] = v;
    } else if (strcmp(o, "-o") == 0) a->outdir = v;
    else if (strcmp(o, "--kind") == 0) a->kind_s = v;
    else if (strcmp(o, "--sigmas") == 0) *sig_s = v, a->n_sig = abaw_parse_doubles(v, a->sig, 32);
    else if (strcmp(o, "--deltas") == 0) *del_s = v, a->n_del = abaw_parse_doubles(v, delta_d, 32);
    else if (strcmp(o, "--au-step") == 0) *au_step_s = v;
    else if (strcmp(o, "--blend-step") == 0) *blend_step_s = v;
    else return -2;
    return -1;
}

static emoc_smooth_kind kind_of(const char *s)
{
    return strcmp(s, "gauss_code") == 0    ? EMOC_SMOOTH_GAUSS_CODE
           : strcmp(s, "gauss_paper") == 0 ? EMOC_SMOOTH_GAUSS_PAPER
           : strcmp(s, "box") == 0         ? EMOC_SMOOTH_BOX
           : strcmp(s, "notebook") == 0    ? EMOC_SMOOTH_ABAW7_NOTEBOOK
                                           : EMOC_SMOOTH_NONE;
}

/* -1 when the command line is complete and consistent, else the exit code (message printed). */
static int tune_parse(int argc, char **argv, tune_args *a)
{
    const char *cmd = argv[0], *sig_s = NULL, *del_s = NULL, *au_step_s = NULL, *blend_step_s = NULL;
    double delta_d[32] = {0, 1, 2, 5, 10, 20, 50, 100};
    static const double sig0[] = {0.1, 1, 10, 100, 1000, 10000, 100000};
    memset(a, 0, sizeof *a);
    memcpy(a->sig, sig0, sizeof sig0);
    a->n_sig = 7, a->n_del = 8, a->au_step = 0.1, a->blend_step = 0.1, a->kind_s = "gauss_code";
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, NULL);
    for (const char *o, *v; cli_opts_next(&scan, &o, &v);) {
        int rc = tune_option(a, cmd, o, v, delta_d, &sig_s, &del_s, &au_step_s, &blend_step_s);
        if (rc == -2) return cli_opts_unknown(&scan, o);
        if (rc >= 0) return rc;
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    a->kind = kind_of(a->kind_s);
    /* each problem named on its own: a catch-all message left users guessing which option */
    if (!a->ns || !a->nl || !a->outdir) {
        cli_error(cmd, "--scores, --labels and -o are required\n%s", usage);
        return EXIT_USAGE;
    }
    if (a->kind == EMOC_SMOOTH_NONE) {
        cli_error(cmd, "--kind expects gauss_code, gauss_paper, box or notebook, got '%s'", a->kind_s);
        return EXIT_USAGE;
    }
    if (a->n_sig < 1 || a->n_del < 1) {
        cli_error(cmd, "%s expects up to 32 comma-separated finite numbers, got '%s'",
                  a->n_sig < 1 ? "--sigmas" : "--deltas", a->n_sig < 1 ? sig_s : del_s);
        return EXIT_USAGE;
    }
    if (parse_step(cmd, "--au-step", au_step_s, &a->au_step) ||
        parse_step(cmd, "--blend-step", blend_step_s, &a->blend_step))
        return EXIT_USAGE;
    if (a->kind == EMOC_SMOOTH_BOX) a->n_sig = 1, a->sig[0] = 1.0;
    for (int i = 0; i < a->n_del; i++) {
        if (delta_d[i] < 0 || delta_d[i] > 100000) {
            cli_error(cmd, "--deltas must be in 0..100000");
            return EXIT_USAGE;
        }
        a->del[i] = (int)delta_d[i];
    }
    return -1;
}

/* -o DIR made (or already a directory). -1 or EXIT_RUNTIME (message printed). */
static int make_outdir(const char *cmd, const char *outdir)
{
    struct stat sb;
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        cli_error(cmd, "cannot create directory '%s': %s", outdir, strerror(errno));
        return EXIT_RUNTIME;
    }
    if (stat(outdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        cli_error(cmd, "-o '%s' exists and is not a directory", outdir);
        return EXIT_RUNTIME;
    }
    return -1;
}

/* Score files into S[0..ns), labels into L. -1 or the exit code (message printed). */
static int tune_load(const tune_args *a, const char *cmd, abaw_table S[2], abaw_table *L)
{
    char err[1024];
    emoc_status st = EMOC_OK;
    for (int m = 0; !st && m < a->ns; m++) {
        st = abaw_load(&S[m], a->scores[m], err, sizeof err);
        if (!st && !S[m].has_scores) {
            snprintf(err, sizeof err, "%s: not a score file (write one with emoc mtl --scores-out)", a->scores[m]);
            st = EMOC_E_FORMAT;
        }
    }
    for (int i = 0; !st && i < a->nl; i++) st = abaw_load(L, a->labels[i], err, sizeof err);
    if (!st) return -1;
    cli_error(cmd, "%s", err);
    return cli_exit_for_status(st);
}

static void data_free(tune_data *d)
{
    free(d->A);
    free(d->B);
    free(d->va);
    free(d->ex);
    free(d->au);
    free(d->vid);
    free(d->fr);
    free(d->ta);
    free(d->tb);
    free(d->scratch);
}

/* A's rows grouped by video in frame order, B's row and the labels of each (missing labels: VA
 * -5, EXPR and AU -1). -1, or EXIT_INPUT when B lacks one of A's frames (message printed). */
static int tune_gather(const tune_args *a, const char *cmd, abaw_table S[2], abaw_table *L, tune_data *d)
{
    size_t n = S[0].n, *perm, *starts, n_runs;
    abaw_group_by_video(&S[0], NULL, n, &perm, &starts, &n_runs);
    d->n = n;
    d->A = malloc(n * ABAW_N_SCORES * sizeof(double)), d->B = malloc(n * ABAW_N_SCORES * sizeof(double));
    d->va = malloc(n * 2 * sizeof(double));
    d->ex = malloc(n * sizeof(int)), d->au = malloc(n * EMOC_N_AU * sizeof(int));
    d->vid = malloc(n * sizeof(int)), d->fr = malloc(n * sizeof(int));
    d->ta = malloc(n * EMOC_N_AU * sizeof(double)), d->tb = malloc(n * EMOC_N_AU * sizeof(double));
    d->scratch = malloc(emoc_tune_scratch_size(EMOC_TASK_AU, n));
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        size_t r = perm[i];
        d->vid[i] = S[0].video[r];
        d->fr[i] = S[0].frame[r];
        memcpy(d->A + i * ABAW_N_SCORES, S[0].scores + r * ABAW_N_SCORES, ABAW_N_SCORES * sizeof(double));
        if (a->ns == 2) {
            long q = abaw_table_row(&S[1], d->vid[i], d->fr[i], 0);
            if (q < 0) {
                cli_error(cmd, "%s has no row for %s/%05d.jpg (both score files must cover the same list)",
                          a->scores[1], S[0].names->name[d->vid[i]], d->fr[i]);
                rc = EXIT_INPUT;
                break;
            }
            memcpy(d->B + i * ABAW_N_SCORES, S[1].scores + (size_t)q * ABAW_N_SCORES, ABAW_N_SCORES * sizeof(double));
        }
        long l = abaw_table_row(L, d->vid[i], d->fr[i], 0);
        d->va[2 * i] = l >= 0 ? L->va[2 * l] : -5;
        d->va[2 * i + 1] = l >= 0 ? L->va[2 * l + 1] : -5;
        d->ex[i] = l >= 0 ? L->expr[l] : -1;
        for (int k = 0; k < EMOC_N_AU; k++) d->au[i * EMOC_N_AU + k] = l >= 0 ? L->au[l * EMOC_N_AU + k] : -1;
    }
    d->lab = (emoc_mtl_labels){n, d->va, d->ex, d->au};
    free(perm);
    free(starts);
    return rc;
}

/* Two score files: the blend weight per task on the grid; A becomes the blend. Writes
 * blend.csv and blend.svg. */
static void tune_blend(const tune_args *a, const char *cmd, tune_data *d, double best[3], int *rc)
{
    double grid[64], curves[3 * 64];
    char path[4096];
    size_t ng = emoc_grid(0.0, 1.0, a->blend_step, grid, 64), n = d->n;
    for (int t = 0; t < 3; t++) {
        size_t dim = (size_t)emoc_task_dim((emoc_task)t);
        extract(d->A, n, task_col[t], dim, d->ta);
        extract(d->B, n, task_col[t], dim, d->tb);
        double bm;
        emoc_tune_blend((emoc_task)t, d->ta, d->tb, &d->lab, NULL, grid, ng, d->scratch, curves + t * ng, &best[t], &bm);
        emoc_blend(d->ta, d->tb, n * dim, best[t], d->ta);
        insert(d->A, n, task_col[t], dim, d->ta);
        printf("blend %-4s w = %.2f  metric %.4f (A alone %.4f, B alone %.4f)\n", task_name[t], best[t],
               bm, curves[t * ng + ng - 1], curves[t * ng]);
    }
    FILE *f = out_open(cmd, a->outdir, "blend.csv", path, sizeof path, rc);
    if (f) {
        fprintf(f, "w,p_va,f1_expr,f1_au\n");
        for (size_t g = 0; g < ng; g++)
            fprintf(f, "%g,%.6f,%.6f,%.6f\n", grid[g], curves[g], curves[ng + g], curves[2 * ng + g]);
        out_close(cmd, f, path, rc);
    }
    const char *sn[3] = {"P_VA", "F1 EXPR", "F1 AU"};
    snprintf(path, sizeof path, "%s/blend.svg", a->outdir);
    out_svg(cmd, !abaw_write_svg(path, "Blending weight of model A", "w", "metric", grid, ng, curves, 3, sn, 0),
            path, rc);
}

/* au_thresholds.txt (the `emoc mtl --au-thresholds` file), .csv and .svg (F1 per AU against
 * the threshold). */
static void write_au_files(const tune_args *a, const char *cmd, const double thr[EMOC_N_AU], const double *grid,
                           size_t ng, const double *curve, int *rc)
{
    char path[4096];
    FILE *f = out_open(cmd, a->outdir, "au_thresholds.txt", path, sizeof path, rc);
    if (f) {
        for (int k = 0; k < EMOC_N_AU; k++) fprintf(f, "%g%s", thr[k], k < 11 ? "," : "\n");
        out_close(cmd, f, path, rc);
    }
    if ((f = out_open(cmd, a->outdir, "au_thresholds.csv", path, sizeof path, rc))) {
        fprintf(f, "threshold");
        for (int k = 0; k < EMOC_N_AU; k++) fprintf(f, ",%s", emoc_au_name(k));
        fputc('\n', f);
        for (size_t g = 0; g < ng; g++) {
            fprintf(f, "%g", grid[g]);
            for (int k = 0; k < EMOC_N_AU; k++) fprintf(f, ",%.6f", curve[k * ng + g]);
            fputc('\n', f);
        }
        out_close(cmd, f, path, rc);
    }
    const char *aun[EMOC_N_AU];
    for (int k = 0; k < EMOC_N_AU; k++) aun[k] = emoc_au_name(k);
    snprintf(path, sizeof path, "%s/au_thresholds.svg", a->outdir);
    out_svg(cmd, !abaw_write_svg(path, "Per-AU F1 against threshold", "threshold", "F1", grid, ng, curve, EMOC_N_AU,
                                 aun, 0),
            path, rc);
}

/* Per-AU thresholds on the grid (au-step … 1 - au-step), printed and written. */
static void tune_au(const tune_args *a, const char *cmd, tune_data *d, double thr[EMOC_N_AU], int *rc)
{
    double grid[256], f1[EMOC_N_AU];
    size_t ng = emoc_grid(a->au_step, 1.0 - a->au_step + 1e-9, a->au_step, grid, 256);
    double *curve = malloc(EMOC_N_AU * ng * sizeof(double));
    extract(d->A, d->n, 10, EMOC_N_AU, d->ta);
    emoc_tune_au_thresholds(d->ta, d->au, d->n, grid, ng, thr, f1, curve);
    double half_f1 = NAN, tuned_f1 = 0;
    emoc_task_metric(EMOC_TASK_AU, d->ta, &d->lab, NULL, d->scratch, &half_f1);
    emoc_task_metric(EMOC_TASK_AU, d->ta, &d->lab, thr, d->scratch, &tuned_f1);
    printf("AU thresholds:");
    for (int k = 0; k < EMOC_N_AU; k++) printf(" %g", thr[k]);
    printf("\n  mean F1 %.4f tuned vs %.4f at 0.5\n", tuned_f1, half_f1);
    write_au_files(a, cmd, thr, grid, ng, curve, rc);
    free(curve);
}

/* smooth_TASK.csv and .svg: the metric over sigma × delta (one curve per sigma). */
static void write_smooth_files(const tune_args *a, const char *cmd, int t, const double *sc, int *rc)
{
    char path[4096], name[32], title[128];
    double dx[32];
    char sname[32][32];
    const char *sn[32];
    for (int s = 0; s < a->n_sig; s++) {
        snprintf(sname[s], 32, a->kind == EMOC_SMOOTH_BOX ? "box" : "sigma %g", a->sig[s]);
        sn[s] = sname[s];
    }
    for (int k = 0; k < a->n_del; k++) dx[k] = a->del[k];
    snprintf(name, sizeof name, "smooth_%s.csv", task_name[t]);
    FILE *f = out_open(cmd, a->outdir, name, path, sizeof path, rc);
    if (f) {
        fprintf(f, "sigma,delta,metric\n");
        for (int s = 0; s < a->n_sig; s++)
            for (int k = 0; k < a->n_del; k++) fprintf(f, "%g,%d,%.6f\n", a->sig[s], a->del[k], sc[s * a->n_del + k]);
        out_close(cmd, f, path, rc);
    }
    snprintf(path, sizeof path, "%s/smooth_%s.svg", a->outdir, task_name[t]);
    snprintf(title, sizeof title, "%s: %s smoothing, metric against delta", task_name[t], a->kind_s);
    out_svg(cmd, !abaw_write_svg(path, title, "delta (frames)", t == 0 ? "P_VA" : "F1", dx, (size_t)a->n_del, sc,
                                 (size_t)a->n_sig, sn, 0),
            path, rc);
}

/* The smoothing search per task (AU decided with the tuned thresholds). */
static void tune_smooth(const tune_args *a, const char *cmd, tune_data *d, const double thr[EMOC_N_AU],
                        double best_sigma[3], int best_delta[3], int *rc)
{
    double *sc = malloc((size_t)a->n_sig * (size_t)a->n_del * sizeof(double));
    for (int t = 0; t < 3; t++) {
        size_t dim = (size_t)emoc_task_dim((emoc_task)t);
        extract(d->A, d->n, task_col[t], dim, d->ta);
        double bm;
        emoc_status st = emoc_tune_smooth((emoc_task)t, a->kind, d->vid, d->fr, d->ta, &d->lab, t == 2 ? thr : NULL,
                                          a->sig, (size_t)a->n_sig, a->del, (size_t)a->n_del, d->scratch, sc,
                                          &best_sigma[t], &best_delta[t], &bm);
        if (st) {
            cli_error(cmd, "smoothing search failed for %s (frames must be unique per video)", task_name[t]);
            *rc = EXIT_INPUT;
            break;
        }
        printf("smooth %-4s best sigma %g delta %d  metric %.4f (unsmoothed %.4f)\n", task_name[t], best_sigma[t],
               best_delta[t], bm, sc[0]);
        /* delta = 0 is the unsmoothed baseline only if the first delta is 0 */
        write_smooth_files(a, cmd, t, sc, rc);
    }
    free(sc);
}

/* The `emoc mtl` options that apply what was found. */
static void print_mtl_options(const tune_args *a, const double blend[3], const double best_sigma[3],
                              const int best_delta[3])
{
    const char *ks = a->kind == EMOC_SMOOTH_BOX ? "box" : a->kind_s;
    printf("\nemoc mtl options:%s%s", a->ns == 2 ? " --blend " : "", "");
    if (a->ns == 2) printf("va=%g,expr=%g,au=%g", blend[0], blend[1], blend[2]);
    printf(" --au-thresholds %s/au_thresholds.txt --smooth ", a->outdir);
    for (int t = 0; t < 3; t++) {
        if (best_delta[t] == 0) printf("%s=none", task_name[t]);
        else if (a->kind == EMOC_SMOOTH_BOX) printf("%s=box:%d", task_name[t], best_delta[t]);
        else printf("%s=%s:%g:%d", task_name[t], ks, best_sigma[t], best_delta[t]);
        printf(t < 2 ? "," : "\n");
    }
}

int cmd_tune(int argc, char **argv)
{
    const char *cmd = argv[0];
    tune_args a;
    int rc = tune_parse(argc, argv, &a);
    if (rc < 0) rc = make_outdir(cmd, a.outdir);
    if (rc >= 0) return rc;
    abaw_names names = {0};
    abaw_table S[2], L;
    abaw_table_init(&S[0], &names);
    abaw_table_init(&S[1], &names);
    abaw_table_init(&L, &names);
    tune_data d;
    memset(&d, 0, sizeof d);
    rc = tune_load(&a, cmd, S, &L);
    if (rc < 0) rc = tune_gather(&a, cmd, S, &L, &d);
    if (rc < 0) {
        double blend[3] = {1, 1, 1}, thr[EMOC_N_AU], best_sigma[3];
        int best_delta[3];
        rc = EXIT_OK;
        if (a.ns == 2) tune_blend(&a, cmd, &d, blend, &rc);
        tune_au(&a, cmd, &d, thr, &rc);
        tune_smooth(&a, cmd, &d, thr, best_sigma, best_delta, &rc);
        if (!rc) print_mtl_options(&a, blend, best_sigma, best_delta);
    }
    data_free(&d);
    abaw_table_free(&S[0]);
    abaw_table_free(&S[1]);
    abaw_table_free(&L);
    abaw_names_free(&names);
    return rc;
}
