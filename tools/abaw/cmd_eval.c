/*
 * cmd_eval.c — `emoc eval`: every ABAW metric of a prediction file against annotations (both
 * layouts: per-video uni-task files in a directory, or the s-Aff-Wild2 single file). Frames are
 * matched by (video, frame); missing labels are skipped per task; a labelled frame without a
 * prediction is counted (n_unmatched) and skipped. Tasks with no labelled, predicted frame are
 * reported as null.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tools/abaw/abaw_cli.h"
#include "tools/cli.h"

static const char *usage =
    "usage: emoc eval --pred FILE --labels FILE_OR_DIR [--labels ...] [--pred2 FILE] [--json]\n"
    "                 [--drop-other]\n"
    "  --pred2 FILE    also report Cohen's kappa between the two prediction sets (EXPR)\n"
    "  --drop-other    frames labelled Other are skipped, EXPR F1 averages the 7 basic classes\n"
    "  FILE: an `emoc mtl` / `emoc ce` submission, a uni-task submission or a score file\n";

static void jnum(FILE *f, const char *key, double v, int comma)
{
    if (isfinite(v)) fprintf(f, "\"%s\":%.10g%s", key, v, comma ? "," : "");
    else fprintf(f, "\"%s\":null%s", key, comma ? "," : "");
}

static void jarr(FILE *f, const char *key, const double *v, int n, int valid)
{
    fprintf(f, "\"%s\":", key);
    if (!valid) {
        fprintf(f, "null,");
        return;
    }
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (isfinite(v[i])) fprintf(f, "%.10g", v[i]);
        else fputs("null", f);
        if (i + 1 < n) fputc(',', f);
    }
    fprintf(f, "],");
}

typedef struct eval_args {
    const char *pred, *pred2, *labels[8];
    int nl, json, drop_other;
} eval_args;

/* The labelled frames that have a prediction (m of the n labelled ones), as flat arrays. */
typedef struct eval_pairs {
    size_t n, m, unmatched, expr_none;
    double *pv, *tv, *scratch;
    int *pe, *te, *pa, *ta, *pc, *tc, *qe;
} eval_pairs;

typedef struct eval_result {
    emoc_va_metrics va;
    emoc_expr_metrics ex, ce;
    emoc_au_metrics au;
    int do_va, do_ex, do_au, do_ce;
    double kl, kappa, p_va, f1e, f1a, p_mtl;
} eval_result;

/* -1 when the command line is complete, else the exit code (message printed). */
static int eval_parse(int argc, char **argv, eval_args *a)
{
    const char *cmd = argv[0];
    static const char *const flags[] = {"--json", "--drop-other", NULL};
    memset(a, 0, sizeof *a);
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, flags);
    for (const char *o, *v; cli_opts_next(&scan, &o, &v);) {
        if (strcmp(o, "--json") == 0) a->json = 1;
        else if (strcmp(o, "--drop-other") == 0) a->drop_other = 1;
        else if (strcmp(o, "--pred") == 0) a->pred = v;
        else if (strcmp(o, "--pred2") == 0) a->pred2 = v;
        else if (strcmp(o, "--labels") == 0) {
            if (a->nl == 8) { /* said as such, not as an "unknown option" */
                cli_error(cmd, "at most eight --labels files or directories");
                return EXIT_USAGE;
            }
            a->labels[a->nl++] = v;
        }
        else return cli_opts_unknown(&scan, o);
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!a->pred || !a->nl) {
        cli_error(cmd, "--pred and --labels are required\n%s", usage);
        return EXIT_USAGE;
    }
    return -1;
}

/* Score files carry probabilities: decide them (argmax / 0.5) into P's label columns. */
static void decide_scores(abaw_table *P)
{
    for (size_t r = 0; r < P->n; r++) {
        const double *s = P->scores + r * ABAW_N_SCORES;
        P->va[2 * r] = s[0], P->va[2 * r + 1] = s[1];
        P->expr[r] = emoc_argmax(s + 2, EMOC_N_EXPR);
        for (int k = 0; k < EMOC_N_AU; k++) P->au[r * EMOC_N_AU + k] = s[10 + k] >= 0.5;
    }
    P->has_va = P->has_expr = P->has_au = 1;
}

static void pairs_free(eval_pairs *e)
{
    free(e->pv);
    free(e->tv);
    free(e->scratch);
    free(e->pe);
    free(e->te);
    free(e->pa);
    free(e->ta);
    free(e->pc);
    free(e->tc);
    free(e->qe);
}

/* Matches each labelled frame of L with its prediction in P (and Q with --pred2). */
static void match_frames(abaw_table *P, abaw_table *Q, const abaw_table *L, int has_q, eval_pairs *e)
{
    size_t n = L->n, m = 0;
    e->n = n;
    e->pv = malloc((n + 1) * 2 * sizeof(double)), e->tv = malloc((n + 1) * 2 * sizeof(double));
    e->scratch = malloc((n + 1) * 4 * sizeof(double));
    e->pe = malloc((n + 1) * sizeof(int)), e->te = malloc((n + 1) * sizeof(int));
    e->pa = malloc((n + 1) * EMOC_N_AU * sizeof(int)), e->ta = malloc((n + 1) * EMOC_N_AU * sizeof(int));
    e->pc = malloc((n + 1) * sizeof(int)), e->tc = malloc((n + 1) * sizeof(int));
    e->qe = malloc((n + 1) * sizeof(int));
    for (size_t r = 0; r < n; r++) {
        long p = abaw_table_row(P, L->video[r], L->frame[r], 0);
        if (p < 0) {
            e->unmatched++;
            continue;
        }
        long q = has_q ? abaw_table_row(Q, L->video[r], L->frame[r], 0) : -1;
        e->pv[2 * m] = P->va[2 * p], e->pv[2 * m + 1] = P->va[2 * p + 1];
        e->tv[2 * m] = L->va[2 * r], e->tv[2 * m + 1] = L->va[2 * r + 1];
        e->expr_none += P->has_expr && P->expr[p] < 0 && L->expr[r] >= 0;
        e->pe[m] = P->expr[p] < 0 ? 0 : P->expr[p];
        e->te[m] = L->expr[r];
        e->qe[m] = q >= 0 ? Q->expr[q] : -1;
        for (int k = 0; k < EMOC_N_AU; k++) {
            e->pa[m * EMOC_N_AU + k] = P->au[p * EMOC_N_AU + k] > 0;
            e->ta[m * EMOC_N_AU + k] = L->au[r * EMOC_N_AU + k];
        }
        e->pc[m] = P->ce[p] < 0 ? 0 : P->ce[p];
        e->tc[m] = L->ce[r];
        m++;
    }
    e->m = m;
}

/* KL divergence of the predicted from the true class frequencies over the EXPR-labelled frames;
 * eps 1e-6 keeps absent classes finite. */
static double expr_kl(const eval_pairs *e)
{
    int *pp = malloc((e->m + 1) * sizeof(int)), *tt = malloc((e->m + 1) * sizeof(int));
    size_t k = 0;
    for (size_t i = 0; i < e->m; i++)
        if (e->te[i] >= 0) pp[k] = e->pe[i], tt[k] = e->te[i], k++;
    double kl = emoc_kl_class_freq(pp, tt, k, EMOC_N_EXPR, 1e-6);
    free(pp);
    free(tt);
    return kl;
}

/* Every metric the two sides allow; a task neither side has (or with no frame) stays null. */
static void compute_metrics(const abaw_table *P, const abaw_table *Q, const abaw_table *L, const eval_args *a,
                            eval_pairs *e, eval_result *res)
{
    memset(res, 0, sizeof *res);
    res->va = (emoc_va_metrics){NAN, NAN, NAN, 0};
    res->kl = res->kappa = NAN;
    res->ex.f1_macro = res->ex.accuracy = res->ce.f1_macro = res->au.f1_mean = NAN;
    size_t m = e->m;
    int do_va = P->has_va && L->has_va, do_ex = P->has_expr && L->has_expr, do_au = P->has_au && L->has_au,
        do_ce = P->has_ce && L->has_ce;
    if (do_va) emoc_metrics_va(e->pv, e->tv, m, e->scratch, &res->va);
    if (do_ex && a->drop_other) emoc_labels_drop_other(e->te, m);
    if (do_ex) emoc_metrics_expr(e->pe, e->te, m, EMOC_N_EXPR, &res->ex);
    if (do_ex && a->drop_other && res->ex.n) { /* "Contempt excluded": macro F1 over the 7 basic classes */
        double sum = 0;
        for (int c = 0; c < 7; c++) sum += res->ex.f1[c];
        res->ex.f1_macro = sum / 7;
        res->ex.f1[7] = NAN;
    }
    if (do_au) emoc_metrics_au(e->pa, e->ta, m, &res->au);
    if (do_ce) emoc_metrics_expr(e->pc, e->tc, m, EMOC_N_CE, &res->ce);
    res->do_va = do_va && res->va.n, res->do_ex = do_ex && res->ex.n, res->do_au = do_au && res->au.n,
    res->do_ce = do_ce && res->ce.n;
    if (res->do_ex) res->kl = expr_kl(e);
    if (a->pred2 && Q->has_expr) res->kappa = emoc_cohen_kappa(e->pe, e->qe, m, EMOC_N_EXPR);
    res->p_va = res->do_va ? res->va.p_va : NAN;
    res->f1e = res->do_ex ? res->ex.f1_macro : NAN;
    res->f1a = res->do_au ? res->au.f1_mean : NAN;
    res->p_mtl = res->p_va + res->f1e + res->f1a;
}

static void print_json(const eval_result *r, size_t unmatched)
{
    printf("{");
    jnum(stdout, "ccc_valence", r->do_va ? r->va.ccc_valence : NAN, 1);
    jnum(stdout, "ccc_arousal", r->do_va ? r->va.ccc_arousal : NAN, 1);
    jnum(stdout, "p_va", r->p_va, 1);
    jnum(stdout, "f1_expr", r->f1e, 1);
    jarr(stdout, "f1_expr_per_class", r->ex.f1, EMOC_N_EXPR, r->do_ex);
    jnum(stdout, "f1_expr_present", r->do_ex ? r->ex.f1_macro_present : NAN, 1);
    jnum(stdout, "accuracy_expr", r->do_ex ? r->ex.accuracy : NAN, 1);
    printf("\"confusion_expr\":");
    if (r->do_ex) {
        printf("[");
        for (int i = 0; i < EMOC_N_EXPR; i++) {
            printf("[");
            for (int j = 0; j < EMOC_N_EXPR; j++) printf("%zu%s", r->ex.confusion[i][j], j < 7 ? "," : "");
            printf("]%s", i < 7 ? "," : "");
        }
        printf("],");
    } else {
        printf("null,");
    }
    jnum(stdout, "kl_expr", r->kl, 1);
    jnum(stdout, "kappa_expr", r->kappa, 1);
    jnum(stdout, "f1_au", r->f1a, 1);
    jarr(stdout, "f1_au_per_au", r->au.f1, EMOC_N_AU, r->do_au);
    jnum(stdout, "f1_ce", r->do_ce ? r->ce.f1_macro : NAN, 1);
    jarr(stdout, "f1_ce_per_class", r->ce.f1, EMOC_N_CE, r->do_ce);
    jnum(stdout, "p_mtl", r->p_mtl, 1);
    printf("\"n_va\":%zu,\"n_expr\":%zu,\"n_au\":%zu,\"n_ce\":%zu,\"n_unmatched\":%zu}\n",
           r->do_va ? r->va.n : 0, r->do_ex ? r->ex.n : 0, r->do_au ? r->au.n : 0, r->do_ce ? r->ce.n : 0, unmatched);
}

static void print_text(const eval_result *r, const eval_args *a, const eval_pairs *e)
{
    printf("%-22s %s\n", "predictions", a->pred);
    printf("%-22s %zu labelled frames matched, %zu without prediction\n", "frames", e->m, e->unmatched);
    if (r->do_va)
        printf("VA    (n=%zu)  CCC_V %.4f  CCC_A %.4f  P_VA %.4f\n", r->va.n, r->va.ccc_valence, r->va.ccc_arousal,
               r->va.p_va);
    else
        printf("VA    -\n");
    if (r->do_ex) {
        printf("EXPR  (n=%zu)  F1 %.4f  (present classes %.4f)  accuracy %.4f  KL %.4f\n", r->ex.n,
               r->ex.f1_macro, r->ex.f1_macro_present, r->ex.accuracy, r->kl);
        printf("      %-10s %-9s confusion (rows truth, columns prediction)\n", "class", "F1");
        for (int c = 0; c < EMOC_N_EXPR; c++) {
            printf("      %-10s %-9.4f", emoc_abaw_expr_name(c), r->ex.f1[c]);
            for (int k = 0; k < EMOC_N_EXPR; k++) printf(" %6zu", r->ex.confusion[c][k]);
            printf("\n");
        }
    } else {
        printf("EXPR  -\n");
    }
    if (isfinite(r->kappa)) printf("EXPR  Cohen's kappa with %s: %.4f\n", a->pred2, r->kappa);
    if (r->do_au) {
        printf("AU    (n=%zu)  F1 %.4f\n     ", r->au.n, r->au.f1_mean);
        for (int k = 0; k < EMOC_N_AU; k++) printf(" %s %.3f", emoc_au_name(k), r->au.f1[k]);
        printf("\n");
    } else {
        printf("AU    -\n");
    }
    if (r->do_ce) printf("CE    (n=%zu)  F1 %.4f\n", r->ce.n, r->ce.f1_macro);
    if (isfinite(r->p_mtl)) printf("P_MTL %.4f\n", r->p_mtl);
}

/* The notes on unscored frames; EXIT_INPUT when no labelled frame has a prediction at all. */
static int say_unmatched(const char *cmd, const eval_args *a, const eval_pairs *e, const abaw_table *P,
                         const abaw_table *L)
{
    if (e->expr_none) /* a -1 "no prediction" in a submission: scored as the class it was mapped to */
        cli_error(cmd, "note: %zu EXPR-labelled frames have prediction -1 (none); scored as class 0 (Neutral)",
                  e->expr_none);
    if (e->n > 0 && e->m == 0) {
        /* nothing to score is a mismatch (video names, frame numbering), not a result of nulls */
        const abaw_names *names = L->names;
        cli_error(cmd, "none of the %zu labelled frames has a prediction in '%s' (labels name e.g. %s/%05d, "
                       "predictions e.g. %s/%05d)",
                  e->n, a->pred, names->name[L->video[0]], L->frame[0], P->n ? names->name[P->video[0]] : "-",
                  P->n ? P->frame[0] : 0);
        return EXIT_INPUT;
    }
    if (e->unmatched)
        cli_error(cmd, "note: %zu of %zu labelled frames have no prediction and are not scored", e->unmatched, e->n);
    return EXIT_OK;
}

int cmd_eval(int argc, char **argv)
{
    const char *cmd = argv[0];
    eval_args a;
    int rc = eval_parse(argc, argv, &a);
    if (rc >= 0) return rc;
    int sandbox_rc = cli_sandbox_enter(cmd, NULL, 0); /* eval only reads files and stdout */
    if (sandbox_rc) return sandbox_rc;
    char err[1024];
    abaw_names names = {0};
    abaw_table P, Q, L;
    abaw_table_init(&P, &names);
    abaw_table_init(&Q, &names);
    abaw_table_init(&L, &names);
    emoc_status st = abaw_load(&P, a.pred, err, sizeof err);
    for (int i = 0; !st && i < a.nl; i++) st = abaw_load(&L, a.labels[i], err, sizeof err);
    if (!st && a.pred2) st = abaw_load(&Q, a.pred2, err, sizeof err);
    if (st) {
        cli_error(cmd, "%s", err);
        rc = cli_exit_for_status(st);
    } else {
        if (P.has_scores) decide_scores(&P);
        eval_pairs e;
        eval_result res;
        memset(&e, 0, sizeof e);
        match_frames(&P, &Q, &L, a.pred2 != NULL, &e);
        rc = say_unmatched(cmd, &a, &e, &P, &L);
        compute_metrics(&P, &Q, &L, &a, &e, &res);
        if (!rc && a.json) print_json(&res, e.unmatched);
        else if (!rc) print_text(&res, &a, &e);
        pairs_free(&e);
    }
    abaw_table_free(&P);
    abaw_table_free(&Q);
    abaw_table_free(&L);
    abaw_names_free(&names);
    return rc;
}
