/* nets.c — architecture tag → plan builder. */
#include "nets/nets.h"

#include <string.h>

static const emoc_net_entry registry[] = {
    {"efficientnet", emoc_net_build_efficientnet},
    {"mobilefacenet", emoc_net_build_mobilefacenet},
    {"ddamfn", emoc_net_build_ddamfn},
    {"mobilevit", emoc_net_build_mobilevit},
    {"tinynet", emoc_net_build_tinynet},
};

const emoc_net_entry *emoc_net_find(const char *arch)
{
    if (!arch) return NULL;
    for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
        if (!strcmp(registry[i].arch, arch)) return &registry[i];
    return NULL;
}
