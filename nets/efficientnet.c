/* efficientnet.c — placeholder until the net lands. */
#include "nets/nets.h"

emoc_status emoc_net_build_efficientnet(emoc_pb *b, const emw_file *f)
{
    (void)f;
    emoc_pb_fail(b, EMOC_E_UNSUPPORTED, "architecture 'efficientnet' is not implemented in this build yet");
    return EMOC_E_UNSUPPORTED;
}
