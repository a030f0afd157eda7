/* emoc.c — command-line entry point: dispatches `emoc CMD ...` to tools/cmd_<cmd>.c. */
#include "tools/cli.h"
#include "tools/license.h"

#include <string.h>

/* Each command prints its own full usage for `--help` (one source of truth per command). */
typedef struct {
    const char *name;
    cli_cmd_fn fn;
    const char *summary;
} command;

static const command commands[] = {
    {"info", cmd_info, "describe an EMW weight file and the plan it builds"},
    {"convert", cmd_convert, "convert an ONNX file or PyTorch checkpoint to EMW"},
    {"predict", cmd_predict, "run a model on images, folders, raw frames or tensors"},
    {"detect", cmd_detect, "find faces (MTCNN) in images, folders or raw frames"},
    {"mtcnn-net", cmd_mtcnn_net, "(conformance) run one MTCNN sub-network on tensors"},
    {"bench", cmd_bench, "time forward passes of one input"},
    {"decode", cmd_decode, "decode an image and write its pixels as PPM"},
    {"preprocess", cmd_preprocess, "write the exact float32 NCHW tensor a model receives"},
    {"features", cmd_features, "extract per-frame features X = [embedding, scores]"},
    {"mtl", cmd_mtl, "ABAW multi-task submission from features and heads"},
    {"ce", cmd_ce, "ABAW compound-expression submission"},
    {"eval", cmd_eval, "metrics of predictions against ABAW annotations"},
    {"tune", cmd_tune, "tune thresholds, blend weights and smoothing on a validation set"},
    {"train-head", cmd_train_head, "train the multi-task head on extracted features"},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_help(FILE *f)
{
    fprintf(f, "emoc %s — facial affect inference on your own device (HSEmotion models)\n\n"
               "usage: emoc COMMAND [OPTIONS]\n       emoc help COMMAND\n       emoc --version | --license\n\n"
               "commands:\n",
            emoc_version_string());
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nexit codes:\n"
               "  0  success\n"
               "  1  runtime failure (I/O, out of memory, internal error)\n"
               "  2  usage error (bad command line)\n"
               "  3  invalid input file (weights, image, annotation, features)\n"
               "  4  completed, but some frames or rows have a non-ok status\n"
               "\ncommon options (predict, features; see emoc help COMMAND):\n"
               "  --threads N   worker threads            (env EMOC_THREADS=N; the option wins)\n"
               "  -v            verbose: kernel set, threads, batch mode and inputs on stderr\n"
               "  -q            quiet: no progress or summary\n"
               "  --shard K/N   run only shard K of N of the inputs (docs/scale-out.md)\n"
               "\nenvironment:\n"
               "  EMOC_ISA=ref|avx2|avx512|neon   pin the kernel set (default: best the CPU has)\n"
               "  EMOC_THREADS=N                  default for --threads\n"
               "  EMOC_SANDBOX=0                  same as --no-sandbox\n"
               "\noptions every command accepts:\n"
               "  --no-sandbox   do not enter the seccomp sandbox that predict, detect, features,\n"
               "                 mtl, ce and eval enter after loading (docs/sandbox.md)\n"
               "  --ftz          flush denormals to zero in the forward pass (default: IEEE)\n"
               "\nsignals: SIGINT/SIGTERM finish the current frame, flush the rows and exit\n"
               "130/143 (\"interrupted after N frames\"); a closed output pipe (SIGPIPE/EPIPE)\n"
               "stops at once with exit 141.\n"
               "\nemoc --license prints emoc's licence (Apache-2.0) and the model files' terms.\n");
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

/* Reports, help and rows go to stdout: a full disk, a file-size limit or /dev/full must not end
 * in a success status with the output cut short. */
static int check_stdout(const char *cmd, int rc)
{
    if ((fflush(stdout) != 0 || ferror(stdout)) && (rc == EXIT_OK || rc == EXIT_PARTIAL)) {
        cli_error(cmd, "error writing standard output: the output is incomplete");
        rc = EXIT_RUNTIME;
    }
    return rc;
}

/* Takes the flags every command accepts (cli.h) out of argv; returns the new argc. */
static int take_global_flags(int argc, char **argv)
{
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && !strcmp(argv[i], "--no-sandbox")) cli_no_sandbox = 1;
        else if (i > 0 && !strcmp(argv[i], "--ftz")) cli_ftz = 1;
        else argv[n++] = argv[i];
    }
    argv[n] = NULL;
    return n;
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        print_help(stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        emoc_isa isa = EMOC_ISA_REF;
        emoc_status st = emoc_isa_resolve(EMOC_ISA_AUTO, &isa);
        printf("emoc %s\nbuild: %s\nisa: %s%s\nsandbox: %s\n", emoc_version_string(), emoc_build_info(),
               emoc_isa_name(isa), st == EMOC_OK ? "" : " (EMOC_ISA request not supported)",
               emoc_sandbox_available() ? "available (seccomp-bpf, docs/sandbox.md)"
                                        : "not available on this system (commands need --no-sandbox)");
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--license")) {
        fputs(cli_license_text(), stdout);
        fputs(cli_model_terms_text(), stdout);
        return fflush(stdout) || ferror(stdout) ? EXIT_RUNTIME : EXIT_OK;
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            print_help(stdout);
            return EXIT_OK;
        }
        const command *c = find(argv[2]);
        if (!c) {
            cli_error("help", "unknown command '%s' (see emoc --help)", argv[2]);
            return EXIT_USAGE;
        }
        char *help_argv[] = {(char *)c->name, (char *)"--help", NULL};
        return c->fn(2, help_argv);
    }
    const command *c = find(cmd);
    if (!c) {
        cli_error(cmd, "unknown command (see emoc --help)");
        return EXIT_USAGE;
    }
    return c->fn(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    argc = take_global_flags(argc, argv);
    return check_stdout(argc > 1 ? argv[1] : "emoc", run(argc, argv));
}
