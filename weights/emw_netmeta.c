/*
 * emw_netmeta.c — checks the metadata every network file carries (weights/FORMAT.md §5):
 * required keys present with the right type and count, values in range and consistent with
 * each other (labels vs n_classes, valence/arousal indices vs n_scores, 64-hex SHA-256).
 * Image networks need the input.* and source.* keys; an "mtl_head" file (a head trained in C on
 * extracted features) may omit them, but if present they are checked the same way.
 */
#include "engine/core/error.h"
#include "weights/emw.h"

#include <string.h>
#include <strings.h>

/* Finds `key` with `type`; a missing key is an error only if `required`. */
static emoc_status emw__need(const emw_file *f, const char *key, emw_type type, int required,
                             const emw_meta **out, emoc_error *err)
{
    const emw_meta *m = emw_find_meta(f, key);
    *out = m;
    if (!m)
        return required ? emoc__fail(err, EMOC_E_FORMAT, "missing required metadata key '%s' (%s)",
                                     key, emw_type_name(type))
                        : EMOC_OK;
    if (m->type != type)
        return emoc__fail(err, EMOC_E_FORMAT, "metadata '%s' is %s, expected %s", key,
                          emw_type_name(m->type), emw_type_name(type));
    if (type == EMW_T_STR && m->str[0] == '\0')
        return emoc__fail(err, EMOC_E_FORMAT, "metadata '%s' is an empty string", key);
    return EMOC_OK;
}

static emoc_status emw__range(const emw_meta *m, int64_t lo, int64_t hi, emoc_error *err)
{
    if (m->i64 < lo || m->i64 > hi)
        return emoc__fail(err, EMOC_E_FORMAT, "metadata '%s' is %lld, expected %lld..%lld", m->key,
                          (long long)m->i64, (long long)lo, (long long)hi);
    return EMOC_OK;
}

static emoc_status emw__input_meta(const emw_file *f, int required, emoc_error *err)
{
    const emw_meta *m;
    emoc_status st;
    if ((st = emw__need(f, "input.size", EMW_T_I64, required, &m, err))) return st;
    if (m && (st = emw__range(m, 16, 4096, err))) return st;
    if ((st = emw__need(f, "input.channels", EMW_T_I64, required, &m, err))) return st;
    if (m && (st = emw__range(m, 3, 3, err))) return st;
    if ((st = emw__need(f, "input.color", EMW_T_STR, required, &m, err))) return st;
    if (m && strcmp(m->str, "RGB") != 0)
        return emoc__fail(err, EMOC_E_FORMAT, "metadata 'input.color' is '%s', expected 'RGB'",
                          m->str);
    const char *ms[2] = {"input.mean", "input.std"};
    for (int k = 0; k < 2; k++) {
        if ((st = emw__need(f, ms[k], EMW_T_F64_ARRAY, required, &m, err))) return st;
        if (!m) continue;
        if (m->count != 3)
            return emoc__fail(err, EMOC_E_FORMAT, "metadata '%s' has %zu values, expected 3", ms[k],
                              m->count);
        for (int c = 0; c < 3; c++)
            if (k == 1 && !(m->f64s[c] > 0))
                return emoc__fail(err, EMOC_E_FORMAT, "metadata 'input.std'[%d] is %g, must be > 0",
                                  c, m->f64s[c]);
    }
    if ((st = emw__need(f, "input.resize", EMW_T_STR, required, &m, err))) return st;
    if (m && strcmp(m->str, "cv2_linear") != 0 && strcmp(m->str, "pil_bilinear") != 0)
        return emoc__fail(err, EMOC_E_FORMAT,
                          "metadata 'input.resize' is '%s', expected 'cv2_linear' or "
                          "'pil_bilinear'",
                          m->str);
    return EMOC_OK;
}

static emoc_status emw__source_meta(const emw_file *f, int required, emoc_error *err)
{
    const emw_meta *m;
    emoc_status st;
    if ((st = emw__need(f, "source.file", EMW_T_STR, required, &m, err))) return st;
    if ((st = emw__need(f, "source.sha256", EMW_T_STR, required, &m, err))) return st;
    if (m) {
        size_t n = strlen(m->str);
        int hex = n == 64;
        for (size_t i = 0; hex && i < n; i++)
            hex = (m->str[i] >= '0' && m->str[i] <= '9') || (m->str[i] >= 'a' && m->str[i] <= 'f');
        if (!hex)
            return emoc__fail(err, EMOC_E_FORMAT,
                              "metadata 'source.sha256' is '%.80s' (%zu chars), expected 64 "
                              "lowercase hex digits",
                              m->str, n);
    }
    return EMOC_OK;
}

static emoc_status emw__output_meta(const emw_file *f, emoc_error *err)
{
    const emw_meta *ns, *nc, *labels, *m;
    emoc_status st;
    if ((st = emw__need(f, "output.n_scores", EMW_T_I64, 1, &ns, err))) return st;
    if ((st = emw__range(ns, 1, 4096, err))) return st;
    if ((st = emw__need(f, "output.n_classes", EMW_T_I64, 1, &nc, err))) return st;
    if ((st = emw__range(nc, 0, ns->i64, err))) return st;
    if ((st = emw__need(f, "output.labels", EMW_T_STR_ARRAY, 1, &labels, err))) return st;
    if ((int64_t)labels->count != nc->i64)
        return emoc__fail(err, EMOC_E_FORMAT,
                          "metadata 'output.labels' has %zu labels, output.n_classes is %lld",
                          labels->count, (long long)nc->i64);
    for (size_t i = 0; i < labels->count; i++) {
        if (labels->strs[i][0] == '\0')
            return emoc__fail(err, EMOC_E_FORMAT, "metadata 'output.labels'[%zu] is empty", i);
        for (size_t j = 0; j < i; j++)
            if (!strcasecmp(labels->strs[j], labels->strs[i]))
                return emoc__fail(err, EMOC_E_FORMAT,
                                  "metadata 'output.labels'[%zu] '%s' repeats [%zu] (ignoring case)", i,
                                  labels->strs[i], j);
    }
    const char *va[2] = {"output.valence_index", "output.arousal_index"};
    int64_t idx[2];
    for (int k = 0; k < 2; k++) {
        if ((st = emw__need(f, va[k], EMW_T_I64, 1, &m, err))) return st;
        idx[k] = m->i64;
        if (m->i64 != -1 && (m->i64 < nc->i64 || m->i64 >= ns->i64))
            return emoc__fail(err, EMOC_E_FORMAT,
                              "metadata '%s' is %lld: must be -1 or an index in [n_classes=%lld, "
                              "n_scores=%lld)",
                              va[k], (long long)m->i64, (long long)nc->i64, (long long)ns->i64);
    }
    if (idx[0] != -1 && idx[0] == idx[1])
        return emoc__fail(err, EMOC_E_FORMAT,
                          "output.valence_index and output.arousal_index are both %lld",
                          (long long)idx[0]);
    if ((st = emw__need(f, "output.embedding_size", EMW_T_I64, 1, &m, err))) return st;
    return emw__range(m, 1, 1 << 20, err);
}

emoc_status emw_check_net_meta(const emw_file *f, emoc_error *err)
{
    if (!f) return EMOC_E_ARG;
    const emw_meta *arch, *m;
    emoc_status st;
    if ((st = emw__need(f, "emoc.arch", EMW_T_STR, 1, &arch, err))) return st;
    if ((st = emw__need(f, "emoc.variant", EMW_T_STR, 1, &m, err))) return st;
    if ((st = emw__need(f, "emoc.name", EMW_T_STR, 1, &m, err))) return st;
    if ((st = emw__need(f, "converter.version", EMW_T_STR, 1, &m, err))) return st;
    int image_net = strcmp(arch->str, "mtl_head") != 0;
    if ((st = emw__input_meta(f, image_net, err))) return st;
    if ((st = emw__source_meta(f, image_net, err))) return st;
    if ((st = emw__output_meta(f, err))) return st;
    if ((st = emw__need(f, "ignored.prefixes", EMW_T_STR_ARRAY, 0, &m, err))) return st;
    for (size_t i = 0; m && i < m->count; i++)
        if (m->strs[i][0] == '\0')
            return emoc__fail(err, EMOC_E_FORMAT, "metadata 'ignored.prefixes'[%zu] is empty", i);
    return EMOC_OK;
}
