/*
 * cmd_convert.c — `emoc convert IN -o OUT.emw [--dtype f32|f16] [--layout kernel|rows]`:
 * converts a published model file (ONNX; PyTorch checkpoints when that converter is built in)
 * into EMW. By default GEMM and depthwise weights are stored as the kernels read them (EMW 1.1),
 * so that loading re-lays nothing out (docs/startup.md); --layout rows writes row-major EMW 1.0.
 * --dtype bf16|int8 stores the pointwise-conv and linear weights in reduced precision (EMW 1.2,
 * weights/convert_lp.c); int8 takes one activation scale per pixel row at run time (row-max,
 * EMW 1.3) or, with --calib, calibrates one per layer on those inputs.
 */
#include "tools/cli.h"
#include "tools/convert_calib.h"
#include "weights/convert.h"
#include "weights/pth.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: emoc convert IN.onnx|IN.pt|IN.tflite -o OUT.emw [--dtype f32|f16|bf16|int8]\n"
    "       [--int8-act row-max|calibrated] [--calib IMAGES_OR_DIR] [--arch A]\n"
    "       [--layout kernel|rows]\n"
    "       emoc convert pnet.pt rnet.pt onet.pt -o mtcnn.emw   (MTCNN face detector)\n"
    "  Recognises the architecture from the graph (EfficientNet-B0/B2 of EmotiEffLib)\n"
    "  and writes weights + metadata (input size, normalisation, labels, source\n"
    "  SHA-256) as EMW. --dtype f16 stores weights in half precision (computed in f32).\n"
    "  --dtype bf16 / int8 store the pointwise-conv and linear weights in bf16 / int8\n"
    "  and run those layers so (EMW 1.2/1.3, docs/precision.md). int8 activations:\n"
    "  --int8-act row-max (default without --calib) takes one scale per pixel row at\n"
    "  run time, max|x|/127 of the row: no calibration (EMW 1.3); --int8-act calibrated\n"
    "  (default with --calib) fixes one scale per layer by running --calib (one image\n"
    "  or a folder of face crops, or .f32 preprocessed inputs) through the fp32 network.\n"
    "  --layout kernel (default) stores GEMM and depthwise weights as the kernels read\n"
    "  them (EMW 1.1, nothing to re-lay out at load); rows keeps PyTorch's row-major\n"
    "  order (EMW 1.0).\n"
    "  MTCNN (facenet-pytorch) takes its three checkpoints, in any order.\n"
    "  --arch retinaface_1mb: the mobilenet0.25_Final.pth of Face-Detector-1MB-with-\n"
    "  landmark, a different network with RetinaFace-MobileNet0.25's tensor names\n"
    "  (without it, such a file is read as Pytorch_Retinaface's network).\n";

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && !strcmp(s + n - k, suf);
}

/* Size caps of the input formats, checked from the first bytes before a file is read whole
 * (docs/reliability.md). The largest network the converters know, RetinaFace-ResNet50, is about
 * 105 MB in f32; protobuf (ONNX) and flatbuffers (TFLite) stop at 2 GiB themselves. */
#define CAP_ONNX ((size_t)1 << 30)
#define CAP_PTH ((size_t)1 << 30)
#define CAP_TFLITE ((size_t)256 << 20)

/* A ModelProto starts with the tag of one of its fields (onnx.proto: ir_version = 1, ...,
 * graph = 7, opset_import = 8, metadata_props = 14; 20, 21, 25 take two tag bytes). */
static int onnx_first_tag(const unsigned char *h, size_t n)
{
    static const unsigned char one[] = {0x08, 0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72};
    if (n >= 1 && memchr(one, h[0], sizeof one)) return 1;
    return n >= 2 && h[1] == 0x01 && (h[0] == 0xa2 || h[0] == 0xaa || h[0] == 0xca);
}

static size_t sniff_model(const unsigned char *h, size_t n, void *user, char *why, size_t whylen)
{
    const char *path = user;
    if (n >= 4 && !memcmp(h, "PK\3\4", 4)) return snprintf(why, whylen, "PyTorch checkpoints"), CAP_PTH;
    if (emoc__pth_looks_like_legacy(h, n)) return snprintf(why, whylen, "PyTorch checkpoints"), CAP_PTH;
    if (n >= 8 && !memcmp(h + 4, "TFL3", 4)) return snprintf(why, whylen, "TFLite files"), CAP_TFLITE;
    if (onnx_first_tag(h, n)) return snprintf(why, whylen, "ONNX files"), CAP_ONNX;
    if (n == 0) snprintf(why, whylen, "'%s' is empty", path);
    else
        snprintf(why, whylen, "'%s' is not an ONNX model, a PyTorch checkpoint or a TFLite file "
                 "(first bytes %02x %02x %02x %02x)", path, h[0], n > 1 ? h[1] : 0, n > 2 ? h[2] : 0,
                 n > 3 ? h[3] : 0);
    return 0;
}

/* The whole model file, sniffed and capped first; NULL after printing why (*rc set). */
static unsigned char *read_model(const char *cmd, const char *path, size_t *size, int *rc)
{
    char msg[512];
    int refused = 0;
    unsigned char *buf = cli_read_file_sniffed(path, sniff_model, (void *)path, size, &refused, msg, sizeof msg);
    if (!buf) {
        cli_error(cmd, "%s", msg);
        /* unknown or oversized: invalid input (3); cannot open or read: an I/O failure (1) */
        *rc = refused ? EXIT_INPUT : EXIT_RUNTIME;
    }
    return buf;
}

/* `emoc convert pnet.pt rnet.pt onet.pt -o mtcnn.emw` */
static int convert_many(const char *cmd, const char *const *ins, int n, const char *out,
                        emoc_convert_opts *opts)
{
    unsigned char *bufs[3] = {NULL, NULL, NULL};
    size_t sizes[3] = {0, 0, 0};
    int rc = EXIT_OK;
    for (int i = 0; i < n; i++)
        if (!(bufs[i] = read_model(cmd, ins[i], &sizes[i], &rc))) break;
    emw_writer *w = NULL;
    emoc_error err;
    err.msg[0] = 0;
    if (rc == EXIT_OK && emw_writer_create(&w) != EMOC_OK) {
        cli_error(cmd, "out of memory");
        rc = EXIT_RUNTIME;
    }
    if (rc == EXIT_OK) {
        opts->source_name = ins[0];
        emoc_status st = emoc__convert_mtcnn((const uint8_t *const *)bufs, sizes, ins, n, opts, w,
                                            &err);
        if (st == EMOC_OK) {
            st = emw_writer_save(w, out);
            if (st != EMOC_OK) snprintf(err.msg, sizeof err.msg, "%s", emw_writer_error(w));
        }
        if (st != EMOC_OK) {
            cli_error(cmd, "%s", err.msg[0] ? err.msg : emoc_strerror(st));
            rc = st == EMOC_E_IO ? EXIT_RUNTIME : st == EMOC_E_ARG ? EXIT_USAGE
                                                : cli_exit_for_status(st);
        }
    }
    emw_writer_free(w);
    for (int i = 0; i < n; i++) free(bufs[i]);
    return rc;
}

typedef struct convert_args {
    const char *ins[3], *out, *arch;
    int n_in;
    int kernel_layout;          /* 1: EMW 1.1 kernel layouts (default), 0: rows (1.0) */
    emw_dtype lp;               /* EMW_BF16 / EMW_I8: reduced-precision GEMMs; else EMW_F32 */
    const char *calib;          /* --calib IMAGES_OR_DIR */
    int int8_act;               /* --int8-act: 0 not given, 1 row-max, 2 calibrated */
    emoc_convert_opts opts;
} convert_args;

/* -1 when the command line is complete, else the exit code (message printed). */
static int convert_parse(int argc, char **argv, convert_args *c)
{
    const char *cmd = argv[0];
    *c = (convert_args){{NULL, NULL, NULL}, NULL, NULL, 0, 1, EMW_F32, NULL, 0, {EMW_F32, NULL}};
    cli_opts scan;
    cli_opts_init(&scan, argc, argv, usage, NULL);
    scan.positional = scan.value_optional = 1;
    for (const char *a, *v; cli_opts_next(&scan, &a, &v);) {
        if (!a && c->n_in < 3) {
            c->ins[c->n_in++] = v;
        } else if (!a) {
            cli_error(cmd, "too many input files ('%s'): one model file, or MTCNN's three", v);
            return EXIT_USAGE;
        } else if (v && !strcmp(a, "-o")) {
            c->out = v;
        } else if (v && !strcmp(a, "--arch")) {
            c->arch = v;
            if (strcmp(c->arch, "retinaface_1mb")) {
                cli_error(cmd, "--arch expects retinaface_1mb (the only architecture that cannot "
                          "be recognised from the file), got '%s'", c->arch);
                return EXIT_USAGE;
            }
        } else if (v && !strcmp(a, "--dtype")) {
            c->opts.dtype = EMW_F32;
            c->lp = EMW_F32;
            if (!strcmp(v, "f16")) c->opts.dtype = EMW_F16;
            else if (!strcmp(v, "bf16")) c->lp = EMW_BF16;
            else if (!strcmp(v, "int8")) c->lp = EMW_I8;
            else if (strcmp(v, "f32")) {
                cli_error(cmd, "--dtype expects f32, f16, bf16 or int8, got '%s'", v);
                return EXIT_USAGE;
            }
        } else if (v && !strcmp(a, "--calib")) {
            c->calib = v;
        } else if (v && !strcmp(a, "--int8-act")) {
            c->int8_act = !strcmp(v, "row-max") ? 1 : !strcmp(v, "calibrated") ? 2 : -1;
            if (c->int8_act < 0) {
                cli_error(cmd, "--int8-act expects row-max or calibrated, got '%s'", v);
                return EXIT_USAGE;
            }
        } else if (v && !strcmp(a, "--layout")) {
            if (!strcmp(v, "kernel")) c->kernel_layout = 1;
            else if (!strcmp(v, "rows")) c->kernel_layout = 0;
            else {
                cli_error(cmd, "--layout expects kernel or rows, got '%s'", v);
                return EXIT_USAGE;
            }
        } else {
            cli_error(cmd, "unknown option '%s' (or missing value)", a);
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (scan.exit_code >= 0) return scan.exit_code;
    if (!c->n_in || !c->out) {
        cli_error(cmd, "%s", !c->n_in ? "missing input file" : "missing -o OUT.emw");
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (c->int8_act && c->lp != EMW_I8) {
        cli_error(cmd, "--int8-act is for --dtype int8");
        return EXIT_USAGE;
    }
    if (c->lp == EMW_I8 && c->int8_act == 2 && !c->calib) {
        cli_error(cmd, "--int8-act calibrated needs --calib IMAGES_OR_DIR: calibrated int8 layers "
                  "run with one fixed activation scale each, measured by running calibration "
                  "face images through the fp32 network; without them there is nothing to "
                  "measure the scales on (--int8-act row-max needs no calibration)");
        return EXIT_USAGE;
    }
    if (c->lp == EMW_I8 && c->int8_act == 1 && c->calib) {
        cli_error(cmd, "--calib is for --int8-act calibrated: row-max measures each pixel row's "
                  "scale at run time and stores none");
        return EXIT_USAGE;
    }
    if (c->calib && c->lp != EMW_I8) {
        cli_error(cmd, "--calib is for --dtype int8 (bf16 needs no calibration)");
        return EXIT_USAGE;
    }
    if (c->lp != EMW_F32 && c->n_in == 3) {
        cli_error(cmd, "--dtype %s is for the emotion networks, not MTCNN",
                  c->lp == EMW_I8 ? "int8" : "bf16");
        return EXIT_USAGE;
    }
    if (c->n_in == 2) {
        cli_error(cmd, "two input files: give one model file, or MTCNN's three checkpoints "
                  "(pnet.pt rnet.pt onet.pt)");
        return EXIT_USAGE;
    }
    return -1;
}

/* --dtype bf16|int8 on the converted writer: the int8 calibration inputs are preprocessed for
 * the network's own input (so the fp32 file is built once here to read its metadata). */
static emoc_status convert_reduced(const convert_args *c, emw_writer *w, emoc_error *err)
{
    float *calib = NULL;
    size_t n_calib = 0;
    if (c->lp == EMW_I8 && c->calib) { /* calibrated; without --calib: row-max */
        uint8_t *buf = NULL;
        size_t size = 0;
        emoc_model *m = NULL;
        emoc_model_info info;
        emoc_status st = emw_writer_to_memory(w, &buf, &size);
        if (!st) st = emoc_model_load_memory_inplace(buf, size, NULL, &m, err);
        if (!st) st = emoc_model_get_info(m, &info);
        if (!st) {
            calib = convert_calib_load(c->calib, &info, &n_calib, err->msg, sizeof err->msg);
            if (!calib) st = EMOC_E_ARG;
        }
        emoc_model_free(m);
        free(buf);
        if (st) return st;
    }
    emoc_status st = emoc__convert_reduced(w, c->lp, calib, n_calib, err);
    free(calib);
    return st;
}

/* One model file: ONNX, a PyTorch checkpoint (zip or legacy) or TFLite, told apart by name and
 * magic bytes, converted and saved. The exit code. */
static int convert_one(const char *cmd, convert_args *c)
{
    const char *in = c->ins[0];
    c->opts.source_name = in;
    size_t size = 0;
    int rc = EXIT_OK;
    unsigned char *buf = read_model(cmd, in, &size, &rc);
    if (!buf) return rc;
    /* zip = torch.save since 1.6; the legacy layout starts with its magic-number pickle */
    int is_pth = has_suffix(in, ".pt") || has_suffix(in, ".pth") ||
                 (size >= 2 && buf[0] == 'P' && buf[1] == 'K') || emoc__pth_looks_like_legacy(buf, size);
    emw_writer *w = NULL;
    emoc_error err;
    err.msg[0] = 0;
    emoc_status st = emw_writer_create(&w);
    if (st != EMOC_OK) {
        free(buf);
        cli_error(cmd, "out of memory");
        return EXIT_RUNTIME;
    }
    int is_tflite = has_suffix(in, ".tflite") || (size >= 8 && !memcmp(buf + 4, "TFL3", 4));
    if (c->arch && (is_tflite || !is_pth)) {
        st = EMOC_E_ARG;
        snprintf(err.msg, sizeof err.msg, "--arch %s needs a PyTorch checkpoint", c->arch);
    } else if (is_tflite) {
        st = emoc__convert_tflite(buf, size, &c->opts, w, &err);
    } else if (is_pth) {
        st = emoc__convert_pth_arch(buf, size, &c->opts, c->arch, w, &err);
    } else {
        st = emoc__convert_onnx(buf, size, &c->opts, w, &err);
    }
    free(buf);
    if (st == EMOC_OK && c->lp != EMW_F32) st = convert_reduced(c, w, &err);
    if (st == EMOC_OK && c->kernel_layout) st = emoc__convert_kernel_layout(w, NULL, &err);
    if (st == EMOC_OK) {
        st = emw_writer_save(w, c->out);
        if (st != EMOC_OK) snprintf(err.msg, sizeof err.msg, "%s", emw_writer_error(w));
    }
    emw_writer_free(w);
    if (st != EMOC_OK) {
        cli_error(cmd, "%s: %s", in, err.msg[0] ? err.msg : emoc_strerror(st));
        return st == EMOC_E_IO ? EXIT_RUNTIME : cli_exit_for_status(st);
    }
    return EXIT_OK;
}

int cmd_convert(int argc, char **argv)
{
    convert_args c;
    int rc = convert_parse(argc, argv, &c);
    if (rc >= 0) return rc;
    if (c.n_in == 3) return convert_many(argv[0], c.ins, c.n_in, c.out, &c.opts);
    return convert_one(argv[0], &c);
}
