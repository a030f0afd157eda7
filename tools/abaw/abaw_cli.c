/* abaw_cli.c — shared pieces of the ABAW subcommands (see abaw_cli.h). */
#include "tools/abaw/abaw_cli.h"

#include <math.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli.h"

int abaw_split2(const char *s, char **copy, const char *part[2])
{
    *copy = strdup(s);
    if (!*copy) return 0;
    char *c = strchr(*copy, ',');
    part[0] = *copy;
    part[1] = NULL;
    if (!c) return 1;
    *c = '\0';
    part[1] = c + 1;
    return strchr(part[1], ',') ? 3 : 2;
}

int abaw_parse_doubles(const char *s, double *out, int cap)
{
    int n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || n == cap || !isfinite(v)) return -1;
        out[n++] = v;
        p = end;
        while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';') p++;
    }
    return n;
}

static int parse_one_smooth(const char *cmd, const char *v, emoc_smooth_opts *o)
{
    char kind[32];
    const char *colon = strchr(v, ':');
    size_t kl = colon ? (size_t)(colon - v) : strlen(v);
    if (kl >= sizeof kind) goto bad;
    memcpy(kind, v, kl);
    kind[kl] = '\0';
    double nums[2] = {0, 0};
    int nn = 0;
    if (colon) { /* numbers separated by ':' */
        const char *p = colon + 1;
        nn = 0;
        while (*p && nn < 3) {
            char *end;
            double x = strtod(p, &end);
            if (end == p || nn == 2) goto bad;
            nums[nn++] = x;
            p = *end == ':' ? end + 1 : end;
            if (*end && *end != ':') goto bad;
        }
    }
    if (strcmp(kind, "none") == 0 && nn == 0) {
        *o = (emoc_smooth_opts){EMOC_SMOOTH_NONE, 1.0, 0};
    } else if (strcmp(kind, "box") == 0 && nn == 1) {
        *o = (emoc_smooth_opts){EMOC_SMOOTH_BOX, 1.0, (int)nums[0]};
    } else if (nn == 2 && (strcmp(kind, "gauss_paper") == 0 || strcmp(kind, "gauss_code") == 0 ||
                           strcmp(kind, "notebook") == 0)) {
        emoc_smooth_kind k = kind[0] == 'n' ? EMOC_SMOOTH_ABAW7_NOTEBOOK
                             : kind[6] == 'p' ? EMOC_SMOOTH_GAUSS_PAPER
                                              : EMOC_SMOOTH_GAUSS_CODE;
        *o = (emoc_smooth_opts){k, nums[0], (int)nums[1]};
    } else {
        goto bad;
    }
    if (o->delta < 0 || (o->kind >= EMOC_SMOOTH_GAUSS_PAPER && !(o->sigma > 0))) goto bad;
    return 0;
bad:
    cli_error(cmd, "--smooth: cannot read '%s' (expected none, box:DELTA, gauss_paper:SIGMA:DELTA, "
                   "gauss_code:SIGMA:DELTA or notebook:SIGMA:DELTA)", v);
    return -1;
}

int abaw_parse_smooth(const char *cmd, const char *spec, emoc_smooth_settings *s)
{
    char *copy = strdup(spec), *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            cli_error(cmd, "--smooth: '%s' is not TASK=SPEC (tasks: va, expr, au)", tok);
            rc = -1;
            break;
        }
        *eq = '\0';
        emoc_smooth_opts *o = strcmp(tok, "va") == 0 ? &s->va : strcmp(tok, "expr") == 0 ? &s->expr
                              : strcmp(tok, "au") == 0 ? &s->au : NULL;
        if (!o) {
            cli_error(cmd, "--smooth: unknown task '%s' (va, expr, au)", tok);
            rc = -1;
            break;
        }
        rc = parse_one_smooth(cmd, eq + 1, o);
    }
    free(copy);
    return rc;
}

int abaw_parse_blend(const char *cmd, const char *spec, emoc_blend_weights *w)
{
    char *copy = strdup(spec), *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '='), *end;
        double v = eq ? strtod(eq + 1, &end) : NAN;
        if (!eq || end == eq + 1 || *end || !(v >= 0 && v <= 1)) {
            cli_error(cmd, "--blend: '%s' is not TASK=W with W in [0,1]", tok);
            rc = -1;
            break;
        }
        *eq = '\0';
        if (strcmp(tok, "va") == 0) w->va = v;
        else if (strcmp(tok, "expr") == 0) w->expr = v;
        else if (strcmp(tok, "au") == 0) w->au = v;
        else {
            cli_error(cmd, "--blend: unknown task '%s' (va, expr, au)", tok);
            rc = -1;
            break;
        }
    }
    free(copy);
    return rc;
}

int abaw_parse_thresholds(const char *cmd, const char *spec, double thr[EMOC_N_AU])
{
    const double *p = emoc_au_threshold_preset(spec);
    if (p) {
        memcpy(thr, p, EMOC_N_AU * sizeof(double));
        return 0;
    }
    char err[512];
    size_t size;
    unsigned char *b = cli_read_file(spec, &size, err, sizeof err);
    if (!b) {
        cli_error(cmd, "--au-thresholds: '%s' is neither a preset (0.5, abaw7_ddamfn, abaw7_enet_b0, "
                       "abaw7_blend, abaw6_vgaf_mlp, abaw6_enet_b0_mtl) nor a readable file (%s)", spec, err);
        return -1;
    }
    char *text = malloc(size + 1);
    memcpy(text, b, size);
    text[size] = '\0';
    free(b);
    char *body = text;
    if (strncmp(body, "AU1", 3) == 0) { /* optional header line */
        body = strchr(body, '\n');
        body = body ? body + 1 : text + size;
    }
    int n = abaw_parse_doubles(body, thr, EMOC_N_AU);
    free(text);
    if (n != EMOC_N_AU) {
        cli_error(cmd, "%s:1:1: expected 12 AU thresholds, read %d", spec, n < 0 ? 0 : n);
        return -1;
    }
    return 0;
}

int abaw_pick_faces(const feat_set *feats, abaw_table *frames, long **rows_out)
{
    long *rows = NULL;
    size_t cap = 0;
    for (size_t r = 0; r < feats->n; r++) {
        long t = abaw_table_row(frames, feats->video[r], feats->frame[r], 1);
        if (t < 0) {
            free(rows);
            return -1;
        }
        if ((size_t)t >= cap) {
            size_t nc = cap ? cap * 2 : 1024;
            while (nc <= (size_t)t) nc *= 2;
            long *nr = realloc(rows, nc * sizeof *nr);
            if (!nr) {
                free(rows);
                return -1;
            }
            for (size_t i = cap; i < nc; i++) nr[i] = -1;
            rows = nr;
            cap = nc;
        }
        long cur = rows[t];
        if (cur < 0 || feats->area[r] > feats->area[cur] ||
            (feats->area[r] == feats->area[cur] && feats->face[r] < feats->face[cur]))
            rows[t] = (long)r;
    }
    *rows_out = rows;
    return 0;
}

emoc_status abaw_run_head(const char *cmd, const emoc_mtl_head *head, const feat_set *feats,
                          abaw_table *frames, const long *rows)
{
    float *scratch = malloc(emoc_mtl_head_scratch_floats(head) * sizeof(float) + 16);
    if (!scratch) return EMOC_E_NOMEM;
    emoc_error err;
    for (size_t t = 0; t < frames->n; t++) {
        double *s = frames->scores + t * ABAW_N_SCORES;
        const float *x = feats->x + (size_t)rows[t] * (size_t)feats->dim;
        emoc_status st = emoc_mtl_head_forward(head, x, feats->dim, scratch, s, s + 2, s + 10, &err);
        if (st != EMOC_OK) {
            cli_error(cmd, "%s (features: backbone '%s', %d values per frame)", err.msg,
                      feats->backbone, feats->dim);
            free(scratch);
            return st;
        }
    }
    frames->has_scores = 1;
    free(scratch);
    return EMOC_OK;
}

emoc_status abaw_run_direct(const char *cmd, emoc_class_map map, const feat_set *feats,
                            abaw_table *frames, const long *rows)
{
    if (feats->dim < EMOC_MTL_N_SCORES) {
        cli_error(cmd, "--head none needs the backbone's 10 scores at the end of each feature row "
                       "(features have %d values)", feats->dim);
        return EMOC_E_SHAPE;
    }
    for (size_t t = 0; t < frames->n; t++) {
        double *s = frames->scores + t * ABAW_N_SCORES, lg[8], mx, sum = 0.0;
        const float *x = feats->x + (size_t)rows[t] * (size_t)feats->dim + feats->dim - EMOC_MTL_N_SCORES;
        for (int c = 0; c < 8; c++) lg[c] = x[c];
        mx = lg[0];
        for (int c = 1; c < 8; c++) mx = lg[c] > mx ? lg[c] : mx;
        for (int c = 0; c < 8; c++) sum += lg[c] = exp(lg[c] - mx);
        for (int c = 0; c < 8; c++) lg[c] /= sum;
        s[0] = x[8];
        s[1] = x[9];
        emoc_class_map_probs(map, lg, s + 2);
        for (int k = 0; k < EMOC_N_AU; k++) s[10 + k] = 0.0;
    }
    frames->has_scores = 1;
    return EMOC_OK;
}

typedef struct {
    int video_rank, frame;
    size_t pos;
} sort_item;

static int cmp_item(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    if (x->video_rank != y->video_rank) return x->video_rank < y->video_rank ? -1 : 1;
    if (x->frame != y->frame) return x->frame < y->frame ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int abaw_group_by_video(const abaw_table *t, const long *rows, size_t n, size_t **perm,
                        size_t **starts, size_t *n_runs)
{
    size_t nv = t->names->n;
    int *rank = malloc((nv ? nv : 1) * sizeof *rank);
    sort_item *it = malloc((n ? n : 1) * sizeof *it);
    *perm = malloc((n ? n : 1) * sizeof **perm);
    *starts = malloc((n + 1) * sizeof **starts);
    if (!rank || !it || !*perm || !*starts) {
        free(rank);
        free(it);
        return -1;
    }
    for (size_t v = 0; v < nv; v++) rank[v] = -1;
    int next = 0;
    for (size_t i = 0; i < n; i++) {
        long r = rows ? rows[i] : (long)i;
        int v = t->video[r];
        if (rank[v] < 0) rank[v] = next++;
        it[i] = (sort_item){rank[v], t->frame[r], i};
    }
    qsort(it, n, sizeof *it, cmp_item);
    *n_runs = 0;
    for (size_t i = 0; i < n; i++) {
        (*perm)[i] = it[i].pos;
        if (i == 0 || it[i].video_rank != it[i - 1].video_rank) (*starts)[(*n_runs)++] = i;
    }
    (*starts)[*n_runs] = n;
    free(rank);
    free(it);
    return 0;
}

void abaw_out_list_init(abaw_out_list *l, abaw_names *names)
{
    memset(l, 0, sizeof *l);
    abaw_table_init(&l->t, names);
}

emoc_status abaw_out_list_load(abaw_out_list *l, const char *path, char *err, size_t errlen)
{
    return abaw_load_list(&l->t, path, &l->order, &l->images, &l->n_order, err, errlen);
}

int abaw_out_list_all(abaw_out_list *l)
{
    l->order = malloc((l->t.n ? l->t.n : 1) * sizeof *l->order);
    if (!l->order) return -1;
    for (size_t r = 0; r < l->t.n; r++) l->order[r] = (long)r;
    l->n_order = l->t.n;
    return 0;
}

int abaw_out_list_group(abaw_out_list *l)
{
    size_t n = l->t.n;
    l->video = malloc((n ? n : 1) * sizeof(int));
    l->frame = malloc((n ? n : 1) * sizeof(int));
    if (!l->video || !l->frame || abaw_group_by_video(&l->t, NULL, n, &l->perm, &l->starts, &l->n_runs))
        return -1;
    for (size_t i = 0; i < n; i++) l->video[i] = l->t.video[i], l->frame[i] = l->t.frame[i];
    return 0;
}

void abaw_out_list_free(abaw_out_list *l)
{
    abaw_table_free(&l->t);
    free(l->order);
    free(l->images);
    free(l->perm);
    free(l->starts);
    free(l->video);
    free(l->frame);
    memset(l, 0, sizeof *l);
}

void abaw_write_image(FILE *f, const abaw_names *names, char *const *images, size_t i,
                      int video, int frame)
{
    if (images) fputs(images[i], f);
    else fprintf(f, "%s/%05d.jpg", names->name[video], frame);
}

int abaw_write_scores(const char *cmd, cli_outfile *out, const abaw_names *names,
                      char *const *images, const int *video, const int *frame,
                      const double *scores, size_t n)
{
    FILE *f = cli_outfile_begin(cmd, out);
    if (!f) return -1;
    fprintf(f, "image,valence,arousal");
    for (int c = 0; c < EMOC_N_EXPR; c++) fprintf(f, ",%s", emoc_abaw_expr_name(c));
    for (int k = 0; k < EMOC_N_AU; k++) fprintf(f, ",%s", emoc_au_name(k));
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        abaw_write_image(f, names, images, i, video[i], frame[i]);
        for (int j = 0; j < ABAW_N_SCORES; j++) fprintf(f, ",%.9g", scores[i * ABAW_N_SCORES + j]);
        fputc('\n', f);
    }
    return cli_outfile_commit(cmd, out);
}

int abaw_write_svg(const char *path, const char *title, const char *xlabel, const char *ylabel,
                   const double *x, size_t nx, const double *y, size_t n_series,
                   const char *const *series_names, int log_x)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    const double W = 640, H = 420, L = 70, R = 150, T = 40, B = 50;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < nx; i++) {
        double xv = log_x ? log10(x[i] > 0 ? x[i] : 1e-12) : x[i];
        x0 = fmin(x0, xv);
        x1 = fmax(x1, xv);
    }
    for (size_t i = 0; i < nx * n_series; i++)
        if (isfinite(y[i])) y0 = fmin(y0, y[i]), y1 = fmax(y1, y[i]);
    if (!(x1 > x0)) x1 = x0 + 1;
    if (!isfinite(y0)) y0 = 0, y1 = 1;
    if (!(y1 > y0)) y1 = y0 + 1e-3;
    double pad = 0.05 * (y1 - y0);
    y0 -= pad;
    y1 += pad;
#define PX(v) (L + ((log_x ? log10((v) > 0 ? (v) : 1e-12) : (v)) - x0) / (x1 - x0) * (W - L - R))
#define PY(v) (H - B - ((v) - y0) / (y1 - y0) * (H - T - B))
    static const char *colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
                                   "#000000", "#aa0088"};
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H);
    fprintf(f, "<text x=\"%g\" y=\"22\" font-size=\"15\">%s</text>\n", L, title);
    fprintf(f, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"black\"/>\n", L, H - B, W - R, H - B);
    fprintf(f, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"black\"/>\n", L, T, L, H - B);
    for (size_t i = 0; i < nx; i++)
        fprintf(f, "<text x=\"%.1f\" y=\"%g\" text-anchor=\"middle\">%g</text>\n", PX(x[i]), H - B + 16, x[i]);
    for (int k = 0; k <= 4; k++) {
        double v = y0 + (y1 - y0) * k / 4;
        fprintf(f, "<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\">%.3f</text>\n", L - 6, PY(v) + 4, v);
    }
    fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s</text>\n", (L + W - R) / 2, H - 12, xlabel);
    fprintf(f, "<text x=\"16\" y=\"%g\" transform=\"rotate(-90 16 %g)\" text-anchor=\"middle\">%s</text>\n",
            (T + H - B) / 2, (T + H - B) / 2, ylabel);
    for (size_t s = 0; s < n_series; s++) {
        const char *col = colors[s % 12];
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
        for (size_t i = 0; i < nx; i++)
            if (isfinite(y[s * nx + i])) fprintf(f, "%.1f,%.1f ", PX(x[i]), PY(y[s * nx + i]));
        fprintf(f, "\"/>\n");
        fprintf(f, "<text x=\"%g\" y=\"%g\" fill=\"%s\">%s</text>\n", W - R + 10, T + 16.0 * (double)s + 10, col,
                series_names ? series_names[s] : "");
    }
#undef PX
#undef PY
    fprintf(f, "</svg>\n");
    return fclose(f) ? -1 : 0;
}
