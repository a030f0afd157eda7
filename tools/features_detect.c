/* features_detect.c — per-face feature rows from detected faces (features_detect.h). */
#include "tools/features_detect.h"

#include "tools/cli.h"

#include <stdlib.h>
#include <string.h>

/* Crop, preprocess, run; the row X = [embedding, scores] into row. 0 ok, else a message. */
static const char *face_features(const features_detect_cfg *c, const emoc_image *img,
                                 const emoc_face *f, float *x, size_t nx, float *row,
                                 emoc_error *err)
{
    int bx, by, bw, bh;
    emoc_face_crop_box(f, img->width, img->height, &bx, &by, &bw, &bh);
    if (bw == 0 || bh == 0) return "the face box lies outside the frame";
    emoc_image crop = {0};
    emoc_status st = emoc_image_crop(img, bx, by, bw, bh, &crop, err);
    if (!st) st = emoc_image_preprocess(&crop, c->info->input_size, c->info->mean, c->info->std,
                                        c->mode, x, nx, err);
    emoc_image_free(&crop);
    if (st) return err->msg;
    emoc_output o;
    if (emoc_session_run(c->sess, x, nx, &o)) return emoc_session_last_error(c->sess);
    memcpy(row, o.embedding, (size_t)o.n_embedding * sizeof(float));
    memcpy(row + o.n_embedding, o.scores, (size_t)o.n_scores * sizeof(float));
    return NULL;
}

long features_detect_run(const features_detect_cfg *c, emoc__input_iter *it, feat_set *fs,
                         abaw_names *names, progress *pg)
{
    size_t nx = (size_t)3 * (size_t)c->info->input_size * (size_t)c->info->input_size;
    float *x = malloc(nx * sizeof(float)), *row = malloc((size_t)fs->dim * sizeof(float));
    int cap = 64, n = 0;
    emoc_face *faces = malloc(sizeof(emoc_face) * (size_t)cap);
    long failed = 0;
    emoc__input_item item;
    while (x && row && faces && emoc__input_next(it, &item)) {
        progress_frame_in(pg);
        emoc__input_status st = item.status;
        const char *msg = item.message;
        n = 0;
        if (st == EMOC_INPUT_OK && detect_all(c->det, &item.image, c->opt, &faces, &cap, &n)) {
            st = EMOC_INPUT_RUN_ERROR;
            msg = emoc_detector_last_error(c->det);
        }
        const char *vn = item.video[0] ? item.video : "video";
        int video = abaw_names_intern(names, vn, strlen(vn));
        /* the listing position, as without --detect: a --shard or --resume run numbers as the whole run */
        int frame = item.frame >= 0 ? (int)item.frame : (int)item.position + 1;
        for (int k = 0; st == EMOC_INPUT_OK && k < n; k++) {
            emoc_error err = {{0}};
            const char *why = face_features(c, &item.image, &faces[k], x, nx, row, &err);
            const emoc_face *fk = &faces[k];
            const float box[FEAT_BOX] = {fk->x1, fk->y1, fk->x2, fk->y2, fk->score};
            if (!why && feat_append_box(fs, video, frame, k, box, row))
                why = "out of memory storing the feature row";
            if (why) {
                if (!c->quiet) cli_error(c->cmd, "%s: face %d: %s", item.input, k, why);
                failed++;
            }
        }
        if (st != EMOC_INPUT_OK) {
            if (!c->quiet) cli_error(c->cmd, "%s: %s", item.input, msg);
            failed++;
        }
        if (c->frame_done) c->frame_done(c->user, item.input, item.video);
        progress_row_out(pg, st);
    }
    if (!x || !row || !faces) {
        cli_error(c->cmd, "out of memory");
        failed++;
    }
    free(x);
    free(row);
    free(faces);
    return failed;
}
