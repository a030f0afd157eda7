/* nets.c — architecture tag → plan builder: one line per net. */
#include "nets/nets.h"

#include <stdio.h>
#include <string.h>

/* One builder declaration and one table line per net (its file: nets/<arch>.c). */
emoc_status emoc__net_build_efficientnet(emoc_pb *b, const emw_file *f);
emoc_status emoc__net_build_mobilefacenet(emoc_pb *b, const emw_file *f);
emoc_status emoc__net_build_ddamfn(emoc_pb *b, const emw_file *f);
emoc_status emoc__net_build_mobilevit(emoc_pb *b, const emw_file *f);

static const emoc__net registry[] = {
    {"efficientnet", emoc__net_build_efficientnet},
    {"mobilefacenet", emoc__net_build_mobilefacenet},
    {"ddamfn", emoc__net_build_ddamfn},
    {"mobilevit", emoc__net_build_mobilevit},
};
#define N_NETS (sizeof(registry) / sizeof(registry[0]))

const emoc__net *emoc__net_find(const char *arch)
{
    if (!arch) return NULL;
    for (size_t i = 0; i < N_NETS; i++)
        if (!strcmp(registry[i].arch, arch)) return &registry[i];
    for (const emoc__net *t = emoc__test_nets; t && t->arch; t++)
        if (!strcmp(t->arch, arch)) return t;
    return NULL;
}

void emoc__net_names(char *buf, size_t len)
{
    size_t n = 0;
    if (len) buf[0] = '\0';
    for (size_t i = 0; i < N_NETS; i++)
        if (n < len) n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", registry[i].arch);
    for (const emoc__net *t = emoc__test_nets; t && t->arch; t++)
        if (n < len) n += (size_t)snprintf(buf + n, len - n, ", %s", t->arch);
}
