/*
 * labels.c — label sets, class maps between AffectNet and ABAW orders, decisions (argmax, AU
 * thresholds) and the named AU threshold presets of docs/models.md §7.3. All tables are constant.
 */
#include "emoc_abaw.h"

#include <string.h>

static const char *const abaw_expr[EMOC_N_EXPR] = {"Neutral", "Anger", "Disgust", "Fear",
                                                   "Happiness", "Sadness", "Surprise", "Other"};
static const char *const affectnet8[8] = {"Anger", "Contempt", "Disgust", "Fear",
                                          "Happiness", "Neutral", "Sadness", "Surprise"};
static const char *const affectnet7[7] = {"Anger", "Disgust", "Fear", "Happiness",
                                          "Neutral", "Sadness", "Surprise"};
static const char *const au_names[EMOC_N_AU] = {"AU1", "AU2", "AU4", "AU6", "AU7", "AU10",
                                                "AU12", "AU15", "AU23", "AU24", "AU25", "AU26"};
static const char *const ce_names[EMOC_N_CE] = {
    "Fearfully_Surprised", "Happily_Surprised", "Sadly_Surprised", "Disgustedly_Surprised",
    "Angrily_Surprised",   "Sadly_Fearful",     "Sadly_Angry"};

const char *emoc_abaw_expr_name(int i) { return i >= 0 && i < EMOC_N_EXPR ? abaw_expr[i] : NULL; }
const char *emoc_affectnet8_name(int i) { return i >= 0 && i < 8 ? affectnet8[i] : NULL; }
const char *emoc_affectnet7_name(int i) { return i >= 0 && i < 7 ? affectnet7[i] : NULL; }
const char *emoc_au_name(int i) { return i >= 0 && i < EMOC_N_AU ? au_names[i] : NULL; }
const char *emoc_ce_name(int i) { return i >= 0 && i < EMOC_N_CE ? ce_names[i] : NULL; }

/* ABAW index ← AffectNet-8 index (§7.4): Neutral←5, Anger←0, Disgust←2, Fear←3, Happiness←4,
 * Sadness←6, Surprise←7, Other←Contempt(1). */
static const int abaw_from_an8[8] = {5, 0, 2, 3, 4, 6, 7, 1};
/* ABAW index ← AffectNet-7 index (Other has no source). */
static const int abaw_from_an7[7] = {4, 0, 1, 2, 3, 5, 6};

emoc_status emoc_class_map_probs(emoc_class_map map, const double *src, double *dst)
{
    if (!src || !dst || src == dst) return EMOC_E_ARG;
    switch (map) {
    case EMOC_MAP_AFFECTNET8_TO_ABAW:
        for (int i = 0; i < 8; i++) dst[i] = src[abaw_from_an8[i]];
        return EMOC_OK;
    case EMOC_MAP_AFFECTNET8_TO_ABAW_NO_CONTEMPT: {
        double sum = 0.0;
        for (int i = 0; i < 7; i++) sum += src[abaw_from_an8[i]];
        for (int i = 0; i < 7; i++) dst[i] = sum > 0.0 ? src[abaw_from_an8[i]] / sum : 1.0 / 7.0;
        dst[7] = 0.0;
        return EMOC_OK;
    }
    case EMOC_MAP_AFFECTNET7_TO_ABAW:
        for (int i = 0; i < 7; i++) dst[i] = src[abaw_from_an7[i]];
        dst[7] = 0.0;
        return EMOC_OK;
    case EMOC_MAP_ABAW_TO_AFFECTNET8:
        for (int i = 0; i < 8; i++) dst[abaw_from_an8[i]] = src[i];
        return EMOC_OK;
    }
    return EMOC_E_ARG;
}

int emoc_class_map_label(emoc_class_map map, int label)
{
    switch (map) {
    case EMOC_MAP_AFFECTNET8_TO_ABAW:
    case EMOC_MAP_AFFECTNET8_TO_ABAW_NO_CONTEMPT:
        if (label < 0 || label >= 8) return -1;
        if (map == EMOC_MAP_AFFECTNET8_TO_ABAW_NO_CONTEMPT && label == 1) return -1;
        for (int i = 0; i < 8; i++)
            if (abaw_from_an8[i] == label) return i;
        return -1;
    case EMOC_MAP_AFFECTNET7_TO_ABAW:
        for (int i = 0; i < 7; i++)
            if (abaw_from_an7[i] == label) return i;
        return -1;
    case EMOC_MAP_ABAW_TO_AFFECTNET8:
        return label >= 0 && label < 8 ? abaw_from_an8[label] : -1;
    }
    return -1;
}

void emoc_labels_drop_other(int *expr, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (expr[i] == 7) expr[i] = -1;
}

void emoc_blend(const double *a, const double *b, size_t count, double w, double *out)
{
    for (size_t i = 0; i < count; i++) out[i] = w * a[i] + (1.0 - w) * b[i];
}

int emoc_argmax(const double *v, int n)
{
    if (n <= 0) return -1;
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

void emoc_au_decide(const double *scores, const double *thresholds, int *out)
{
    for (int k = 0; k < EMOC_N_AU; k++) out[k] = scores[k] >= thresholds[k];
}

typedef struct {
    const char *name;
    double t[EMOC_N_AU];
} au_preset;

static const au_preset presets[] = {
    {"0.5", {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}},
    {"abaw7_ddamfn", {0.6, 0.7, 0.6, 0.4, 0.4, 0.5, 0.5, 0.7, 0.8, 0.8, 0.1, 0.6}},
    {"abaw7_enet_b0", {0.5, 0.8, 0.5, 0.4, 0.4, 0.4, 0.6, 0.7, 0.8, 0.6, 0.2, 0.6}},
    {"abaw7_blend", {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}},
    {"abaw6_vgaf_mlp", {0.8, 0.8, 0.7, 0.5, 0.5, 0.5, 0.6, 0.8, 0.8, 0.8, 0.3, 0.7}},
    {"abaw6_enet_b0_mtl", {0.8, 0.7, 0.7, 0.6, 0.4, 0.5, 0.7, 0.8, 0.7, 0.8, 0.3, 0.6}},
};

const double *emoc_au_threshold_preset(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (strcmp(presets[i].name, name) == 0) return presets[i].t;
    return NULL;
}

const char *emoc_au_threshold_preset_name(int i)
{
    return i >= 0 && (size_t)i < sizeof presets / sizeof presets[0] ? presets[i].name : NULL;
}
