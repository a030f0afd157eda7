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

#include "tools/abaw_cli.h"
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

int cmd_eval(int argc, char **argv)
{
    const char *cmd = argv[0], *pred = NULL, *pred2 = NULL, *labels[8];
    int nl = 0, json = 0, drop_other = 0;
    static const char *const flags[] = {"--json", "--drop-other", NULL};
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, flags);
    for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
        if (strcmp(a, "--json") == 0) json = 1;
        else if (strcmp(a, "--drop-other") == 0) drop_other = 1;
        else if (strcmp(a, "--pred") == 0) pred = v;
        else if (strcmp(a, "--pred2") == 0) pred2 = v;
        else if (strcmp(a, "--labels") == 0) {
            if (nl == 8) { /* said as such, not as an "unknown option" */
                cli_error(cmd, "at most eight --labels files or directories");
                return EXIT_USAGE;
            }
            labels[nl++] = v;
        }
        else return cli_opts_unknown(&scan, a);
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!pred || !nl) {
        cli_error(cmd, "--pred and --labels are required\n%s", usage);
        return EXIT_USAGE;
    }
    int sandbox_rc = cli_sandbox_enter(cmd, NULL, 0); /* eval only reads files and stdout */
    if (sandbox_rc) return sandbox_rc;
    char err[1024];
    abaw_names names = {0};
    abaw_table P, Q, L;
    abaw_table_init(&P, &names);
    abaw_table_init(&Q, &names);
    abaw_table_init(&L, &names);
    int rc = EXIT_OK;
    emoc_status st = abaw_load(&P, pred, err, sizeof err);
    for (int i = 0; !st && i < nl; i++) st = abaw_load(&L, labels[i], err, sizeof err);
    if (!st && pred2) st = abaw_load(&Q, pred2, err, sizeof err);
    if (st) {
        cli_error(cmd, "%s", err);
        rc = cli_exit_for_status(st);
        goto out;
    }
    /* score files carry probabilities: decide (argmax / 0.5) */
    if (P.has_scores) {
        for (size_t r = 0; r < P.n; r++) {
            const double *s = P.scores + r * ABAW_N_SCORES;
            P.va[2 * r] = s[0], P.va[2 * r + 1] = s[1];
            P.expr[r] = emoc_argmax(s + 2, EMOC_N_EXPR);
            for (int k = 0; k < EMOC_N_AU; k++) P.au[r * EMOC_N_AU + k] = s[10 + k] >= 0.5;
        }
        P.has_va = P.has_expr = P.has_au = 1;
    }
    size_t n = L.n, unmatched = 0, m = 0, expr_none = 0;
    double *pv = malloc((n + 1) * 2 * sizeof(double)), *tv = malloc((n + 1) * 2 * sizeof(double));
    double *scratch = malloc((n + 1) * 4 * sizeof(double));
    int *pe = malloc((n + 1) * sizeof(int)), *te = malloc((n + 1) * sizeof(int));
    int *pa = malloc((n + 1) * EMOC_N_AU * sizeof(int)), *ta = malloc((n + 1) * EMOC_N_AU * sizeof(int));
    int *pc = malloc((n + 1) * sizeof(int)), *tc = malloc((n + 1) * sizeof(int));
    int *qe = malloc((n + 1) * sizeof(int));
    for (size_t r = 0; r < n; r++) {
        long p = abaw_table_row(&P, L.video[r], L.frame[r], 0);
        if (p < 0) {
            unmatched++;
            continue;
        }
        long q = pred2 ? abaw_table_row(&Q, L.video[r], L.frame[r], 0) : -1;
        pv[2 * m] = P.va[2 * p], pv[2 * m + 1] = P.va[2 * p + 1];
        tv[2 * m] = L.va[2 * r], tv[2 * m + 1] = L.va[2 * r + 1];
        expr_none += P.has_expr && P.expr[p] < 0 && L.expr[r] >= 0;
        pe[m] = P.expr[p] < 0 ? 0 : P.expr[p];
        te[m] = L.expr[r];
        qe[m] = q >= 0 ? Q.expr[q] : -1;
        for (int k = 0; k < EMOC_N_AU; k++) {
            pa[m * EMOC_N_AU + k] = P.au[p * EMOC_N_AU + k] > 0;
            ta[m * EMOC_N_AU + k] = L.au[r * EMOC_N_AU + k];
        }
        pc[m] = P.ce[p] < 0 ? 0 : P.ce[p];
        tc[m] = L.ce[r];
        m++;
    }
    if (expr_none) /* a -1 "no prediction" in a submission: scored as the class it was mapped to */
        cli_error(cmd, "note: %zu EXPR-labelled frames have prediction -1 (none); scored as class 0 (Neutral)",
                  expr_none);
    if (n > 0 && m == 0) {
        /* nothing to score is a mismatch (video names, frame numbering), not a result of nulls */
        cli_error(cmd, "none of the %zu labelled frames has a prediction in '%s' (labels name e.g. %s/%05d, "
                       "predictions e.g. %s/%05d)",
                  n, pred, names.name[L.video[0]], L.frame[0], P.n ? names.name[P.video[0]] : "-",
                  P.n ? P.frame[0] : 0);
        rc = EXIT_INPUT;
    } else if (unmatched) {
        cli_error(cmd, "note: %zu of %zu labelled frames have no prediction and are not scored", unmatched, n);
    }
    emoc_va_metrics va = {NAN, NAN, NAN, 0};
    emoc_expr_metrics ex, ce;
    emoc_au_metrics au;
    memset(&ex, 0, sizeof ex);
    memset(&ce, 0, sizeof ce);
    memset(&au, 0, sizeof au);
    ex.f1_macro = ex.accuracy = ce.f1_macro = au.f1_mean = NAN;
    int do_va = P.has_va && L.has_va, do_ex = P.has_expr && L.has_expr, do_au = P.has_au && L.has_au,
        do_ce = P.has_ce && L.has_ce;
    if (do_va) emoc_metrics_va(pv, tv, m, scratch, &va);
    if (do_ex && drop_other) emoc_labels_drop_other(te, m);
    if (do_ex) emoc_metrics_expr(pe, te, m, EMOC_N_EXPR, &ex);
    if (do_ex && drop_other && ex.n) { /* "Contempt excluded": macro F1 over the 7 basic classes */
        double sum = 0;
        for (int c = 0; c < 7; c++) sum += ex.f1[c];
        ex.f1_macro = sum / 7;
        ex.f1[7] = NAN;
    }
    if (do_au) emoc_metrics_au(pa, ta, m, &au);
    if (do_ce) emoc_metrics_expr(pc, tc, m, EMOC_N_CE, &ce);
    do_va = do_va && va.n, do_ex = do_ex && ex.n, do_au = do_au && au.n, do_ce = do_ce && ce.n;
    double kl = NAN, kappa = NAN;
    if (do_ex) {
        /* class frequencies over the EXPR-labelled frames; eps 1e-6 keeps absent classes finite */
        int *pp = malloc((m + 1) * sizeof(int)), *tt = malloc((m + 1) * sizeof(int));
        size_t k = 0;
        for (size_t i = 0; i < m; i++)
            if (te[i] >= 0) pp[k] = pe[i], tt[k] = te[i], k++;
        kl = emoc_kl_class_freq(pp, tt, k, EMOC_N_EXPR, 1e-6);
        free(pp);
        free(tt);
    }
    if (pred2 && Q.has_expr) kappa = emoc_cohen_kappa(pe, qe, m, EMOC_N_EXPR);
    double p_va = do_va ? va.p_va : NAN, f1e = do_ex ? ex.f1_macro : NAN, f1a = do_au ? au.f1_mean : NAN;
    double p_mtl = p_va + f1e + f1a;
    if (rc) goto done;
    if (json) {
        printf("{");
        jnum(stdout, "ccc_valence", do_va ? va.ccc_valence : NAN, 1);
        jnum(stdout, "ccc_arousal", do_va ? va.ccc_arousal : NAN, 1);
        jnum(stdout, "p_va", p_va, 1);
        jnum(stdout, "f1_expr", f1e, 1);
        jarr(stdout, "f1_expr_per_class", ex.f1, EMOC_N_EXPR, do_ex);
        jnum(stdout, "f1_expr_present", do_ex ? ex.f1_macro_present : NAN, 1);
        jnum(stdout, "accuracy_expr", do_ex ? ex.accuracy : NAN, 1);
        printf("\"confusion_expr\":");
        if (do_ex) {
            printf("[");
            for (int i = 0; i < EMOC_N_EXPR; i++) {
                printf("[");
                for (int j = 0; j < EMOC_N_EXPR; j++) printf("%zu%s", ex.confusion[i][j], j < 7 ? "," : "");
                printf("]%s", i < 7 ? "," : "");
            }
            printf("],");
        } else {
            printf("null,");
        }
        jnum(stdout, "kl_expr", kl, 1);
        jnum(stdout, "kappa_expr", kappa, 1);
        jnum(stdout, "f1_au", f1a, 1);
        jarr(stdout, "f1_au_per_au", au.f1, EMOC_N_AU, do_au);
        jnum(stdout, "f1_ce", do_ce ? ce.f1_macro : NAN, 1);
        jarr(stdout, "f1_ce_per_class", ce.f1, EMOC_N_CE, do_ce);
        jnum(stdout, "p_mtl", p_mtl, 1);
        printf("\"n_va\":%zu,\"n_expr\":%zu,\"n_au\":%zu,\"n_ce\":%zu,\"n_unmatched\":%zu}\n",
               do_va ? va.n : 0, do_ex ? ex.n : 0, do_au ? au.n : 0, do_ce ? ce.n : 0, unmatched);
    } else {
        printf("%-22s %s\n", "predictions", pred);
        printf("%-22s %zu labelled frames matched, %zu without prediction\n", "frames", m, unmatched);
        if (do_va)
            printf("VA    (n=%zu)  CCC_V %.4f  CCC_A %.4f  P_VA %.4f\n", va.n, va.ccc_valence, va.ccc_arousal, va.p_va);
        else
            printf("VA    -\n");
        if (do_ex) {
            printf("EXPR  (n=%zu)  F1 %.4f  (present classes %.4f)  accuracy %.4f  KL %.4f\n", ex.n,
                   ex.f1_macro, ex.f1_macro_present, ex.accuracy, kl);
            printf("      %-10s %-9s confusion (rows truth, columns prediction)\n", "class", "F1");
            for (int c = 0; c < EMOC_N_EXPR; c++) {
                printf("      %-10s %-9.4f", emoc_abaw_expr_name(c), ex.f1[c]);
                for (int k = 0; k < EMOC_N_EXPR; k++) printf(" %6zu", ex.confusion[c][k]);
                printf("\n");
            }
        } else {
            printf("EXPR  -\n");
        }
        if (isfinite(kappa)) printf("EXPR  Cohen's kappa with %s: %.4f\n", pred2, kappa);
        if (do_au) {
            printf("AU    (n=%zu)  F1 %.4f\n     ", au.n, au.f1_mean);
            for (int k = 0; k < EMOC_N_AU; k++) printf(" %s %.3f", emoc_au_name(k), au.f1[k]);
            printf("\n");
        } else {
            printf("AU    -\n");
        }
        if (do_ce) printf("CE    (n=%zu)  F1 %.4f\n", ce.n, ce.f1_macro);
        if (isfinite(p_mtl)) printf("P_MTL %.4f\n", p_mtl);
    }
done:
    free(pv);
    free(tv);
    free(scratch);
    free(pe);
    free(te);
    free(pa);
    free(ta);
    free(pc);
    free(tc);
    free(qe);
out:
    abaw_table_free(&P);
    abaw_table_free(&Q);
    abaw_table_free(&L);
    abaw_names_free(&names);
    return rc;
}
