/*
 * pth_pickle.c — a restricted, NON-EXECUTING pickle machine for PyTorch's data.pkl.
 *
 * It interprets the opcodes a state_dict needs (weights/PTH.md lists them) and builds plain
 * values: None, bools, ints, floats, strings, tuples, lists, dicts, tensor descriptions. The only
 * "callables" are four kinds of global, each replaced by a fixed C action:
 *   collections.OrderedDict()                       → empty dict
 *   torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, meta])
 *   torch._utils._rebuild_parameter(tensor, requires_grad, hooks) → the tensor
 *   torch.<T>Storage (only inside a persistent id ('storage', T, key, location, numel))
 * Every other global is refused with EMOC_E_SECURITY naming it; every other opcode with
 * EMOC_E_UNSUPPORTED. Stack, mark stack, memo, nesting, string length and the whole value arena
 * are capped, so memory stays within a bound derived from the stream size.
 */
#include "weights/pth.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PK_MAX_DEPTH 64          /* nesting of containers */
#define PK_MAX_MARKS 64          /* open MARKs */
#define PK_MAX_STACK (1u << 20)
#define PK_MAX_MEMO (1u << 22)
#define PK_MAX_STR (1u << 20)    /* bytes in one string */
#define PK_MAX_DIM (INT64_C(1) << 31)

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} arena_block;

struct emoc__pickle {
    arena_block *blocks;
    size_t total, limit;        /* bytes handed out, cap */
    const uint8_t *p;
    size_t n, pos, op_pos;      /* stream, cursor, offset of the current opcode */
    emoc__pv **stack;
    size_t sp, stack_cap;
    size_t marks[PK_MAX_MARKS];
    int n_marks;
    emoc__pv **memo;
    size_t memo_cap, memo_count;  /* memo_count: distinct indices stored (MEMOIZE's next index) */
    emoc_error *err;
    emoc_status st;
    int legacy;                 /* legacy layout: persistent ids carry a 6th item (view metadata) */
    const emoc__pv **storages;  /* every storage built, in order (the legacy tail needs them all) */
    size_t n_storages, storages_cap;
};

static const emoc__pv PV_NONE_VALUE = {EMOC__PV_NONE, 1, {0}};

static emoc_status pk_fail(emoc__pickle *pk, emoc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static emoc_status pk_fail(emoc__pickle *pk, emoc_status st, const char *fmt, ...)
{
    if (pk->err) {
        char msg[440];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(pk->err->msg, sizeof pk->err->msg, "pickle offset %zu: %s", pk->op_pos, msg);
    }
    pk->st = st;
    return st;
}

static void *pk_alloc(emoc__pickle *pk, size_t bytes)
{
    bytes = (bytes + 15) & ~(size_t)15;
    if (bytes > pk->limit - pk->total) {
        pk_fail(pk, EMOC_E_LIMIT, "values need more than %zu bytes of memory (cap derived from "
                "the %zu-byte stream)", pk->limit, pk->n);
        return NULL;
    }
    arena_block *b = pk->blocks;
    if (!b || b->cap - b->used < bytes) {
        size_t cap = bytes > 65536 ? bytes : 65536;
        b = malloc(sizeof *b + cap);
        if (!b) {
            pk_fail(pk, EMOC_E_NOMEM, "out of memory");
            return NULL;
        }
        b->cap = cap;
        b->used = 0;
        b->next = pk->blocks;
        pk->blocks = b;
    }
    void *r = b->data + b->used;
    b->used += bytes;
    pk->total += bytes;
    memset(r, 0, bytes);
    return r;
}

static emoc__pv *pv_new(emoc__pickle *pk, emoc__pv_type t)
{
    emoc__pv *v = pk_alloc(pk, sizeof *v);
    if (v) {
        v->type = t;
        v->depth = 1;
    }
    return v;
}

/* Appends to a TUPLE/LIST/DICT item array, tracking nesting depth. */
static int seq_push(emoc__pickle *pk, emoc__pv *c, emoc__pv *item)
{
    if (c->u.seq.n == c->u.seq.cap) {
        size_t cap = c->u.seq.cap ? c->u.seq.cap * 2 : 4;
        emoc__pv **items = pk_alloc(pk, cap * sizeof *items);
        if (!items) return -1;
        if (c->u.seq.n) memcpy(items, c->u.seq.items, c->u.seq.n * sizeof *items);
        c->u.seq.items = items;
        c->u.seq.cap = cap;
    }
    c->u.seq.items[c->u.seq.n++] = item;
    if (item->depth + 1 > c->depth) c->depth = item->depth + 1;
    if (c->depth > PK_MAX_DEPTH) {
        pk_fail(pk, EMOC_E_LIMIT, "containers nested deeper than %d levels", PK_MAX_DEPTH);
        return -1;
    }
    return 0;
}

static int push(emoc__pickle *pk, emoc__pv *v)
{
    if (!v) return -1;
    if (pk->sp == pk->stack_cap) {
        if (pk->stack_cap >= PK_MAX_STACK) {
            pk_fail(pk, EMOC_E_LIMIT, "value stack deeper than %u entries", PK_MAX_STACK);
            return -1;
        }
        size_t cap = pk->stack_cap ? pk->stack_cap * 2 : 64;
        emoc__pv **s = realloc(pk->stack, cap * sizeof *s);
        if (!s) {
            pk_fail(pk, EMOC_E_NOMEM, "out of memory");
            return -1;
        }
        pk->stack = s;
        pk->stack_cap = cap;
    }
    pk->stack[pk->sp++] = v;
    return 0;
}

static size_t mark_base(const emoc__pickle *pk) { return pk->n_marks ? pk->marks[pk->n_marks - 1] : 0; }

static emoc__pv *pop(emoc__pickle *pk)
{
    if (pk->sp <= mark_base(pk)) {
        pk_fail(pk, EMOC_E_FORMAT, "stack underflow (opcode needs a value above the last MARK)");
        return NULL;
    }
    return pk->stack[--pk->sp];
}

static emoc__pv *top(emoc__pickle *pk)
{
    if (pk->sp <= mark_base(pk)) {
        pk_fail(pk, EMOC_E_FORMAT, "stack underflow (opcode needs a value above the last MARK)");
        return NULL;
    }
    return pk->stack[pk->sp - 1];
}

/* Pops the values above the last MARK into a fresh container of type t. */
static emoc__pv *pop_mark_into(emoc__pickle *pk, emoc__pv_type t)
{
    if (!pk->n_marks) {
        pk_fail(pk, EMOC_E_FORMAT, "opcode needs a MARK but none is open");
        return NULL;
    }
    size_t base = pk->marks[--pk->n_marks];
    emoc__pv *c = pv_new(pk, t);
    if (!c) return NULL;
    for (size_t i = base; i < pk->sp; i++)
        if (seq_push(pk, c, pk->stack[i])) return NULL;
    pk->sp = base;
    return c;
}

static int need(emoc__pickle *pk, size_t k)
{
    if (k > pk->n - pk->pos) {
        pk_fail(pk, EMOC_E_TRUNCATED, "stream ends inside an opcode argument (%zu bytes needed, "
                "%zu left)", k, pk->n - pk->pos);
        return -1;
    }
    return 0;
}

static uint64_t rd_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 9;
        if (k == 9 || k > n - i - 1) return 0;
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80) return 0;
        i += k + 1;
    }
    return 1;
}

static emoc__pv *make_str(emoc__pickle *pk, const uint8_t *s, size_t len)
{
    if (len > PK_MAX_STR) {
        pk_fail(pk, EMOC_E_LIMIT, "string of %zu bytes exceeds the cap of %u", len, PK_MAX_STR);
        return NULL;
    }
    if (!valid_utf8(s, len)) {
        pk_fail(pk, EMOC_E_FORMAT, "string of %zu bytes is not valid UTF-8", len);
        return NULL;
    }
    emoc__pv *v = pv_new(pk, EMOC__PV_STR);
    char *copy = v ? pk_alloc(pk, len + 1) : NULL;
    if (!copy) return NULL;
    memcpy(copy, s, len);
    copy[len] = 0;
    v->u.str.s = copy;
    v->u.str.len = len;
    return v;
}

static emoc__pv *make_int(emoc__pickle *pk, int64_t i)
{
    emoc__pv *v = pv_new(pk, EMOC__PV_INT);
    if (v) v->u.i = i;
    return v;
}

/* ---- globals ------------------------------------------------------------------------------ */

static const struct {
    const char *module, *name;
    emoc__global_kind kind;
    emoc_pth_dtype dtype;
} ALLOWED_GLOBALS[] = {
    {"collections", "OrderedDict", EMOC__G_ORDERED_DICT, 0},
    {"torch._utils", "_rebuild_tensor_v2", EMOC__G_REBUILD_TENSOR_V2, 0},
    {"torch._utils", "_rebuild_parameter", EMOC__G_REBUILD_PARAMETER, 0},
    {"torch", "FloatStorage", EMOC__G_STORAGE, EMOC_PTH_F32},
    {"torch", "HalfStorage", EMOC__G_STORAGE, EMOC_PTH_F16},
    {"torch", "DoubleStorage", EMOC__G_STORAGE, EMOC_PTH_F64},
    {"torch", "BFloat16Storage", EMOC__G_STORAGE, EMOC_PTH_BF16},
    {"torch", "LongStorage", EMOC__G_STORAGE, EMOC_PTH_I64},
    {"torch", "IntStorage", EMOC__G_STORAGE, EMOC_PTH_I32},
};

static void printable(const uint8_t *s, size_t n, char *out, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < cap; i++) out[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    out[j] = 0;
}

static emoc__pv *make_global(emoc__pickle *pk, const uint8_t *mod, size_t mlen, const uint8_t *name,
                             size_t nlen)
{
    for (size_t i = 0; i < sizeof ALLOWED_GLOBALS / sizeof ALLOWED_GLOBALS[0]; i++) {
        if (strlen(ALLOWED_GLOBALS[i].module) == mlen && !memcmp(ALLOWED_GLOBALS[i].module, mod, mlen) &&
            strlen(ALLOWED_GLOBALS[i].name) == nlen && !memcmp(ALLOWED_GLOBALS[i].name, name, nlen)) {
            emoc__pv *v = pv_new(pk, EMOC__PV_GLOBAL);
            if (v) {
                v->u.global.kind = ALLOWED_GLOBALS[i].kind;
                v->u.global.dtype = ALLOWED_GLOBALS[i].dtype;
            }
            return v;
        }
    }
    char m[100], n[100];
    printable(mod, mlen, m, sizeof m);
    printable(name, nlen, n, sizeof n);
    pk_fail(pk, EMOC_E_SECURITY, "global '%s.%s' refused (a state_dict only needs "
            "collections.OrderedDict, torch._utils._rebuild_tensor_v2/_rebuild_parameter and "
            "torch.*Storage; nothing is ever executed)", m, n);
    return NULL;
}

/* GLOBAL: "module\nname\n" as text lines. */
static emoc__pv *op_global_text(emoc__pickle *pk)
{
    const uint8_t *line[2];
    size_t len[2];
    for (int k = 0; k < 2; k++) {
        const uint8_t *s = pk->p + pk->pos;
        const uint8_t *nl = memchr(s, '\n', pk->n - pk->pos < 256 ? pk->n - pk->pos : 256);
        if (!nl) {
            pk_fail(pk, EMOC_E_FORMAT, "GLOBAL argument has no newline within 256 bytes");
            return NULL;
        }
        line[k] = s;
        len[k] = (size_t)(nl - s);
        pk->pos += len[k] + 1;
    }
    return make_global(pk, line[0], len[0], line[1], len[1]);
}

/* ---- calls: REDUCE / NEWOBJ / BUILD / BINPERSID ------------------------------------------- */

static int as_int(const emoc__pv *v, int64_t *out)
{
    if (!v || (v->type != EMOC__PV_INT && v->type != EMOC__PV_BOOL)) return 0;
    *out = v->u.i;
    return 1;
}

static int int_tuple(emoc__pickle *pk, const emoc__pv *t, int64_t *out, int *rank, const char *what)
{
    if (t->type != EMOC__PV_TUPLE) {
        pk_fail(pk, EMOC_E_FORMAT, "_rebuild_tensor_v2: %s is not a tuple", what);
        return -1;
    }
    if (t->u.seq.n > EMOC_PTH_MAX_RANK) {
        pk_fail(pk, EMOC_E_LIMIT, "_rebuild_tensor_v2: %s has %zu dimensions (max %d)", what,
                t->u.seq.n, EMOC_PTH_MAX_RANK);
        return -1;
    }
    for (size_t i = 0; i < t->u.seq.n; i++) {
        if (!as_int(t->u.seq.items[i], &out[i])) {
            pk_fail(pk, EMOC_E_FORMAT, "_rebuild_tensor_v2: %s[%zu] is not an int", what, i);
            return -1;
        }
        if (out[i] < 0 || out[i] >= PK_MAX_DIM) {
            pk_fail(pk, EMOC_E_LIMIT, "_rebuild_tensor_v2: %s[%zu] = %lld is negative or "
                    ">= 2^31", what, i, (long long)out[i]);
            return -1;
        }
    }
    *rank = (int)t->u.seq.n;
    return 0;
}

static emoc__pv *rebuild_tensor(emoc__pickle *pk, const emoc__pv *args)
{
    size_t n = args->u.seq.n;
    emoc__pv **a = args->u.seq.items;
    if (n != 6 && n != 7) {
        pk_fail(pk, EMOC_E_FORMAT, "_rebuild_tensor_v2 called with %zu arguments (6 or 7 expected)", n);
        return NULL;
    }
    if (a[0]->type != EMOC__PV_STORAGE) {
        pk_fail(pk, EMOC_E_FORMAT, "_rebuild_tensor_v2: first argument is not a storage");
        return NULL;
    }
    emoc__pv *t = pv_new(pk, EMOC__PV_TENSOR);
    if (!t) return NULL;
    int64_t off;
    if (!as_int(a[1], &off) || off < 0) {
        pk_fail(pk, EMOC_E_FORMAT, "_rebuild_tensor_v2: storage offset is not a non-negative int");
        return NULL;
    }
    int r1, r2;
    if (int_tuple(pk, a[2], t->u.tensor.sizes, &r1, "size") ||
        int_tuple(pk, a[3], t->u.tensor.strides, &r2, "stride"))
        return NULL;
    if (r1 != r2) {
        pk_fail(pk, EMOC_E_FORMAT, "_rebuild_tensor_v2: size has %d dims but stride has %d", r1, r2);
        return NULL;
    }
    t->u.tensor.storage = a[0];
    t->u.tensor.offset = (uint64_t)off;
    t->u.tensor.rank = r1;
    t->u.tensor.pickle_offset = pk->op_pos;
    return t;
}

static emoc__pv *op_reduce(emoc__pickle *pk, int newobj)
{
    emoc__pv *args = pop(pk), *fn = args ? pop(pk) : NULL;
    if (!fn) return NULL;
    const char *opname = newobj ? "NEWOBJ" : "REDUCE";
    if (fn->type != EMOC__PV_GLOBAL || args->type != EMOC__PV_TUPLE) {
        pk_fail(pk, EMOC_E_FORMAT, "%s needs an accepted global and an argument tuple", opname);
        return NULL;
    }
    switch (fn->u.global.kind) {
    case EMOC__G_ORDERED_DICT:
        if (args->u.seq.n != 0) {
            pk_fail(pk, EMOC_E_UNSUPPORTED, "OrderedDict called with %zu arguments (0 expected)",
                    args->u.seq.n);
            return NULL;
        }
        return pv_new(pk, EMOC__PV_DICT);
    case EMOC__G_REBUILD_TENSOR_V2:
        if (!newobj) return rebuild_tensor(pk, args);
        break;
    case EMOC__G_REBUILD_PARAMETER:
        if (!newobj && args->u.seq.n == 3 && args->u.seq.items[0]->type == EMOC__PV_TENSOR)
            return args->u.seq.items[0];
        if (!newobj) {
            pk_fail(pk, EMOC_E_FORMAT, "_rebuild_parameter needs (tensor, requires_grad, hooks)");
            return NULL;
        }
        break;
    case EMOC__G_STORAGE:
        break;
    }
    pk_fail(pk, EMOC_E_SECURITY, "%s of this global is refused (storage classes are only "
            "accepted inside persistent ids)", opname);
    return NULL;
}

static emoc__pv *op_persid(emoc__pickle *pk)
{
    emoc__pv *pid = pop(pk);
    if (!pid) return NULL;
    emoc__pv **a = pid->u.seq.items;
    size_t want = pk->legacy ? 6 : 5;
    if (pid->type != EMOC__PV_TUPLE || pid->u.seq.n != want || a[0]->type != EMOC__PV_STR ||
        strcmp(a[0]->u.str.s, "storage") || a[1]->type != EMOC__PV_GLOBAL ||
        a[1]->u.global.kind != EMOC__G_STORAGE || a[2]->type != EMOC__PV_STR ||
        a[3]->type != EMOC__PV_STR || a[4]->type != EMOC__PV_INT) {
        pk_fail(pk, EMOC_E_FORMAT, "persistent id is not ('storage', torch.<T>Storage, key, "
                "location, numel%s)", pk->legacy ? ", view_metadata" : "");
        return NULL;
    }
    if (pk->legacy && a[5]->type != EMOC__PV_NONE) {
        pk_fail(pk, EMOC_E_UNSUPPORTED, "persistent id with storage view metadata (a view of "
                "another storage, written by PyTorch before 0.4) is not supported");
        return NULL;
    }
    const char *key = a[2]->u.str.s;
    size_t klen = a[2]->u.str.len;
    if (klen == 0 || klen > 64 || strspn(key, "0123456789abcdefghijklmnopqrstuvwxyz"
                                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != klen) {
        pk_fail(pk, EMOC_E_FORMAT, "storage key of %zu bytes is not 1–64 letters/digits", klen);
        return NULL;
    }
    if (a[4]->u.i < 0) {
        pk_fail(pk, EMOC_E_FORMAT, "storage '%s' has negative numel %lld", key, (long long)a[4]->u.i);
        return NULL;
    }
    emoc__pv *s = pv_new(pk, EMOC__PV_STORAGE);
    if (!s) return NULL;
    s->u.storage.dtype = a[1]->u.global.dtype;
    s->u.storage.key = key;
    s->u.storage.numel = (uint64_t)a[4]->u.i;
    if (pk->n_storages == pk->storages_cap) {
        size_t cap = pk->storages_cap ? pk->storages_cap * 2 : 64;
        const emoc__pv **r = realloc(pk->storages, cap * sizeof *r);
        if (!r) {
            pk_fail(pk, EMOC_E_NOMEM, "out of memory");
            return NULL;
        }
        pk->storages = r;
        pk->storages_cap = cap;
    }
    pk->storages[pk->n_storages++] = s;
    return s;
}

/* BUILD: only the state of an OrderedDict (state_dict._metadata) — parsed, then dropped. */
static int op_build(emoc__pickle *pk)
{
    emoc__pv *state = pop(pk), *obj = state ? top(pk) : NULL;
    if (!obj) return -1;
    if (obj->type != EMOC__PV_DICT) {
        pk_fail(pk, EMOC_E_SECURITY, "BUILD is only accepted on an OrderedDict (state_dict "
                "metadata)");
        return -1;
    }
    return 0;
}

/* ---- memo --------------------------------------------------------------------------------- */

static int memo_put(emoc__pickle *pk, uint64_t idx)
{
    emoc__pv *v = top(pk);
    if (!v) return -1;
    if (idx >= PK_MAX_MEMO || idx > pk->n) {
        pk_fail(pk, EMOC_E_LIMIT, "memo index %llu exceeds the cap", (unsigned long long)idx);
        return -1;
    }
    if (idx >= pk->memo_cap) {
        size_t cap = pk->memo_cap ? pk->memo_cap : 64;
        while (cap <= idx) cap *= 2;
        emoc__pv **m = realloc(pk->memo, cap * sizeof *m);
        if (!m) {
            pk_fail(pk, EMOC_E_NOMEM, "out of memory");
            return -1;
        }
        memset(m + pk->memo_cap, 0, (cap - pk->memo_cap) * sizeof *m);
        pk->memo = m;
        pk->memo_cap = cap;
    }
    if (!pk->memo[idx]) pk->memo_count++;
    pk->memo[idx] = v;
    return 0;
}

static emoc__pv *memo_get(emoc__pickle *pk, uint64_t idx)
{
    if (idx >= pk->memo_cap || !pk->memo[idx]) {
        pk_fail(pk, EMOC_E_FORMAT, "memo index %llu was never stored", (unsigned long long)idx);
        return NULL;
    }
    return pk->memo[idx];
}

/* ---- containers --------------------------------------------------------------------------- */

static int set_items(emoc__pickle *pk, emoc__pv *dict, emoc__pv **kv, size_t n)
{
    if (dict->type != EMOC__PV_DICT) {
        pk_fail(pk, EMOC_E_FORMAT, "SETITEM(S) on a value that is not a dict");
        return -1;
    }
    if (n % 2) {
        pk_fail(pk, EMOC_E_FORMAT, "SETITEMS with an odd number of values (%zu)", n);
        return -1;
    }
    for (size_t i = 0; i < n; i += 2) {
        emoc__pv_type kt = kv[i]->type;
        if (kt != EMOC__PV_STR && kt != EMOC__PV_INT && kt != EMOC__PV_BOOL && kt != EMOC__PV_NONE &&
            kt != EMOC__PV_FLOAT) {
            pk_fail(pk, EMOC_E_FORMAT, "dict key is not a string or a number");
            return -1;
        }
        if (seq_push(pk, dict, kv[i]) || seq_push(pk, dict, kv[i + 1])) return -1;
    }
    return 0;
}

static int op_setitems(emoc__pickle *pk, int many)
{
    if (!many) {
        emoc__pv *kv[2];
        kv[1] = pop(pk);
        kv[0] = kv[1] ? pop(pk) : NULL;
        emoc__pv *d = kv[0] ? top(pk) : NULL;
        return d ? set_items(pk, d, kv, 2) : -1;
    }
    emoc__pv *items = pop_mark_into(pk, EMOC__PV_TUPLE);
    emoc__pv *d = items ? top(pk) : NULL;
    return d ? set_items(pk, d, items->u.seq.items, items->u.seq.n) : -1;
}

static int op_appends(emoc__pickle *pk, int many)
{
    emoc__pv *items = many ? pop_mark_into(pk, EMOC__PV_TUPLE) : NULL;
    emoc__pv *one = many ? NULL : pop(pk);
    if (!items && !one) return -1;
    emoc__pv *l = top(pk);
    if (!l) return -1;
    if (l->type != EMOC__PV_LIST) {
        pk_fail(pk, EMOC_E_FORMAT, "APPEND(S) on a value that is not a list");
        return -1;
    }
    if (one) return seq_push(pk, l, one);
    for (size_t i = 0; i < items->u.seq.n; i++)
        if (seq_push(pk, l, items->u.seq.items[i])) return -1;
    return 0;
}

static emoc__pv *tuple_n(emoc__pickle *pk, int n)
{
    emoc__pv *item[3] = {0};
    for (int i = n - 1; i >= 0; i--)
        if (!(item[i] = pop(pk))) return NULL;
    emoc__pv *t = pv_new(pk, EMOC__PV_TUPLE);
    for (int i = 0; t && i < n; i++)
        if (seq_push(pk, t, item[i])) return NULL;
    return t;
}

/* ---- the loop ----------------------------------------------------------------------------- */

static int step(emoc__pickle *pk, int *done)
{
    pk->op_pos = pk->pos;
    if (pk->pos == pk->n)
        return pk_fail(pk, EMOC_E_TRUNCATED, "stream ends before its STOP opcode"), -1;
    uint8_t op = pk->p[pk->pos++];
    const uint8_t *a = pk->p + pk->pos;
    emoc__pv *v;
    switch (op) {
    case 0x80: /* PROTO */
        if (need(pk, 1)) return -1;
        if (a[0] < 2 || a[0] > 5)
            return pk_fail(pk, EMOC_E_UNSUPPORTED, "pickle protocol %d (2–5 accepted)", a[0]), -1;
        pk->pos++;
        return 0;
    case 0x95: /* FRAME: an 8-byte length hint; frames are just the following opcodes */
        if (need(pk, 8)) return -1;
        pk->pos += 8;
        return 0;
    case '.': /* STOP */
        *done = 1;
        return 0;
    case '}': return push(pk, pv_new(pk, EMOC__PV_DICT));        /* EMPTY_DICT */
    case ']': return push(pk, pv_new(pk, EMOC__PV_LIST));        /* EMPTY_LIST */
    case ')': return push(pk, pv_new(pk, EMOC__PV_TUPLE));       /* EMPTY_TUPLE */
    case '(': /* MARK */
        if (pk->n_marks == PK_MAX_MARKS)
            return pk_fail(pk, EMOC_E_LIMIT, "more than %d nested MARKs", PK_MAX_MARKS), -1;
        pk->marks[pk->n_marks++] = pk->sp;
        return 0;
    case 't': return push(pk, pop_mark_into(pk, EMOC__PV_TUPLE)); /* TUPLE */
    case 0x85: return push(pk, tuple_n(pk, 1));
    case 0x86: return push(pk, tuple_n(pk, 2));
    case 0x87: return push(pk, tuple_n(pk, 3));
    case 'J': /* BININT */
        if (need(pk, 4)) return -1;
        pk->pos += 4;
        return push(pk, make_int(pk, (int32_t)(uint32_t)rd_le(a, 4)));
    case 'K': /* BININT1 */
        if (need(pk, 1)) return -1;
        pk->pos += 1;
        return push(pk, make_int(pk, a[0]));
    case 'M': /* BININT2 */
        if (need(pk, 2)) return -1;
        pk->pos += 2;
        return push(pk, make_int(pk, (int64_t)rd_le(a, 2)));
    case 0x8a: { /* LONG1: n-byte little-endian two's complement */
        if (need(pk, 1)) return -1;
        int nb = a[0];
        if (nb > 8) return pk_fail(pk, EMOC_E_LIMIT, "LONG1 of %d bytes exceeds 64 bits", nb), -1;
        pk->pos++;
        if (need(pk, (size_t)nb)) return -1;
        uint64_t u = rd_le(a + 1, nb);
        if (nb > 0 && nb < 8 && (a[nb] & 0x80)) u |= ~UINT64_C(0) << (8 * nb);
        pk->pos += (size_t)nb;
        return push(pk, make_int(pk, (int64_t)u));
    }
    case 'G': { /* BINFLOAT: big-endian double */
        if (need(pk, 8)) return -1;
        uint64_t u = 0;
        for (int i = 0; i < 8; i++) u = u << 8 | a[i];
        pk->pos += 8;
        v = pv_new(pk, EMOC__PV_FLOAT);
        if (v) memcpy(&v->u.f, &u, sizeof u);
        return push(pk, v);
    }
    case 0x88: case 0x89: /* NEWTRUE / NEWFALSE */
        v = pv_new(pk, EMOC__PV_BOOL);
        if (v) v->u.i = op == 0x88;
        return push(pk, v);
    case 'N': return push(pk, (emoc__pv *)&PV_NONE_VALUE);
    case 'X': case 0x8c: case 0x8d: { /* BINUNICODE, SHORT_BINUNICODE, BINUNICODE8 */
        int lb = op == 'X' ? 4 : op == 0x8c ? 1 : 8;
        if (need(pk, (size_t)lb)) return -1;
        uint64_t len = rd_le(a, lb);
        pk->pos += (size_t)lb;
        if (len > PK_MAX_STR)
            return pk_fail(pk, EMOC_E_LIMIT, "string of %llu bytes exceeds the cap of %u",
                           (unsigned long long)len, PK_MAX_STR), -1;
        if (need(pk, (size_t)len)) return -1;
        pk->pos += (size_t)len;
        return push(pk, make_str(pk, a + lb, (size_t)len));
    }
    case 's': return op_setitems(pk, 0);
    case 'u': return op_setitems(pk, 1);
    case 'a': return op_appends(pk, 0);
    case 'e': return op_appends(pk, 1);
    case 'q': /* BINPUT */
        if (need(pk, 1)) return -1;
        pk->pos++;
        return memo_put(pk, a[0]);
    case 'r': /* LONG_BINPUT */
        if (need(pk, 4)) return -1;
        pk->pos += 4;
        return memo_put(pk, rd_le(a, 4));
    case 0x94: return memo_put(pk, pk->memo_count); /* MEMOIZE: index = len(memo) */
    case 'h': /* BINGET */
        if (need(pk, 1)) return -1;
        pk->pos++;
        return push(pk, memo_get(pk, a[0]));
    case 'j': /* LONG_BINGET */
        if (need(pk, 4)) return -1;
        pk->pos += 4;
        return push(pk, memo_get(pk, rd_le(a, 4)));
    case 'c': return push(pk, op_global_text(pk)); /* GLOBAL */
    case 0x93: { /* STACK_GLOBAL */
        emoc__pv *name = pop(pk), *mod = name ? pop(pk) : NULL;
        if (!mod) return -1;
        if (mod->type != EMOC__PV_STR || name->type != EMOC__PV_STR)
            return pk_fail(pk, EMOC_E_FORMAT, "STACK_GLOBAL needs two strings"), -1;
        return push(pk, make_global(pk, (const uint8_t *)mod->u.str.s, mod->u.str.len,
                                    (const uint8_t *)name->u.str.s, name->u.str.len));
    }
    case 'R': return push(pk, op_reduce(pk, 0));
    case 0x81: return push(pk, op_reduce(pk, 1)); /* NEWOBJ */
    case 'b': return op_build(pk);
    case 'Q': return push(pk, op_persid(pk)); /* BINPERSID */
    default:
        return pk_fail(pk, EMOC_E_UNSUPPORTED, "opcode 0x%02x ('%c') is not accepted by the "
                       "restricted reader", op, op >= 0x20 && op < 0x7f ? op : '?'), -1;
    }
}

emoc_status emoc__pickle_run_at(const uint8_t *p, size_t n, size_t start, int legacy,
                                size_t *end, emoc__pickle **out, const emoc__pv **root,
                                emoc_error *err)
{
    *out = NULL;
    *root = NULL;
    if (end) *end = start;
    emoc__pickle *pk = calloc(1, sizeof *pk);
    if (!pk) return EMOC_E_NOMEM;
    pk->p = p;
    pk->n = n;
    pk->pos = start <= n ? start : n;
    pk->err = err;
    pk->legacy = legacy;
    /* Every opcode creates at most a couple of values plus amortised container growth. */
    pk->limit = 64 * (n - pk->pos) + (1u << 16);
    int done = 0;
    while (!done)
        if (step(pk, &done)) break;
    if (done) {
        if (pk->sp != 1 || pk->n_marks) {
            pk->op_pos = pk->pos - 1;
            pk_fail(pk, EMOC_E_FORMAT, "STOP with %zu values on the stack and %d open MARKs "
                    "(exactly one value expected)", pk->sp, pk->n_marks);
        } else {
            *root = pk->stack[0];
        }
    } else if (pk->st == EMOC_OK) {
        pk_fail(pk, EMOC_E_INTERNAL, "pickle machine stopped without a status");
    }
    free(pk->stack);
    pk->stack = NULL;
    free(pk->memo);
    pk->memo = NULL;
    emoc_status st = pk->st;
    if (st) {
        *root = NULL;
        emoc__pickle_free(pk);
        return st;
    }
    if (end) *end = pk->pos;
    *out = pk;
    return EMOC_OK;
}

emoc_status emoc__pickle_run(const uint8_t *p, size_t n, emoc__pickle **out, const emoc__pv **root,
                             emoc_error *err)
{
    return emoc__pickle_run_at(p, n, 0, 0, NULL, out, root, err);
}

const emoc__pv *const *emoc__pickle_storages(const emoc__pickle *pk, size_t *n)
{
    *n = pk->n_storages;
    return pk->storages;
}

void emoc__pickle_free(emoc__pickle *pk)
{
    if (!pk) return;
    arena_block *b = pk->blocks;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(pk->stack);
    free(pk->memo);
    free(pk->storages);
    free(pk);
}
