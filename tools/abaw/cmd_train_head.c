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

typedef struct train_args {
    const char *feat, *vfeat, *out, *backbone, *labels[8], *vlabels[8];
    int nl, nvl;
    long every, hidden;
    emoc_train_opts o;
} train_args;

/* One scanned option: -1 when read, -2 when unknown, else the exit code (message printed). */
static int train_option(train_args *a, const char *cmd, const char *n, const char *v)
{
    long tmp;
    if (strcmp(n, "--features") == 0) a->feat = v;
    else if (strcmp(n, "--val-features") == 0) a->vfeat = v;
    else if (strcmp(n, "-o") == 0) a->out = v;
    else if (strcmp(n, "--backbone") == 0) a->backbone = v;
    else if (strcmp(n, "--labels") == 0 && a->nl < 8) a->labels[a->nl++] = v;
    else if (strcmp(n, "--val-labels") == 0 && a->nvl < 8) a->vlabels[a->nvl++] = v;
    else if (strcmp(n, "--val-every") == 0) {
        if (cli_parse_int(cmd, n, v, 2, 1000000, &a->every)) return EXIT_USAGE;
    } else if (strcmp(n, "--seed") == 0) {
        if (cli_parse_int(cmd, n, v, 0, 0x7fffffffL, &tmp)) return EXIT_USAGE;
        a->o.seed = (uint64_t)tmp;
    } else if (strcmp(n, "--batch") == 0) {
        if (cli_parse_int(cmd, n, v, 1, 1 << 20, &tmp)) return EXIT_USAGE;
        a->o.batch = (int)tmp;
    } else if (strcmp(n, "--threads") == 0) {
        if (cli_parse_int(cmd, n, v, 1, 64, &tmp)) return EXIT_USAGE;
        a->o.threads = (int)tmp;
    } else if (strcmp(n, "--hidden") == 0) {
        if (cli_parse_int(cmd, n, v, 1, 65536, &a->hidden)) return EXIT_USAGE;
    } else if (strcmp(n, "--lr") == 0) {
        char *end;
        a->o.lr = strtod(v, &end);
        if (*end || !(a->o.lr > 0 && a->o.lr < 10)) {
            cli_error(cmd, "--lr expects a number in (0, 10), got '%s'", v);
            return EXIT_USAGE;
        }
    } else if (strcmp(n, "--epochs") == 0) {
        double e[3];
        if (abaw_parse_doubles(v, e, 3) != 3 || e[0] < 0 || e[1] < 0 || e[2] < 0 || e[0] > 1e6 || e[1] > 1e6 ||
            e[2] > 1e6) {
            cli_error(cmd, "--epochs expects EXPR,VA,AU (three counts), got '%s'", v);
            return EXIT_USAGE;
        }
        a->o.epochs_expr = (int)e[0], a->o.epochs_va = (int)e[1], a->o.epochs_au = (int)e[2];
    } else {
        return -2;
    }
    return -1;
}

/* -1 when the command line is complete and -o writable, else the exit code (message printed). */
static int train_parse(int argc, char **argv, train_args *a)
{
    const char *cmd = argv[0];
    memset(a, 0, sizeof *a);
    a->every = 5, a->hidden = 128;
    emoc_train_opts_default(&a->o);
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, NULL);
    for (const char *n, *v; cli_opts_next(&scan, &n, &v);) {
        int rc = train_option(a, cmd, n, v);
        if (rc == -2) return cli_opts_unknown(&scan, n);
        if (rc >= 0) return rc;
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!a->feat || a->nl == 0 || !a->out || (a->vfeat && a->nvl == 0) || (!a->vfeat && a->nvl)) {
        cli_error(cmd, "--features, --labels and -o are required (and --val-features with "
                       "--val-labels)\n%s", usage);
        return EXIT_USAGE;
    }
    if (cli_probe_output(cmd, a->out)) return EXIT_RUNTIME; /* before training, not after it */
    a->o.au_hidden = (int)a->hidden;
    a->o.l2_expr = a->o.l2_va = 1.0 / a->o.batch;
    return -1;
}

/* Features and labels read, the training and validation sets built. -1 or the exit code. */
static int train_load(const train_args *a, const char *cmd, abaw_names *names, feat_set *f, tset *tr, tset *va)
{
    char err[1024];
    abaw_table lab, vlab;
    feat_set vf;
    memset(&vf, 0, sizeof vf);
    abaw_table_init(&lab, names);
    abaw_table_init(&vlab, names);
    int rc = -1;
    emoc_status st = feat_read(f, names, a->feat, err, sizeof err);
    for (int i = 0; !st && i < a->nl; i++) st = abaw_load(&lab, a->labels[i], err, sizeof err);
    if (!st && a->vfeat) st = feat_read(&vf, names, a->vfeat, err, sizeof err);
    for (int i = 0; !st && i < a->nvl; i++) st = abaw_load(&vlab, a->vlabels[i], err, sizeof err);
    if (st) {
        cli_error(cmd, "%s", err);
        rc = cli_exit_for_status(st);
    } else if (f->dim <= EMOC_MTL_N_SCORES || (a->vfeat && vf.dim != f->dim)) {
        cli_error(cmd, "features must hold an embedding plus 10 backbone scores (%d values; "
                       "validation %d)", f->dim, a->vfeat ? vf.dim : f->dim);
        rc = EXIT_INPUT;
    } else if (a->vfeat) {
        if (build_sets(f, &lab, 0, tr, NULL) || build_sets(&vf, &vlab, 0, va, NULL)) rc = EXIT_RUNTIME;
    } else if (build_sets(f, &lab, (int)a->every, tr, va)) {
        rc = EXIT_RUNTIME;
    }
    if (rc < 0 && tr->n == 0) {
        cli_error(cmd, "no feature row of '%s' has a label (check video names and frame numbers)", a->feat);
        rc = EXIT_INPUT;
    }
    feat_free(&vf);
    abaw_table_free(&lab);
    abaw_table_free(&vlab);
    return rc;
}

/* Training, the head file, the report. The exit code. */
static int train_and_save(const train_args *a, const char *cmd, const feat_set *f, const tset *tr, const tset *va)
{
    int e = f->dim - EMOC_MTL_N_SCORES, rc = EXIT_OK;
    size_t np = emoc_mtl_head_param_count(e, a->o.au_hidden);
    float *params = malloc(np * sizeof(float));
    emoc_mtl_head head;
    emoc_mtl_head_view(&head, e, a->o.au_hidden,
                       a->backbone ? a->backbone : f->backbone[0] ? f->backbone : "unknown", params);
    size_t ss = emoc_train_scratch_size(f->dim, a->o.au_hidden, a->o.batch, tr->n, va->n, a->o.threads);
    void *scratch = malloc(ss);
    emoc_train_set ts = {tr->n, tr->dim, tr->x, {tr->n, tr->va, tr->ex, tr->au}};
    emoc_train_set vs = {va->n, f->dim, va->x, {va->n, va->va, va->ex, va->au}};
    emoc_train_report rep;
    emoc_error e2;
    emoc_status st = !params || !scratch ? EMOC_E_NOMEM
                                         : emoc_train_head(&a->o, &ts, va->n ? &vs : NULL, &head, scratch, ss, &rep, &e2);
    if (st == EMOC_E_NOMEM) snprintf(e2.msg, sizeof e2.msg, "out of memory");
    if (!st) st = emoc_mtl_head_save_file(&head, a->out, &e2);
    if (st) {
        cli_error(cmd, "%s", e2.msg);
        rc = cli_exit_for_status(st);
    } else {
        printf("trained on %zu frames, validated on %zu (seed %llu, %d thread%s)\n", tr->n, va->n,
               (unsigned long long)a->o.seed, a->o.threads, a->o.threads == 1 ? "" : "s");
        printf("EXPR best epoch %d  F1 %.4f\nVA   best epoch %d  P_VA %.4f\nAU   best epoch %d  F1 %.4f\n",
               rep.best_epoch_expr, rep.best_f1_expr, rep.best_epoch_va, rep.best_p_va, rep.best_epoch_au,
               rep.best_f1_au);
        printf("wrote %s\n", a->out);
    }
    free(params);
    free(scratch);
    return rc;
}

int cmd_train_head(int argc, char **argv)
{
    const char *cmd = argv[0];
    train_args a;
    int rc = train_parse(argc, argv, &a);
    if (rc >= 0) return rc;
    abaw_names names = {0};
    feat_set f;
    tset tr = {0}, va = {0};
    memset(&f, 0, sizeof f);
    rc = train_load(&a, cmd, &names, &f, &tr, &va);
    if (rc < 0) rc = train_and_save(&a, cmd, &f, &tr, &va);
    tset_free(&tr);
    tset_free(&va);
    feat_free(&f);
    abaw_names_free(&names);
    return rc;
}
