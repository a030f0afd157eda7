/*
 * inflate.c — zlib (RFC 1950) / DEFLATE (RFC 1951) decompressor for PNG: stored, fixed-Huffman
 * and dynamic-Huffman blocks, Adler-32 checked. Canonical Huffman decoding in the style of
 * zlib's puff.c; every input read is bounded by the source size and every write by the caller's
 * exact output size, so a stream that would expand past it is refused (no decompression bombs).
 * Streamed form: the output passes through a 128 KiB window buffer and goes to a sink in pieces.
 */
#include "engine/image/decoders.h"

#include <stdlib.h>
#include <string.h>

#define MAXBITS 15
#define MAXLCODES 286
#define MAXDCODES 30
#define FIXLCODES 288

typedef struct {
    const uint8_t *in;
    size_t in_size, in_pos;
    uint32_t bitbuf;
    int bitcnt;
    uint8_t *out;
    size_t out_size, out_pos;
    emoc_error *err;
    /* Streamed (emoc__zlib_inflate_stream): out is a window buffer; bytes [handed, out_pos) are
     * not yet given to the sink, `base` bytes were dropped from its front, `limit` caps the total. */
    emoc__inflate_sink sink;
    void *user;
    size_t handed, base, limit;
    uint32_t adler;
} inflate_state;

#define WINDOW 32768u /* DEFLATE distances reach at most this far back */

static uint32_t adler32_update(uint32_t adler, const uint8_t *p, size_t n)
{
    uint32_t a = adler & 0xffffu, b = adler >> 16;
    while (n) {
        size_t k = n < 5552 ? n : 5552; /* largest run before b can overflow 32 bits */
        n -= k;
        while (k--) {
            a += *p++;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    return b << 16 | a;
}

/* Streamed mode: hands the pending bytes to the sink and keeps the last WINDOW bytes. */
static emoc_status flush(inflate_state *s)
{
    if (s->out_pos > s->handed) {
        s->adler = adler32_update(s->adler, s->out + s->handed, s->out_pos - s->handed);
        emoc_status st = s->sink(s->user, s->out + s->handed, s->out_pos - s->handed, s->err);
        if (st) return st;
    }
    size_t keep = s->out_pos < WINDOW ? s->out_pos : WINDOW;
    memmove(s->out, s->out + s->out_pos - keep, keep);
    s->base += s->out_pos - keep;
    s->out_pos = s->handed = keep;
    return EMOC_OK;
}

/* Room for n more output bytes (n ≤ 258, or a stored piece that fits the buffer). */
static emoc_status make_room(inflate_state *s, size_t n, size_t at)
{
    if (s->limit - (s->base + s->out_pos) < n)
        return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: decompressed data exceeds the expected %zu bytes",
                          at, s->limit);
    if (s->out_size - s->out_pos < n) return s->sink ? flush(s) : EMOC_E_INTERNAL;
    return EMOC_OK;
}

#define FAST_BITS 9

typedef struct {
    short count[MAXBITS + 1];
    short symbol[FIXLCODES];
    /* Indexed by the next FAST_BITS input bits (LSB first): length << 9 | symbol for a code of
     * at most FAST_BITS bits that those bits start with, 0 when the code is longer (or absent). */
    uint16_t fast[1 << FAST_BITS];
} huffman;

#define TRUNC(s) emoc__fail((s)->err, EMOC_E_TRUNCATED, "zlib: offset %zu: compressed data ends early", (s)->in_pos)

/* Reads `need` bits (≤ 16), LSB first. Returns -1 on end of input. */
static int bits(inflate_state *s, int need, uint32_t *val)
{
    uint32_t v = s->bitbuf;
    while (s->bitcnt < need) {
        if (s->in_pos >= s->in_size) return -1;
        v |= (uint32_t)s->in[s->in_pos++] << s->bitcnt;
        s->bitcnt += 8;
    }
    s->bitbuf = v >> need;
    s->bitcnt -= need;
    *val = v & ((1u << need) - 1);
    return 0;
}

static emoc_status stored(inflate_state *s)
{
    s->in_pos -= (size_t)(s->bitcnt / 8); /* whole bytes decode() read ahead go back */
    s->bitbuf = 0;
    s->bitcnt = 0; /* discard the rest of the current byte */
    if (s->in_size - s->in_pos < 4) return TRUNC(s);
    size_t at = s->in_pos;
    unsigned len = s->in[at] | s->in[at + 1] << 8;
    unsigned nlen = s->in[at + 2] | s->in[at + 3] << 8;
    if (len != (~nlen & 0xffffu))
        return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: stored block length %u does not match its complement", at, len);
    s->in_pos += 4;
    if (s->in_size - s->in_pos < len) return TRUNC(s);
    if (s->limit - (s->base + s->out_pos) < len)
        return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: decompressed data exceeds the expected %zu bytes",
                          s->in_pos, s->limit);
    while (len) {
        if (s->out_pos == s->out_size) {
            emoc_status st = flush(s); /* only when streamed: else out_size == limit */
            if (st) return st;
        }
        size_t piece = s->out_size - s->out_pos < len ? s->out_size - s->out_pos : len;
        memcpy(s->out + s->out_pos, s->in + s->in_pos, piece);
        s->in_pos += piece;
        s->out_pos += piece;
        len -= (unsigned)piece;
    }
    return EMOC_OK;
}

/* Returns the symbol, -1 on end of input, -2 on an invalid code. */
static int decode(inflate_state *s, const huffman *h)
{
    while (s->bitcnt <= 24 && s->in_pos < s->in_size) { /* read ahead whole bytes */
        s->bitbuf |= (uint32_t)s->in[s->in_pos++] << s->bitcnt;
        s->bitcnt += 8;
    }
    unsigned e = h->fast[s->bitbuf & ((1u << FAST_BITS) - 1)];
    if (e >> 9 && (int)(e >> 9) <= s->bitcnt) { /* bits past bitcnt are zero: a match is real */
        s->bitbuf >>= e >> 9;
        s->bitcnt -= (int)(e >> 9);
        return (int)(e & 511);
    }
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= MAXBITS; len++) {
        uint32_t b;
        if (bits(s, 1, &b)) return -1;
        code |= (int)b;
        int count = h->count[len];
        if (code - count < first) return h->symbol[index + (code - first)];
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    return -2;
}

/* Builds a canonical code; returns 0 if complete, > 0 if incomplete, < 0 if over-subscribed. */
static int construct(huffman *h, const short *length, int n)
{
    short offs[MAXBITS + 1];
    memset(h->fast, 0, sizeof h->fast); /* an empty or refused code decodes nothing fast */
    for (int len = 0; len <= MAXBITS; len++) h->count[len] = 0;
    for (int sym = 0; sym < n; sym++) h->count[length[sym]]++;
    if (h->count[0] == n) return 0;
    int left = 1;
    for (int len = 1; len <= MAXBITS; len++) {
        left <<= 1;
        left -= h->count[len];
        if (left < 0) return left;
    }
    offs[1] = 0;
    for (int len = 1; len < MAXBITS; len++) offs[len + 1] = (short)(offs[len] + h->count[len]);
    for (int sym = 0; sym < n; sym++)
        if (length[sym] != 0) h->symbol[offs[length[sym]]++] = (short)sym;
    /* The lookup table: canonical codes (RFC 1951 §3.2.2) of at most FAST_BITS bits, stored
     * bit-reversed (DEFLATE sends codes MSB first into an LSB-first stream). */
    int next[MAXBITS + 2];
    next[1] = 0;
    for (int len = 1; len <= MAXBITS; len++) next[len + 1] = (next[len] + h->count[len]) << 1;
    for (int sym = 0; sym < n; sym++) {
        int len = length[sym];
        if (len == 0) continue;
        int code = next[len]++;
        if (len > FAST_BITS || code >= (1 << len)) continue; /* over-subscribed: refused above */
        int rev = 0;
        for (int i = 0; i < len; i++) rev |= ((code >> i) & 1) << (len - 1 - i);
        for (int fill = rev; fill < (1 << FAST_BITS); fill += 1 << len)
            h->fast[fill] = (uint16_t)(len << 9 | sym);
    }
    return left;
}

static const short LBASE[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const short LEXT[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const short DBASE[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513,
                                769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const short DEXT[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static emoc_status codes(inflate_state *s, const huffman *lencode, const huffman *distcode)
{
    for (;;) {
        size_t at = s->in_pos;
        int sym = decode(s, lencode);
        if (sym == -1) return TRUNC(s);
        if (sym < 0) return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: invalid literal/length code", at);
        if (sym < 256) {
            emoc_status st = make_room(s, 1, at);
            if (st) return st;
            s->out[s->out_pos++] = (uint8_t)sym;
        } else if (sym == 256) {
            return EMOC_OK;
        } else {
            sym -= 257;
            if (sym >= 29) return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: invalid length symbol %d", at, sym + 257);
            uint32_t e;
            if (bits(s, LEXT[sym], &e)) return TRUNC(s);
            size_t len = (size_t)LBASE[sym] + e;
            int dsym = decode(s, distcode);
            if (dsym == -1) return TRUNC(s);
            if (dsym < 0 || dsym >= 30)
                return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: invalid distance code", s->in_pos);
            if (bits(s, DEXT[dsym], &e)) return TRUNC(s);
            size_t dist = (size_t)DBASE[dsym] + e;
            if (dist > s->base + s->out_pos)
                return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: distance %zu reaches before the start of the output (%zu bytes so far)",
                                  s->in_pos, dist, s->base + s->out_pos);
            emoc_status st = make_room(s, len, s->in_pos); /* a flush keeps WINDOW ≥ dist bytes */
            if (st) return st;
            uint8_t *o = s->out + s->out_pos;
            for (size_t i = 0; i < len; i++) o[i] = o[(ptrdiff_t)i - (ptrdiff_t)dist]; /* overlap is intended */
            s->out_pos += len;
        }
    }
}

static emoc_status fixed(inflate_state *s)
{
    /* Rebuilt per block (about 300 steps): no shared mutable state between threads. */
    huffman lencode, distcode;
    short lengths[FIXLCODES];
    int sym = 0;
    for (; sym < 144; sym++) lengths[sym] = 8;
    for (; sym < 256; sym++) lengths[sym] = 9;
    for (; sym < 280; sym++) lengths[sym] = 7;
    for (; sym < FIXLCODES; sym++) lengths[sym] = 8;
    construct(&lencode, lengths, FIXLCODES);
    for (sym = 0; sym < MAXDCODES; sym++) lengths[sym] = 5;
    construct(&distcode, lengths, MAXDCODES);
    return codes(s, &lencode, &distcode);
}

static emoc_status dynamic(inflate_state *s)
{
    static const short order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    short lengths[MAXLCODES + MAXDCODES];
    huffman lencode, distcode;
    uint32_t v;
    size_t at = s->in_pos;
    if (bits(s, 5, &v)) return TRUNC(s);
    int nlen = (int)v + 257;
    if (bits(s, 5, &v)) return TRUNC(s);
    int ndist = (int)v + 1;
    if (bits(s, 4, &v)) return TRUNC(s);
    int ncode = (int)v + 4;
    if (nlen > MAXLCODES || ndist > MAXDCODES)
        return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: too many length (%d) or distance (%d) codes", at, nlen, ndist);
    int index;
    for (index = 0; index < ncode; index++) {
        if (bits(s, 3, &v)) return TRUNC(s);
        lengths[order[index]] = (short)v;
    }
    for (; index < 19; index++) lengths[order[index]] = 0;
    if (construct(&lencode, lengths, 19) != 0)
        return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: incomplete code-length code", s->in_pos);
    index = 0;
    while (index < nlen + ndist) {
        int sym = decode(s, &lencode);
        if (sym == -1) return TRUNC(s);
        if (sym < 0) return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: invalid code-length code", s->in_pos);
        if (sym < 16) {
            lengths[index++] = (short)sym;
        } else {
            short len = 0;
            int rep;
            if (sym == 16) {
                if (index == 0)
                    return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: repeat with no previous length", s->in_pos);
                len = lengths[index - 1];
                if (bits(s, 2, &v)) return TRUNC(s);
                rep = 3 + (int)v;
            } else if (sym == 17) {
                if (bits(s, 3, &v)) return TRUNC(s);
                rep = 3 + (int)v;
            } else {
                if (bits(s, 7, &v)) return TRUNC(s);
                rep = 11 + (int)v;
            }
            if (index + rep > nlen + ndist)
                return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: code lengths overflow the table", s->in_pos);
            while (rep--) lengths[index++] = len;
        }
    }
    if (lengths[256] == 0)
        return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: no end-of-block code", s->in_pos);
    int r = construct(&lencode, lengths, nlen);
    if (r < 0 || (r > 0 && nlen - lencode.count[0] != 1))
        return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: invalid literal/length code lengths", s->in_pos);
    r = construct(&distcode, lengths + nlen, ndist);
    if (r < 0 || (r > 0 && ndist - distcode.count[0] != 1))
        return emoc__fail(s->err, EMOC_E_FORMAT, "zlib: offset %zu: invalid distance code lengths", s->in_pos);
    return codes(s, &lencode, &distcode);
}

/* The zlib stream of s->in through s->out (the whole output, or a window when s->sink is set). */
static emoc_status run(inflate_state *s, size_t *produced)
{
    const uint8_t *src = s->in;
    emoc_error *err = s->err;
    if (s->in_size < 2) return emoc__fail(err, EMOC_E_TRUNCATED, "zlib: offset 0: stream shorter than its 2-byte header");
    unsigned cmf = src[0], flg = src[1];
    if ((cmf & 15) != 8 || (cmf >> 4) > 7)
        return emoc__fail(err, EMOC_E_FORMAT, "zlib: offset 0: compression method %u / window %u is not deflate", cmf & 15, cmf >> 4);
    if ((cmf * 256 + flg) % 31 != 0)
        return emoc__fail(err, EMOC_E_FORMAT, "zlib: offset 1: header check bits wrong (0x%02x%02x)", cmf, flg);
    if (flg & 0x20) return emoc__fail(err, EMOC_E_UNSUPPORTED, "zlib: offset 1: preset dictionary not supported");
    s->in_pos = 2;
    int last;
    do {
        uint32_t v;
        size_t at = s->in_pos;
        if (bits(s, 1, &v)) return TRUNC(s);
        last = (int)v;
        if (bits(s, 2, &v)) return TRUNC(s);
        emoc_status st;
        if (v == 0) st = stored(s);
        else if (v == 1) st = fixed(s);
        else if (v == 2) st = dynamic(s);
        else st = emoc__fail(err, EMOC_E_FORMAT, "zlib: offset %zu: invalid block type 3", at);
        if (st) return st;
    } while (!last);
    /* Adler-32 follows, byte aligned, big endian (after the whole bytes decode() read ahead). */
    s->in_pos -= (size_t)(s->bitcnt / 8);
    if (s->in_size - s->in_pos < 4)
        return emoc__fail(err, EMOC_E_TRUNCATED, "zlib: offset %zu: stream ends before its Adler-32", s->in_pos);
    const uint8_t *a = src + s->in_pos;
    uint32_t stored_sum = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    if (s->sink) {
        emoc_status st = flush(s);
        if (st) return st;
    } else {
        s->adler = adler32_update(1, s->out, s->out_pos);
    }
    if (stored_sum != s->adler)
        return emoc__fail(err, EMOC_E_CHECKSUM, "zlib: offset %zu: Adler-32 mismatch (stored 0x%08x, computed 0x%08x)",
                          s->in_pos, stored_sum, s->adler);
    *produced = s->base + s->out_pos;
    return EMOC_OK;
}

emoc_status emoc__zlib_inflate(const uint8_t *src, size_t src_size, uint8_t *dst, size_t want,
                               size_t *produced, emoc_error *err)
{
    *produced = 0;
    inflate_state s;
    memset(&s, 0, sizeof s);
    s.in = src, s.in_size = src_size, s.out = dst, s.out_size = want, s.limit = want, s.err = err;
    return run(&s, produced);
}

emoc_status emoc__zlib_inflate_stream(const uint8_t *src, size_t src_size, size_t want, emoc__inflate_sink sink,
                                      void *user, size_t *produced, emoc_error *err)
{
    *produced = 0;
    enum { BUF = 4 * WINDOW };
    inflate_state s;
    memset(&s, 0, sizeof s);
    s.out = malloc(BUF);
    if (!s.out) return emoc__fail(err, EMOC_E_NOMEM, "zlib: cannot allocate the %u-byte window", (unsigned)BUF);
    s.in = src, s.in_size = src_size, s.out_size = BUF, s.limit = want, s.err = err;
    s.sink = sink, s.user = user, s.adler = 1;
    emoc_status st = run(&s, produced);
    free(s.out);
    return st;
}
