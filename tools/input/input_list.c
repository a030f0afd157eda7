/*
 * input_list.c — builds the ordered list of inputs for input_iter.c: explicit files, directory
 * walks in natural order, and --boxes CSV rows. Video names and frame numbers come from paths.
 */
#include "tools/input/input_list.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

int emoc__natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            const char *a0 = a, *b0 = b;
            while (*a0 == '0' && isdigit((unsigned char)a0[1])) a0++;
            while (*b0 == '0' && isdigit((unsigned char)b0[1])) b0++;
            const char *a1 = a0, *b1 = b0;
            while (isdigit((unsigned char)*a1)) a1++;
            while (isdigit((unsigned char)*b1)) b1++;
            if (a1 - a0 != b1 - b0) return a1 - a0 < b1 - b0 ? -1 : 1;
            int c = strncmp(a0, b0, (size_t)(a1 - a0));
            if (c) return c;
            /* equal values: fewer leading zeros first, then go on */
            if ((a0 - a) != (b0 - b)) return (a0 - a) < (b0 - b) ? -1 : 1;
            a = a1;
            b = b1;
        } else {
            if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++;
            b++;
        }
    }
    return *a ? 1 : *b ? -1 : 0;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Frame number from the file stem when it is all digits ("00042.jpg" → 42), else -1. */
static long frame_from_path(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot ? (size_t)(dot - base) : strlen(base);
    if (n == 0 || n > 12) return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)base[i])) return -1;
        v = v * 10 + (base[i] - '0');
    }
    return v;
}

/* Name of the directory holding path ("a/VIDEO/00001.jpg" → "VIDEO"); "" if none. */
static char *parent_name(const char *path)
{
    const char *end = strrchr(path, '/');
    if (!end) return dup_str("");
    while (end > path && end[-1] == '/') end--; /* "a//b" */
    const char *start = end;
    while (start > path && start[-1] != '/') start--;
    size_t n = (size_t)(end - start);
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, start, n);
        s[n] = 0;
    }
    return s;
}

static int is_image_name(const char *name)
{
    if (name[0] == '.') return 0;
    const char *dot = strrchr(name, '.');
    if (!dot) return 0;
    static const char *exts[] = {".jpg", ".jpeg", ".png", ".ppm", ".pgm", ".bmp"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (!strcasecmp(dot, exts[i])) return 1;
    return 0;
}

static emoc_status push(emoc__input_list *l, emoc__input_entry e, emoc_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        emoc__input_entry *ne = realloc(l->items, cap * sizeof *ne);
        if (!ne) return emoc__fail(err, EMOC_E_NOMEM, "inputs: out of memory listing %zu inputs", l->n);
        l->items = ne;
        l->cap = cap;
    }
    e.position = (long)l->n;
    l->items[l->n++] = e;
    return EMOC_OK;
}

static emoc_status add_file(emoc__input_list *l, const char *path, int in_walk, emoc_error *err)
{
    emoc__input_entry e;
    memset(&e, 0, sizeof e);
    e.path = dup_str(path);
    e.frame = frame_from_path(path);
    e.video = (in_walk || e.frame >= 0) ? parent_name(path) : dup_str("");
    if (!e.path || !e.video) {
        free(e.path);
        free(e.video);
        return emoc__fail(err, EMOC_E_NOMEM, "inputs: out of memory");
    }
    emoc_status st = push(l, e, err);
    if (st) {
        free(e.path);
        free(e.video);
    }
    return st;
}

static int cmp_names(const void *a, const void *b)
{
    return emoc__natural_cmp(*(char *const *)a, *(char *const *)b);
}

static emoc_status walk(emoc__input_list *l, const char *dir, int depth, emoc_error *err)
{
    if (depth > 16) return emoc__fail(err, EMOC_E_LIMIT, "inputs: %s: directories nested deeper than 16", dir);
    DIR *d = opendir(dir);
    if (!d) return emoc__fail(err, EMOC_E_IO, "inputs: cannot list %s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    emoc_status st = EMOC_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                st = emoc__fail(err, EMOC_E_NOMEM, "inputs: out of memory listing %s", dir);
                break;
            }
            names = nn;
        }
        if (!(names[n] = dup_str(de->d_name))) {
            st = emoc__fail(err, EMOC_E_NOMEM, "inputs: out of memory listing %s", dir);
            break;
        }
        n++;
    }
    closedir(d);
    if (st == EMOC_OK && n > 1) qsort(names, n, sizeof *names, cmp_names); /* names is NULL when empty */
    size_t dl = strlen(dir);
    int slash = dl > 0 && dir[dl - 1] == '/';
    for (size_t i = 0; i < n && st == EMOC_OK; i++) {
        size_t len = dl + 1 + strlen(names[i]) + 1;
        char *p = malloc(len);
        if (!p) {
            st = emoc__fail(err, EMOC_E_NOMEM, "inputs: out of memory");
            break;
        }
        snprintf(p, len, slash ? "%s%s" : "%s/%s", dir, names[i]);
        struct stat sb;
        if (names[i][0] == '.') { /* hidden: never walked into nor read, but counted */
            if (!l->n_skipped++) l->first_skipped = dup_str(p);
        } else if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) st = walk(l, p, depth + 1, err);
        else if (is_image_name(names[i])) st = add_file(l, p, 1, err);
        else if (!l->n_skipped++) l->first_skipped = dup_str(p); /* counted: the CLI says so */
        free(p);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return st;
}

emoc_status emoc__input_list_paths(emoc__input_list *l, const char *const *paths, int n_paths,
                                   emoc_error *err)
{
    for (int i = 0; i < n_paths; i++) {
        struct stat sb;
        emoc_status st;
        if (stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode)) st = walk(l, paths[i], 0, err);
        else st = add_file(l, paths[i], 0, err); /* missing files become io_error items */
        if (st) return st;
    }
    return EMOC_OK;
}

/* Parses one integer field; returns 0 on success. */
static int parse_int_field(const char *s, int *out)
{
    while (*s == ' ' || *s == '\t') s++;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s) {
        /* accept floats like 12.0 from detectors: truncate toward zero after checking */
        double dv = strtod(s, &end);
        if (end == s || dv != dv || dv < -1e9 || dv > 1e9) return -1;
        v = (long)dv;
    } else if (*end == '.') {
        double dv = strtod(s, &end);
        if (dv != dv || dv < -1e9 || dv > 1e9) return -1;
        v = (long)dv;
    }
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
    if (*end || errno || v < -1000000000L || v > 1000000000L) return -1;
    *out = (int)v;
    return 0;
}

emoc_status emoc__boxes_open(emoc__boxes_reader *r, const char *csv, emoc_error *err)
{
    memset(r, 0, sizeof *r);
    r->csv = csv;
    r->f = fopen(csv, "r");
    if (!r->f) return emoc__fail(err, EMOC_E_IO, "inputs: cannot open boxes file %s: %s", csv, strerror(errno));
    struct stat sb;
    r->regular = fstat(fileno(r->f), &sb) == 0 && S_ISREG(sb.st_mode);
    const char *slash = strrchr(csv, '/');
    if (slash) {
        size_t n = (size_t)(slash - csv) + 1;
        r->dir = malloc(n + 1);
        if (!r->dir) {
            emoc__boxes_close(r);
            return emoc__fail(err, EMOC_E_NOMEM, "inputs: out of memory");
        }
        memcpy(r->dir, csv, n);
        r->dir[n] = 0;
    }
    return EMOC_OK;
}

/* The entry of one non-blank line (ok or with its bad_row message). */
static emoc_status boxes_entry(emoc__boxes_reader *r, char *line, int too_long, emoc__input_entry *e,
                               emoc_error *err)
{
    const char *csv = r->csv;
    long lineno = r->lineno;
    char *fields[7];
    int nf = 0;
    char *p = line;
    while (nf < 7) {
        fields[nf++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = 0;
        p = c + 1;
    }
    int vals[5] = {0, 0, 0, 0, 0};
    int ok = !too_long && (nf == 5 || nf == 6);
    for (int k = 1; ok && k < nf; k++) ok = parse_int_field(fields[k], &vals[k - 1]) == 0;
    memset(e, 0, sizeof *e);
    char msg[256];
    if (!ok) {
        snprintf(msg, sizeof msg, "%s: line %ld: expected image,x,y,w,h[,face_id] with integer values", csv, lineno);
        e->bad_msg = dup_str(msg);
    } else if (fields[0][0] == '\0' || (nf == 6 && vals[4] < 0)) {
        /* an empty name is not a file to open; a negative face id cannot be written to a
         * feature file (post/FEATURES.md: face >= 0) */
        ok = 0;
        snprintf(msg, sizeof msg, "%s: line %ld: %s", csv, lineno,
                 fields[0][0] ? "face_id must be >= 0" : "empty image name");
        e->bad_msg = dup_str(msg);
    }
    const char *img = fields[0];
    /* A relative image path that does not exist from here is looked up beside the CSV. */
    struct stat sb;
    if (r->dir && img[0] != '/' && stat(img, &sb) != 0) {
        size_t n = strlen(r->dir) + strlen(img) + 1;
        e->path = malloc(n);
        if (e->path) snprintf(e->path, n, "%s%s", r->dir, img);
    } else {
        e->path = dup_str(img);
    }
    e->frame = e->path ? frame_from_path(e->path) : -1;
    e->video = e->path ? (e->frame >= 0 ? parent_name(e->path) : dup_str("")) : NULL;
    e->has_box = 1;
    memcpy(e->box, vals, sizeof e->box);
    e->face_id = nf == 6 && ok ? vals[4] : 0;
    e->position = r->rows++;
    if (!e->path || !e->video || (!ok && !e->bad_msg)) {
        emoc__input_entry_free(e);
        return emoc__fail(err, EMOC_E_NOMEM, "inputs: out of memory");
    }
    return EMOC_OK;
}

int emoc__boxes_next(emoc__boxes_reader *r, emoc__input_entry *e, emoc_status *st, emoc_error *err)
{
    *st = EMOC_OK;
    char line[4096];
    while (fgets(line, sizeof line, r->f)) { /* one line at a time: a stream is never held whole */
        r->lineno++;
        size_t len = strlen(line);
        int too_long = len == sizeof line - 1 && line[len - 1] != '\n';
        if (too_long) { /* swallow the rest of the line */
            int c;
            while ((c = fgetc(r->f)) != EOF && c != '\n') {}
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (len == 0) continue; /* a blank line holds no name: not a row */
        /* only the documented header is a header; a name starting with '#' is an image name */
        if (r->lineno == 1 && (!strcmp(line, "image,x,y,w,h") || !strcmp(line, "image,x,y,w,h,face_id"))) continue;
        *st = boxes_entry(r, line, too_long, e, err);
        return *st ? -1 : 1;
    }
    if (ferror(r->f)) {
        *st = emoc__fail(err, EMOC_E_IO, "inputs: read error on %s after line %ld: %s", r->csv, r->lineno,
                         strerror(errno));
        return -1;
    }
    return 0;
}

void emoc__boxes_close(emoc__boxes_reader *r)
{
    if (r->f) fclose(r->f);
    free(r->dir);
    memset(r, 0, sizeof *r);
}

emoc_status emoc__input_list_boxes(emoc__input_list *l, const char *csv, emoc_error *err)
{
    emoc__boxes_reader r;
    emoc_status st = emoc__boxes_open(&r, csv, err);
    emoc__input_entry e;
    while (st == EMOC_OK && emoc__boxes_next(&r, &e, &st, err) > 0) {
        st = push(l, e, err);
        if (st) emoc__input_entry_free(&e);
    }
    emoc__boxes_close(&r);
    return st;
}

void emoc__input_entry_free(emoc__input_entry *e)
{
    free(e->path);
    free(e->video);
    free(e->bad_msg);
    memset(e, 0, sizeof *e);
}

void emoc__input_list_free(emoc__input_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].path);
        free(l->items[i].video);
        free(l->items[i].bad_msg);
    }
    free(l->items);
    free(l->first_skipped);
    memset(l, 0, sizeof *l);
}
