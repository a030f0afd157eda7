/*
 * nets.h — the network registry: architecture tag (EMW metadata "emoc.arch") → plan builder.
 * A builder reads hyper-parameters from validated metadata and appends ops through the
 * emoc__pb_* calls of engine/core/plan.h; it returns EMOC_OK or the builder's first error.
 * Adding a net: its file nets/<arch>.c defining emoc__net_build_<arch>, and in nets/nets.c
 * one declaration and one table line (docs/architecture.md).
 */
#ifndef EMOC_NETS_H
#define EMOC_NETS_H

#include "engine/core/plan.h"
#include "engine/emw/emw.h"

typedef struct emoc__net {
    const char *arch;            /* "efficientnet", "mobilefacenet", "ddamfn", "mobilevit" */
    emoc__net_build_fn build;
} emoc__net;

/* NULL if the architecture is unknown. */
const emoc__net *emoc__net_find(const char *arch);
/* "efficientnet, mobilefacenet, ..." (every registered tag, for error messages). */
void emoc__net_names(char *buf, size_t len);

/* Test-only hook: a test build links a definition of this table (tests/core/tinynet_net.c),
 * ended by an entry whose arch is NULL; production builds leave the weak reference unresolved
 * (NULL) and so know only the nets below. */
extern const emoc__net emoc__test_nets[] __attribute__((weak));

/* MediaPipe BlazeFace from its layer records (nets/blazeface.c), built by the detector back-ends. */
emoc_status emoc__net_build_blazeface(emoc_pb *b, const emw_file *f);

#endif
