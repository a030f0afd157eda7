/*
 * detect_rows.h — the face columns shared by `emoc detect`, `emoc predict --detect` and
 * `emoc features --detect` (DETECTOR contract): CSV
 *   input,frame,face_id,status,x1,y1,x2,y2,det_score,lm0_x,lm0_y,...   (one pair per landmark)
 * and JSONL keys input, frame, face_id, status, box [x1,y1,x2,y2], score, landmarks [[x,y],...].
 * A row without a face (no_face, or a frame that failed) has empty fields / null.
 * Also the CSV/JSON string writers every row writer uses.
 */
#ifndef EMOC_TOOLS_DETECT_ROWS_H
#define EMOC_TOOLS_DETECT_ROWS_H

#include "emoc.h"
#include <stdio.h>

void cli_json_str(FILE *f, const char *s);
void cli_csv_str(FILE *f, const char *s);

/* "input,frame,face_id,status,x1,...,lm{n-1}_y" without the newline. */
void detect_csv_header(FILE *f, int n_landmarks);
/* The detect columns of one row, without the newline (CSV) or the closing brace (JSONL). face
 * NULL: empty / null face fields. */
void detect_row_begin(FILE *f, int jsonl, const char *input, long frame, int face_id,
                      const char *status, const emoc_face *face, int n_landmarks);

#endif
