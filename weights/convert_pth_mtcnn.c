/*
 * convert_pth_mtcnn.c — facenet-pytorch's MTCNN (pnet.pt, rnet.pt, onet.pt: three state_dicts)
 * to one EMW (docs/detectors.md §1). The files may come in any order: each is recognised by
 * its tensors (PNet has conv4_1, RNet dense5_1, ONet dense6_3). Every tensor is checked against
 * the architecture's shape and copied under "pnet.", "rnet.", "onet." + its state_dict name;
 * a missing, misshapen or extra tensor is an error naming it and the file.
 */
#include "weights/convert.h"
#include "weights/pth.h"
#include "weights/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct spec {
    const char *name;
    int rank;
    int64_t dims[4];
} spec;

static const spec PNET[] = {
    {"conv1.weight", 4, {10, 3, 3, 3}}, {"conv1.bias", 1, {10}}, {"prelu1.weight", 1, {10}},
    {"conv2.weight", 4, {16, 10, 3, 3}}, {"conv2.bias", 1, {16}}, {"prelu2.weight", 1, {16}},
    {"conv3.weight", 4, {32, 16, 3, 3}}, {"conv3.bias", 1, {32}}, {"prelu3.weight", 1, {32}},
    {"conv4_1.weight", 4, {2, 32, 1, 1}}, {"conv4_1.bias", 1, {2}},
    {"conv4_2.weight", 4, {4, 32, 1, 1}}, {"conv4_2.bias", 1, {4}}, {NULL, 0, {0}}};
static const spec RNET[] = {
    {"conv1.weight", 4, {28, 3, 3, 3}}, {"conv1.bias", 1, {28}}, {"prelu1.weight", 1, {28}},
    {"conv2.weight", 4, {48, 28, 3, 3}}, {"conv2.bias", 1, {48}}, {"prelu2.weight", 1, {48}},
    {"conv3.weight", 4, {64, 48, 2, 2}}, {"conv3.bias", 1, {64}}, {"prelu3.weight", 1, {64}},
    {"dense4.weight", 2, {128, 576}}, {"dense4.bias", 1, {128}}, {"prelu4.weight", 1, {128}},
    {"dense5_1.weight", 2, {2, 128}}, {"dense5_1.bias", 1, {2}},
    {"dense5_2.weight", 2, {4, 128}}, {"dense5_2.bias", 1, {4}}, {NULL, 0, {0}}};
static const spec ONET[] = {
    {"conv1.weight", 4, {32, 3, 3, 3}}, {"conv1.bias", 1, {32}}, {"prelu1.weight", 1, {32}},
    {"conv2.weight", 4, {64, 32, 3, 3}}, {"conv2.bias", 1, {64}}, {"prelu2.weight", 1, {64}},
    {"conv3.weight", 4, {64, 64, 3, 3}}, {"conv3.bias", 1, {64}}, {"prelu3.weight", 1, {64}},
    {"conv4.weight", 4, {128, 64, 2, 2}}, {"conv4.bias", 1, {128}}, {"prelu4.weight", 1, {128}},
    {"dense5.weight", 2, {256, 1152}}, {"dense5.bias", 1, {256}}, {"prelu5.weight", 1, {256}},
    {"dense6_1.weight", 2, {2, 256}}, {"dense6_1.bias", 1, {2}},
    {"dense6_2.weight", 2, {4, 256}}, {"dense6_2.bias", 1, {4}},
    {"dense6_3.weight", 2, {10, 256}}, {"dense6_3.bias", 1, {10}}, {NULL, 0, {0}}};

static const struct net {
    const char *prefix, *key, *label;
    const spec *tensors;
} NETS[3] = {{"pnet.", "conv4_1.weight", "PNet", PNET},
             {"rnet.", "dense5_1.weight", "RNet", RNET},
             {"onet.", "dense6_3.weight", "ONet", ONET}};

int emoc_pth_mtcnn_kind(const emoc_pth_checkpoint *ck)
{
    for (int k = 0; k < 3; k++)
        if (emoc_pth_find(ck, NETS[k].key)) return k;
    return -1;
}

static emoc_status copy_net(const emoc_pth_checkpoint *ck, const char *file, int k,
                            const emoc_convert_opts *opts, emw_writer *w, emoc_error *err)
{
    const struct net *n = &NETS[k];
    size_t used = 0;
    for (const spec *s = n->tensors; s->name; s++) {
        const emoc_pth_tensor *t = emoc_pth_find(ck, s->name);
        if (!t) {
            snprintf(err->msg, sizeof err->msg, "%s (MTCNN %s): tensor '%s' is missing", file,
                     n->label, s->name);
            return EMOC_E_SHAPE;
        }
        int ok = t->rank == s->rank;
        for (int d = 0; ok && d < s->rank; d++) ok = t->dims[d] == s->dims[d];
        if (!ok) {
            char have[64] = "", want[64] = "";
            size_t a = 0, b = 0;
            for (int d = 0; d < t->rank && a < sizeof have; d++)
                a += (size_t)snprintf(have + a, sizeof have - a, d ? "x%lld" : "%lld",
                                      (long long)t->dims[d]);
            for (int d = 0; d < s->rank && b < sizeof want; d++)
                b += (size_t)snprintf(want + b, sizeof want - b, d ? "x%lld" : "%lld",
                                      (long long)s->dims[d]);
            snprintf(err->msg, sizeof err->msg, "%s (MTCNN %s): tensor '%s' has shape [%s], "
                     "expected [%s]", file, n->label, s->name, have, want);
            return EMOC_E_SHAPE;
        }
        char full[96];
        snprintf(full, sizeof full, "%s%s", n->prefix, s->name);
        emoc_status st = emoc__convert_add_tensor(w, opts, full, t->rank, t->dims, t->data, err);
        if (st) return st;
        used++;
    }
    if (used != ck->n_tensors) {
        for (size_t i = 0; i < ck->n_tensors; i++) {
            int known = 0;
            for (const spec *s = n->tensors; s->name && !known; s++)
                known = !strcmp(s->name, ck->tensors[i].name);
            if (!known) {
                snprintf(err->msg, sizeof err->msg, "%s (MTCNN %s): tensor '%s' is not part of "
                         "the network (extra tensor)", file, n->label, ck->tensors[i].name);
                return EMOC_E_SHAPE;
            }
        }
    }
    return EMOC_OK;
}

static const char *base_name(const char *p)
{
    const char *s = p ? strrchr(p, '/') : NULL;
    return s ? s + 1 : p ? p : "";
}

emoc_status emoc_convert_mtcnn(const uint8_t *const *bufs, const size_t *sizes,
                               const char *const *names, int n, const emoc_convert_opts *opts,
                               emw_writer *w, emoc_error *err)
{
    emoc_error local;
    if (!err) err = &local;
    err->msg[0] = 0;
    if (n != 3) {
        snprintf(err->msg, sizeof err->msg, "MTCNN needs its three checkpoints (pnet.pt rnet.pt "
                 "onet.pt), got %d file(s)", n);
        return EMOC_E_ARG;
    }
    emoc_pth_checkpoint ck[3];
    int which[3] = {-1, -1, -1}, slot[3] = {-1, -1, -1}, n_read = 0;
    emoc_status st = EMOC_OK;
    for (int i = 0; i < 3 && !st; i++) {
        emoc_error e;
        e.msg[0] = 0;
        st = emoc_pth_read(bufs[i], sizes[i], &ck[i], &e);
        if (st) {
            snprintf(err->msg, sizeof err->msg, "%s: %s", names[i], e.msg);
            break;
        }
        n_read++;
        int k = emoc_pth_mtcnn_kind(&ck[i]);
        if (k < 0) {
            snprintf(err->msg, sizeof err->msg, "%s: state_dict of %zu tensors (first '%s') is "
                     "none of MTCNN's PNet (conv4_1.*), RNet (dense5_1.*), ONet (dense6_3.*)",
                     names[i], ck[i].n_tensors, ck[i].n_tensors ? ck[i].tensors[0].name : "");
            st = EMOC_E_UNSUPPORTED;
        } else if (slot[k] >= 0) {
            snprintf(err->msg, sizeof err->msg, "%s and %s are both MTCNN %s; give PNet, RNet "
                     "and ONet once each", names[slot[k]], names[i], NETS[k].label);
            st = EMOC_E_ARG;
        } else {
            slot[k] = i;
            which[i] = k;
        }
    }
    st = st ? st : emw_writer_meta_str(w, "emoc.arch", "mtcnn");
    if (!st) st = emw_writer_meta_str(w, "emoc.task", "face_detection");
    if (!st) st = emw_writer_meta_str(w, "emoc.variant", "facenet_pytorch");
    if (!st) st = emw_writer_meta_str(w, "emoc.name", "mtcnn");
    for (int k = 0; k < 3 && !st; k++) st = copy_net(&ck[slot[k]], names[slot[k]], k, opts, w, err);
    if (!st) {
        char files[3][256], hex[3][65];
        const char *fp[3], *hp[3];
        for (int k = 0; k < 3; k++) {
            snprintf(files[k], sizeof files[k], "%s", base_name(names[slot[k]]));
            emoc_sha256_hex(bufs[slot[k]], sizes[slot[k]], hex[k]);
            fp[k] = files[k];
            hp[k] = hex[k];
        }
        st = emw_writer_meta_str_array(w, "source.files", fp, 3);
        if (!st) st = emw_writer_meta_str_array(w, "source.sha256s", hp, 3);
        if (!st) st = emw_writer_meta_str(w, "converter.version", EMOC_CONVERTER_VERSION);
        if (st && !err->msg[0]) snprintf(err->msg, sizeof err->msg, "%s", emw_writer_error(w));
    }
    (void)which;
    for (int i = 0; i < n_read; i++) emoc_pth_release(&ck[i]);
    return st;
}
