/*
 * inputs.h — how `emoc predict`, `emoc features` (and any command that runs over frames) read
 * their inputs. The iterator itself is tools/input/input_iter.h (tested by
 * tests/image/test_inputs.c); this header adds the command-line side.
 *
 * Usage in a command (sketch of cmd_predict.c):
 *
 *     inputs_spec in;
 *     inputs_spec_init(&in);
 *     cli_opts scan;                       // tools/cli.h, with positional and value_optional set
 *     for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
 *         if (!a) { inputs_spec_add_path(&in, v); continue; }          // IMAGE, DIR, "-"
 *         int r = inputs_spec_option(&in, argv[0], a, v);              // --raw WxH, --boxes F, ...
 *         if (r < 0) return EXIT_USAGE;                                // message printed
 *         if (r > 0) continue;
 *         ... your own options ...
 *     }
 *     emoc__input_iter *it; emoc_error err;
 *     if (inputs_open(&in, &it, &err)) { cli_error(argv[0], "%s", err.msg); return EXIT_USAGE/INPUT; }
 *     progress pg; progress_init(&pg, argv[0], quiet ? PROGRESS_QUIET : kv ? PROGRESS_KV : PROGRESS_AUTO,
 *                                emoc__input_total(it));
 *     emoc__input_item item;
 *     while (emoc__input_next(it, &item)) {
 *         progress_frame_in(&pg);
 *         if (item.status == EMOC_INPUT_OK) {
 *             // emoc_image_preprocess(&item.image, info.input_size, info.mean, info.std, mode, x, n, &err)
 *             // emoc_session_run(...); a non-finite input → status EMOC_INPUT_NONFINITE
 *         }
 *         // ONE row per item, always: input=item.input, frame=item.frame (empty if -1),
 *         // face_id=item.face_id, status=emoc__input_status_name(st), value fields empty unless ok;
 *         // flush the row, then:
 *         progress_row_out(&pg, st);
 *     }
 *     progress_finish(&pg);               // summary: frames_in, rows_out, errors per status
 *     emoc__input_close(it); inputs_spec_free(&in);
 *     return progress_errors(&pg) ? EXIT_PARTIAL : EXIT_OK;
 *
 * item.image is RGB, already cropped to the --boxes box, owned by the iterator and valid until
 * the next emoc__input_next call. item.message names the file, byte offset and reason.
 */
#ifndef EMOC_TOOLS_INPUTS_H
#define EMOC_TOOLS_INPUTS_H

#include "tools/input/input_iter.h"
#include "tools/resume_out.h"
#include "tools/shard.h"

typedef struct inputs_spec {
    emoc__input_options opt;
    const char **paths;
    int n, cap;
    shard_spec shard;         /* --shard K/N (n == 0: all inputs) */
    resume_out *resume;       /* set by a --resume run before inputs_open, else NULL */
    long listed, selected;    /* input frames before and after --shard / --resume */
} inputs_spec;

void inputs_spec_init(inputs_spec *in);
/* If option `name` (value NULL when the command line ends before it) is an input option (--raw
 * WxH, --boxes FILE.csv, --shard K/N, --max-pixels N), reads it and returns 1; returns 0 if it is
 * not one; -1 after printing a usage error. */
int inputs_spec_option(inputs_spec *in, const char *cmd, const char *name, const char *value);
/* Adds a file, a directory, or "-" (the raw stream). Returns -1 on out of memory. */
int inputs_spec_add_path(inputs_spec *in, const char *path);
/* Opens the iterator over the inputs of this shard that in->resume does not hold complete yet.
 * A --raw stream (stdin above all) cannot be sharded or resumed: EMOC_E_ARG. */
emoc_status inputs_open(inputs_spec *in, emoc__input_iter **it, emoc_error *err);
/* Inputs outside the iterator (--tensor files, one unit each), before inputs_open: list each
 * (0, or -1 on out of memory), then after it ask whether this run computes it (its shard and
 * not complete in in->resume). */
int inputs_list_file(inputs_spec *in, const char *path);
int inputs_file_selected(inputs_spec *in, const char *path);
/* After inputs_open: unless quiet, says on stderr how many files of the walked folders were
 * skipped as not images, naming the first. */
void inputs_note_skipped(const emoc__input_iter *it, const char *cmd, int quiet);
/* The row status for a failed emoc_session_run on input x (n values): the session reports
 * non-finite input and non-finite scores with the same code; a finite input whose scores
 * overflowed (e.g. values near FLT_MAX) is nonfinite_output, not nonfinite_input. */
emoc__input_status inputs_run_status(emoc_status rs, const float *x, size_t n);
void inputs_spec_free(inputs_spec *in);

#endif
