/* features_io.c — binary and CSV feature files (post/FEATURES.md). */
#include "tools/features_io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cli.h"

#define FEAT_MAGIC "EMOCFEAT"
#define FEAT_VERSION 1
#define FEAT_HEADER 64
#define FEAT_MAX_DIM 65536

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
    float *x = realloc(s->x, cap * (size_t)s->dim * sizeof *x);
    if (x) s->x = x;
    if (!v || !f || !fc || !a || !x) return -1;
    s->cap = cap;
    return 0;
}

int feat_append(feat_set *s, int video, int frame, int face, float area, const float *x)
{
    if (feat_reserve(s, s->n + 1)) return -1;
    size_t r = s->n++;
    s->video[r] = video;
    s->frame[r] = frame;
    s->face[r] = face;
    s->area[r] = area;
    memcpy(s->x + r * (size_t)s->dim, x, (size_t)s->dim * sizeof(float));
    return 0;
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

static emoc_status read_binary(feat_set *s, abaw_names *names, const char *path,
                               const unsigned char *b, size_t size, char *err, size_t errlen)
{
#define BAD(off, ...)                                                                               \
    do {                                                                                            \
        char m_[256];                                                                               \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                       \
        snprintf(err, errlen, "%s: byte %zu: %s", path, (size_t)(off), m_);                         \
        return EMOC_E_FORMAT;                                                                       \
    } while (0)
    if (size < FEAT_HEADER) BAD(size, "file ends inside the %d-byte header", FEAT_HEADER);
    uint32_t ver = rd32(b + 8), dim = rd32(b + 12), emb = rd32(b + 16), nv = rd32(b + 20);
    uint64_t nr = rd64(b + 24);
    if (ver != FEAT_VERSION) BAD(8, "version %u, this reader knows %d", ver, FEAT_VERSION);
    if (dim < 1 || dim > FEAT_MAX_DIM) BAD(12, "dim %u outside 1..%d", dim, FEAT_MAX_DIM);
    if (emb > dim) BAD(16, "embedding size %u > dim %u", emb, dim);
    if (b[32 + 31] != 0) BAD(32, "backbone name not NUL-terminated");
    size_t off = FEAT_HEADER;
    int *ids = malloc((nv ? nv : 1) * sizeof *ids);
    if (!ids) BAD(20, "too many videos (%u)", nv);
    for (uint32_t v = 0; v < nv; v++) {
        if (size - off < 2) {
            free(ids);
            BAD(off, "file ends inside the video table (video %u of %u)", v, nv);
        }
        size_t len = (size_t)b[off] | (size_t)b[off + 1] << 8;
        if (len == 0 || size - off - 2 < len) {
            free(ids);
            BAD(off, "video name %u has length %zu (empty or past the end)", v, len);
        }
        ids[v] = abaw_names_intern(names, (const char *)b + off + 2, len);
        off += 2 + len;
    }
    size_t row = 16 + 4 * (size_t)dim;
    if (nr > (size - off) / row || (size - off) != nr * row) {
        free(ids);
        BAD(off, "%llu rows of %zu bytes need %llu bytes, %zu remain", (unsigned long long)nr, row,
            (unsigned long long)(nr * row), size - off);
    }
    feat_init(s, (int)dim, (int)emb, (const char *)b + 32);
    if (feat_reserve(s, (size_t)nr)) {
        free(ids);
        snprintf(err, errlen, "%s: out of memory for %llu rows", path, (unsigned long long)nr);
        return EMOC_E_NOMEM;
    }
    for (uint64_t r = 0; r < nr; r++, off += row) {
        uint32_t v = rd32(b + off);
        if (v >= nv) {
            free(ids);
            BAD(off, "row %llu: video index %u >= %u videos", (unsigned long long)r, v, nv);
        }
        s->video[r] = ids[v];
        s->frame[r] = (int32_t)rd32(b + off + 4);
        s->face[r] = (int32_t)rd32(b + off + 8);
        s->area[r] = rdf(b + off + 12);
        /* a negative frame would be written back as "video/-0003.jpg"; the area picks faces */
        if (s->frame[r] < 0 || s->face[r] < 0 || !(s->area[r] >= 0) || !isfinite(s->area[r])) {
            free(ids);
            BAD(off + 4, "row %llu: frame %d, face %d, area %g (frame and face must be >= 0, area finite and >= 0)",
                (unsigned long long)r, (int)s->frame[r], (int)s->face[r], (double)s->area[r]);
        }
        for (uint32_t j = 0; j < dim; j++) {
            float x = rdf(b + off + 16 + 4 * j);
            if (!isfinite(x)) {
                free(ids);
                BAD(off + 16 + 4 * j, "row %llu value %u is not finite", (unsigned long long)r, j);
            }
            s->x[r * dim + j] = x;
        }
    }
    s->n = (size_t)nr;
    free(ids);
    return EMOC_OK;
#undef BAD
}

/* CSV: header `video,frame,face,area,x0,...`, then rows. Backbone/embedding in a leading
 * comment line `# emoc features backbone=NAME embedding=E`. */
static emoc_status read_csv(feat_set *s, abaw_names *names, const char *path, const char *b,
                            size_t size, char *err, size_t errlen)
{
    const char *end = b + size, *p = b;
    if (size >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) p += 3; /* UTF-8 byte order mark */
    size_t line = 0;
    int dim = -1;
    char backbone[32] = "";
    int emb = -1;
    float *x = NULL;
    emoc_status st = EMOC_OK;
#define CSVBAD(at, ...)                                                                              \
    do {                                                                                            \
        char m_[200];                                                                               \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                       \
        snprintf(err, errlen, "%s:%zu:%zu: %s", path, line, (size_t)((at) - ls) + 1, m_);         \
        st = EMOC_E_FORMAT;                                                                         \
        goto out;                                                                                   \
    } while (0)
    while (p < end) {
        const char *ls = p, *le = p;
        while (le < end && *le != '\n') le++;
        p = le < end ? le + 1 : le;
        if (le > ls && le[-1] == '\r') le--;
        line++;
        if (le == ls) continue;
        if (*ls == '#') {
            const char *q = ls;
            while (q < le) {
                if (le - q > 9 && memcmp(q, "backbone=", 9) == 0) {
                    const char *v = q + 9, *w = v;
                    while (w < le && *w != ' ') w++;
                    snprintf(backbone, sizeof backbone, "%.*s", (int)(w - v), v);
                }
                if (le - q > 10 && memcmp(q, "embedding=", 10) == 0) emb = atoi(q + 10);
                q++;
            }
            continue;
        }
        if (dim < 0) { /* header */
            int commas = 0;
            for (const char *q = ls; q < le; q++) commas += *q == ',';
            if (strncmp(ls, "video,frame,face,area,", 22) != 0 || commas < 4)
                CSVBAD(ls, "expected header 'video,frame,face,area,x0,...'");
            dim = commas - 3;
            if (dim > FEAT_MAX_DIM) CSVBAD(ls, "too many columns");
            feat_init(s, dim, emb >= 0 && emb <= dim ? emb : (dim >= 10 ? dim - 10 : 0), backbone);
            x = malloc((size_t)dim * sizeof *x);
            if (!x) CSVBAD(ls, "out of memory");
            continue;
        }
        const char *q = ls;
        const char *f = q;
        while (q < le && *q != ',') q++;
        if (q == le || q == f) CSVBAD(f, "expected a video name");
        int vid = abaw_names_intern(names, f, (size_t)(q - f));
        long ints[2];
        float area = 0;
        for (int k = 0; k < 3; k++) {
            f = ++q;
            char *e2;
            errno = 0;
            double v = strtod(f, &e2);
            /* frame and face: integers that fit the int fields; area: a float32 >= 0 */
            if (e2 == f || (e2 < le && *e2 != ',') || errno || !isfinite(v) || v < 0 ||
                (k < 2 && (v != floor(v) || v > 999999999.0)) || (k == 2 && !isfinite((float)v)))
                CSVBAD(f, "expected %s", k == 0   ? "a frame number 0..999999999"
                                         : k == 1 ? "a face index 0..999999999"
                                                  : "a face area >= 0 (float32)");
            if (k < 2) ints[k] = (long)v;
            else area = (float)v;
            q = e2;
            if (q >= le) CSVBAD(q, "row ends early");
        }
        for (int j = 0; j < dim; j++) {
            if (q >= le || *q != ',') CSVBAD(q, "expected %d feature values, found %d", dim, j);
            f = ++q;
            char *e2;
            errno = 0;
            double v = strtod(f, &e2);
            if (e2 == f || (e2 < le && *e2 != ',') || !isfinite(v)) CSVBAD(f, "expected a number (x%d)", j);
            if (!isfinite((float)v)) CSVBAD(f, "x%d = %g overflows float32", j, v);
            x[j] = (float)v;
            q = e2;
        }
        if (q != le) CSVBAD(q, "more than %d feature values", dim);
        if (feat_append(s, vid, (int)ints[0], (int)ints[1], area, x)) CSVBAD(ls, "out of memory");
    }
    if (dim < 0) {
        snprintf(err, errlen, "%s:1:1: empty feature file", path);
        st = EMOC_E_FORMAT;
    }
out:
    free(x);
    return st;
#undef CSVBAD
}

emoc_status feat_read(feat_set *s, abaw_names *names, const char *path, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    size_t size;
    unsigned char *b = cli_read_file(path, &size, err, errlen);
    if (!b) return EMOC_E_IO;
    emoc_status st = size >= 8 && memcmp(b, FEAT_MAGIC, 8) == 0
                         ? read_binary(s, names, path, b, size, err, errlen)
                         : read_csv(s, names, path, (const char *)b, size, err, errlen);
    free(b);
    if (st) feat_free(s);
    return st;
}

void feat_write(const feat_set *s, const abaw_names *names, FILE *f, int csv)
{
    if (csv) {
        fprintf(f, "# emoc features backbone=%s embedding=%d\nvideo,frame,face,area", s->backbone, s->embedding);
        for (int j = 0; j < s->dim; j++) fprintf(f, ",x%d", j);
        fputc('\n', f);
        for (size_t r = 0; r < s->n; r++) {
            fprintf(f, "%s,%d,%d,%.9g", names->name[s->video[r]], s->frame[r], s->face[r], (double)s->area[r]);
            for (int j = 0; j < s->dim; j++) fprintf(f, ",%.9g", (double)s->x[r * (size_t)s->dim + j]);
            fputc('\n', f);
        }
    } else {
        /* videos used, in first-appearance order */
        int *map = malloc((names->n ? names->n : 1) * sizeof *map);
        int *order = malloc((names->n ? names->n : 1) * sizeof *order);
        uint32_t nv = 0;
        for (size_t i = 0; i < names->n; i++) map[i] = -1;
        for (size_t r = 0; r < s->n; r++)
            if (map[s->video[r]] < 0) {
                map[s->video[r]] = (int)nv;
                order[nv++] = s->video[r];
            }
        unsigned char h[FEAT_HEADER] = {0};
        memcpy(h, FEAT_MAGIC, 8);
        wr32(h + 8, FEAT_VERSION);
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
        unsigned char rowh[16];
        for (size_t r = 0; r < s->n; r++) {
            uint32_t a;
            memcpy(&a, &s->area[r], 4);
            wr32(rowh, (uint32_t)map[s->video[r]]);
            wr32(rowh + 4, (uint32_t)s->frame[r]);
            wr32(rowh + 8, (uint32_t)s->face[r]);
            wr32(rowh + 12, a);
            fwrite(rowh, 1, 16, f);
            for (int j = 0; j < s->dim; j++) {
                unsigned char v4[4];
                uint32_t u;
                memcpy(&u, &s->x[r * (size_t)s->dim + j], 4);
                wr32(v4, u);
                fwrite(v4, 1, 4, f);
            }
        }
        free(map);
        free(order);
    }
}
