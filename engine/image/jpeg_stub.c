/*
 * jpeg_stub.c — placeholder until the JPEG decoder (engine/image/jpeg*.c) lands; its author
 * deletes this file in the same commit.
 */
#include "engine/image/decoders.h"

emoc_status emoc__decode_jpeg(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                              emoc__image *out, emoc_error *err)
{
    (void)data;
    (void)size;
    (void)lim;
    (void)out;
    return emoc__fail(err, EMOC_E_UNSUPPORTED, "jpeg: decoder not built yet");
}
