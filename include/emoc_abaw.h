/*
 * emoc_abaw.h — the second public header of emoc: the ABAW post-processing library (multi-task
 * head, class maps, blending, temporal smoothing, thresholds, compound expressions, metrics,
 * tuning and head training) over the inference API of emoc.h. Same conventions as emoc.h.
 */
#ifndef EMOC_ABAW_H
#define EMOC_ABAW_H

#include "emoc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ============================================================================================ */
/* Post-processing                                                                              */
/* ============================================================================================ */
/*
 * ABAW post-processing (docs/models.md §7, §9): pure functions over caller-owned
 * arrays. Nothing here keeps static mutable state and nothing allocates except the two calls
 * documented as allocating (emoc_mtl_head_load_*, released by emoc_mtl_head_release).
 *
 * Layouts (row-major, one row per frame):
 *   VA     n×2 double   valence, arousal; label missing when either value < −1 (ABAW uses −5)
 *   EXPR   n×8 double   probabilities in ABAW order (Neutral, Anger, Disgust, Fear, Happiness,
 *                       Sadness, Surprise, Other); labels are ints 0..7, −1 = missing
 *   AU     n×12 double  sigmoid scores, AU order AU1,2,4,6,7,10,12,15,23,24,25,26; labels 0/1,
 *                       a row with any −1 is missing for the AU task
 *   CE     n×7 double   compound scores in submission order (§7.5)
 */

#define EMOC_N_EXPR 8            /* ABAW / AffectNet-8 expression classes */
#define EMOC_N_AU 12             /* ABAW action units */
#define EMOC_N_CE 7              /* ABAW compound expressions */
#define EMOC_MTL_N_SCORES 10     /* backbone scores appended to the embedding: 8 logits, V, A */

/* Names: ABAW expression order, AffectNet-8 / AffectNet-7 order, AUs ("AU1"), compound classes
 * in submission order. NULL when out of range. */
EMOC_API const char *emoc_abaw_expr_name(int index);
EMOC_API const char *emoc_affectnet8_name(int index);
EMOC_API const char *emoc_affectnet7_name(int index);
EMOC_API const char *emoc_au_name(int index);
EMOC_API const char *emoc_ce_name(int index);

/* ---- class maps ---------------------------------------------------------------------------- */

typedef enum emoc_class_map {
    EMOC_MAP_AFFECTNET8_TO_ABAW = 0,        /* permutation [5,0,2,3,4,6,7,1]: Contempt → Other */
    EMOC_MAP_AFFECTNET8_TO_ABAW_NO_CONTEMPT = 1, /* Contempt dropped, the other 7 renormalised,
                                                  * Other = 0; evaluate with
                                                  * emoc_labels_drop_other() on the truth */
    EMOC_MAP_AFFECTNET7_TO_ABAW = 2,        /* 7-class models: Other = 0 */
    EMOC_MAP_ABAW_TO_AFFECTNET8 = 3         /* inverse of the first: Other → Contempt */
} emoc_class_map;

/* Maps one row of probabilities (8 values, or 7 for AFFECTNET7) to 8 values. src != dst. */
EMOC_API emoc_status emoc_class_map_probs(emoc_class_map map, const double *src, double *dst);
/* Maps one class index; −1 for a class the target set does not have (or bad input). */
EMOC_API int emoc_class_map_label(emoc_class_map map, int label);
/* "Contempt excluded" evaluation: ground-truth Other (7) becomes missing (−1). */
EMOC_API void emoc_labels_drop_other(int *expr_labels, size_t n);

/* ---- blending and decisions ---------------------------------------------------------------- */

/* out[i] = w·a[i] + (1−w)·b[i] for count values (out may alias a or b). */
EMOC_API void emoc_blend(const double *a, const double *b, size_t count, double w, double *out);

/* Per-task weights of the first model (ABAW7 final: va 0.8, expr 0.5, au 0.5). */
typedef struct emoc_blend_weights {
    double va, expr, au;
} emoc_blend_weights;

/* Index of the largest of n values (first on ties), −1 if n ≤ 0. */
EMOC_API int emoc_argmax(const double *v, int n);
/* AU decisions: out[k] = scores[k] ≥ thresholds[k]. */
EMOC_API void emoc_au_decide(const double *scores, const double *thresholds, int *out);
/* Named per-AU threshold presets (spec §7.3): "0.5" (fixed), "abaw7_ddamfn", "abaw7_enet_b0",
 * "abaw7_blend" (fixed 0.5), "abaw6_vgaf_mlp", "abaw6_enet_b0_mtl". Returns a static constant
 * table of 12 values, or NULL for an unknown name. */
EMOC_API const double *emoc_au_threshold_preset(const char *name);
/* Name of the i-th preset (for listings), NULL past the end. */
EMOC_API const char *emoc_au_threshold_preset_name(int i);

/* ---- temporal smoothing -------------------------------------------------------------------- */

typedef enum emoc_smooth_kind {
    EMOC_SMOOTH_NONE = 0,
    EMOC_SMOOTH_BOX = 1,             /* mean over the window */
    EMOC_SMOOTH_GAUSS_PAPER = 2,     /* weights exp(−Δ²/(2σ²)) as written in the paper */
    EMOC_SMOOTH_GAUSS_CODE = 3,      /* weights exp(−Δ²/σ) as in the authors' notebooks */
    EMOC_SMOOTH_ABAW7_NOTEBOOK = 4   /* exact ABAW7 mtl.ipynb loop (exp(−Δ²/σ), window over list
                                      * positions, δ−1 previous + self + δ next, see §7.2);
                                      * only through emoc_smooth_list() */
} emoc_smooth_kind;

typedef struct emoc_smooth_opts {
    emoc_smooth_kind kind;
    double sigma;   /* Gaussian parameter (> 0) */
    int delta;      /* window half-width in frames (≥ 0) */
} emoc_smooth_opts;

/* Separate settings per task; emoc_smooth_settings_default() = nothing smoothed. */
typedef struct emoc_smooth_settings {
    emoc_smooth_opts va, expr, au;
} emoc_smooth_settings;
EMOC_API void emoc_smooth_settings_default(emoc_smooth_settings *s);

/* Linear interpolation of one video's rows at query frames. frames[0..n) strictly increasing
 * (n ≥ 1), values n×dim; queries before the first / after the last known frame copy the nearest
 * row. out is n_query×dim. EMOC_E_ARG if frames are not strictly increasing or n == 0. */
EMOC_API emoc_status emoc_interpolate_frames(const int *frames, const double *values, size_t n,
                                    size_t dim, const int *query, size_t n_query, double *out);

/* Smooths one video: row i becomes the weighted mean of the rows j with |f_j − f_i| ≤ δ
 * (real frame numbers, strictly increasing; the window is clipped at the video's ends).
 * On a dense sequence (f = 1,2,3,...) BOX is the mean over items [i−δ, i+δ] ∩ video (§7.4).
 * NONE copies. out must not alias in. EMOC_E_ARG on bad options or unsorted frames. */
EMOC_API emoc_status emoc_smooth_video(const emoc_smooth_opts *opt, const int *frames, const double *in,
                              size_t n, size_t dim, double *out);

/* Smooths a whole list whose rows are grouped by video (video[i] = any id, equal ids
 * contiguous): each run of equal ids goes through emoc_smooth_video(), except for
 * EMOC_SMOOTH_ABAW7_NOTEBOOK, which runs the notebook's loop over the whole list exactly
 * (global positions included). out must not alias in. */
EMOC_API emoc_status emoc_smooth_list(const emoc_smooth_opts *opt, const int *video, const int *frames,
                             const double *in, size_t n, size_t dim, double *out);

/* ---- compound expressions (§7.5) ----------------------------------------------------------- */

typedef enum emoc_ce_mean {
    EMOC_CE_MEAN_ARITHMETIC = 0,
    EMOC_CE_MEAN_GEOMETRIC = 1,
    EMOC_CE_MEAN_HARMONIC = 2
} emoc_ce_mean;

typedef enum emoc_ce_faces {
    EMOC_CE_FACES_MAX = 0,       /* per compound class, max over the faces of a frame */
    EMOC_CE_FACES_LARGEST = 1,   /* the face with the largest area */
    EMOC_CE_FACES_MEAN = 2       /* mean over faces */
} emoc_ce_faces;

/* Softmax over the first 8 logits (AffectNet-8 order; V/A ignored), then the 7 pair means in
 * submission order: (Fear,Surprise), (Happy,Surprise), (Sad,Surprise), (Disgust,Surprise),
 * (Angry,Surprise), (Sad,Fear), (Sad,Angry). */
EMOC_API void emoc_ce_scores(const double *affectnet8_logits, emoc_ce_mean mean, double *out7);
/* Pools n_faces rows of 7 scores into one (areas used by FACES_LARGEST, may be NULL otherwise).
 * EMOC_E_ARG if n_faces < 1. */
EMOC_API emoc_status emoc_ce_pool_faces(const double *face_scores, const double *face_areas, int n_faces,
                               emoc_ce_faces how, double *out7);

/* ---- metrics (§7.6) ------------------------------------------------------------------------ */
/*
 * Edge cases (our definitions): CCC = 2·cov/(var_x + var_y + (μx−μy)²) with population
 * statistics; when the denominator is 0 (both series constant and equal) CCC = 1; a constant
 * series against a varying one gives 0. F1 of a class absent from both truth and prediction is 0
 * (scikit-learn zero_division=0). No labelled frame: the metric is NaN (JSON null) and n = 0.
 */

/* CCC of x against y over n values (NaN if n == 0). */
EMOC_API double emoc_ccc(const double *x, const double *y, size_t n);

typedef struct emoc_va_metrics {
    double ccc_valence, ccc_arousal, p_va;  /* p_va = ½(CCC_V + CCC_A) */
    size_t n;                               /* labelled frames */
} emoc_va_metrics;
/* pred, truth: n×2. Frames whose truth has a value < −1 are skipped. scratch: 4·n doubles. */
EMOC_API void emoc_metrics_va(const double *pred, const double *truth, size_t n, double *scratch,
                     emoc_va_metrics *out);

typedef struct emoc_expr_metrics {
    int n_classes;                       /* 8, or 7 after emoc_labels_drop_other */
    double f1[EMOC_N_EXPR];              /* per class */
    double f1_macro;                     /* mean over the n_classes classes */
    double f1_macro_present;             /* mean over classes present in truth ∪ prediction
                                          * (scikit-learn average="macro" without labels=) */
    double accuracy;
    size_t confusion[EMOC_N_EXPR][EMOC_N_EXPR];  /* [truth][pred] */
    size_t n;                            /* labelled frames */
} emoc_expr_metrics;
/* pred: class indices; truth: −1 (or any value outside 0..n_classes−1) = missing. A prediction
 * outside 0..n_classes−1 on a labelled frame gives EMOC_E_ARG. */
EMOC_API emoc_status emoc_metrics_expr(const int *pred, const int *truth, size_t n, int n_classes,
                              emoc_expr_metrics *out);

typedef struct emoc_au_metrics {
    double f1[EMOC_N_AU];
    double f1_mean;
    size_t n;                            /* labelled rows (no −1 among the 12) */
} emoc_au_metrics;
/* pred, truth: n×12 of 0/1; truth rows with any negative value are skipped. */
EMOC_API void emoc_metrics_au(const int *pred, const int *truth, size_t n, emoc_au_metrics *out);

/* P_MTL = P_VA + F1_EXPR + F1_AU (NaN terms make it NaN). */
EMOC_API double emoc_p_mtl(const emoc_va_metrics *va, const emoc_expr_metrics *expr,
                  const emoc_au_metrics *au);

/* Binary F1 of one column: pred/truth read with a stride (in ints); truth < 0 skipped. */
EMOC_API double emoc_f1_binary(const int *pred, const int *truth, size_t n, size_t stride);

/* KL(P_pred ‖ P_ref) between the class frequencies of two label sets (labels outside
 * 0..n_classes−1 skipped; eps added to every count before normalising, as
 * scipy.stats.entropy(p + eps, q + eps) on counts). +Inf if a predicted class never occurs in
 * the reference and eps == 0; NaN if either set is empty. */
EMOC_API double emoc_kl_class_freq(const int *pred, const int *ref, size_t n, int n_classes, double eps);

/* Cohen's kappa between two prediction sets (pairs with a label outside 0..n_classes−1 skipped;
 * 1 when both agree completely on a single class, NaN if no pair). */
EMOC_API double emoc_cohen_kappa(const int *a, const int *b, size_t n, int n_classes);

/* ---- labels and task scores (used by tuning) ----------------------------------------------- */

typedef enum emoc_task { EMOC_TASK_VA = 0, EMOC_TASK_EXPR = 1, EMOC_TASK_AU = 2 } emoc_task;

/* Width of a task's score row: 2, 8, 12. */
EMOC_API int emoc_task_dim(emoc_task task);

typedef struct emoc_mtl_labels {
    size_t n;
    const double *va;    /* n×2 or NULL */
    const int *expr;     /* n or NULL */
    const int *au;       /* n×12 or NULL */
} emoc_mtl_labels;

/* Headline metric of one task from score rows: VA → P_VA; EXPR → macro F1 of the argmax over 8;
 * AU → mean F1 with per-AU thresholds (NULL: 0.5). scratch: emoc_task_scratch_size(n) bytes. */
EMOC_API size_t emoc_task_scratch_size(size_t n);
EMOC_API emoc_status emoc_task_metric(emoc_task task, const double *scores, const emoc_mtl_labels *labels,
                             const double *au_thresholds, void *scratch, double *out);

/* ---- tuning on a validation set ------------------------------------------------------------ */

/* Fills out with lo, lo+step, ... ≤ hi (+1e-9) and returns the count (≤ cap). */
EMOC_API size_t emoc_grid(double lo, double hi, double step, double *out, size_t cap);

/* Per-AU thresholds maximising each AU's F1 (first grid value on ties). curve: 12×n_grid F1
 * values (may be NULL). scores n×12, truth n×12 (rows with −1 skipped). */
EMOC_API emoc_status emoc_tune_au_thresholds(const double *scores, const int *truth, size_t n,
                                    const double *grid, size_t n_grid, double *best_thresholds,
                                    double *best_f1, double *curve);

/* Blend weight of model a for one task: curve[k] = metric at grid[k] (may be NULL).
 * scratch: n·dim doubles + emoc_task_scratch_size(n) bytes, given as one buffer of
 * emoc_tune_scratch_size(task, n) bytes. */
EMOC_API size_t emoc_tune_scratch_size(emoc_task task, size_t n);
EMOC_API emoc_status emoc_tune_blend(emoc_task task, const double *a, const double *b,
                            const emoc_mtl_labels *labels, const double *au_thresholds,
                            const double *grid, size_t n_grid, void *scratch, double *curve,
                            double *best_w, double *best_metric);

/* Smoothing parameters of one task over σ × δ grids (kind fixed, e.g. GAUSS_CODE or BOX; for
 * BOX only δ matters). curve: n_sigma×n_delta metrics, row-major (may be NULL). */
EMOC_API emoc_status emoc_tune_smooth(emoc_task task, emoc_smooth_kind kind, const int *video,
                             const int *frames, const double *scores,
                             const emoc_mtl_labels *labels, const double *au_thresholds,
                             const double *sigmas, size_t n_sigma, const int *deltas,
                             size_t n_delta, void *scratch, double *curve, double *best_sigma,
                             int *best_delta, double *best_metric);

/* ---- MTL head (§7.1) ----------------------------------------------------------------------- */
/*
 * Input X = [embedding (E values), 10 backbone scores] (D = E + 10).
 *   EXPR: softmax(X·We + be)                 We: D×8
 *   VA:   tanh(X[E..D)·Wv + bv)              Wv: 10×2
 *   AU:   sigmoid(relu(X·W1 + b1)·W2 + b2)   W1: D×H (H = 128), W2: H×12
 * Kernels are stored [in][out] (Keras layout). In EMW files: emoc.arch = "mtl_head", tensors
 * expr.kernel/bias, va.kernel/bias, au1.kernel/bias, au2.kernel/bias (post/README.md).
 */
typedef struct emoc_mtl_head {
    int embedding_size;     /* E */
    int in_dim;             /* D = E + 10 */
    int au_hidden;          /* H */
    char backbone[32];      /* backbone the features come from ("ddamfn", "enet_b0", ...) */
    float *expr_kernel;     /* [D][8] */
    float *expr_bias;       /* [8] */
    float *va_kernel;       /* [10][2] */
    float *va_bias;         /* [2] */
    float *au1_kernel;      /* [D][H] */
    float *au1_bias;        /* [H] */
    float *au2_kernel;      /* [H][12] */
    float *au2_bias;        /* [12] */
    void *owned;            /* block allocated by emoc_mtl_head_load_*; NULL for views */
} emoc_mtl_head;

/* Number of floats of all eight tensors for embedding size E and hidden width H. */
EMOC_API size_t emoc_mtl_head_param_count(int embedding_size, int au_hidden);
/* Points head's tensors into a caller buffer of emoc_mtl_head_param_count() floats (order:
 * expr kernel, bias, va kernel, bias, au1 kernel, bias, au2 kernel, bias). */
EMOC_API emoc_status emoc_mtl_head_view(emoc_mtl_head *head, int embedding_size, int au_hidden,
                               const char *backbone, float *params);
/* Reads an EMW head (allocates one block; free with emoc_mtl_head_release). */
EMOC_API emoc_status emoc_mtl_head_load_file(const char *path, emoc_mtl_head *head, emoc_error *err);
EMOC_API emoc_status emoc_mtl_head_load_memory(const void *data, size_t size, emoc_mtl_head *head,
                                      emoc_error *err);
EMOC_API void emoc_mtl_head_release(emoc_mtl_head *head);
EMOC_API emoc_status emoc_mtl_head_save_file(const emoc_mtl_head *head, const char *path,
                                    emoc_error *err);

/* Scratch (floats) needed by emoc_mtl_head_forward: H. */
EMOC_API size_t emoc_mtl_head_scratch_floats(const emoc_mtl_head *head);
/* One frame. n_x must equal head->in_dim, else EMOC_E_SHAPE with a message naming both widths
 * (a head trained for one backbone refuses another's features). Outputs: va[2], expr[8]
 * (probabilities, ABAW order as trained), au[12]; any may be NULL. */
EMOC_API emoc_status emoc_mtl_head_forward(const emoc_mtl_head *head, const float *x, int n_x,
                                  float *scratch, double *va, double *expr, double *au,
                                  emoc_error *err);

/* ---- MTL head training (§7.1) -------------------------------------------------------------- */

typedef struct emoc_train_opts {
    double lr;               /* Adam learning rate (1e-3) */
    int batch;               /* 512 */
    int epochs_expr, epochs_va, epochs_au;   /* 10, 20, 10 */
    double l2_expr, l2_va;   /* kernel L2 factors (1/batch as in §7.1) */
    int au_hidden;           /* 128 */
    uint64_t seed;
    int threads;             /* workers per batch for EXPR and AU (VA's CCC runs on one); the
                              * weights are bitwise reproducible for a given seed and count */
} emoc_train_opts;
EMOC_API void emoc_train_opts_default(emoc_train_opts *o);

typedef struct emoc_train_set {
    size_t n;
    int dim;                 /* D */
    const float *x;          /* n×D */
    emoc_mtl_labels labels;  /* labels.n == n */
} emoc_train_set;

typedef struct emoc_train_report {
    int best_epoch_expr, best_epoch_va, best_epoch_au;   /* 1-based */
    double best_f1_expr, best_p_va, best_f1_au;          /* on the validation set */
} emoc_train_report;

/* Bytes of scratch emoc_train_head needs (threads as in emoc_train_opts; ≤ 0 counts as 1). */
EMOC_API size_t emoc_train_scratch_size(int dim, int au_hidden, int batch, size_t n_train, size_t n_val,
                               int threads);
/* Trains the three heads of `head` (a view of the right size, e.g. from emoc_mtl_head_view;
 * initialised here from the seed) on train, keeping per head the epoch with the best
 * validation metric. Deterministic for a seed and thread count; threads > 1 start and join
 * pthreads per batch (no other allocation). */
EMOC_API emoc_status emoc_train_head(const emoc_train_opts *opt, const emoc_train_set *train,
                            const emoc_train_set *val, emoc_mtl_head *head, void *scratch,
                            size_t scratch_size, emoc_train_report *report, emoc_error *err);

#ifdef __cplusplus
}
#endif
#endif /* EMOC_ABAW_H */
