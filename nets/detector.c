/*
 * detector.c — the public face-detection API (include/emoc.h "Face detection"): loading a
 * detector EMW, refusing files that are not detectors, the frame checks every back-end relies
 * on, and the registry of back-ends (one line per detector).
 */
#include "nets/detector.h"

#include "engine/core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const detector_backend *const registry[] = {
    &emoc_mtcnn_backend,
    &emoc_retinaface_backend,
    &emoc_blazeface_short_backend,
    &emoc_blazeface_full_sparse_backend,
    &emoc_blazeface_full_backend,
};
#define N_BACKENDS (sizeof(registry) / sizeof(registry[0]))

const detector_backend *detector_find(const char *arch)
{
    for (size_t i = 0; arch && i < N_BACKENDS; i++)
        if (!strcmp(registry[i]->arch, arch)) return registry[i];
    return NULL;
}

const char *detector_arch_list(void)
{
    static char list[256];
    if (!list[0]) {
        size_t n = 0;
        for (size_t i = 0; i < N_BACKENDS && n < sizeof list; i++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "",
                                  registry[i]->arch);
    }
    return list;
}

struct emoc_detector {
    emoc_allocator alloc;
    uint8_t *file_buf;
    emw_file emw;
    int emw_parsed;
    const detector_backend *be;
    void *state;
    char err[512];
};

void emoc_detect_options_default(emoc_detect_options *o)
{
    if (!o) return;
    o->threshold = -1.0f;
    o->min_face = -1;
}

int emoc_emw_is_detector(const void *data, size_t size)
{
    emw_file f;
    emoc_error e;
    if (!data || emw_parse(data, size, 0, &f, &e) != EMOC_OK) return 0;
    const emw_meta *t = emw_find_meta(&f, "emoc.task");
    int is = t && t->type == EMW_T_STR && !strcmp(t->str, "face_detection");
    emw_file_release(&f);
    return is;
}

static void *dalloc(const emoc_allocator *a, size_t n) { return emoc__alloc(a, n ? n : 1, 64); }
static void dfree(const emoc_allocator *a, void *p) { emoc__free(a, p); }

emoc_status emoc_detector_load_memory(const void *data, size_t size, const emoc_options *opt,
                                      emoc_detector **out, emoc_error *err)
{
    if (!out) return emoc__fail(err, EMOC_E_ARG, "emoc_detector_load_memory: out is NULL");
    *out = NULL;
    if (!data && size) return emoc__fail(err, EMOC_E_ARG, "emoc_detector_load_memory: data is NULL");
    if (size > EMW_MAX_FILE_BYTES)
        return emoc__fail(err, EMOC_E_LIMIT, "detector file of %zu bytes exceeds the %llu-byte cap",
                          size, (unsigned long long)EMW_MAX_FILE_BYTES);
    emoc_options defaults;
    emoc_options_default(&defaults);
    if (!opt) opt = &defaults;
    emoc_allocator a = opt->allocator ? *opt->allocator : emoc__default_allocator;
    emoc_detector *d = dalloc(&a, sizeof(*d));
    if (!d) return emoc__fail(err, EMOC_E_NOMEM, "out of memory");
    memset(d, 0, sizeof(*d));
    d->alloc = a;
    d->file_buf = dalloc(&a, size);
    if (!d->file_buf) {
        emoc_detector_free(d);
        return emoc__fail(err, EMOC_E_NOMEM, "out of memory copying %zu bytes", size);
    }
    if (size) memcpy(d->file_buf, data, size);
    emoc_error perr;
    perr.msg[0] = 0;
    emoc_status st = emw_parse_alloc(d->file_buf, size, opt->verify_checksums,
                                     opt->allocator, &d->emw, &perr);
    if (st != EMOC_OK) {
        emoc_detector_free(d);
        return emoc__fail(err, st, "%s", perr.msg);
    }
    d->emw_parsed = 1;
    const emw_meta *arch = emw_find_meta(&d->emw, "emoc.arch");
    if (!arch || arch->type != EMW_T_STR) {
        emoc_detector_free(d);
        return emoc__fail(err, EMOC_E_FORMAT, "metadata 'emoc.arch' is missing or not a string");
    }
    const emw_meta *task = emw_find_meta(&d->emw, "emoc.task");
    int is_det = task && task->type == EMW_T_STR && !strcmp(task->str, "face_detection");
    d->be = is_det ? detector_find(arch->str) : NULL;
    if (is_det && !d->be) {
        emoc_detector_free(d);
        return emoc__fail(err, EMOC_E_UNSUPPORTED,
                          "face detector '%s' is not in this build (known: %s)", arch->str,
                          detector_arch_list());
    }
    if (!d->be) {
        st = emoc__fail(err, EMOC_E_UNSUPPORTED,
                        "this file is %s (emoc.arch = '%s'), not a face detector: expected one of "
                        "%s",
                        !strcmp(arch->str, "mtl_head") ? "a post-processing head"
                                                       : "an emotion model",
                        arch->str, detector_arch_list());
        emoc_detector_free(d);
        return st;
    }
    if ((st = d->be->open(&d->emw, opt, &d->state, err)) != EMOC_OK) {
        d->state = NULL;
        emoc_detector_free(d);
        return st;
    }
    *out = d;
    return EMOC_OK;
}

emoc_status emoc_detector_load_file(const char *path, const emoc_options *opt,
                                    emoc_detector **out, emoc_error *err)
{
    if (!path || !out) return emoc__fail(err, EMOC_E_ARG, "emoc_detector_load_file: NULL argument");
    *out = NULL;
    uint8_t *buf = NULL;
    size_t size = 0;
    emoc_status st = emw_read_file(path, &buf, &size, err);
    if (st != EMOC_OK) return st;
    st = emoc_detector_load_memory(buf, size, opt, out, err);
    free(buf);
    if (st != EMOC_OK && err) {
        char tmp[sizeof(err->msg)];
        snprintf(tmp, sizeof(tmp), "%.200s: %.300s", path, err->msg);
        memcpy(err->msg, tmp, sizeof(tmp));
    }
    return st;
}

void emoc_detector_free(emoc_detector *d)
{
    if (!d) return;
    if (d->state && d->be) d->be->close(d->state);
    if (d->emw_parsed) emw_file_release(&d->emw);
    emoc_allocator a = d->alloc;
    dfree(&a, d->file_buf);
    dfree(&a, d);
}

int emoc__detector_raw(const emoc_detector *d, int k, const char **name, const float **data,
                       size_t *rows, int *cols)
{
    if (!d || !d->be || !d->be->raw || !d->state) return 0;
    return d->be->raw(d->state, k, name, data, rows, cols);
}

const char *emoc_detector_last_error(const emoc_detector *d) { return d ? d->err : "detector is NULL"; }
const char *emoc_detector_arch(const emoc_detector *d) { return d && d->be ? d->be->arch : ""; }
int emoc_detector_landmark_count(const emoc_detector *d) { return d && d->be ? d->be->n_landmarks : 0; }

emoc_status emoc_detect(emoc_detector *d, const emoc_image *rgb, const emoc_detect_options *o,
                        emoc_face *faces, int cap, int *n_faces)
{
    if (!d) return EMOC_E_ARG;
    d->err[0] = 0;
    if (!rgb || !n_faces || (cap > 0 && !faces) || cap < 0) {
        emoc__set_err(d->err, sizeof d->err, "emoc_detect: NULL argument or negative cap");
        return EMOC_E_ARG;
    }
    *n_faces = 0;
    if (rgb->width > EMOC_DETECT_MAX_SIDE || rgb->height > EMOC_DETECT_MAX_SIDE) {
        emoc__set_err(d->err, sizeof d->err,
                      "frame of %dx%d px exceeds the detector cap of %d px per side", rgb->width,
                      rgb->height, EMOC_DETECT_MAX_SIDE);
        return EMOC_E_LIMIT;
    }
    if (rgb->width < 1 || rgb->height < 1 || rgb->channels != 3 || !rgb->pixels) {
        emoc__set_err(d->err, sizeof d->err,
                      "frame must be RGB (3 channels) with pixels, got %dx%d with %d channels",
                      rgb->width, rgb->height, rgb->channels);
        return EMOC_E_ARG;
    }
    emoc_detect_options opt;
    emoc_detect_options_default(&opt);
    if (o) opt = *o;
    if (!(opt.threshold == opt.threshold) || opt.threshold > 1.0f) {
        emoc__set_err(d->err, sizeof d->err, "threshold %g is not in [0, 1]", (double)opt.threshold);
        return EMOC_E_ARG;
    }
    if (opt.threshold < 0) opt.threshold = d->be->default_threshold;
    if (opt.min_face < 0) opt.min_face = d->be->default_min_face;
    if (opt.min_face > EMOC_DETECT_MAX_SIDE) {
        emoc__set_err(d->err, sizeof d->err, "min_face %d exceeds %d", opt.min_face,
                      EMOC_DETECT_MAX_SIDE);
        return EMOC_E_ARG;
    }
    emoc_error e;
    e.msg[0] = 0;
    emoc_status st = d->be->detect(d->state, rgb, &opt, faces, cap, n_faces, &e);
    if (st != EMOC_OK) {
        *n_faces = 0;
        emoc__set_err(d->err, sizeof d->err, "%s", e.msg[0] ? e.msg : emoc_strerror(st));
    }
    return st;
}

void emoc_face_crop_box(const emoc_face *f, int width, int height, int *x, int *y, int *w, int *h)
{
    float v[4] = {f->x1, f->y1, f->x2, f->y2};
    int lim[4] = {width, height, width, height}, c[4];
    for (int k = 0; k < 4; k++) {
        float t = v[k];
        if (!(t == t)) t = 0.0f;
        if (t < -1e9f) t = -1e9f;
        if (t > 1e9f) t = 1e9f;
        long q = (long)t; /* truncation toward zero, as numpy astype(int) */
        c[k] = q < 0 ? 0 : q > lim[k] ? lim[k] : (int)q;
    }
    *x = c[0];
    *y = c[1];
    *w = c[2] > c[0] ? c[2] - c[0] : 0;
    *h = c[3] > c[1] ? c[3] - c[1] : 0;
}
