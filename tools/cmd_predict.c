/*
 * cmd_predict.c — `emoc predict -m MODEL.emw (--tensor FILE.f32 ... | IMAGE ...)`: one forward pass
 * per input, one output row per input (frame 0, face_id 0 for single inputs), CSV or JSON Lines.
 *
 * Row fields: input, frame, face_id, status, label, probs (softmax of the emotion logits, class
 * order), scores (raw outputs of the final linear, graph order), valence, arousal (null without
 * V/A), and with --embedding the embedding (input of the final linear). A failed input still
 * gets its row: status names the error, value fields are empty (CSV) or null (JSON).
 * CSV spells arrays as named columns: prob_<label>, score_<i>, emb_<i>.
 */
#include "tools/cli.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct predict_opts {
    const char *model, *out, *format;
    int threads, embedding;
    const char **inputs;
    int *is_tensor;
    int n_inputs;
} predict_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: emoc predict -m MODEL.emw [--tensor FILE.f32]... [IMAGE]... [options]\n"
            "  --tensor FILE   raw little-endian float32 NCHW 1x3xSxS, already preprocessed\n"
            "                  (exactly what PyTorch would be given); may repeat\n"
            "  IMAGE           image file, resized and normalised as the model's metadata says\n"
            "  --format csv|jsonl  output format (default csv)\n"
            "  --embedding     add the embedding (input of the final linear)\n"
            "  --threads N     worker threads (default 1)\n"
            "  -o OUT          write to OUT instead of stdout\n"
            "One row per input; frame and face_id are 0 for single images and tensors.\n");
}

/* ---- output ------------------------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void csv_str(FILE *f, const char *s)
{
    int quote = strpbrk(s, ",\"\n\r") != NULL;
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void json_array(FILE *f, const char *key, const float *v, int n)
{
    fprintf(f, ",\"%s\":", key);
    if (!v) {
        fputs("null", f);
        return;
    }
    fputc('[', f);
    for (int i = 0; i < n; i++) fprintf(f, i ? ",%.9g" : "%.9g", (double)v[i]);
    fputc(']', f);
}

static void csv_header(FILE *f, const emoc_model *m, const emoc_model_info *info, int emb)
{
    fputs("input,frame,face_id,status,label", f);
    for (int i = 0; i < info->n_classes; i++) {
        const char *l = emoc_model_class_label(m, i);
        fputs(",prob_", f);
        for (; l && *l; l++) fputc(tolower((unsigned char)*l), f);
    }
    for (int i = 0; i < info->n_scores; i++) fprintf(f, ",score_%d", i);
    fputs(",valence,arousal", f);
    if (emb)
        for (int i = 0; i < info->embedding_size; i++) fprintf(f, ",emb_%d", i);
    fputc('\n', f);
}

/* out == NULL: failed row with `status`. */
static void write_row(FILE *f, int jsonl, const emoc_model *m, const emoc_model_info *info,
                      const char *input, const char *status, const emoc_output *out, int emb)
{
    const char *label = out ? emoc_model_class_label(m, out->label) : NULL;
    if (jsonl) {
        fputs("{\"input\":", f);
        json_str(f, input);
        fputs(",\"frame\":0,\"face_id\":0,\"status\":", f);
        json_str(f, status);
        fputs(",\"label\":", f);
        if (label) json_str(f, label);
        else fputs("null", f);
        json_array(f, "probs", out ? out->probs : NULL, out ? out->n_classes : 0);
        json_array(f, "scores", out ? out->scores : NULL, out ? out->n_scores : 0);
        if (out && out->has_va)
            fprintf(f, ",\"valence\":%.9g,\"arousal\":%.9g", (double)out->valence,
                    (double)out->arousal);
        else
            fputs(",\"valence\":null,\"arousal\":null", f);
        if (emb) json_array(f, "embedding", out ? out->embedding : NULL, out ? out->n_embedding : 0);
        fputs("}\n", f);
        return;
    }
    csv_str(f, input);
    fputs(",0,0,", f);
    csv_str(f, status);
    fputc(',', f);
    if (label) csv_str(f, label);
    for (int i = 0; i < info->n_classes; i++)
        out ? (void)fprintf(f, ",%.9g", (double)out->probs[i]) : (void)fputc(',', f);
    for (int i = 0; i < info->n_scores; i++)
        out ? (void)fprintf(f, ",%.9g", (double)out->scores[i]) : (void)fputc(',', f);
    if (out && out->has_va)
        fprintf(f, ",%.9g,%.9g", (double)out->valence, (double)out->arousal);
    else
        fputs(",,", f);
    if (emb)
        for (int i = 0; i < info->embedding_size; i++)
            out ? (void)fprintf(f, ",%.9g", (double)out->embedding[i]) : (void)fputc(',', f);
    fputc('\n', f);
}

/* ---- inputs -------------------------------------------------------------------------------- */

/* Reads a raw float32 tensor of exactly n values; returns NULL with a status sentence. */
static float *read_tensor(const char *path, size_t n, char *status, size_t len)
{
    char msg[512];
    size_t size = 0;
    unsigned char *buf = cli_read_file(path, &size, msg, sizeof msg);
    if (!buf) {
        snprintf(status, len, "error: %s", msg);
        return NULL;
    }
    if (size != n * sizeof(float)) {
        snprintf(status, len, "error: tensor has %zu bytes, the model needs %zu (1x3xSxS float32)",
                 size, n * sizeof(float));
        free(buf);
        return NULL;
    }
    float *x = malloc(n * sizeof(float));
    if (!x) {
        snprintf(status, len, "error: out of memory");
        free(buf);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) { /* explicit little-endian */
        uint32_t u = (uint32_t)buf[4 * i] | (uint32_t)buf[4 * i + 1] << 8 |
                     (uint32_t)buf[4 * i + 2] << 16 | (uint32_t)buf[4 * i + 3] << 24;
        memcpy(&x[i], &u, 4);
    }
    free(buf);
    return x;
}

static int parse_args(int argc, char **argv, predict_opts *o)
{
    const char *cmd = argv[0];
    o->inputs = calloc((size_t)argc, sizeof *o->inputs);
    o->is_tensor = calloc((size_t)argc, sizeof *o->is_tensor);
    if (!o->inputs || !o->is_tensor) return EXIT_RUNTIME;
    o->format = "csv";
    o->threads = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        long v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(a, "-m") && has_val) {
            o->model = argv[++i];
        } else if (!strcmp(a, "-o") && has_val) {
            o->out = argv[++i];
        } else if (!strcmp(a, "--format") && has_val) {
            o->format = argv[++i];
            if (strcmp(o->format, "csv") && strcmp(o->format, "jsonl")) {
                cli_error(cmd, "--format expects csv or jsonl, got '%s'", o->format);
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--threads") && has_val) {
            if (cli_parse_int(cmd, "--threads", argv[++i], 1, 256, &v)) return EXIT_USAGE;
            o->threads = (int)v;
        } else if (!strcmp(a, "--embedding")) {
            o->embedding = 1;
        } else if (!strcmp(a, "--tensor") && has_val) {
            o->is_tensor[o->n_inputs] = 1;
            o->inputs[o->n_inputs++] = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            cli_error(cmd, "unknown option '%s' (or missing value)", a);
            usage(stderr);
            return EXIT_USAGE;
        } else {
            o->inputs[o->n_inputs++] = a;
        }
    }
    if (!o->model || o->n_inputs == 0) {
        cli_error(cmd, "%s", !o->model ? "missing -m MODEL.emw" : "no input (--tensor FILE or IMAGE)");
        usage(stderr);
        return EXIT_USAGE;
    }
    return 0;
}

int cmd_predict(int argc, char **argv)
{
    const char *cmd = argv[0];
    predict_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse_args(argc, argv, &o);
    if (rc) {
        free(o.inputs);
        free(o.is_tensor);
        return rc < 0 ? EXIT_OK : rc;
    }
    emoc_model *m = NULL;
    emoc_session *s = NULL;
    emoc_error err = {{0}};
    emoc_model_info info;
    emoc_status st = emoc_model_load_file(o.model, NULL, &m, &err);
    if (st == EMOC_OK) st = emoc_model_get_info(m, &info);
    if (st == EMOC_OK) st = emoc_session_create(m, o.threads, NULL, 0, &s, &err);
    if (st != EMOC_OK) {
        cli_error(cmd, "%s: %s", o.model, err.msg[0] ? err.msg : emoc_strerror(st));
        emoc_model_free(m);
        free(o.inputs);
        free(o.is_tensor);
        return cli_exit_for_status(st);
    }
    FILE *f = o.out ? fopen(o.out, "w") : stdout;
    if (!f) {
        cli_error(cmd, "cannot write '%s'", o.out);
        rc = EXIT_RUNTIME;
        goto done;
    }
    int jsonl = !strcmp(o.format, "jsonl"), failed = 0;
    if (!jsonl) csv_header(f, m, &info, o.embedding);
    size_t n = (size_t)3 * (size_t)info.input_size * (size_t)info.input_size;
    for (int i = 0; i < o.n_inputs; i++) {
        char status[600];
        float *x = NULL;
        if (o.is_tensor[i]) {
            x = read_tensor(o.inputs[i], n, status, sizeof status);
        } else {
            snprintf(status, sizeof status, "error: image inputs are not supported by this build "
                     "yet; preprocess to a tensor and use --tensor");
        }
        emoc_output out;
        int ok = 0;
        if (x) {
            emoc_status rs = emoc_session_run(s, x, n, &out);
            ok = rs == EMOC_OK;
            if (ok) snprintf(status, sizeof status, "ok");
            else snprintf(status, sizeof status, "error: %s", emoc_session_last_error(s));
            free(x);
        }
        if (!ok) {
            failed++;
            cli_error(cmd, "%s: %s", o.inputs[i], status + 7);
        }
        write_row(f, jsonl, m, &info, o.inputs[i], status, ok ? &out : NULL, o.embedding);
    }
    rc = failed ? EXIT_PARTIAL : EXIT_OK;
    if (f != stdout && fclose(f)) rc = EXIT_RUNTIME;
    else if (f == stdout) fflush(stdout);
done:
    emoc_session_free(s);
    emoc_model_free(m);
    free(o.inputs);
    free(o.is_tensor);
    return rc;
}
