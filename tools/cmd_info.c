/*
 * cmd_info.c — `emoc info [--no-plan] [--isa ISA] FILE.emw`: a readable account of a weight
 * file for users and privacy/audit reviews: format and checksums, every metadata key, the tensor
 * table (name, dtype, dims, offset, bytes, CRC-32, status), parameter count, dead parameters,
 * and the execution plan the engine builds from it (one line per op: kernel bound, shapes,
 * arena offsets, weights with their CRCs, FLOPs). Never prints weight values.
 * A file that fails validation gets the reader's message (field, offset, values) and exit 3;
 * on a tensor CRC mismatch the table is still printed, with the bad tensors marked.
 */
#include "tools/cli.h"
#include "engine/base/error.h"
#include "engine/emw/emw.h"
#include "engine/base/sha256.h"

#include <stdlib.h>
#include <math.h>
#include <string.h>

#define INFO_MAX_ARRAY_SHOWN 16

/* Strings come from the file: print control characters escaped so a file cannot drive the
 * terminal. Valid UTF-8 (guaranteed by the reader) passes through. */
static void put_text(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) printf("\\x%02x", *p);
        else if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else putchar(*p);
    }
    putchar('"');
}

/* Shortest %g form that reads back to the same double. */
static void put_f64(double v)
{
    char tmp[40];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    fputs(tmp, stdout);
}

static void put_meta_value(const emw_meta *m)
{
    switch (m->type) {
    case EMW_T_I64: printf("%lld", (long long)m->i64); return;
    case EMW_T_F64: put_f64(m->f64); return;
    case EMW_T_STR: put_text(m->str); return;
    default: break;
    }
    putchar('[');
    size_t shown = m->count < INFO_MAX_ARRAY_SHOWN ? m->count : INFO_MAX_ARRAY_SHOWN;
    for (size_t i = 0; i < shown; i++) {
        if (i) fputs(", ", stdout);
        if (m->type == EMW_T_I64_ARRAY) printf("%lld", (long long)m->i64s[i]);
        else if (m->type == EMW_T_F64_ARRAY) put_f64(m->f64s[i]);
        else put_text(m->strs[i]);
    }
    if (shown < m->count) printf(", ... %zu more", m->count - shown);
    putchar(']');
}

static int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Reduced precision (EMW 1.2/1.3, docs/precision.md): dtype counts, the int8 activation rule
 * (row-max, or the calibration set) and the range of the int8 scales. Nothing when every
 * tensor is f32/f16. */
static void print_precision(const emw_file *f)
{
    size_t n_bf16 = 0, n_i8 = 0, n_row = 0;
    double wlo = INFINITY, whi = 0, alo = INFINITY, ahi = 0;
    for (size_t i = 0; i < f->n_tensors; i++) {
        const emw_tensor *t = &f->tensors[i];
        n_bf16 += t->dtype == EMW_BF16;
        if (t->dtype != EMW_I8) continue;
        n_i8++;
        if (t->act_scale == 0.0f) n_row++; /* one scale per pixel row at run time */
        else alo = t->act_scale < alo ? t->act_scale : alo;
        ahi = t->act_scale > ahi ? t->act_scale : ahi;
        for (int64_t n = 0; n < t->dims[0]; n++) {
            double s = emw_tensor_i8_scale(t, n);
            wlo = s < wlo ? s : wlo;
            whi = s > whi ? s : whi;
        }
    }
    if (!n_bf16 && !n_i8) return;
    const emw_meta *dt = emw_find_meta(f, "quant.dtype");
    printf("\nreduced precision: dtype %s; %zu bf16 and %zu int8 GEMM weights, the other layers "
           "fp32\n", dt && dt->type == EMW_T_STR ? dt->str : "?", n_bf16, n_i8);
    if (!n_i8) return;
    const emw_meta *act = emw_find_meta(f, "quant.int8.act");
    if (n_row)
        printf("  int8 activations: rule %s: %zu of %zu int8 layers take one scale per pixel row "
               "at run time, max|x*s|/127 of the row (no calibration)\n",
               act && act->type == EMW_T_STR ? act->str : "row-max", n_row, n_i8);
    if (n_row == n_i8) {
        printf("  int8 weight scales %.3g .. %.3g (per output channel)\n", wlo, whi);
        return;
    }
    const emw_meta *sha = emw_find_meta(f, "quant.calib.sha256");
    const emw_meta *cnt = emw_find_meta(f, "quant.calib.count");
    const emw_meta *rule = emw_find_meta(f, "quant.calib.rule");
    printf("  int8 activations: rule %s; calibration: %lld inputs, SHA-256 of the preprocessed "
           "set %s, rule %s\n", act && act->type == EMW_T_STR ? act->str : "calibrated",
           cnt && cnt->type == EMW_T_I64 ? (long long)cnt->i64 : -1LL,
           sha && sha->type == EMW_T_STR ? sha->str : "?",
           rule && rule->type == EMW_T_STR ? rule->str : "?");
    printf("  int8 activation scales %.3g .. %.3g (per layer), weight scales %.3g .. %.3g "
           "(per output channel)\n", alo, ahi, wlo, whi);
}

/* Prints the file-level account; returns the number of tensors whose CRC does not match. */
static int print_file(const char *path, const uint8_t *buf, size_t size, const emw_file *f)
{
    printf("file: %s\n", path);
    char sha[65];
    emoc__sha256_hex(buf, size, sha);
    printf("  size %zu bytes, CRC-32 of the whole file 0x%08x\n", size, emoc__crc32(0, buf, size));
    printf("  SHA-256 %s\n", sha);
    printf("  format EMW %u.%u, header %llu bytes, data section at offset %llu, %llu bytes\n",
           f->version_major, f->version_minor, (unsigned long long)f->header_bytes,
           (unsigned long long)f->data_offset, (unsigned long long)f->data_bytes);

    printf("\nmetadata (%zu keys):\n", f->n_meta);
    for (size_t i = 0; i < f->n_meta; i++) {
        const emw_meta *m = &f->meta[i];
        char type[24];
        if (m->type >= EMW_T_I64_ARRAY)
            snprintf(type, sizeof type, "%.3s[%zu]", emw_type_name(m->type), m->count);
        else
            snprintf(type, sizeof type, "%s", emw_type_name(m->type));
        printf("  %-24s %-8s ", m->key, type);
        put_meta_value(m);
        putchar('\n');
    }

    int name_w = 4;
    for (size_t i = 0; i < f->n_tensors; i++) {
        size_t len = strlen(f->tensors[i].name);
        if (len > (size_t)name_w) name_w = len > 80 ? 80 : (int)len;
    }
    printf("\ntensors (%zu):\n", f->n_tensors);
    printf("  %4s  %-*s %-5s %-16s %10s %10s  %-10s %s\n", "#", name_w, "name", "dtype", "dims",
           "offset", "bytes", "crc32", "status");
    uint64_t params = 0, weight_bytes = 0;
    int bad = 0;
    for (size_t i = 0; i < f->n_tensors; i++) {
        const emw_tensor *t = &f->tensors[i];
        char dims[160];
        emoc__dims_str(dims, sizeof dims, t->rank, t->dims);
        uint32_t crc = emoc__crc32(0, t->data, (size_t)t->nbytes);
        printf("  %4zu  %-*s %-5s %-16s %10llu %10llu  0x%08x %s", i, name_w, t->name,
               emw_dtype_name(t->dtype), dims, (unsigned long long)t->offset,
               (unsigned long long)t->nbytes, t->crc32, crc == t->crc32 ? "ok" : "CRC MISMATCH");
        if (crc != t->crc32) {
            printf(" (data gives 0x%08x)", crc);
            bad++;
        }
        if (t->layout != EMW_LAYOUT_ROWS) printf(" layout %s", emw_layout_name(t->layout));
        putchar('\n');
        params += t->count;
        weight_bytes += t->nbytes;
    }
    printf("\nparameters: %llu in %zu tensors (%llu bytes of weight data)\n",
           (unsigned long long)params, f->n_tensors, (unsigned long long)weight_bytes);
    printf("checksums: header CRC-32 0x%08x ok; tensor CRC-32s %zu/%zu ok\n", f->header_crc32,
           f->n_tensors - (size_t)bad, f->n_tensors);
    print_precision(f);

    const emw_meta *ign = emw_find_meta(f, "ignored.prefixes");
    if (ign && ign->type == EMW_T_STR_ARRAY && ign->count) {
        printf("dead parameters accepted and ignored (%zu prefixes in ignored.prefixes):\n",
               ign->count);
        for (size_t k = 0; k < ign->count; k++) {
            uint64_t n = 0, p = 0;
            for (size_t i = 0; i < f->n_tensors; i++)
                if (has_prefix(f->tensors[i].name, ign->strs[k])) {
                    n++;
                    p += f->tensors[i].count;
                }
            printf("  ");
            put_text(ign->strs[k]);
            if (n) printf("  %llu tensors in this file, %llu parameters, unused\n",
                          (unsigned long long)n, (unsigned long long)p);
            else printf("  no tensor with this prefix in the file (not converted)\n");
        }
    }
    return bad;
}

/* ---- plan dump ---------------------------------------------------------------------------- */

static void put_shape(const int s[4])
{
    printf("%dx%dx%dx%d", s[0], s[1], s[2], s[3]);
}

static void print_op(void *user, const emoc_trace_event *ev)
{
    uint64_t *total_flops = user;
    *total_flops += ev->flops;
    printf("op=%d %s node=%s kernel=%s in=", ev->op_index, ev->op, ev->node, ev->kernel);
    for (int k = 0; k < ev->n_inputs && k < 3; k++) {
        if (k) putchar('+');
        put_shape(ev->in_shape[k]);
    }
    printf(" out=");
    put_shape(ev->out_shape);
    uint64_t out_bytes = 4ull * (uint64_t)ev->out_shape[0] * (uint64_t)ev->out_shape[1] *
                         (uint64_t)ev->out_shape[2] * (uint64_t)ev->out_shape[3];
    printf(" arena=[");
    for (int k = 0; k < ev->n_inputs && k < 3; k++)
        printf("in:%llu ", (unsigned long long)ev->in_offset[k]);
    printf("out:%llu..%llu)", (unsigned long long)ev->out_offset,
           (unsigned long long)(ev->out_offset + out_bytes));
    if (ev->n_weights > 0) {
        printf(" w=");
        for (int k = 0; k < ev->n_weights && k < 4; k++) printf("%s%s", k ? "," : "", ev->weight_name[k]);
        printf(" crc=");
        for (int k = 0; k < ev->n_weights && k < 4; k++)
            printf("%s%08x", k ? "," : "", ev->weight_crc[k]);
    }
    printf(" flops=%llu\n", (unsigned long long)ev->flops);
}

static int print_plan(const char *cmd, const char *path, const uint8_t *buf, size_t size,
                      emoc_isa isa)
{
    emoc_options opt;
    emoc_options_default(&opt);
    opt.isa = isa;
    emoc_model *m = NULL;
    emoc_error err = {{0}};
    emoc_status st = emoc_model_load_memory(buf, size, &opt, &m, &err);
    if (st != EMOC_OK) {
        printf("\nplan: not built\n");
        fflush(stdout);
        cli_error(cmd, "%s: %s (%s)", path, err.msg, emoc_strerror(st));
        return cli_exit_for_status(st);
    }
    emoc_model_info info;
    emoc_model_get_info(m, &info);
    int n_ign = emoc_model_ignored_count(m);
    if (n_ign > 0) {
        printf("dead parameters declared by the network builder:");
        for (int i = 0; i < n_ign; i++) printf(" %s", emoc_model_ignored_prefix(m, i));
        putchar('\n');
    }
    printf("\nplan: %d ops, kernel set %s, arena %zu bytes (1 thread)\n", emoc_model_op_count(m),
           emoc_isa_name(info.isa), emoc_model_arena_size(m, 1));
    /* The resident-memory target of a one-image run (docs/startup.md): weights held once, the
     * arena, and 6 MiB for code, libc, the image and everything else. */
    size_t budget = size + emoc_model_arena_size(m, 1) + ((size_t)6 << 20);
    printf("memory budget: weights %zu + arena %zu + 6 MiB = %zu bytes (%.1f MiB) peak resident "
           "for a one-image run (1 thread)\n",
           size, emoc_model_arena_size(m, 1), budget, (double)budget / (1 << 20));
    uint64_t flops = 0;
    emoc_model_dump_plan(m, print_op, &flops);
    printf("total: %llu FLOPs (%.3f GFLOP) per forward pass\n", (unsigned long long)flops,
           (double)flops * 1e-9);
    emoc_model_free(m);
    return EXIT_OK;
}

/* ---- command ------------------------------------------------------------------------------ */

static const char *usage =
    "usage: emoc info [--no-plan] [--isa ref|avx2|avx512|neon] FILE.emw\n"
    "  Validates FILE.emw completely and prints its metadata, tensor table,\n"
    "  checksums and the execution plan built from it. Exit 3 if invalid.\n";

/* The file is valid as EMW: what it is (detector, network, head) and, for a network, its plan.
 * The exit code. */
static int check_what_it_is(const char *cmd, const char *path, const uint8_t *buf, size_t size,
                            const emw_file *f, int want_plan, emoc_isa isa)
{
    emoc_error err = {{0}};
    emoc_status st;
    int rc = EXIT_OK;
    if (emoc_emw_is_detector(buf, size)) { /* a face detector: its own loader checks it */
        emoc_detector *d = NULL;
        st = emoc_detector_load_memory(buf, size, NULL, &d, &err);
        if (st == EMOC_OK)
            printf("face detector: '%s', %d landmarks, loads ok (docs/detectors.md)\n",
                   emoc_detector_arch(d), emoc_detector_landmark_count(d));
        else
            cli_error(cmd, "%s: face detector: %s (%s)", path, err.msg, emoc_strerror(st));
        emoc_detector_free(d);
        return st == EMOC_OK ? EXIT_OK : cli_exit_for_status(st);
    }
    if ((st = emw_check_net_meta(f, &err)) != EMOC_OK) {
        printf("network metadata: INVALID\n");
        fflush(stdout);
        cli_error(cmd, "%s: %s (%s)", path, err.msg, emoc_strerror(st));
        return EXIT_INPUT;
    }
    printf("network metadata: ok (weights/FORMAT.md section 5)\n");
    const emw_meta *arch = emw_find_meta(f, "emoc.arch");
    if (!want_plan) {
        printf("\nplan: skipped (--no-plan)\n");
    } else if (!strcmp(arch->str, "mtl_head")) {
        printf("\nplan: none (an mtl_head file is a head on extracted features; see emoc mtl)\n");
    } else {
        rc = print_plan(cmd, path, buf, size, isa);
    }
    return rc;
}

int cmd_info(int argc, char **argv)
{
    const char *cmd = argv[0], *path = NULL;
    int want_plan = 1;
    emoc_isa isa = EMOC_ISA_AUTO;
    static const char *const flags[] = {"--no-plan", NULL};
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, flags);
    scan.positional = scan.value_optional = 1;
    for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
        if (!a && path) {
            cli_error(cmd, "one file at a time ('%s' and '%s')", path, v);
            return EXIT_USAGE;
        } else if (!a) {
            path = v;
        } else if (!strcmp(a, "--no-plan")) {
            want_plan = 0;
        } else if (!strcmp(a, "--isa")) {
            if (!v || emoc_isa_parse(v, &isa) != EMOC_OK) {
                cli_error(cmd, "--isa expects ref, avx2, avx512, neon or auto");
                return EXIT_USAGE;
            }
        } else {
            cli_error(cmd, "unknown option '%s'", a);
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!path) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }

    uint8_t *buf = NULL;
    size_t size = 0;
    emoc_error err = {{0}};
    emoc_status st = emw_read_file(path, &buf, &size, &err);
    if (st != EMOC_OK) {
        cli_error(cmd, "%s (%s)", err.msg, emoc_strerror(st));
        return cli_exit_for_status(st);
    }
    emw_file f;
    st = emw_parse(buf, size, 1, &f, &err);
    if (st == EMOC_E_CHECKSUM) {
        /* Show the table anyway, with the damaged tensors marked, if only data CRCs fail. */
        emoc_error err2;
        emw_file f2;
        if (emw_parse(buf, size, 0, &f2, &err2) == EMOC_OK) {
            print_file(path, buf, size, &f2);
            emw_file_release(&f2);
            fflush(stdout);
        }
    }
    if (st != EMOC_OK) {
        cli_error(cmd, "%s: invalid EMW file: %s (%s)", path, err.msg, emoc_strerror(st));
        free(buf);
        return EXIT_INPUT;
    }
    print_file(path, buf, size, &f);
    int rc = check_what_it_is(cmd, path, buf, size, &f, want_plan, isa);
    emw_file_release(&f);
    free(buf);
    return rc;
}
