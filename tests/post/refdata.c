/* refdata.c — see refdata.h. */
#include "refdata.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[96];
    size_t n;
    double *v;
} entry;

struct refdata {
    entry *e;
    size_t n;
};

refdata *refdata_load(const char *file)
{
    char path[1024];
    const char *root = getenv("EMOC_ROOT");
    snprintf(path, sizeof path, "%s/tests/post/data/%s", root ? root : ".", file);
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot open %s", path);
    refdata *r = calloc(1, sizeof *r);
    size_t cap = 0;
    char name[96];
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (c == '#' || c == '\n') {
            while (c != '\n' && c != EOF) c = fgetc(f);
            continue;
        }
        ungetc(c, f);
        size_t n;
        cr_assert(fscanf(f, "%95s %zu", name, &n) == 2, "bad line in %s", path);
        if (r->n == cap) {
            cap = cap ? cap * 2 : 64;
            r->e = realloc(r->e, cap * sizeof *r->e);
        }
        entry *e = &r->e[r->n++];
        snprintf(e->name, sizeof e->name, "%s", name);
        e->n = n;
        e->v = malloc((n ? n : 1) * sizeof(double));
        for (size_t i = 0; i < n; i++) {
            char tok[64];
            cr_assert(fscanf(f, "%63s", tok) == 1, "short array %s", name);
            e->v[i] = strtod(tok, NULL);
        }
    }
    fclose(f);
    return r;
}

void refdata_free(refdata *r)
{
    for (size_t i = 0; i < r->n; i++) free(r->e[i].v);
    free(r->e);
    free(r);
}

const double *refdata_get(const refdata *r, const char *name, size_t *n)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->e[i].name, name) == 0) {
            if (n) *n = r->e[i].n;
            return r->e[i].v;
        }
    cr_assert_fail("reference array '%s' missing", name);
    return NULL;
}

int *refdata_get_int(const refdata *r, const char *name, size_t *n)
{
    size_t m;
    const double *v = refdata_get(r, name, &m);
    int *o = malloc((m ? m : 1) * sizeof(int));
    for (size_t i = 0; i < m; i++) o[i] = (int)v[i];
    if (n) *n = m;
    return o;
}
