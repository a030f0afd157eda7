/* features_io.c — binary and CSV feature files, versions 1 and 2 (post/FEATURES.md). */
#include "tools/abaw/features_io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli.h"

#define FEAT_MAGIC "EMOCFEAT"
#define FEAT_HEADER 64
#define FEAT_MAX_DIM 65536
#define CSV_HEAD_V1 "video,frame,face,area,"
#define CSV_HEAD_V2 "video,frame,face,box_x1,box_y1,box_x2,box_y2,det_score,"

void feat_init(feat_set *s, int dim, int embedding, const char *backbone)
{
    memset(s, 0, sizeof *s);
    s->dim = dim;
    s->embedding = embedding;
    snprintf(s->backbone, sizeof s->backbone, "%s", backbone ? backbone : "");
}

void feat_free(feat_set *s)
{
    free(s->video);
    free(s->frame);
    free(s->face);
    free(s->area);
    free(s->box);
    free(s->x);
    memset(s, 0, sizeof *s);
}

static int feat_reserve(feat_set *s, size_t want)
{
    if (want <= s->cap) return 0;
    size_t cap = s->cap ? s->cap : 256;
    while (cap < want) cap *= 2;
    int *v = realloc(s->video, cap * sizeof *v);
    if (v) s->video = v;
    int *f = realloc(s->frame, cap * sizeof *f);
    if (f) s->frame = f;
    int *fc = realloc(s->face, cap * sizeof *fc);
    if (fc) s->face = fc;
    float *a = realloc(s->area, cap * sizeof *a);
    if (a) s->area = a;
    float *bx = s->has_box ? realloc(s->box, cap * FEAT_BOX * sizeof *bx) : s->box;
    if (bx) s->box = bx;
    float *x = realloc(s->x, cap * (size_t)s->dim * sizeof *x);
    if (x) s->x = x;
    if (!v || !f || !fc || !a || (s->has_box && !bx) || !x) return -1;
    s->cap = cap;
    return 0;
}

float feat_box_area(const float *box)
{
    float w = box[2] - box[0], h = box[3] - box[1];
    return w > 0 && h > 0 ? w * h : 0.0f;
}

static int append_row(feat_set *s, int video, int frame, int face, float area, const float *box, const float *x)
{
    if (feat_reserve(s, s->n + 1)) return -1;
    size_t r = s->n++;
    s->video[r] = video;
    s->frame[r] = frame;
    s->face[r] = face;
    s->area[r] = area;
    if (box) memcpy(s->box + r * FEAT_BOX, box, FEAT_BOX * sizeof(float));
    memcpy(s->x + r * (size_t)s->dim, x, (size_t)s->dim * sizeof(float));
    return 0;
}

int feat_append(feat_set *s, int video, int frame, int face, float area, const float *x)
{
    return s->has_box ? -1 : append_row(s, video, frame, face, area, NULL, x);
}

int feat_append_box(feat_set *s, int video, int frame, int face, const float *box, const float *x)
{
    return s->has_box ? append_row(s, video, frame, face, feat_box_area(box), box, x) : -1;
}

/* ---- little-endian helpers ------------------------------------------------------------------ */

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static float rdf(const unsigned char *p)
{
    uint32_t u = rd32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static void wrf(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    wr32(p, u);
}

/* Why a box (x1, y1, x2, y2, det_score) read from a file is refused, or NULL: the corners are
 * finite (upstream's boxes are unclipped, so any sign), the score a probability. */
static const char *box_problem(const float *box)
{
    for (int k = 0; k < 4; k++)
        if (!isfinite(box[k])) return "box coordinates must be finite";
    return box[4] >= 0.0f && box[4] <= 1.0f ? NULL : "det_score must lie in [0, 1]";
}

#define BAD(off, ...)                                                                               \
    do {                                                                                            \
        char m_[256];                                                                               \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                       \
        snprintf(err, errlen, "%s: byte %zu: %s", path, (size_t)(off), m_);                         \
        st = EMOC_E_FORMAT;                                                                         \
        goto out;                                                                                   \
    } while (0)

/* Rows of a binary file from b + off on (the video table read into ids). Row layout: u32 video,
 * i32 frame, i32 face, then f32 area (v1) or f32 x1, y1, x2, y2, det_score (v2), then D values. */
static emoc_status read_binary_rows(feat_set *s, const char *path, const unsigned char *b, size_t off,
                                    uint64_t nr, const int *ids, uint32_t nv, char *err, size_t errlen)
{
    emoc_status st = EMOC_OK;
    size_t lead = s->has_box ? 12 + 4 * FEAT_BOX : 16, row = lead + 4 * (size_t)s->dim;
    for (uint64_t r = 0; r < nr; r++, off += row) {
        uint32_t v = rd32(b + off);
        if (v >= nv) BAD(off, "row %llu: video index %u >= %u videos", (unsigned long long)r, v, nv);
        s->video[r] = ids[v];
        s->frame[r] = (int32_t)rd32(b + off + 4);
        s->face[r] = (int32_t)rd32(b + off + 8);
        /* a negative frame would be written back as "video/-0003.jpg"; the area picks faces */
        if (s->has_box) {
            float *box = s->box + r * FEAT_BOX;
            for (int k = 0; k < FEAT_BOX; k++) box[k] = rdf(b + off + 12 + 4 * k);
            if (s->frame[r] < 0 || s->face[r] < 0)
                BAD(off + 4, "row %llu: frame %d, face %d (frame and face must be >= 0)", (unsigned long long)r,
                    (int)s->frame[r], (int)s->face[r]);
            const char *why = box_problem(box);
            if (why) BAD(off + 12, "row %llu: box %g %g %g %g, det_score %g: %s", (unsigned long long)r,
                         (double)box[0], (double)box[1], (double)box[2], (double)box[3], (double)box[4], why);
            s->area[r] = feat_box_area(box);
        } else {
            s->area[r] = rdf(b + off + 12);
            if (s->frame[r] < 0 || s->face[r] < 0 || !(s->area[r] >= 0) || !isfinite(s->area[r]))
                BAD(off + 4, "row %llu: frame %d, face %d, area %g (frame and face must be >= 0, area finite and >= 0)",
                    (unsigned long long)r, (int)s->frame[r], (int)s->face[r], (double)s->area[r]);
        }
        for (uint32_t j = 0; j < (uint32_t)s->dim; j++) {
            float x = rdf(b + off + lead + 4 * j);
            if (!isfinite(x)) BAD(off + lead + 4 * j, "row %llu value %u is not finite", (unsigned long long)r, j);
            s->x[r * (size_t)s->dim + j] = x;
        }
    }
    s->n = (size_t)nr;
out:
    return st;
}

static emoc_status read_binary(feat_set *s, abaw_names *names, const char *path,
                               const unsigned char *b, size_t size, char *err, size_t errlen)
{
    emoc_status st = EMOC_OK;
    int *ids = NULL;
    if (size < FEAT_HEADER) BAD(size, "file ends inside the %d-byte header", FEAT_HEADER);
    uint32_t ver = rd32(b + 8), dim = rd32(b + 12), emb = rd32(b + 16), nv = rd32(b + 20);
    uint64_t nr = rd64(b + 24);
    if (ver != 1 && ver != 2) BAD(8, "version %u, this reader knows versions 1 and 2", ver);
    if (dim < 1 || dim > FEAT_MAX_DIM) BAD(12, "dim %u outside 1..%d", dim, FEAT_MAX_DIM);
    if (emb > dim) BAD(16, "embedding size %u > dim %u", emb, dim);
    if (b[32 + 31] != 0) BAD(32, "backbone name not NUL-terminated");
    size_t off = FEAT_HEADER;
    ids = malloc((nv ? nv : 1) * sizeof *ids);
    if (!ids) BAD(20, "too many videos (%u)", nv);
    for (uint32_t v = 0; v < nv; v++) {
        if (size - off < 2) BAD(off, "file ends inside the video table (video %u of %u)", v, nv);
        size_t len = (size_t)b[off] | (size_t)b[off + 1] << 8;
        if (len == 0 || size - off - 2 < len) BAD(off, "video name %u has length %zu (empty or past the end)", v, len);
        ids[v] = abaw_names_intern(names, (const char *)b + off + 2, len);
        off += 2 + len;
    }
    size_t row = (ver == 2 ? 12 + 4 * FEAT_BOX : 16) + 4 * (size_t)dim;
    if (nr > (size - off) / row || (size - off) != nr * row)
        BAD(off, "%llu rows of %zu bytes need %llu bytes, %zu remain", (unsigned long long)nr, row,
            (unsigned long long)(nr * row), size - off);
    feat_init(s, (int)dim, (int)emb, (const char *)b + 32);
    s->has_box = ver == 2;
    if (feat_reserve(s, (size_t)nr)) {
        snprintf(err, errlen, "%s: out of memory for %llu rows", path, (unsigned long long)nr);
        st = EMOC_E_NOMEM;
        goto out;
    }
    st = read_binary_rows(s, path, b, off, nr, ids, nv, err, errlen);
out:
    free(ids);
    return st;
}
#undef BAD

/* ---- CSV -------------------------------------------------------------------------------------- */

/* What the comment lines before the header say: `# emoc features [version=2] backbone=NAME
 * embedding=E` (all optional). */
typedef struct csv_meta {
    char backbone[32];
    int emb;     /* −1: not said */
    long version; /* 0: not said */
} csv_meta;

/* Reads one comment line's keys (version only before the header). NULL, or why not with *at. */
static const char *csv_comment(const char *ls, const char *le, int before_header, csv_meta *m, const char **at)
{
    for (const char *q = ls + 1; q < le; q++) {
        if (q[-1] != ' ' && q[-1] != '#') continue; /* keys start words */
        if (le - q > 9 && memcmp(q, "backbone=", 9) == 0) {
            const char *v = q + 9, *w = v;
            while (w < le && *w != ' ') w++;
            snprintf(m->backbone, sizeof m->backbone, "%.*s", (int)(w - v), v);
        }
        if (le - q > 10 && memcmp(q, "embedding=", 10) == 0) m->emb = atoi(q + 10);
        if (before_header && le - q > 8 && memcmp(q, "version=", 8) == 0) {
            char *e;
            errno = 0;
            long v = strtol(q + 8, &e, 10);
            if (errno || e == q + 8 || (e < le && *e != ' ') || (v != 1 && v != 2)) {
                *at = q;
                return "unknown feature file version: this reader knows versions 1 and 2";
            }
            m->version = v;
        }
    }
    return NULL;
}

/* The header line: the row layout (version 1 area, version 2 box) and D. NULL, or why not. */
static const char *csv_header(const char *ls, const char *le, long version, int *has_box, int *dim)
{
    size_t n = (size_t)(le - ls), n1 = strlen(CSV_HEAD_V1), n2 = strlen(CSV_HEAD_V2);
    int commas = 0;
    for (const char *q = ls; q < le; q++) commas += *q == ',';
    int v2 = n >= n2 && memcmp(ls, CSV_HEAD_V2, n2) == 0, v1 = n >= n1 && memcmp(ls, CSV_HEAD_V1, n1) == 0;
    int lead = v2 ? 2 + FEAT_BOX : 3;
    if ((!v1 && !v2) || commas < lead + 1)
        return "expected header 'video,frame,face,area,x0,...' (version 1) or "
               "'video,frame,face,box_x1,box_y1,box_x2,box_y2,det_score,x0,...' (version 2)";
    if (version && version != (v2 ? 2 : 1))
        return v2 ? "a version 2 header (box columns) in a file whose comment line says version 1"
                  : "a version 1 header (area column) in a file whose comment line says version 2";
    *has_box = v2;
    *dim = commas - lead;
    return *dim > FEAT_MAX_DIM ? "too many columns" : NULL;
}

/* The fields after the video name (q at the comma that ends it): frame, face, then the area (v1)
 * or box and det_score (v2) into lead[], then D values into x. NULL, or what is wrong at *at. */
static const char *csv_row(const feat_set *s, const char *q, const char *le, double *lead, float *x,
                           const char **at, char *why, size_t whylen)
{
    int n_lead = s->has_box ? 2 + FEAT_BOX : 3;
    for (int k = 0; k < n_lead; k++) {
        const char *f = *at = ++q;
        char *e;
        errno = 0;
        double v = strtod(f, &e);
        /* frame and face: integers that fit the int fields; the rest float32: area >= 0,
         * box corners any sign (upstream's boxes are unclipped), det_score a probability */
        int ok = e != f && (e == le || (e < le && *e == ',')) && !errno && isfinite(v) && isfinite((float)v);
        if (k < 2) ok = ok && v >= 0 && v == floor(v) && v <= 999999999.0;
        else if (!s->has_box || k == 2 + 4) ok = ok && v >= 0 && (!s->has_box || v <= 1.0);
        if (!ok)
            return k == 0   ? "expected a frame number 0..999999999"
                   : k == 1 ? "expected a face index 0..999999999"
                   : !s->has_box ? "expected a face area >= 0 (float32)"
                   : k < 6  ? "expected a box coordinate (a finite float32)"
                            : "expected a det_score in [0, 1]";
        lead[k] = v;
        q = *at = e;
        if (q >= le) return "row ends early";
    }
    for (int j = 0; j < s->dim; j++) {
        *at = q;
        if (q >= le || *q != ',') {
            snprintf(why, whylen, "expected %d feature values, found %d", s->dim, j);
            return why;
        }
        const char *f = *at = ++q;
        char *e;
        double v = strtod(f, &e);
        if (e == f || e > le || (e < le && *e != ',') || !isfinite(v)) { /* strtod skips newlines */
            snprintf(why, whylen, "expected a number (x%d)", j);
            return why;
        }
        if (!isfinite((float)v)) {
            snprintf(why, whylen, "x%d = %g overflows float32", j, v);
            return why;
        }
        x[j] = (float)v;
        q = e;
    }
    *at = q;
    if (q != le) {
        snprintf(why, whylen, "more than %d feature values", s->dim);
        return why;
    }
    return NULL;
}

/* One data row appended (line ls..le). NULL, or what is wrong at *at. */
static const char *csv_append(feat_set *s, abaw_names *names, const char *ls, const char *le, float *x,
                              const char **at, char *why, size_t whylen)
{
    const char *q = ls;
    while (q < le && *q != ',') q++;
    *at = ls;
    if (q == le || q == ls) return "expected a video name";
    int vid = abaw_names_intern(names, ls, (size_t)(q - ls));
    double lead[2 + FEAT_BOX];
    const char *bad = csv_row(s, q, le, lead, x, at, why, whylen);
    if (bad) return bad;
    *at = ls;
    int rc;
    if (s->has_box) {
        float box[FEAT_BOX];
        for (int k = 0; k < FEAT_BOX; k++) box[k] = (float)lead[2 + k];
        rc = feat_append_box(s, vid, (int)lead[0], (int)lead[1], box, x);
    } else {
        rc = feat_append(s, vid, (int)lead[0], (int)lead[1], (float)lead[2], x);
    }
    return rc ? "out of memory" : NULL;
}

/* CSV: optional comment lines, the header `video,frame,face,area,x0,...` (v1) or
 * `video,frame,face,box_x1,box_y1,box_x2,box_y2,det_score,x0,...` (v2), then rows. b ends with
 * a NUL (strtod stops there). */
static emoc_status read_csv(feat_set *s, abaw_names *names, const char *path, const char *b,
                            size_t size, char *err, size_t errlen)
{
    const char *end = b + size, *p = b;
    if (size >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) p += 3; /* UTF-8 byte order mark */
    size_t line = 0;
    int dim = -1, has_box = 0;
    csv_meta meta = {"", -1, 0};
    float *x = NULL;
    char why[160];
    while (p < end) {
        const char *ls = p, *le = p, *at = p, *bad = NULL;
        while (le < end && *le != '\n') le++;
        p = le < end ? le + 1 : le;
        if (le > ls && le[-1] == '\r') le--;
        line++;
        if (le == ls) continue;
        if (*ls == '#') {
            bad = csv_comment(ls, le, dim < 0, &meta, &at);
        } else if (dim < 0) {
            bad = csv_header(ls, le, meta.version, &has_box, &dim);
            if (!bad) {
                int emb = meta.emb >= 0 && meta.emb <= dim ? meta.emb : (dim >= 10 ? dim - 10 : 0);
                feat_init(s, dim, emb, meta.backbone);
                s->has_box = has_box;
                x = malloc((size_t)dim * sizeof *x);
                if (!x) bad = "out of memory";
            }
        } else {
            bad = csv_append(s, names, ls, le, x, &at, why, sizeof why);
        }
        if (bad) {
            snprintf(err, errlen, "%s:%zu:%zu: %s", path, line, (size_t)(at - ls) + 1, bad);
            free(x);
            return EMOC_E_FORMAT;
        }
    }
    free(x);
    if (dim < 0) {
        snprintf(err, errlen, "%s:1:1: empty feature file", path);
        return EMOC_E_FORMAT;
    }
    return EMOC_OK;
}

emoc_status feat_read(feat_set *s, abaw_names *names, const char *path, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    size_t size;
    unsigned char *b = cli_read_file(path, &size, err, errlen);
    if (!b) return EMOC_E_IO;
    unsigned char *t = realloc(b, size + 1); /* a NUL after the last number for strtod */
    if (!t) {
        free(b);
        snprintf(err, errlen, "%s: out of memory", path);
        return EMOC_E_NOMEM;
    }
    b = t;
    b[size] = 0;
    emoc_status st = size >= 8 && memcmp(b, FEAT_MAGIC, 8) == 0
                         ? read_binary(s, names, path, b, size, err, errlen)
                         : read_csv(s, names, path, (const char *)b, size, err, errlen);
    free(b);
    if (st) feat_free(s);
    return st;
}

static void write_csv(const feat_set *s, const abaw_names *names, FILE *f)
{
    if (s->has_box)
        fprintf(f, "# emoc features version=2 backbone=%s embedding=%d\n%s", s->backbone, s->embedding, CSV_HEAD_V2);
    else
        fprintf(f, "# emoc features backbone=%s embedding=%d\n%s", s->backbone, s->embedding, CSV_HEAD_V1);
    for (int j = 0; j < s->dim; j++) fprintf(f, j ? ",x%d" : "x%d", j);
    fputc('\n', f);
    for (size_t r = 0; r < s->n; r++) {
        fprintf(f, "%s,%d,%d", names->name[s->video[r]], s->frame[r], s->face[r]);
        if (s->has_box)
            for (int k = 0; k < FEAT_BOX; k++) fprintf(f, ",%.9g", (double)s->box[r * FEAT_BOX + k]);
        else
            fprintf(f, ",%.9g", (double)s->area[r]);
        for (int j = 0; j < s->dim; j++) fprintf(f, ",%.9g", (double)s->x[r * (size_t)s->dim + j]);
        fputc('\n', f);
    }
}

static int write_binary(const feat_set *s, const abaw_names *names, FILE *f)
{
    /* videos used, in first-appearance order */
    int *map = malloc((names->n ? names->n : 1) * sizeof *map);
    int *order = malloc((names->n ? names->n : 1) * sizeof *order);
    unsigned char *row = malloc(12 + 4 * FEAT_BOX + 4 * (size_t)s->dim);
    if (!map || !order || !row) {
        free(map);
        free(order);
        free(row);
        return -1;
    }
    uint32_t nv = 0;
    for (size_t i = 0; i < names->n; i++) map[i] = -1;
    for (size_t r = 0; r < s->n; r++)
        if (map[s->video[r]] < 0) {
            map[s->video[r]] = (int)nv;
            order[nv++] = s->video[r];
        }
    unsigned char h[FEAT_HEADER] = {0};
    memcpy(h, FEAT_MAGIC, 8);
    wr32(h + 8, s->has_box ? 2 : 1);
    wr32(h + 12, (uint32_t)s->dim);
    wr32(h + 16, (uint32_t)s->embedding);
    wr32(h + 20, nv);
    wr32(h + 24, (uint32_t)(s->n & 0xffffffffu));
    wr32(h + 28, (uint32_t)((uint64_t)s->n >> 32));
    snprintf((char *)h + 32, 32, "%s", s->backbone);
    fwrite(h, 1, sizeof h, f);
    for (uint32_t v = 0; v < nv; v++) {
        const char *nm = names->name[order[v]];
        size_t len = strlen(nm);
        if (len > 65535) len = 65535;
        unsigned char l2[2] = {(unsigned char)len, (unsigned char)(len >> 8)};
        fwrite(l2, 1, 2, f);
        fwrite(nm, 1, len, f);
    }
    size_t lead = s->has_box ? 12 + 4 * FEAT_BOX : 16, bytes = lead + 4 * (size_t)s->dim;
    for (size_t r = 0; r < s->n; r++) {
        wr32(row, (uint32_t)map[s->video[r]]);
        wr32(row + 4, (uint32_t)s->frame[r]);
        wr32(row + 8, (uint32_t)s->face[r]);
        if (s->has_box)
            for (int k = 0; k < FEAT_BOX; k++) wrf(row + 12 + 4 * k, s->box[r * FEAT_BOX + k]);
        else
            wrf(row + 12, s->area[r]);
        for (int j = 0; j < s->dim; j++) wrf(row + lead + 4 * (size_t)j, s->x[r * (size_t)s->dim + j]);
        fwrite(row, 1, bytes, f);
    }
    free(map);
    free(order);
    free(row);
    return 0;
}

int feat_write(const feat_set *s, const abaw_names *names, FILE *f, int csv)
{
    if (!csv) return write_binary(s, names, f);
    write_csv(s, names, f);
    return 0;
}
