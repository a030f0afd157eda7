/*
 * input_list.h — private to input_iter.c / input_list.c: the ordered list of file inputs.
 */
#ifndef EMOC_IMAGE_INPUT_LIST_H
#define EMOC_IMAGE_INPUT_LIST_H

#include "engine/image/decoders.h"
#include "tools/input/input_iter.h"

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
/* Appends one entry per --boxes CSV row (the whole file: used with the select hook). */
emoc_status emoc__input_list_boxes(emoc__input_list *l, const char *csv, emoc_error *err);

/* --boxes read one row at a time (a pipe or FIFO may never end: nothing is held but the line). */
typedef struct emoc__boxes_reader {
    FILE *f;
    const char *csv;
    char *dir;       /* folder of the CSV with its '/', for relative image names; NULL if none */
    long lineno;
    long rows;       /* entries yielded so far (their position) */
    int regular;     /* the CSV is a regular file (so it ends) */
} emoc__boxes_reader;

emoc_status emoc__boxes_open(emoc__boxes_reader *r, const char *csv, emoc_error *err);
/* 1: *e filled (an ok row or a bad_row entry; emoc__input_entry_free it); 0: end of the file;
 * -1: *st and err set (read error, out of memory). */
int emoc__boxes_next(emoc__boxes_reader *r, emoc__input_entry *e, emoc_status *st, emoc_error *err);
void emoc__boxes_close(emoc__boxes_reader *r);
void emoc__input_entry_free(emoc__input_entry *e);
void emoc__input_list_free(emoc__input_list *l);

#endif
