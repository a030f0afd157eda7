/* text_escape.h — names from the file system or from files are bytes, not text: how the CLI
 * writes them into JSON (always valid UTF-8) and onto a terminal (no control bytes). */
#ifndef EMOC_TOOLS_TEXT_ESCAPE_H
#define EMOC_TOOLS_TEXT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF), or 0 when s[0] does not start one. s is NUL-terminated. */
int cli_utf8_len(const unsigned char *s);
/* Writes s as a JSON string: valid UTF-8 copied, '"', '\\' and control characters escaped, and
 * each byte that is not part of valid UTF-8 written as \udcXX (XX = the byte, 80..ff): Python's
 * surrogateescape convention, so the original bytes can be recovered exactly
 * (json.loads(line)["input"].encode("utf-8", "surrogateescape")). */
void cli_json_string(FILE *f, const char *s);
/* s with control bytes (0x00-0x1f, 0x7f) written as \xNN, into buf (truncated to cap); for
 * names in messages on stderr (a file name must not move the cursor or colour the terminal). */
const char *cli_printable(const char *s, char *buf, size_t cap);

#endif
