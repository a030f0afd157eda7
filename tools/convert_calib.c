/*
 * convert_calib.c — the calibration set of `emoc convert --dtype int8 --calib IMAGES_OR_DIR`:
 * one image or a folder of them (its regular files in natural name order, not recursive), each
 * decoded and preprocessed exactly as `emoc predict` feeds a face crop to the network (input
 * size, mean/std and resize of the model's metadata). A `.f32` file is taken as an already
 * preprocessed input (3·S·S little-endian floats, e.g. the conformance inputs). A file that
 * cannot be used is an error naming it, never a silent skip (docs/precision.md).
 */
#include "tools/convert_calib.h"
#include "tools/input/input_iter.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CALIB_MAX_FILES 100000

static int name_cmp(const void *a, const void *b)
{
    return emoc__natural_cmp(*(const char *const *)a, *(const char *const *)b);
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* The files of `path` (itself when not a folder), sorted; NULL and a message on failure. */
static char **calib_files(const char *path, size_t *n, char *msg, size_t cap)
{
    struct stat sb;
    *n = 0;
    if (stat(path, &sb) != 0) {
        snprintf(msg, cap, "--calib %s: cannot open it", path);
        return NULL;
    }
    char **v = NULL;
    if (!S_ISDIR(sb.st_mode)) {
        v = malloc(sizeof *v);
        if (v && (v[0] = strdup(path))) *n = 1;
        else snprintf(msg, cap, "out of memory");
        return *n ? v : (free(v), NULL);
    }
    DIR *d = opendir(path);
    if (!d) {
        snprintf(msg, cap, "--calib %s: cannot list the folder", path);
        return NULL;
    }
    size_t cap_v = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *full = malloc(len);
        if (!full) break;
        snprintf(full, len, "%s/%s", path, e->d_name);
        if (stat(full, &sb) != 0 || !S_ISREG(sb.st_mode) || *n >= CALIB_MAX_FILES) {
            free(full);
            continue;
        }
        if (*n == cap_v) {
            cap_v = cap_v ? 2 * cap_v : 64;
            char **nv = realloc(v, cap_v * sizeof *v);
            if (!nv) {
                free(full);
                break;
            }
            v = nv;
        }
        v[(*n)++] = full;
    }
    closedir(d);
    if (*n == 0) {
        snprintf(msg, cap, "--calib %s: the folder holds no file", path);
        free(v);
        return NULL;
    }
    qsort(v, *n, sizeof *v, name_cmp);
    return v;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && !strcmp(s + n - k, suf);
}

/* One calibration input into x (n floats). 0, or -1 with a message. */
static int calib_one(const char *file, const emoc_model_info *info, emoc_resize_mode mode,
                     float *x, size_t n, char *msg, size_t cap)
{
    if (has_suffix(file, ".f32")) {
        FILE *f = fopen(file, "rb");
        size_t got = f ? fread(x, sizeof *x, n, f) : 0;
        int extra = f ? fgetc(f) != EOF : 0;
        if (f) fclose(f);
        if (got != n || extra) {
            snprintf(msg, cap, "--calib %s: %s; a .f32 input holds exactly %zu floats (3x%dx%d)",
                     file, f ? "wrong size" : "cannot open it", n, info->input_size,
                     info->input_size);
            return -1;
        }
        return 0;
    }
    emoc_image img = {0};
    emoc_error err = {{0}};
    emoc_status st = emoc_image_load_file(file, NULL, &img, &err);
    if (!st)
        st = emoc_image_preprocess(&img, info->input_size, info->mean, info->std, mode, x, n, &err);
    emoc_image_free(&img);
    if (st) {
        snprintf(msg, cap, "--calib: %s", err.msg[0] ? err.msg : emoc_strerror(st));
        return -1;
    }
    return 0;
}

float *convert_calib_load(const char *path, const emoc_model_info *info, size_t *n_inputs,
                          char *msg, size_t cap)
{
    size_t nf = 0, n = 3 * (size_t)info->input_size * (size_t)info->input_size;
    char **files = calib_files(path, &nf, msg, cap);
    if (!files) return NULL;
    emoc_resize_mode mode = EMOC_RESIZE_CV2;
    if (info->resize && emoc_resize_mode_parse(info->resize, &mode)) mode = EMOC_RESIZE_CV2;
    float *x = malloc(nf * n * sizeof *x);
    if (!x) snprintf(msg, cap, "--calib: out of memory for %zu inputs", nf);
    for (size_t i = 0; x && i < nf; i++)
        if (calib_one(files[i], info, mode, x + i * n, n, msg, cap)) {
            free(x);
            x = NULL;
        }
    free_list(files, nf);
    *n_inputs = x ? nf : 0;
    return x;
}
