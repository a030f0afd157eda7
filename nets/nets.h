/*
 * nets.h — the network registry: architecture tag (EMW metadata "emoc.arch") → plan builder.
 * A builder reads hyper-parameters from validated metadata and appends ops through the
 * emoc_pb_* calls of engine/core/plan.h; it returns EMOC_OK or the builder's first error.
 */
#ifndef EMOC_NETS_H
#define EMOC_NETS_H

#include "engine/core/plan.h"
#include "weights/emw.h"

typedef emoc_status (*emoc_net_build_fn)(emoc_pb *b, const emw_file *f);

typedef struct emoc_net_entry {
    const char *arch;            /* "efficientnet", "mobilefacenet", "ddamfn", "mobilevit" */
    emoc_net_build_fn build;
} emoc_net_entry;

/* NULL if the architecture is unknown. */
const emoc_net_entry *emoc_net_find(const char *arch);

emoc_status emoc_net_build_efficientnet(emoc_pb *b, const emw_file *f);
emoc_status emoc_net_build_mobilefacenet(emoc_pb *b, const emw_file *f);
emoc_status emoc_net_build_ddamfn(emoc_pb *b, const emw_file *f);
emoc_status emoc_net_build_mobilevit(emoc_pb *b, const emw_file *f);
/* MediaPipe BlazeFace from its layer records (nets/blazeface.c). */
emoc_status emoc_net_build_blazeface(emoc_pb *b, const emw_file *f);
/* Test network exercising every built-in op (nets/tinynet.c). */
emoc_status emoc_net_build_tinynet(emoc_pb *b, const emw_file *f);

#endif
