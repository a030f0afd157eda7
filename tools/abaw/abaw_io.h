/*
 * abaw_io.h — ABAW text files for the CLI (docs/models.md §7.7, docs/models.md §9): annotations (the
 * s-Aff-Wild2 single file, or a directory / file list of per-video uni-task files), submissions
 * written by `emoc mtl` / `emoc ce`, score files (`emoc mtl --scores-out`) and image lists.
 *
 * Everything lands in an abaw_table: one row per (video, frame) with every task's value,
 * missing ones as in ABAW (VA −5, EXPR/AU/CE −1, scores NaN). Video names are interned in a
 * shared abaw_names so rows of different files compare by integer id. Parse errors name the
 * file, line and column (1-based) and map to exit code 3.
 */
#ifndef EMOC_TOOLS_ABAW_IO_H
#define EMOC_TOOLS_ABAW_IO_H

#include <stddef.h>
#include <stdint.h>

#include "emoc_abaw.h"

#define ABAW_N_SCORES 22 /* V, A, 8 EXPR probabilities, 12 AU scores */

typedef struct abaw_names {
    char **name;
    size_t n, cap;
    size_t *slot;       /* open-addressing hash of name → id + 1 */
    size_t n_slot;
} abaw_names;

int abaw_names_intern(abaw_names *v, const char *s, size_t len); /* id, or −1 on OOM */
int abaw_names_find(const abaw_names *v, const char *s);         /* id or −1 */
void abaw_names_free(abaw_names *v);

typedef struct abaw_table {
    abaw_names *names;  /* shared, not owned */
    size_t n, cap;
    int *video, *frame;
    double *va;         /* n×2 */
    int *expr;          /* n */
    int *au;            /* n×12 */
    int *ce;            /* n */
    double *scores;     /* n×ABAW_N_SCORES */
    int has_va, has_expr, has_au, has_ce, has_scores;
    /* (video, frame) → row + 1 */
    uint64_t *hkey;
    size_t *hval, n_hslot;
} abaw_table;

void abaw_table_init(abaw_table *t, abaw_names *names);
void abaw_table_free(abaw_table *t);
/* Row of (video, frame), created with missing values if absent (−1 on OOM). */
long abaw_table_row(abaw_table *t, int video, int frame, int create);

/* "video/00012.jpg" → interned video id and frame 12. 0 on success. */
int abaw_parse_image(abaw_names *names, const char *s, size_t len, int *video, int *frame);

/* Loads labels or predictions into t (merging with what is there):
 *   - a directory: every *.txt inside is a per-video uni-task file (header decides the task:
 *     `valence,arousal`, the 8 expression names, the 12 AU names, or the 7 compound names;
 *     line i after the header = frame i; video = file name without .txt);
 *   - a file whose rows start with an image path: 16 fields = MTL (path,V,A,EXPR,12 AUs),
 *     3 = VA, 13 = AU, 2 = EXPR (or CE when the header names a compound class),
 *     23 = score file (path, 22 scores).
 * Returns EMOC_OK or EMOC_E_FORMAT / EMOC_E_IO with err naming file, line and column. */
emoc_status abaw_load(abaw_table *t, const char *path, char *err, size_t errlen);

/* Image list (MTL.txt, CE list, a submission): rows appended in file order (duplicates kept
 * once); header lines that do not parse as a path are skipped only on line 1. order[] gets the
 * row indices in list order and, when images is not NULL, images[i] the image path of list entry
 * i exactly as the list spells it, so submissions echo the organisers' names (one block: the
 * caller frees order and *images). */
emoc_status abaw_load_list(abaw_table *t, const char *path, long **order, char ***images,
                           size_t *n_order, char *err, size_t errlen);

#endif
