/* abaw_io.c — ABAW annotation, submission, score and list files (see abaw_io.h). */
#include "tools/abaw/abaw_io.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/cli.h"

/* ---- names --------------------------------------------------------------------------------- */

static uint64_t fnv(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int names_lookup(const abaw_names *v, const char *s, size_t len, size_t *slot)
{
    if (!v->n_slot) return -1;
    size_t i = (size_t)(fnv(s, len) & (v->n_slot - 1));
    for (;;) {
        size_t id1 = v->slot[i];
        if (!id1) {
            if (slot) *slot = i;
            return -1;
        }
        const char *n = v->name[id1 - 1];
        if (strlen(n) == len && memcmp(n, s, len) == 0) return (int)(id1 - 1);
        i = (i + 1) & (v->n_slot - 1);
    }
}

static int names_grow(abaw_names *v)
{
    size_t ns = v->n_slot ? v->n_slot * 2 : 256;
    size_t *slot = calloc(ns, sizeof *slot);
    if (!slot) return -1;
    for (size_t id = 0; id < v->n; id++) {
        size_t i = (size_t)(fnv(v->name[id], strlen(v->name[id])) & (ns - 1));
        while (slot[i]) i = (i + 1) & (ns - 1);
        slot[i] = id + 1;
    }
    free(v->slot);
    v->slot = slot;
    v->n_slot = ns;
    return 0;
}

int abaw_names_intern(abaw_names *v, const char *s, size_t len)
{
    int id = names_lookup(v, s, len, NULL);
    if (id >= 0) return id;
    if ((v->n + 1) * 2 > v->n_slot && names_grow(v)) return -1;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        char **nn = realloc(v->name, cap * sizeof *nn);
        if (!nn) return -1;
        v->name = nn;
        v->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    size_t slot;
    names_lookup(v, s, len, &slot);
    v->name[v->n] = copy;
    v->slot[slot] = v->n + 1;
    return (int)v->n++;
}

int abaw_names_find(const abaw_names *v, const char *s) { return names_lookup(v, s, strlen(s), NULL); }

void abaw_names_free(abaw_names *v)
{
    for (size_t i = 0; i < v->n; i++) free(v->name[i]);
    free(v->name);
    free(v->slot);
    memset(v, 0, sizeof *v);
}

/* ---- table --------------------------------------------------------------------------------- */

void abaw_table_init(abaw_table *t, abaw_names *names)
{
    memset(t, 0, sizeof *t);
    t->names = names;
}

void abaw_table_free(abaw_table *t)
{
    free(t->video);
    free(t->frame);
    free(t->va);
    free(t->expr);
    free(t->au);
    free(t->ce);
    free(t->scores);
    free(t->hkey);
    free(t->hval);
    memset(t, 0, sizeof *t);
}

static uint64_t rkey(int video, int frame) { return ((uint64_t)(uint32_t)video << 32) | (uint32_t)frame; }

static size_t hslot(uint64_t k, size_t n) { return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 17) & (n - 1); }

static int table_rehash(abaw_table *t, size_t ns)
{
    uint64_t *hk = malloc(ns * sizeof *hk);
    size_t *hv = calloc(ns, sizeof *hv);
    if (!hk || !hv) {
        free(hk);
        free(hv);
        return -1;
    }
    for (size_t r = 0; r < t->n; r++) {
        uint64_t k = rkey(t->video[r], t->frame[r]);
        size_t i = hslot(k, ns);
        while (hv[i]) i = (i + 1) & (ns - 1);
        hk[i] = k;
        hv[i] = r + 1;
    }
    free(t->hkey);
    free(t->hval);
    t->hkey = hk;
    t->hval = hv;
    t->n_hslot = ns;
    return 0;
}

static int table_reserve(abaw_table *t)
{
    if (t->n < t->cap) return 0;
    size_t cap = t->cap ? t->cap * 2 : 1024;
#define GROW(p, k)                                                                                  \
    do {                                                                                            \
        void *q = realloc(t->p, cap * (k) * sizeof *t->p);                                          \
        if (!q) return -1;                                                                          \
        t->p = q;                                                                                   \
    } while (0)
    GROW(video, 1);
    GROW(frame, 1);
    GROW(va, 2);
    GROW(expr, 1);
    GROW(au, EMOC_N_AU);
    GROW(ce, 1);
    GROW(scores, ABAW_N_SCORES);
#undef GROW
    t->cap = cap;
    return 0;
}

long abaw_table_row(abaw_table *t, int video, int frame, int create)
{
    uint64_t k = rkey(video, frame);
    if (t->n_hslot) {
        size_t i = hslot(k, t->n_hslot);
        while (t->hval[i]) {
            if (t->hkey[i] == k) return (long)t->hval[i] - 1;
            i = (i + 1) & (t->n_hslot - 1);
        }
    }
    if (!create) return -1;
    if ((t->n + 1) * 2 > t->n_hslot && table_rehash(t, t->n_hslot ? t->n_hslot * 2 : 4096)) return -1;
    if (table_reserve(t)) return -1;
    size_t r = t->n++;
    t->video[r] = video;
    t->frame[r] = frame;
    t->va[2 * r] = t->va[2 * r + 1] = -5.0;
    t->expr[r] = -1;
    t->ce[r] = -1;
    for (int j = 0; j < EMOC_N_AU; j++) t->au[r * EMOC_N_AU + j] = -1;
    for (int j = 0; j < ABAW_N_SCORES; j++) t->scores[r * ABAW_N_SCORES + j] = NAN;
    size_t i = hslot(k, t->n_hslot);
    while (t->hval[i]) i = (i + 1) & (t->n_hslot - 1);
    t->hkey[i] = k;
    t->hval[i] = r + 1;
    return (long)r;
}

/* ---- text scanning ------------------------------------------------------------------------- */

typedef struct {
    const char *path;
    size_t line;
    const char *line_start;
    char *err;
    size_t errlen;
} ctx;

static emoc_status perr(ctx *c, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static emoc_status perr(ctx *c, const char *at, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t col = at && c->line_start ? (size_t)(at - c->line_start) + 1 : 1;
    snprintf(c->err, c->errlen, "%s:%zu:%zu: %s", c->path, c->line, col, msg);
    return EMOC_E_FORMAT;
}

/* A text file with a NUL byte inside is damaged (strtod would stop there and read "0.8\0 03"
 * as 0.8): refuse it, naming the first one as file:line:column. */
static emoc_status refuse_nul(const char *path, const unsigned char *buf, size_t size, char *err, size_t errlen)
{
    const unsigned char *z = memchr(buf, 0, size);
    if (!z) return EMOC_OK;
    size_t line = 1;
    const unsigned char *ls = buf;
    for (const unsigned char *p = buf; p < z; p++)
        if (*p == '\n') line++, ls = p + 1;
    snprintf(err, errlen, "%s:%zu:%zu: NUL byte inside the text (a damaged or binary file)", path, line,
             (size_t)(z - ls) + 1);
    return EMOC_E_FORMAT;
}

/* Size caps of the text files, checked before one is read whole (docs/reliability.md). A
 * per-video annotation file of Aff-Wild2 is below 10 MB (about 100,000 frames of at most ~60
 * bytes); a predictions or labels CSV of a whole test set (~1M frames of ~100 bytes) ~100 MB. */
#define CAP_VIDEO_FILE ((size_t)64 << 20)
#define CAP_TABLE_FILE ((size_t)1 << 30)

typedef struct text_kind {
    const char *path;
    size_t cap;
    const char *name;
} text_kind;

/* cli_sniff_fn for text: a NUL among the first bytes refuses the file (as refuse_nul would
 * after reading it whole, with the same file:line:column), else the kind's cap. */
static size_t sniff_text(const unsigned char *head, size_t n, void *user, char *why, size_t whylen)
{
    const text_kind *k = user;
    if (refuse_nul(k->path, head, n, why, whylen)) return 0;
    snprintf(why, whylen, "%s", k->name);
    return k->cap;
}

/* The whole text file, sniffed and capped first; NULL with err set. */
static unsigned char *read_text(const char *path, size_t cap, const char *name, size_t *size, emoc_status *st,
                                char *err, size_t errlen)
{
    text_kind k = {path, cap, name};
    int refused = 0;
    unsigned char *buf = cli_read_file_sniffed(path, sniff_text, &k, size, &refused, err, errlen);
    *st = buf ? EMOC_OK : refused ? EMOC_E_FORMAT : EMOC_E_IO;
    return buf;
}

#define MAX_FIELDS 32
typedef struct {
    const char *s[MAX_FIELDS];
    size_t len[MAX_FIELDS];
    int n;
} fields;

/* Splits [b, e) at commas; surrounding blanks trimmed. Returns −1 on too many fields. */
static int split(const char *b, const char *e, fields *f)
{
    f->n = 0;
    for (;;) {
        const char *c = b;
        while (c < e && *c != ',') c++;
        const char *s = b, *t = c;
        while (s < t && (*s == ' ' || *s == '\t')) s++;
        while (t > s && (t[-1] == ' ' || t[-1] == '\t')) t--;
        if (f->n == MAX_FIELDS) return -1;
        f->s[f->n] = s;
        f->len[f->n] = (size_t)(t - s);
        f->n++;
        if (c == e) return 0;
        b = c + 1;
    }
}

static int parse_double(const char *s, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (*end || errno || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static int parse_int(const char *s, size_t len, long lo, long hi, int *out)
{
    double v;
    if (parse_double(s, len, &v) || v != floor(v) || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

int abaw_parse_image(abaw_names *names, const char *s, size_t len, int *video, int *frame)
{
    const char *slash = NULL;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '/') slash = s + i;
    if (!slash || slash == s) return -1;
    const char *d = slash + 1, *e = s + len;
    const char *dot = d;
    while (dot < e && *dot != '.') dot++;
    if (dot == d || dot - d > 9) return -1;
    long f = 0;
    for (const char *p = d; p < dot; p++) {
        if (!isdigit((unsigned char)*p)) return -1;
        f = f * 10 + (*p - '0');
    }
    int id = abaw_names_intern(names, s, (size_t)(slash - s));
    if (id < 0) return -1;
    *video = id;
    *frame = (int)f;
    return 0;
}

/* Iterates lines: returns 1 with [*b, *e) set, 0 at the end. */
static int next_line(const char **pos, const char *end, const char **b, const char **e)
{
    if (*pos >= end) return 0;
    const char *p = *pos;
    const char *q = p;
    while (q < end && *q != '\n') q++;
    *b = p;
    *e = q > p && q[-1] == '\r' ? q - 1 : q;
    *pos = q < end ? q + 1 : q;
    return 1;
}

static int blank(const char *b, const char *e)
{
    for (; b < e; b++)
        if (!isspace((unsigned char)*b)) return 0;
    return 1;
}

/* Files saved by Windows editors start with a UTF-8 byte order mark; it is not part of the
 * header text (without this, "valence,arousal" was an unknown header). */
static const char *skip_bom(const char *p, const char *end)
{
    return end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? p + 3 : p;
}

static int contains(const char *b, const char *e, const char *needle)
{
    size_t n = strlen(needle);
    for (; b + n <= e; b++)
        if (memcmp(b, needle, n) == 0) return 1;
    return 0;
}

enum kind { K_VA, K_EXPR, K_AU, K_CE, K_MTL, K_SCORES };

/* Stores fields [first, first+count) of kind k into row r. */
static emoc_status store(abaw_table *t, ctx *c, const fields *f, int first, enum kind k, long r)
{
    switch (k) {
    case K_VA:
        for (int j = 0; j < 2; j++)
            if (parse_double(f->s[first + j], f->len[first + j], &t->va[2 * r + j]))
                return perr(c, f->s[first + j], "expected a number (valence/arousal)");
        t->has_va = 1;
        return EMOC_OK;
    case K_EXPR:
        if (parse_int(f->s[first], f->len[first], -1, 7, &t->expr[r]))
            return perr(c, f->s[first], "expected an expression index -1..7");
        t->has_expr = 1;
        return EMOC_OK;
    case K_CE:
        if (parse_int(f->s[first], f->len[first], -1, 6, &t->ce[r]))
            return perr(c, f->s[first], "expected a compound expression index -1..6");
        t->has_ce = 1;
        return EMOC_OK;
    case K_AU:
        for (int j = 0; j < EMOC_N_AU; j++)
            if (parse_int(f->s[first + j], f->len[first + j], -1, 1, &t->au[r * EMOC_N_AU + j]))
                return perr(c, f->s[first + j], "expected an AU value -1, 0 or 1 (%s)", emoc_au_name(j));
        t->has_au = 1;
        return EMOC_OK;
    case K_MTL: {
        emoc_status st = store(t, c, f, first, K_VA, r);
        if (!st) st = store(t, c, f, first + 2, K_EXPR, r);
        if (!st) st = store(t, c, f, first + 3, K_AU, r);
        return st;
    }
    case K_SCORES:
        for (int j = 0; j < ABAW_N_SCORES; j++)
            if (parse_double(f->s[first + j], f->len[first + j], &t->scores[r * ABAW_N_SCORES + j]))
                return perr(c, f->s[first + j], "expected a number (score %d)", j);
        t->has_scores = 1;
        return EMOC_OK;
    }
    return EMOC_E_ARG;
}

static int kind_width(enum kind k)
{
    static const int w[] = {2, 1, EMOC_N_AU, 1, 15, ABAW_N_SCORES};
    return w[k];
}

/* A per-video uni-task file: header, then one line per frame. */
static emoc_status load_video_file(abaw_table *t, const char *path, const char *video, char *err,
                                   size_t errlen)
{
    size_t size;
    emoc_status rst;
    unsigned char *buf = read_text(path, CAP_VIDEO_FILE, "per-video annotation files", &size, &rst, err, errlen);
    if (!buf) return rst;
    if (refuse_nul(path, buf, size, err, errlen)) {
        free(buf);
        return EMOC_E_FORMAT;
    }
    ctx c = {path, 1, (const char *)buf, err, errlen};
    const char *pos = (const char *)buf, *end = pos + size, *b, *e;
    pos = skip_bom(pos, end);
    emoc_status st = EMOC_OK;
    if (!next_line(&pos, end, &b, &e)) {
        st = perr(&c, NULL, "empty file (expected a header line)");
        goto out;
    }
    enum kind k;
    size_t hl = (size_t)(e - b);
    char head[512];
    snprintf(head, sizeof head, "%.*s", (int)(hl < 511 ? hl : 511), b);
    if (strncmp(head, "valence", 7) == 0) k = K_VA;
    else if (strstr(head, "Neutral")) k = K_EXPR;
    else if (strncmp(head, "AU1", 3) == 0) k = K_AU;
    else if (strstr(head, "Fearfully")) k = K_CE;
    else {
        st = perr(&c, b, "unknown header '%.60s' (expected valence,arousal / Neutral,... / AU1,... / Fearfully_Surprised,...)", head);
        goto out;
    }
    int vid = abaw_names_intern(t->names, video, strlen(video));
    while (next_line(&pos, end, &b, &e)) {
        c.line++;
        c.line_start = b;
        if (blank(b, e)) continue;
        fields f;
        if (split(b, e, &f) || f.n != kind_width(k)) {
            st = perr(&c, b, "expected %d comma-separated values, got %d", kind_width(k), f.n);
            goto out;
        }
        long r = abaw_table_row(t, vid, (int)(c.line - 1), 1); /* line i after the header = frame i */
        if (r < 0) {
            st = EMOC_E_NOMEM;
            snprintf(err, errlen, "out of memory reading %s", path);
            goto out;
        }
        if ((st = store(t, &c, &f, 0, k, r))) goto out;
        /* ground truth: a valence/arousal outside [-1, 1] that is not the missing code -5 is a
         * damaged line (the notebooks would silently keep values above 1 and drop other ones) */
        for (int j = 0; k == K_VA && j < 2; j++) {
            double v = t->va[2 * r + j];
            if (v != -5.0 && (v < -1.0 || v > 1.0)) {
                st = perr(&c, f.s[j], "%s %g outside [-1, 1] and not the missing code -5",
                          j ? "arousal" : "valence", v);
                goto out;
            }
        }
    }
out:
    free(buf);
    return st;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static emoc_status load_dir(abaw_table *t, const char *path, char *err, size_t errlen)
{
    DIR *d = opendir(path);
    if (!d) {
        snprintf(err, errlen, "cannot open directory '%s': %s", path, strerror(errno));
        return EMOC_E_IO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".txt") != 0) continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn) break;
            names = nn;
            cap = nc;
        }
        if (!(names[n] = strdup(de->d_name))) break;
        n++;
    }
    int oom = de != NULL;
    closedir(d);
    if (oom) {
        for (size_t i = 0; i < n; i++) free(names[i]);
        free(names);
        snprintf(err, errlen, "out of memory listing '%s'", path);
        return EMOC_E_NOMEM;
    }
    qsort(names, n, sizeof *names, cmp_str);
    emoc_status st = EMOC_OK;
    for (size_t i = 0; i < n; i++) {
        char full[4096], video[1024];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        snprintf(video, sizeof video, "%.*s", (int)(strlen(names[i]) - 4), names[i]);
        if (!st) st = load_video_file(t, full, video, err, errlen);
        free(names[i]);
    }
    free(names);
    if (!st && n == 0) {
        snprintf(err, errlen, "directory '%s' holds no .txt annotation file", path);
        st = EMOC_E_FORMAT;
    }
    return st;
}

/* A file of rows that start with an image path. order/n_order: optional list output. */
/* One malloc'ed block: n pointers, then the n NUL-terminated strings they point at; span[2i],
 * span[2i+1] = offset and length of string i in buf. */
static char **image_block(const unsigned char *buf, const size_t *span, size_t n)
{
    size_t bytes = n * sizeof(char *);
    for (size_t i = 0; i < n; i++) bytes += span[2 * i + 1] + 1;
    char **img = malloc(bytes ? bytes : 1);
    if (!img) return NULL;
    char *s = (char *)(img + n);
    for (size_t i = 0; i < n; i++) {
        img[i] = s;
        memcpy(s, buf + span[2 * i], span[2 * i + 1]);
        s += span[2 * i + 1];
        *s++ = '\0';
    }
    return img;
}

static emoc_status load_rows(abaw_table *t, const char *path, int list_only, long **order,
                             char ***images, size_t *n_order, char *err, size_t errlen)
{
    size_t size;
    emoc_status rst;
    unsigned char *buf = read_text(path, CAP_TABLE_FILE, "CSV tables", &size, &rst, err, errlen);
    if (!buf) return rst;
    if (refuse_nul(path, buf, size, err, errlen)) {
        free(buf);
        return EMOC_E_FORMAT;
    }
    ctx c = {path, 0, NULL, err, errlen};
    const char *pos = (const char *)buf, *end = pos + size, *b, *e;
    pos = skip_bom(pos, end);
    emoc_status st = EMOC_OK;
    int width = -1, is_ce = 0;
    enum kind k = K_MTL;
    size_t cap = 0, *span = NULL;
    if (order) *order = NULL, *n_order = 0;
    if (images) *images = NULL;
    size_t rows_before = t->n; /* rows from earlier files may be merged into; not this file's own */
    while (next_line(&pos, end, &b, &e)) {
        c.line++;
        c.line_start = b;
        if (blank(b, e)) continue;
        fields f;
        if (split(b, e, &f)) {
            st = perr(&c, b, "more than %d fields", MAX_FIELDS);
            break;
        }
        int video, frame;
        if (abaw_parse_image(t->names, f.s[0], f.len[0], &video, &frame)) {
            if (c.line == 1) { /* header */
                is_ce = contains(b, e, "Fearfully");
                continue;
            }
            st = perr(&c, f.s[0], "expected an image path like video/00001.jpg");
            break;
        }
        int nv = f.n - 1;
        while (list_only && nv > 0 && f.len[nv] == 0) nv--; /* "video/1.jpg," lines */
        if (!list_only) {
            if (width < 0) {
                width = nv;
                if (nv == 15) k = K_MTL;
                else if (nv == 2) k = K_VA;
                else if (nv == 12) k = K_AU;
                else if (nv == 1) k = is_ce ? K_CE : K_EXPR;
                else if (nv == ABAW_N_SCORES) k = K_SCORES;
                else {
                    st = perr(&c, f.s[0], "%d values after the image path: expected 15 (MTL), 2 (VA), 1 (EXPR/CE), 12 (AU) or 22 (scores)", nv);
                    break;
                }
            } else if (nv != width) {
                st = perr(&c, f.n > width + 1 ? f.s[width + 1] : e, "%d values after the image path, earlier rows have %d", nv, width);
                break;
            }
        }
        long seen = list_only ? -1 : abaw_table_row(t, video, frame, 0);
        if (seen >= 0 && (size_t)seen >= rows_before) {
            /* two values for one frame: which one a metric used would depend on file order */
            st = perr(&c, f.s[0], "%.*s appears twice in this file (video %s, frame %d)", (int)f.len[0], f.s[0],
                      t->names->name[video], frame);
            break;
        }
        long r = abaw_table_row(t, video, frame, 1);
        if (r < 0) {
            snprintf(err, errlen, "out of memory reading %s", path);
            st = EMOC_E_NOMEM;
            break;
        }
        if (!list_only && (st = store(t, &c, &f, 1, k, r))) break;
        if (order) {
            if (*n_order == cap) {
                cap = cap ? cap * 2 : 1024;
                long *no = realloc(*order, cap * sizeof *no);
                if (!no) {
                    st = EMOC_E_NOMEM;
                    break;
                }
                *order = no;
                size_t *ns = images ? realloc(span, cap * 2 * sizeof *ns) : NULL;
                if (images && !ns) {
                    st = EMOC_E_NOMEM;
                    break;
                }
                span = ns;
            }
            if (images) {
                span[2 * *n_order] = (size_t)((const unsigned char *)f.s[0] - buf);
                span[2 * *n_order + 1] = f.len[0];
            }
            (*order)[(*n_order)++] = r;
        }
    }
    if (!st && images && !(*images = image_block(buf, span, *n_order))) {
        snprintf(err, errlen, "out of memory reading %s", path);
        st = EMOC_E_NOMEM;
    }
    free(span);
    free(buf);
    if (!st && width < 0 && !list_only) {
        snprintf(err, errlen, "%s:%zu:1: no data row (expected lines like video/00001.jpg,...)", path,
                 c.line ? c.line : 1);
        st = EMOC_E_FORMAT;
    }
    if (!st && order && *n_order == 0) {
        snprintf(err, errlen, "%s:%zu:1: the list names no image", path, c.line ? c.line : 1);
        st = EMOC_E_FORMAT;
    }
    if (st && order) {
        free(*order);
        *order = NULL;
    }
    if (st && images) {
        free(*images);
        *images = NULL;
    }
    return st;
}

emoc_status abaw_load(abaw_table *t, const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return EMOC_E_IO;
    }
    if (S_ISDIR(sb.st_mode)) return load_dir(t, path, err, errlen);
    return load_rows(t, path, 0, NULL, NULL, NULL, err, errlen);
}

emoc_status abaw_load_list(abaw_table *t, const char *path, long **order, char ***images,
                           size_t *n_order, char *err, size_t errlen)
{
    return load_rows(t, path, 1, order, images, n_order, err, errlen);
}
