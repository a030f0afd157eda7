/*
 * fuzz_detconv.c — libFuzzer target for the face-detector import of `emoc convert`: the code that
 * recognises facenet-pytorch's MTCNN checkpoints and Pytorch_Retinaface's RetinaFace by their
 * tensors, checks every tensor's name and shape, and folds / fuses them into a detector EMW
 * (weights/convert_pth_mtcnn.c, weights/convert_pth_retinaface.c, the dispatch of
 * weights/convert_pth.c), followed by what tools/cmd_convert.c does with a converted writer (the
 * kernel-layout pass, serialisation), the detector loader and one detection on a small frame.
 * The checkpoint reader itself is fuzz_pth's and fuzz_pth_legacy's; here it is only the way in.
 *
 * Input: one checkpoint, run as `emoc convert IN.pth` (architecture recognised, then again with
 * `--arch retinaface_1mb`), or three checkpoints joined by SEP, run as `emoc convert pnet.pt
 * rnet.pt onet.pt` (any order). Odd-sized inputs convert with `--dtype f16`. Every failure must
 * carry a message. Seeds: tests/fuzz/corpus/detconv (tests/fuzz/gen_detconv_seeds.py); runner:
 * tests/fuzz/run.sh.
 */
#include "emoc.h"
#include "engine/emw/emw.h"
#include "weights/convert.h"
#include "weights/pth.h"

#include <stdlib.h>
#include <string.h>

#define SEP "#emoc-next-file#" /* as gen_detconv_seeds.py writes it */
#define SEP_LEN (sizeof SEP - 1)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A converted detector loads (or is refused with a message) and runs on a 48×40 frame. */
static void load_and_detect(const uint8_t *emw, size_t n)
{
    if (!emoc_emw_is_detector(emw, n)) return;
    emoc_detector *d = NULL;
    emoc_error err;
    err.msg[0] = 0;
    if (emoc_detector_load_memory(emw, n, NULL, &d, &err) != EMOC_OK) {
        if (!err.msg[0]) abort();
        return;
    }
    static uint8_t px[48 * 40 * 3];
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 7 + (i / 97) * 13);
    emoc_image img = {48, 40, 3, px};
    emoc_detect_options o;
    emoc_detect_options_default(&o);
    o.min_face = 20; /* MTCNN: three pyramid levels on this frame */
    emoc_face faces[16];
    int nf = 0;
    if (emoc_detect(d, &img, &o, faces, 16, &nf) != EMOC_OK) {
        const char *m = emoc_detector_last_error(d);
        if (!m || !m[0]) abort();
    } else if (nf < 0) {
        abort();
    }
    emoc_detector_free(d);
}

/* After a successful conversion: what `emoc convert` writes, then its use. */
static void finish(emw_writer *w, int layout)
{
    emoc_error err;
    err.msg[0] = 0;
    if (layout && emoc__convert_kernel_layout(w, NULL, &err) != EMOC_OK) {
        if (!err.msg[0]) abort();
        return;
    }
    uint8_t *buf = NULL;
    size_t n = 0;
    if (emw_writer_to_memory(w, &buf, &n) != EMOC_OK) return;
    load_and_detect(buf, n);
    free(buf);
}

static void convert_one(const uint8_t *data, size_t size, const emoc_convert_opts *o, const char *arch)
{
    emw_writer *w = NULL;
    if (emw_writer_create(&w) != EMOC_OK) return;
    emoc_error err;
    err.msg[0] = 0;
    if (emoc__convert_pth_arch(data, size, o, arch, w, &err) == EMOC_OK) finish(w, 1);
    else if (!err.msg[0]) abort();
    emw_writer_free(w);
}

static void convert_three(const uint8_t *const *parts, const size_t *sizes, const emoc_convert_opts *o)
{
    static const char *const names[3] = {"a.pt", "b.pt", "c.pt"};
    emw_writer *w = NULL;
    if (emw_writer_create(&w) != EMOC_OK) return;
    emoc_error err;
    err.msg[0] = 0;
    if (emoc__convert_mtcnn(parts, sizes, names, 3, o, w, &err) == EMOC_OK) finish(w, 0);
    else if (!err.msg[0]) abort();
    emw_writer_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *parts[4];
    size_t sizes[4], found = 0, start = 0;
    for (size_t i = 0; found < 3 && i + SEP_LEN <= size; i++)
        if (!memcmp(data + i, SEP, SEP_LEN)) {
            parts[found] = data + start;
            sizes[found++] = i - start;
            start = i + SEP_LEN;
            i = start - 1;
        }
    parts[found] = data + start;
    sizes[found] = size - start;
    emoc_convert_opts o = {size & 1 ? EMW_F16 : EMW_F32, "fuzz.pth"};
    if (found == 2) {
        convert_three(parts, sizes, &o);
    } else {
        convert_one(data, size, &o, NULL);
        convert_one(data, size, &o, "retinaface_1mb");
    }
    return 0;
}
