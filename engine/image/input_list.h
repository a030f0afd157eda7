/*
 * input_list.h — private to input_iter.c / input_list.c: the ordered list of file inputs.
 */
#ifndef EMOC_IMAGE_INPUT_LIST_H
#define EMOC_IMAGE_INPUT_LIST_H

#include "engine/image/decoders.h"
#include "engine/image/input_iter.h"

typedef struct emoc__input_entry {
    char *path;
    char *video;
    long frame;
    int face_id;
    int has_box;
    int box[4];
    char *bad_msg;   /* malformed --boxes row: the message of its bad_row item */
    long position;   /* place in the whole listing (before the select hook dropped any) */
} emoc__input_entry;

typedef struct emoc__input_list {
    emoc__input_entry *items;
    size_t n, cap;
    size_t n_skipped;     /* regular files of walked directories that are not images */
    char *first_skipped;  /* path of the first of them (NULL when none) */
} emoc__input_list;

/* Appends files (as given) and directory walks (natural order, image files only). */
emoc_status emoc__input_list_paths(emoc__input_list *l, const char *const *paths, int n_paths,
                                   emoc_error *err);
/* Appends one entry per --boxes CSV row. */
emoc_status emoc__input_list_boxes(emoc__input_list *l, const char *csv, emoc_error *err);
void emoc__input_list_free(emoc__input_list *l);

#endif
