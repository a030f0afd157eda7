/* mtcnn_fixture.h — an "mtcnn" detector EMW built in memory with seeded random weights whose
 * class heads favour "face", so that random images give detections (tests only). */
#ifndef EMOC_TESTS_MTCNN_FIXTURE_H
#define EMOC_TESTS_MTCNN_FIXTURE_H
#include <stddef.h>
#include <stdint.h>
typedef struct mtcnn_fix_opts {
    const char *skip;        /* tensor name to leave out, or NULL */
    const char *extra;       /* extra tensor name to add, or NULL */
    int no_task;             /* 1: omit emoc.task (looks like an unknown model) */
} mtcnn_fix_opts;
/* Returns a malloc'ed EMW buffer (free()) or NULL. opts may be NULL. */
uint8_t *mtcnn_fix_build(const mtcnn_fix_opts *opts, size_t *size);
/* Writes it to path; 0 on success. */
int mtcnn_fix_save(const char *path);
/* A P6 image of w×h with a deterministic pattern (seed varies it) in which the fixture finds
 * several faces at threshold 0; malloc'ed (free()), NULL when out of memory. */
uint8_t *mtcnn_fix_frame_ppm(int w, int h, int seed, size_t *size);
/* Writes that image to path; 0 on success. */
int mtcnn_fix_save_frame(const char *path, int w, int h, int seed);
/* The detector tests' scene in dir: mtcnn.emw, frame.ppm (120×90) and small.ppm (30×30), both
 * frames with seed 0; 0 on success. */
int mtcnn_fix_save_scene(const char *dir);
#endif
