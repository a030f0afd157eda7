/* test_post_reference.c — post/ metrics, smoothing, interpolation and compound scores against
 * the scikit-learn / scipy / numpy values in tests/post/data/reference.txt
 * (tools/reference/post/gen_expected.py). Tolerance 1e-9 in double unless said. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "emoc_abaw.h"
#include "refdata.h"

#define TOL 1e-9

static refdata *R;
static void setup(void) { R = refdata_load("reference.txt"); }
static void teardown(void) { refdata_free(R); }

static void assert_close(const double *got, const double *want, size_t n, double tol,
                         const char *what)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs(got[i] - want[i]) <= tol, "%s[%zu]: got %.17g want %.17g", what, i,
                  got[i], want[i]);
}

TestSuite(post_ref, .init = setup, .fini = teardown);

Test(post_ref, ccc_matches_numpy)
{
    size_t n;
    const double *x = refdata_get(R, "ccc.x", &n), *y = refdata_get(R, "ccc.y", NULL);
    double want = refdata_get(R, "ccc.expected", NULL)[0];
    cr_assert(fabs(emoc_ccc(x, y, n) - want) < TOL);
    cr_assert(fabs(emoc_ccc(y, x, n) - want) < TOL, "CCC is symmetric");
    const double *cx = refdata_get(R, "ccc_const.x", &n), *cy = refdata_get(R, "ccc_const.y", NULL);
    cr_assert(fabs(emoc_ccc(cx, cy, n) - refdata_get(R, "ccc_const.expected", NULL)[0]) < TOL);
}

Test(post_ref, ccc_edge_cases)
{
    double c[5] = {0.2, 0.2, 0.2, 0.2, 0.2}, d[5] = {0.7, 0.7, 0.7, 0.7, 0.7};
    cr_assert_eq(emoc_ccc(c, c, 5), 1.0, "both constant and equal");
    cr_assert_eq(emoc_ccc(c, d, 5), 0.0, "both constant, different");
    cr_assert(isnan(emoc_ccc(c, d, 0)), "empty");
    double x[4] = {1, 2, 3, 4};
    cr_assert(fabs(emoc_ccc(x, x, 4) - 1.0) < 1e-15);
}

Test(post_ref, va_metrics_skip_missing)
{
    size_t n;
    const double *p = refdata_get(R, "va.pred", &n), *t = refdata_get(R, "va.truth", NULL);
    const double *want = refdata_get(R, "va.expected", NULL);
    n /= 2;
    double *scratch = malloc(4 * n * sizeof(double));
    emoc_va_metrics m;
    emoc_metrics_va(p, t, n, scratch, &m);
    cr_assert(fabs(m.ccc_valence - want[0]) < TOL && fabs(m.ccc_arousal - want[1]) < TOL);
    cr_assert(fabs(m.p_va - 0.5 * (want[0] + want[1])) < TOL);
    cr_assert_eq((double)m.n, want[2]);
    /* all missing */
    double allmiss[4] = {-5, -5, -5, 0.3};
    emoc_metrics_va(p, allmiss, 2, scratch, &m);
    cr_assert(m.n == 0 && isnan(m.p_va));
    free(scratch);
}

Test(post_ref, expr_f1_accuracy_confusion_match_sklearn)
{
    size_t n;
    int *p = refdata_get_int(R, "expr.pred", &n), *t = refdata_get_int(R, "expr.truth", NULL);
    emoc_expr_metrics m;
    cr_assert_eq(emoc_metrics_expr(p, t, n, 8, &m), EMOC_OK);
    assert_close(m.f1, refdata_get(R, "expr.f1", NULL), 8, TOL, "f1");
    cr_assert_eq(m.f1[7], 0.0, "absent class scores 0");
    cr_assert(fabs(m.f1_macro - refdata_get(R, "expr.macro8", NULL)[0]) < TOL);
    cr_assert(fabs(m.f1_macro_present - refdata_get(R, "expr.macro_present", NULL)[0]) < TOL);
    cr_assert(fabs(m.accuracy - refdata_get(R, "expr.accuracy", NULL)[0]) < TOL);
    cr_assert_eq((double)m.n, refdata_get(R, "expr.n", NULL)[0]);
    const double *cm = refdata_get(R, "expr.confusion", NULL);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) cr_assert_eq((double)m.confusion[i][j], cm[i * 8 + j]);
    /* all missing → NaN, n = 0 */
    int none[3] = {-1, -1, -1};
    cr_assert_eq(emoc_metrics_expr(p, none, 3, 8, &m), EMOC_OK);
    cr_assert(m.n == 0 && isnan(m.f1_macro));
    /* prediction out of range on a labelled frame */
    int bad[1] = {9}, lab[1] = {2};
    cr_assert_eq(emoc_metrics_expr(bad, lab, 1, 8, &m), EMOC_E_ARG);
    free(p);
    free(t);
}

Test(post_ref, au_f1_and_threshold_tuning_match_sklearn)
{
    size_t n;
    int *p = refdata_get_int(R, "au.pred", &n), *t = refdata_get_int(R, "au.truth", NULL);
    const double *s = refdata_get(R, "au.scores", NULL);
    n /= 12;
    emoc_au_metrics m;
    emoc_metrics_au(p, t, n, &m);
    const double *want = refdata_get(R, "au.f1", NULL);
    assert_close(m.f1, want, 12, TOL, "au f1");
    double mean = 0;
    for (int k = 0; k < 12; k++) mean += want[k];
    cr_assert(fabs(m.f1_mean - mean / 12) < TOL);
    cr_assert_eq((double)m.n, refdata_get(R, "au.n", NULL)[0]);
    double grid[16], thr[12], f1[12], curve[12 * 9];
    size_t ng = emoc_grid(0.1, 0.9, 0.1, grid, 16);
    cr_assert_eq(ng, 9);
    cr_assert_eq(emoc_tune_au_thresholds(s, t, n, grid, ng, thr, f1, curve), EMOC_OK);
    assert_close(thr, refdata_get(R, "au.tuned_thr", NULL), 12, 1e-12, "thr");
    assert_close(f1, refdata_get(R, "au.tuned_f1", NULL), 12, TOL, "tuned f1");
    /* the curve at 0.5 is the plain F1 */
    for (int k = 0; k < 12; k++) cr_assert(fabs(curve[k * 9 + 4] - want[k]) < TOL);
    free(p);
    free(t);
}

Test(post_ref, kappa_and_kl_match_sklearn_scipy)
{
    size_t n;
    int *a = refdata_get_int(R, "kappa.a", &n), *b = refdata_get_int(R, "kappa.b", NULL);
    cr_assert(fabs(emoc_cohen_kappa(a, b, n, 8) - refdata_get(R, "kappa.expected", NULL)[0]) < TOL);
    cr_assert(fabs(emoc_kl_class_freq(a, b, n, 8, 0.0) - refdata_get(R, "kl.expected_eps0", NULL)[0]) < TOL);
    cr_assert(fabs(emoc_kl_class_freq(a, b, n, 8, 1e-3) -
                   refdata_get(R, "kl.expected_eps1e-3", NULL)[0]) < TOL);
    cr_assert_eq(emoc_cohen_kappa(a, a, n, 8), 1.0);
    int c0[3] = {2, 2, 2}, c1[3] = {3, 3, 3};
    cr_assert_eq(emoc_cohen_kappa(c0, c0, 3, 8), 1.0, "single shared class");
    cr_assert(isinf(emoc_kl_class_freq(c0, c1, 3, 8, 0.0)), "class never in reference");
    free(a);
    free(b);
}

Test(post_ref, dense_box_and_gaussian_match_scipy)
{
    size_t n;
    const double *v = refdata_get(R, "dense.values", &n);
    n /= 3;
    int *fr = malloc(n * sizeof(int));
    for (size_t i = 0; i < n; i++) fr[i] = (int)i + 1;
    double *o = malloc(n * 3 * sizeof(double));
    emoc_smooth_opts box = {EMOC_SMOOTH_BOX, 1.0, 5};
    cr_assert_eq(emoc_smooth_video(&box, fr, v, n, 3, o), EMOC_OK);
    assert_close(o, refdata_get(R, "dense.box5", NULL), n * 3, TOL, "box clipped");
    assert_close(o + 5 * 3, refdata_get(R, "dense.box5_scipy_interior", NULL), (n - 10) * 3, TOL,
                 "box vs uniform_filter1d");
    int rad = (int)refdata_get(R, "dense.gauss_paper_sigma3_delta", NULL)[0];
    emoc_smooth_opts g = {EMOC_SMOOTH_GAUSS_PAPER, 3.0, rad};
    cr_assert_eq(emoc_smooth_video(&g, fr, v, n, 3, o), EMOC_OK);
    assert_close(o + rad * 3, refdata_get(R, "dense.gauss_paper_scipy_interior", NULL),
                 (n - 2 * rad) * 3, TOL, "gauss vs gaussian_filter1d");
    free(fr);
    free(o);
}

Test(post_ref, sparse_list_smoothing_and_notebook_port)
{
    size_t n;
    int *vid = refdata_get_int(R, "list.video", &n), *fr = refdata_get_int(R, "list.frames", NULL);
    const double *v = refdata_get(R, "list.values", NULL);
    double *o = malloc(n * 4 * sizeof(double));
    struct {
        emoc_smooth_opts o;
        const char *name;
    } cases[] = {{{EMOC_SMOOTH_BOX, 1.0, 4}, "list.box"},
                 {{EMOC_SMOOTH_GAUSS_PAPER, 2.5, 6}, "list.paper"},
                 {{EMOC_SMOOTH_GAUSS_CODE, 50.0, 10}, "list.code"},
                 {{EMOC_SMOOTH_ABAW7_NOTEBOOK, 100000.0, 5}, "list.notebook_1e5_5"},
                 {{EMOC_SMOOTH_ABAW7_NOTEBOOK, 10.0, 3}, "list.notebook_10_3"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        cr_assert_eq(emoc_smooth_list(&cases[c].o, vid, fr, v, n, 4, o), EMOC_OK);
        assert_close(o, refdata_get(R, cases[c].name, NULL), n * 4, TOL, cases[c].name);
    }
    /* the notebook window is not the symmetric one: its results differ from GAUSS_CODE */
    emoc_smooth_opts sym = {EMOC_SMOOTH_GAUSS_CODE, 100000.0, 5};
    cr_assert_eq(emoc_smooth_list(&sym, vid, fr, v, n, 4, o), EMOC_OK);
    const double *nb = refdata_get(R, "list.notebook_1e5_5", NULL);
    double maxdiff = 0;
    for (size_t i = 0; i < n * 4; i++) maxdiff = fmax(maxdiff, fabs(o[i] - nb[i]));
    cr_assert(maxdiff > 1e-3);
    free(vid);
    free(fr);
    free(o);
}

Test(post_ref, interpolation_matches_np_interp)
{
    size_t nk, nq;
    int *kf = refdata_get_int(R, "interp.frames", &nk), *q = refdata_get_int(R, "interp.query", &nq);
    const double *kv = refdata_get(R, "interp.values", NULL);
    double *o = malloc(nq * 2 * sizeof(double));
    cr_assert_eq(emoc_interpolate_frames(kf, kv, nk, 2, q, nq, o), EMOC_OK);
    assert_close(o, refdata_get(R, "interp.expected", NULL), nq * 2, TOL, "interp");
    int unsorted[2] = {5, 5};
    cr_assert_eq(emoc_interpolate_frames(unsorted, kv, 2, 2, q, 1, o), EMOC_E_ARG);
    free(kf);
    free(q);
    free(o);
}

Test(post_ref, compound_scores_match_scipy_means)
{
    size_t n;
    const double *lg = refdata_get(R, "ce.logits", &n);
    n /= 8;
    const char *names[3] = {"ce.arith", "ce.geom", "ce.harm"};
    for (int m = 0; m < 3; m++) {
        const double *want = refdata_get(R, names[m], NULL);
        for (size_t i = 0; i < n; i++) {
            double o[7];
            emoc_ce_scores(lg + i * 8, (emoc_ce_mean)m, o);
            assert_close(o, want + i * 7, 7, 1e-12, names[m]);
        }
    }
}
