/* detect_rows.c — face columns of detect / predict --detect / features --detect rows. */
#include "tools/detect_rows.h"
#include "tools/text_escape.h"

#include <string.h>

void cli_json_str(FILE *f, const char *s) { cli_json_string(f, s); } /* valid UTF-8 always */

void cli_csv_str(FILE *f, const char *s)
{
    int quote = strpbrk(s, ",\"\n\r") != NULL;
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void detect_csv_header(FILE *f, int n_landmarks)
{
    fputs("input,frame,face_id,status,x1,y1,x2,y2,det_score", f);
    for (int i = 0; i < n_landmarks; i++) fprintf(f, ",lm%d_x,lm%d_y", i, i);
}

void detect_row_begin(FILE *f, int jsonl, const char *input, long frame, int face_id,
                      const char *status, const emoc_face *face, int n_landmarks)
{
    if (jsonl) {
        fputs("{\"input\":", f);
        cli_json_str(f, input);
        if (frame >= 0) fprintf(f, ",\"frame\":%ld", frame);
        else fputs(",\"frame\":null", f);
        fprintf(f, ",\"face_id\":%d,\"status\":", face_id);
        cli_json_str(f, status);
        if (!face) {
            fputs(",\"box\":null,\"score\":null,\"landmarks\":null", f);
            return;
        }
        fprintf(f, ",\"box\":[%.9g,%.9g,%.9g,%.9g],\"score\":%.9g,\"landmarks\":[", (double)face->x1,
                (double)face->y1, (double)face->x2, (double)face->y2, (double)face->score);
        for (int i = 0; i < n_landmarks && i < face->n_landmarks; i++)
            fprintf(f, i ? ",[%.9g,%.9g]" : "[%.9g,%.9g]", (double)face->landmarks[i][0],
                    (double)face->landmarks[i][1]);
        fputc(']', f);
        return;
    }
    cli_csv_str(f, input);
    if (frame >= 0) fprintf(f, ",%ld,%d,", frame, face_id);
    else fprintf(f, ",,%d,", face_id);
    cli_csv_str(f, status);
    if (!face) {
        for (int i = 0; i < 5 + 2 * n_landmarks; i++) fputc(',', f);
        return;
    }
    fprintf(f, ",%.9g,%.9g,%.9g,%.9g,%.9g", (double)face->x1, (double)face->y1, (double)face->x2,
            (double)face->y2, (double)face->score);
    for (int i = 0; i < n_landmarks; i++) {
        if (i < face->n_landmarks)
            fprintf(f, ",%.9g,%.9g", (double)face->landmarks[i][0], (double)face->landmarks[i][1]);
        else
            fputs(",,", f);
    }
}
