/*
 * convert_calib.h — the calibration inputs of `emoc convert --dtype int8 --calib`.
 */
#ifndef EMOC_TOOLS_CONVERT_CALIB_H
#define EMOC_TOOLS_CONVERT_CALIB_H

#include "emoc.h"

#include <stddef.h>

/* Every file of `path` (one file, or a folder's regular files in natural order) preprocessed
 * for a network with `info`'s input: *n_inputs blocks of 3·S·S floats (malloc'ed). NULL and a
 * message naming the file at fault if any cannot be used. */
float *convert_calib_load(const char *path, const emoc_model_info *info, size_t *n_inputs,
                          char *msg, size_t cap);

#endif
