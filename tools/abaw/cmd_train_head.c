/*
 * cmd_train_head.c — `emoc train-head`: trains the ABAW7 MTL head (docs/models.md §7.1) on a feature
 * file and ABAW labels with post/train.c, keeping per head the best epoch on a validation set
 * (given, or every k-th video of the training set), and writes it as an EMW mtl_head file.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tools/abaw/abaw_cli.h"
#include "tools/cli.h"

static const char *usage =
    "usage: emoc train-head --features FEATS --labels FILE_OR_DIR [--labels ...] -o HEAD.emw\n"
    "          [--val-features FEATS --val-labels FILE_OR_DIR | --val-every K (default 5)]\n"
    "          [--seed S] [--epochs EXPR,VA,AU (10,20,10)] [--batch 512] [--lr 0.001]\n"
    "          [--hidden 128] [--backbone NAME] [--threads N (1)]\n"
    "  the weights are the same bit for bit for the same seed and thread count\n";

typedef struct {
    size_t n;
    int dim;
    float *x;
    double *va;
    int *ex, *au;
} tset;

static void tset_free(tset *s)
{
    free(s->x);
    free(s->va);
    free(s->ex);
    free(s->au);
}

/* Frames of feats (largest face) that have a label of any task; videos with index % every ==
 * pick (every > 0) go to `b` instead of `a`. */
static int build_sets(const feat_set *f, const abaw_table *lab, int every, tset *a, tset *b)
{
    abaw_table frames;
    abaw_table_init(&frames, lab->names);
    long *pick = NULL;
    if (abaw_pick_faces(f, &frames, &pick)) return -1;
    tset *sets[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        if (!sets[k]) continue;
        sets[k]->dim = f->dim;
        sets[k]->n = 0;
        sets[k]->x = malloc((frames.n ? frames.n : 1) * (size_t)f->dim * sizeof(float));
        sets[k]->va = malloc((frames.n ? frames.n : 1) * 2 * sizeof(double));
        sets[k]->ex = malloc((frames.n ? frames.n : 1) * sizeof(int));
        sets[k]->au = malloc((frames.n ? frames.n : 1) * EMOC_N_AU * sizeof(int));
    }
    /* stable video numbering in first-appearance order */
    int *rank = malloc((lab->names->n ? lab->names->n : 1) * sizeof(int));
    for (size_t v = 0; v < lab->names->n; v++) rank[v] = -1;
    int next = 0;
    for (size_t t = 0; t < frames.n; t++) {
        int v = frames.video[t];
        if (rank[v] < 0) rank[v] = next++;
        long r = abaw_table_row((abaw_table *)lab, v, frames.frame[t], 0);
        if (r < 0) continue;
        int has = lab->expr[r] >= 0 || (lab->va[2 * r] >= -1 && lab->va[2 * r + 1] >= -1);
        for (int k = 0; k < EMOC_N_AU; k++) has |= lab->au[r * EMOC_N_AU + k] >= 0;
        if (!has) continue;
        tset *s = every > 0 && b && rank[v] % every == every - 1 ? b : a;
        size_t i = s->n++;
        memcpy(s->x + i * (size_t)f->dim, f->x + (size_t)pick[t] * (size_t)f->dim, (size_t)f->dim * sizeof(float));
        s->va[2 * i] = lab->va[2 * r];
        s->va[2 * i + 1] = lab->va[2 * r + 1];
        s->ex[i] = lab->expr[r];
        memcpy(s->au + i * EMOC_N_AU, lab->au + r * EMOC_N_AU, EMOC_N_AU * sizeof(int));
    }
    free(rank);
    free(pick);
    abaw_table_free(&frames);
    return 0;
}

int cmd_train_head(int argc, char **argv)
{
    const char *cmd = argv[0], *feat = NULL, *vfeat = NULL, *out = NULL, *backbone = NULL;
    const char *labels[8], *vlabels[8];
    int nl = 0, nvl = 0;
    long every = 5, hidden = 128;
    emoc_train_opts o;
    emoc_train_opts_default(&o);
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, NULL);
    for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
        long tmp;
        if (strcmp(a, "--features") == 0) feat = v;
        else if (strcmp(a, "--val-features") == 0) vfeat = v;
        else if (strcmp(a, "-o") == 0) out = v;
        else if (strcmp(a, "--backbone") == 0) backbone = v;
        else if (strcmp(a, "--labels") == 0 && nl < 8) labels[nl++] = v;
        else if (strcmp(a, "--val-labels") == 0 && nvl < 8) vlabels[nvl++] = v;
        else if (strcmp(a, "--val-every") == 0) {
            if (cli_parse_int(cmd, a, v, 2, 1000000, &every)) return EXIT_USAGE;
        } else if (strcmp(a, "--seed") == 0) {
            if (cli_parse_int(cmd, a, v, 0, 0x7fffffffL, &tmp)) return EXIT_USAGE;
            o.seed = (uint64_t)tmp;
        } else if (strcmp(a, "--batch") == 0) {
            if (cli_parse_int(cmd, a, v, 1, 1 << 20, &tmp)) return EXIT_USAGE;
            o.batch = (int)tmp;
        } else if (strcmp(a, "--threads") == 0) {
            if (cli_parse_int(cmd, a, v, 1, 64, &tmp)) return EXIT_USAGE;
            o.threads = (int)tmp;
        } else if (strcmp(a, "--hidden") == 0) {
            if (cli_parse_int(cmd, a, v, 1, 65536, &hidden)) return EXIT_USAGE;
        } else if (strcmp(a, "--lr") == 0) {
            char *end;
            o.lr = strtod(v, &end);
            if (*end || !(o.lr > 0 && o.lr < 10)) {
                cli_error(cmd, "--lr expects a number in (0, 10), got '%s'", v);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--epochs") == 0) {
            double e[3];
            if (abaw_parse_doubles(v, e, 3) != 3 || e[0] < 0 || e[1] < 0 || e[2] < 0 || e[0] > 1e6 ||
                e[1] > 1e6 || e[2] > 1e6) {
                cli_error(cmd, "--epochs expects EXPR,VA,AU (three counts), got '%s'", v);
                return EXIT_USAGE;
            }
            o.epochs_expr = (int)e[0], o.epochs_va = (int)e[1], o.epochs_au = (int)e[2];
        } else {
            return cli_opts_unknown(&scan, a);
        }
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!feat || nl == 0 || !out || (vfeat && nvl == 0) || (!vfeat && nvl)) {
        cli_error(cmd, "--features, --labels and -o are required (and --val-features with "
                       "--val-labels)\n%s", usage);
        return EXIT_USAGE;
    }
    if (cli_probe_output(cmd, out)) return EXIT_RUNTIME; /* before training, not after it */
    o.au_hidden = (int)hidden;
    o.l2_expr = o.l2_va = 1.0 / o.batch;
    int rc = EXIT_OK;
    char err[1024];
    abaw_names names = {0};
    abaw_table lab, vlab;
    feat_set f, vf;
    tset tr = {0}, va = {0};
    memset(&f, 0, sizeof f);
    memset(&vf, 0, sizeof vf);
    abaw_table_init(&lab, &names);
    abaw_table_init(&vlab, &names);
    emoc_status st = feat_read(&f, &names, feat, err, sizeof err);
    for (int i = 0; !st && i < nl; i++) st = abaw_load(&lab, labels[i], err, sizeof err);
    if (!st && vfeat) st = feat_read(&vf, &names, vfeat, err, sizeof err);
    for (int i = 0; !st && i < nvl; i++) st = abaw_load(&vlab, vlabels[i], err, sizeof err);
    if (st) {
        cli_error(cmd, "%s", err);
        rc = cli_exit_for_status(st);
        goto out;
    }
    if (f.dim <= EMOC_MTL_N_SCORES || (vfeat && vf.dim != f.dim)) {
        cli_error(cmd, "features must hold an embedding plus 10 backbone scores (%d values; "
                       "validation %d)", f.dim, vfeat ? vf.dim : f.dim);
        rc = EXIT_INPUT;
        goto out;
    }
    if (vfeat) {
        if (build_sets(&f, &lab, 0, &tr, NULL) || build_sets(&vf, &vlab, 0, &va, NULL)) rc = EXIT_RUNTIME;
    } else if (build_sets(&f, &lab, (int)every, &tr, &va)) {
        rc = EXIT_RUNTIME;
    }
    if (rc) goto out;
    if (tr.n == 0) {
        cli_error(cmd, "no feature row of '%s' has a label (check video names and frame numbers)", feat);
        rc = EXIT_INPUT;
        goto out;
    }
    int e = f.dim - EMOC_MTL_N_SCORES;
    size_t np = emoc_mtl_head_param_count(e, o.au_hidden);
    float *params = malloc(np * sizeof(float));
    emoc_mtl_head head;
    emoc_mtl_head_view(&head, e, o.au_hidden, backbone ? backbone : f.backbone[0] ? f.backbone : "unknown", params);
    size_t ss = emoc_train_scratch_size(f.dim, o.au_hidden, o.batch, tr.n, va.n, o.threads);
    void *scratch = malloc(ss);
    emoc_train_set ts = {tr.n, tr.dim, tr.x, {tr.n, tr.va, tr.ex, tr.au}};
    emoc_train_set vs = {va.n, f.dim, va.x, {va.n, va.va, va.ex, va.au}};
    emoc_train_report rep;
    emoc_error e2;
    st = !params || !scratch ? EMOC_E_NOMEM
                             : emoc_train_head(&o, &ts, va.n ? &vs : NULL, &head, scratch, ss, &rep, &e2);
    if (st == EMOC_E_NOMEM) snprintf(e2.msg, sizeof e2.msg, "out of memory");
    if (!st) st = emoc_mtl_head_save_file(&head, out, &e2);
    if (st) {
        cli_error(cmd, "%s", e2.msg);
        rc = cli_exit_for_status(st);
    } else {
        printf("trained on %zu frames, validated on %zu (seed %llu, %d thread%s)\n", tr.n, va.n,
               (unsigned long long)o.seed, o.threads, o.threads == 1 ? "" : "s");
        printf("EXPR best epoch %d  F1 %.4f\nVA   best epoch %d  P_VA %.4f\nAU   best epoch %d  F1 %.4f\n",
               rep.best_epoch_expr, rep.best_f1_expr, rep.best_epoch_va, rep.best_p_va, rep.best_epoch_au,
               rep.best_f1_au);
        printf("wrote %s\n", out);
    }
    free(params);
    free(scratch);
out:
    tset_free(&tr);
    tset_free(&va);
    feat_free(&f);
    feat_free(&vf);
    abaw_table_free(&lab);
    abaw_table_free(&vlab);
    abaw_names_free(&names);
    return rc;
}
