/* shard.c — shard assignment and unit bookkeeping for --shard / --resume (shard.h). */
#include "tools/shard.h"
#include "tools/cli.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int shard_parse(const char *cmd, const char *s, shard_spec *out)
{
    char *end = NULL;
    long k = s ? strtol(s, &end, 10) : 0, n = 0;
    if (end && end != s && *end == '/') {
        const char *ns = end + 1;
        n = strtol(ns, &end, 10);
        if (end == ns || *end) n = 0;
    }
    if (n < 1 || n > 65536 || k < 1 || k > n) {
        cli_error(cmd, "--shard expects K/N with 1 <= K <= N <= 65536 (e.g. 2/8), got '%s'", s ? s : "");
        return -1;
    }
    out->k = (int)k;
    out->n = (int)n;
    return 0;
}

char *shard_unit(const char *path, const char *video)
{
    if (!path) return strdup("");
    size_t len = strlen(path);
    if (video && *video) {
        const char *slash = strrchr(path, '/');
        if (!slash) return strdup(".");
        len = (size_t)(slash - path);
        if (len == 0) len = 1; /* "/00001.jpg" → "/" */
    }
    char *u = malloc(len + 1);
    if (!u) return NULL;
    memcpy(u, path, len);
    u[len] = 0;
    return u;
}

int shard_of_unit(const char *unit, int n)
{
    size_t len = strlen(unit);
    while (len > 1 && unit[len - 1] == '/') len--; /* "videos/v1/" names v1 */
    size_t start = len;
    while (start > 0 && unit[start - 1] != '/') start--;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = start; i < len; i++) {
        h ^= (unsigned char)unit[i];
        h *= 0x100000001b3ull;
    }
    return (int)(h % (uint64_t)n) + 1;
}

void unit_table_init(unit_table *t)
{
    memset(t, 0, sizeof *t);
}

void unit_table_free(unit_table *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        free(t->slots[i].unit);
        free(t->slots[i].owner);
    }
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

unit_entry *unit_table_find(const unit_table *t, const char *unit)
{
    if (!t->cap) return NULL;
    for (size_t i = (size_t)(str_hash(unit) & (t->cap - 1));; i = (i + 1) & (t->cap - 1)) {
        if (!t->slots[i].unit) return NULL;
        if (!strcmp(t->slots[i].unit, unit)) return &t->slots[i];
    }
}

static int grow(unit_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    unit_entry *s = calloc(cap, sizeof *s);
    if (!s) return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].unit) continue;
        size_t j = (size_t)(str_hash(t->slots[i].unit) & (cap - 1));
        while (s[j].unit) j = (j + 1) & (cap - 1);
        s[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = s;
    t->cap = cap;
    return 0;
}

unit_entry *unit_table_get(unit_table *t, const char *unit)
{
    unit_entry *e = unit_table_find(t, unit);
    if (e) return e;
    if ((t->count + 1) * 2 > t->cap && grow(t)) return NULL; /* load factor at most 1/2 */
    size_t i = (size_t)(str_hash(unit) & (t->cap - 1));
    while (t->slots[i].unit) i = (i + 1) & (t->cap - 1);
    t->slots[i].unit = strdup(unit);
    if (!t->slots[i].unit) return NULL;
    t->count++;
    return &t->slots[i];
}
