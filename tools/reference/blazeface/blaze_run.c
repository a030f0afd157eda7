/*
 * blaze_run.c — the conformance harness's window into emoc's BlazeFace pipeline
 * (nets/blazeface_detect.h), linked against build/libemoc.a by conformance.sh. Not part of
 * the CLI: it exposes the intermediate tensors the harness compares with TFLite and OpenCV.
 *   blaze_run raw    M.emw IN.f32 OUT.f32       network on a float NHWC input → raw outputs
 *   blaze_run decode M.emw RAW.f32 W H          decode + NMS + projection of given raw outputs
 *   blaze_run detect M.emw IMAGE [WARP.u8]      whole pipeline; optionally dumps the uint8 warp
 *   blaze_run bench  M.emw IMAGE RUNS           median ms per stage at 1 thread
 * Faces print as one line each: score x1 y1 x2 y2 then 6 keypoints (x y).
 */
#include "nets/blazeface_detect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    void *b = malloc(len > 0 ? (size_t)len : 1);
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return b;
}

static void print_faces(const blaze_face *f, int n)
{
    printf("faces %d\n", n);
    for (int i = 0; i < n; i++) {
        printf("%.9g %.9g %.9g %.9g %.9g", f[i].score, f[i].x1, f[i].y1, f[i].x2, f[i].y2);
        for (int k = 0; k < BLAZE_KEYPOINTS; k++) printf(" %.9g %.9g", f[i].kp[k][0], f[i].kp[k][1]);
        printf("\n");
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: blaze_run raw|decode|detect|bench M.emw ...\n");
        return 2;
    }
    size_t n;
    void *emw = slurp(argv[2], &n);
    emoc_error err = {{0}};
    blaze_state *s = NULL;
    emoc_options opt;
    emoc_options_default(&opt);
    emw_file f;
    if (!emw || emw_parse(emw, n, 1, &f, &err) || blaze_open(&f, &opt, 1, &s, &err)) {
        fprintf(stderr, "blaze_run: %s: %s\n", argv[2], emw ? err.msg : "cannot read");
        return 1;
    }
    static blaze_face faces[4096];
    int rc = 0, nf = 0;
    if (!strcmp(argv[1], "raw") && argc == 5) {
        size_t m;
        float *x = slurp(argv[3], &m);
        const float *raw;
        int na;
        size_t S = (size_t)blaze_input_size(s);
        if (!x || m != S * S * 3 * sizeof(float) || blaze_run_raw(s, x, &raw, &na, &err)) {
            fprintf(stderr, "blaze_run: raw: %s\n", err.msg[0] ? err.msg : "bad input size");
            rc = 1;
        } else {
            FILE *o = fopen(argv[4], "wb");
            if (!o || fwrite(raw, sizeof(float), (size_t)na * 17, o) != (size_t)na * 17) rc = 1;
            if (o) fclose(o);
        }
        free(x);
    } else if (!strcmp(argv[1], "decode") && argc == 6) {
        size_t m;
        float *raw = slurp(argv[3], &m);
        nf = raw ? blaze_decode_raw(s, raw, atoi(argv[4]), atoi(argv[5]), -1.0f, faces, 4096) : 0;
        if (!raw) rc = 1; else print_faces(faces, nf < 4096 ? nf : 4096);
        free(raw);
    } else if ((!strcmp(argv[1], "detect") || !strcmp(argv[1], "bench")) && argc >= 4) {
        emoc_image img;
        if (emoc_image_load_file(argv[3], NULL, &img, &err)) {
            fprintf(stderr, "blaze_run: %s: %s\n", argv[3], err.msg);
            blaze_close(s);
            emw_file_release(&f);
            free(emw);
            return 1;
        }
        if (!strcmp(argv[1], "detect")) {
            if (blaze_detect(s, &img, -1.0f, faces, 4096, &nf, &err)) {
                fprintf(stderr, "blaze_run: %s\n", err.msg);
                rc = 1;
            } else {
                print_faces(faces, nf < 4096 ? nf : 4096);
                if (argc == 5) {
                    FILE *o = fopen(argv[4], "wb");
                    size_t S = (size_t)blaze_input_size(s);
                    if (!o || fwrite(blaze_last_warp(s), 1, S * S * 3, o) != S * S * 3) rc = 1;
                    if (o) fclose(o);
                }
            }
        } else {
            int runs = argc > 4 ? atoi(argv[4]) : 50;
            if (runs < 1 || runs > 100000) runs = 50;
            uint64_t *t[6];
            for (int k = 0; k < 6; k++) t[k] = calloc((size_t)runs, sizeof(uint64_t));
            for (int r = -5; r < runs && !rc; r++) {
                rc = blaze_detect(s, &img, -1.0f, faces, 4096, &nf, &err) != EMOC_OK;
                if (r < 0) continue;
                const blaze_timing *tm = blaze_last_timing(s);
                t[0][r] = tm->warp; t[1][r] = tm->net; t[2][r] = tm->decode; t[3][r] = tm->nms;
                t[4][r] = tm->project;
                t[5][r] = tm->warp + tm->net + tm->decode + tm->nms + tm->project;
            }
            const char *names[6] = {"warp", "net", "decode", "nms", "project", "total"};
            for (int k = 0; k < 6; k++) {
                qsort(t[k], (size_t)runs, sizeof(uint64_t), cmp_u64);
                printf("%s_ms %.4f\n", names[k], (double)t[k][runs / 2] / 1e6);
                free(t[k]);
            }
            printf("faces %d image %dx%d runs %d\n", nf, img.width, img.height, runs);
        }
        emoc_image_free(&img);
    } else {
        fprintf(stderr, "blaze_run: bad arguments\n");
        rc = 2;
    }
    blaze_close(s);
    emw_file_release(&f);
    free(emw);
    return rc;
}
