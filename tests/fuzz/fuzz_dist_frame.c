/* fuzz_dist_frame.c: libFuzzer entry point for the node frame decoder
 * (dist/frame.h). The first input byte picks the slice size, so the same
 * bytes are also fed in pieces (1 byte at a time included); the decoder
 * must never take more than it was given, and every result it reports
 * must be consistent with the bytes it consumed. */
#include "common/lun_prefix.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dist/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_MESSAGE (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dist_decoder_t dec;
    if (size == 0 || dist_decoder_init(&dec, FUZZ_MAX_MESSAGE) != 0)
        return 0;
    size_t step = data[0] ? data[0] : size;
    data++;
    size--;
    for (size_t at = 0; at < size;) {
        size_t slice = step < size - at ? step : size - at, used = 0;
        dist_dec_out_t out;
        int rc = dist_decoder_feed(&dec, data + at, slice, &used, &out);
        if (used > slice)
            abort();
        at += used;
        if (rc == DIST_DEC_ERROR) {
            if (dec.reason[0] == 0)
                abort();
            break;
        }
        if (rc == DIST_DEC_MESSAGE && out.msg.len > FUZZ_MAX_MESSAGE)
            abort();
        if (rc == DIST_DEC_FRAME &&
            (out.frame.len > DIST_FRAME_MAX_PAYLOAD ||
             !dist_frame_type_known(out.frame.type)))
            abort();
        if (rc == DIST_DEC_NEED && used != slice)
            abort();
    }
    dist_decoder_free(&dec);
    return 0;
}
