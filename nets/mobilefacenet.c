/* mobilefacenet.c — placeholder until the net lands. */
#include "nets/nets.h"

emoc_status emoc_net_build_mobilefacenet(emoc_pb *b, const emw_file *f)
{
    (void)f;
    emoc_pb_fail(b, EMOC_E_UNSUPPORTED, "architecture 'mobilefacenet' is not implemented in this build yet");
    return EMOC_E_UNSUPPORTED;
}
