/* text_escape.c — JSON strings and terminal-safe names (text_escape.h). */
#include "tools/text_escape.h"

static int cont(unsigned char c) { return (c & 0xc0) == 0x80; }

int cli_utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) return cont(s[1]) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf; /* overlong, surrogates */
        return s[1] >= lo && s[1] <= hi && cont(s[2]) ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf; /* overlong, > U+10FFFF */
        return s[1] >= lo && s[1] <= hi && cont(s[2]) && cont(s[3]) ? 4 : 0;
    }
    return 0;
}

void cli_json_string(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', f);
    while (*s) {
        unsigned char c = *s;
        int n = cli_utf8_len(s);
        if (n == 0) {
            fprintf(f, "\\udc%02x", c);
            s++;
        } else if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
            s++;
        } else if (c < 0x20) {
            fprintf(f, "\\u%04x", c);
            s++;
        } else {
            fwrite(s, 1, (size_t)n, f);
            s += n;
        }
    }
    fputc('"', f);
}

const char *cli_printable(const char *str, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (const unsigned char *s = (const unsigned char *)str; *s && o + 5 < cap; s++) {
        if (*s < 0x20 || *s == 0x7f) {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[*s >> 4];
            buf[o++] = hex[*s & 15];
        } else {
            buf[o++] = (char)*s;
        }
    }
    if (cap) buf[o < cap ? o : cap - 1] = 0;
    return buf;
}
