/*
 * shard.h — splitting a corpus over machines (`--shard K/N`) and knowing which inputs a previous
 * run already finished (`--resume`); docs/scale-out.md is the user's side.
 *
 * The unit of work is a whole video (a folder of frame files) or a whole input file: every frame
 * of a unit goes to the same shard, and a unit is either complete in an output file or redone.
 * A unit's shard is a hash of its last path component (the video folder's or the file's name),
 * so it depends neither on the listing order nor on where the corpus is mounted.
 */
#ifndef EMOC_TOOLS_SHARD_H
#define EMOC_TOOLS_SHARD_H

#include <stddef.h>

typedef struct shard_spec {
    int k, n; /* shard k of n (1-based); n == 0: no sharding */
} shard_spec;

/* "K/N" with 1 <= K <= N <= 65536 → 0; otherwise prints an error and returns -1. */
int shard_parse(const char *cmd, const char *s, shard_spec *out);
/* The unit of an input: its folder for frame files (video non-empty), else the path itself.
 * Malloc'ed; NULL on out of memory. A NULL path (malformed --boxes row) is the unit "". */
char *shard_unit(const char *path, const char *video);
/* 1..n: FNV-1a (64-bit) of the unit's last path component, modulo n, plus one. */
int shard_of_unit(const char *unit, int n);

/* Units and their frame counts: how many the listing has, how many rows an existing output
 * holds, how many are still to come in this run. */
typedef struct unit_entry {
    char *unit;
    char *owner; /* in a table of input paths: the path's unit (malloc'ed), else NULL */
    long listed, existing, remaining;
    long order;  /* in a table of units: 0, 1, ... in listing order */
    int folder;  /* in a table of units: a video folder (its frames' paths differ from it) */
} unit_entry;
typedef struct unit_table {
    unit_entry *slots;
    size_t cap, count;
    long open; /* units with some but not all of their rows emitted in this run */
} unit_table;

void unit_table_init(unit_table *t);
void unit_table_free(unit_table *t);
/* The entry of unit (added with zero counts when absent); NULL on out of memory. */
unit_entry *unit_table_get(unit_table *t, const char *unit);
/* NULL when absent. */
unit_entry *unit_table_find(const unit_table *t, const char *unit);

#endif
