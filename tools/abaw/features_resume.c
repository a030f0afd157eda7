/* features_resume.c — resumable feature files for `emoc features --resume` (features_resume.h). */
#include "tools/abaw/features_resume.h"
#include "tools/cli.h"
#include "tools/shard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int oom(feat_resume *fr)
{
    cli_error(fr->out.cmd, "out of memory");
    if (!fr->rc) fr->rc = EXIT_RUNTIME;
    return EXIT_RUNTIME;
}

/* 1 when the file at dirfd/base starts as a CSV feature file, 0 binary, -1 absent. */
static int previous_format(const resume_out *r)
{
    int fd = openat(r->dirfd, r->base, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char head[8] = {0};
    ssize_t got = read(fd, head, sizeof head);
    close(fd);
    return !(got == (ssize_t)sizeof head && !memcmp(head, "EMOCFEAT", 8));
}

static void scan_previous(void *user, resume_out *r);

int feat_resume_open(feat_resume *fr, const char *cmd, const char *path, int csv, feat_set *fs, abaw_names *names)
{
    memset(fr, 0, sizeof *fr);
    fr->fs = fs;
    fr->names = names;
    fr->csv = csv;
    int rc = resume_open_dir(&fr->out, cmd, path);
    if (rc) return rc;
    fr->out.scan_hook = scan_previous;
    fr->out.scan_user = fr;
    int format = previous_format(&fr->out);
    if (format < 0 && errno != ENOENT) {
        cli_error(cmd, "cannot read '%s' to resume: %s", path, strerror(errno));
        return EXIT_RUNTIME;
    }
    if (format < 0) return 0;
    char err[512];
    emoc_status st = feat_read(&fr->old, names, path, err, sizeof err);
    if (st) {
        cli_error(cmd, "--resume: %s", err);
        return st == EMOC_E_NOMEM || st == EMOC_E_IO ? EXIT_RUNTIME : EXIT_USAGE;
    }
    fr->have_old = 1;
    if (fr->old.has_box != fs->has_box) {
        cli_error(cmd, "--resume: '%s' holds version %d feature rows (%s) and this run writes version %d (%s): "
                  "remove it or run %s --detect", path, fr->old.has_box ? 2 : 1,
                  fr->old.has_box ? "detector boxes" : "no boxes", fs->has_box ? 2 : 1,
                  fs->has_box ? "detector boxes" : "no boxes", fs->has_box ? "without" : "with");
        return EXIT_USAGE;
    }
    if (format != csv || fr->old.dim != fs->dim || fr->old.embedding != fs->embedding ||
        strcmp(fr->old.backbone, fs->backbone)) {
        cli_error(cmd, "--resume: '%s' holds %s features of %s (%d values) and this run writes %s features of %s "
                  "(%d values): remove it or run without --resume", path, format ? "CSV" : "binary",
                  fr->old.backbone, fr->old.dim, csv ? "CSV" : "binary", fs->backbone, fs->dim);
        return EXIT_USAGE;
    }
    return 0;
}

static int reserve_keys(feat_resume *fr, size_t n)
{
    if (n <= fr->key_cap) return 0;
    size_t cap = fr->key_cap ? fr->key_cap * 2 : 1024;
    while (cap < n) cap *= 2;
    long *k = realloc(fr->key, cap * sizeof *k);
    if (!k) return -1;
    fr->key = k;
    fr->key_cap = cap;
    return 0;
}

/* The unit (video folder) of the previous file's video name: a folder of this run's listing
 * with that last path component, NULL when none or more than one. */
static unit_entry *unit_of_name(const resume_out *r, const unit_table *by_name, const char *name)
{
    const unit_entry *e = unit_table_find(by_name, name);
    return e && e->listed == 1 ? unit_table_find(&r->units, e->owner) : NULL;
}

static int index_names(const resume_out *r, unit_table *by_name)
{
    for (size_t i = 0; i < r->units.cap; i++) {
        const unit_entry *u = &r->units.slots[i];
        if (!u->unit || !u->folder || !u->listed) continue;
        size_t len = strlen(u->unit);
        while (len > 1 && u->unit[len - 1] == '/') len--;
        size_t start = len;
        while (start > 0 && u->unit[start - 1] != '/') start--;
        char *name = strndup(u->unit + start, len - start);
        unit_entry *e = name ? unit_table_get(by_name, name) : NULL;
        free(name);
        if (!e) return -1;
        if (!e->owner && !(e->owner = strdup(u->unit))) return -1;
        e->listed++; /* more than one folder of that name: its rows cannot be told apart */
    }
    return 0;
}

/* resume_out.scan_hook, after the listing: videos the previous file holds rows of are complete;
 * their rows become the first rows of this run. */
static void scan_previous(void *user, resume_out *r)
{
    feat_resume *fr = user;
    if (!fr->have_old) return;
    unit_table by_name;
    unit_table_init(&by_name);
    feat_set *old = &fr->old;
    if (index_names(r, &by_name)) oom(fr);
    for (size_t i = 0; !fr->rc && i < old->n; i++) {
        unit_entry *u = unit_of_name(r, &by_name, fr->names->name[old->video[i]]);
        if (u) u->existing = u->listed;
    }
    for (size_t i = 0; !fr->rc && i < old->n; i++) {
        const unit_entry *u = unit_of_name(r, &by_name, fr->names->name[old->video[i]]);
        if (!u) continue;
        const float *x = old->x + i * (size_t)old->dim;
        if (reserve_keys(fr, fr->fs->n + 1) ||
            (old->has_box ? feat_append_box(fr->fs, old->video[i], old->frame[i], old->face[i], old->box + i * FEAT_BOX, x)
                          : feat_append(fr->fs, old->video[i], old->frame[i], old->face[i], old->area[i], x))) {
            oom(fr);
            break;
        }
        fr->key[fr->fs->n - 1] = u->order;
        fr->kept_rows++;
    }
    fr->keyed = fr->fs->n;
    unit_table_free(&by_name);
    feat_free(old);
    fr->have_old = 0;
}

/* Listing order of the videos, stable: rows kept from the previous file take their place among
 * the computed ones. Sorted in place (the set may be large): a permutation applied by cycles. */
typedef struct row_key {
    long key;
    size_t row;
} row_key;

static int by_key(const void *a, const void *b)
{
    const row_key *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int sort_rows(feat_resume *fr)
{
    feat_set *s = fr->fs;
    size_t n = fr->keyed, d = (size_t)s->dim, i;
    for (i = 1; i < n && fr->key[i - 1] <= fr->key[i]; i++) {}
    if (i >= n) return 0;
    row_key *rk = malloc(n * sizeof *rk);
    size_t *perm = malloc(n * sizeof *perm);
    float *tmp = malloc(d * sizeof *tmp);
    if (!rk || !perm || !tmp) {
        free(rk);
        free(perm);
        free(tmp);
        return -1;
    }
    for (i = 0; i < n; i++) rk[i] = (row_key){fr->key[i], i};
    qsort(rk, n, sizeof *rk, by_key);
    for (i = 0; i < n; i++) perm[i] = rk[i].row;
    free(rk);
    for (i = 0; i < n; i++) { /* row i takes row perm[i]; follow each cycle once */
        if (perm[i] == i) continue;
        int v = s->video[i], f = s->frame[i], fc = s->face[i];
        float a = s->area[i], box[FEAT_BOX];
        if (s->has_box) memcpy(box, s->box + i * FEAT_BOX, sizeof box);
        long k = fr->key[i];
        memcpy(tmp, s->x + i * d, d * sizeof *tmp);
        size_t j = i;
        while (perm[j] != i) {
            size_t src = perm[j];
            s->video[j] = s->video[src];
            s->frame[j] = s->frame[src];
            s->face[j] = s->face[src];
            s->area[j] = s->area[src];
            if (s->has_box) memcpy(s->box + j * FEAT_BOX, s->box + src * FEAT_BOX, sizeof box);
            fr->key[j] = fr->key[src];
            memcpy(s->x + j * d, s->x + src * d, d * sizeof *tmp);
            perm[j] = j;
            j = src;
        }
        s->video[j] = v;
        s->frame[j] = f;
        s->face[j] = fc;
        s->area[j] = a;
        if (s->has_box) memcpy(s->box + j * FEAT_BOX, box, sizeof box);
        fr->key[j] = k;
        memcpy(s->x + j * d, tmp, d * sizeof *tmp);
        perm[j] = j;
    }
    free(perm);
    free(tmp);
    return 0;
}

static int write_set(void *user, FILE *f)
{
    feat_resume *fr = user;
    if (sort_rows(fr)) {
        errno = ENOMEM;
        return -1;
    }
    if (feat_write(fr->fs, fr->names, f, fr->csv)) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

void feat_resume_frame(feat_resume *fr, const char *input, const char *video)
{
    char *unit = shard_unit(input, video);
    const unit_entry *u = unit ? unit_table_find(&fr->out.units, unit) : NULL;
    if (!unit || reserve_keys(fr, fr->fs->n)) {
        free(unit);
        oom(fr);
        return;
    }
    for (; fr->keyed < fr->fs->n; fr->keyed++) fr->key[fr->keyed] = u ? u->order : fr->out.n_units;
    int commit_point = resume_unit_step(&fr->out, unit);
    free(unit);
    if (commit_point && !fr->rc) fr->rc = resume_replace(&fr->out, 0, write_set, fr);
}

int feat_resume_finish(feat_resume *fr)
{
    if (fr->rc) return fr->rc;
    return resume_replace(&fr->out, 1, write_set, fr);
}

void feat_resume_close(feat_resume *fr)
{
    if (!fr->fs) return; /* never opened */
    resume_close(&fr->out);
    feat_free(&fr->old);
    free(fr->key);
    memset(fr, 0, sizeof *fr);
}
