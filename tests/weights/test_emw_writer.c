/* test_emw_writer.c — the writer refuses what the reader would reject; network-metadata check. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "tests/weights/emw_fixture.h"
#include "weights/emw.h"

static emw_writer *new_writer(void)
{
    emw_writer *w;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    return w;
}

#define EXPECT_W(call, want, substr)                                                      \
    do {                                                                                  \
        emoc_status st_ = (call);                                                         \
        cr_assert_eq(st_, want, "%s -> %d: %s", #call, st_, emw_writer_error(w));          \
        cr_assert_not_null(strstr(emw_writer_error(w), substr), "'%s' lacks '%s'",       \
                           emw_writer_error(w), substr);                                  \
    } while (0)

Test(emw_writer, rejects_bad_tensors)
{
    emw_writer *w = new_writer();
    const float v[4] = {1, 2, 3, 4};
    const int64_t d4[1] = {4}, d0[2] = {2, 0}, d9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 4};
    cr_assert_eq(emw_writer_add_tensor(w, "a", EMW_F32, 1, d4, v), EMOC_OK);
    EXPECT_W(emw_writer_add_tensor(w, "a", EMW_F32, 1, d4, v), EMOC_E_ARG, "duplicate tensor name 'a'");
    EXPECT_W(emw_writer_add_tensor(w, "", EMW_F32, 1, d4, v), EMOC_E_ARG, "tensor name is empty");
    EXPECT_W(emw_writer_add_tensor(w, "b\xff", EMW_F32, 1, d4, v), EMOC_E_ARG, "not valid UTF-8");
    EXPECT_W(emw_writer_add_tensor(w, "b", EMW_F32, 9, d9, v), EMOC_E_ARG, "rank 9 outside 1..8");
    EXPECT_W(emw_writer_add_tensor(w, "b", EMW_F32, 0, d4, v), EMOC_E_ARG, "rank 0");
    EXPECT_W(emw_writer_add_tensor(w, "b", EMW_F32, 2, d0, v), EMOC_E_ARG, "dimension 1 is 0");
    EXPECT_W(emw_writer_add_tensor(w, "b", (emw_dtype)2, 1, d4, v), EMOC_E_UNSUPPORTED,
             "dtype 2 is not writable");
    const float nan4[4] = {1, NAN, 3, 4}, inf4[4] = {1, 2, -INFINITY, 4}, big[4] = {1, 7e4f, 0, 0};
    EXPECT_W(emw_writer_add_tensor(w, "b", EMW_F32, 1, d4, nan4), EMOC_E_NONFINITE, "element 1 is NaN");
    EXPECT_W(emw_writer_add_tensor(w, "b", EMW_F16, 1, d4, inf4), EMOC_E_NONFINITE,
             "element 2 is infinite");
    EXPECT_W(emw_writer_add_tensor(w, "b", EMW_F16, 1, d4, big), EMOC_E_NONFINITE, "overflows f16");
    /* Failed adds left nothing behind: the file has exactly one tensor. */
    uint8_t *buf;
    size_t size;
    cr_assert_eq(emw_writer_to_memory(w, &buf, &size), EMOC_OK);
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse(buf, size, 1, &f, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(f.n_tensors, 1);
    emw_file_release(&f);
    free(buf);
    emw_writer_free(w);
}

Test(emw_writer, rejects_bad_metadata)
{
    emw_writer *w = new_writer();
    cr_assert_eq(emw_writer_meta_i64(w, "k", 1), EMOC_OK);
    EXPECT_W(emw_writer_meta_str(w, "k", "x"), EMOC_E_ARG, "duplicate metadata key 'k'");
    EXPECT_W(emw_writer_meta_i64(w, "", 1), EMOC_E_ARG, "metadata key is empty");
    EXPECT_W(emw_writer_meta_f64(w, "x", NAN), EMOC_E_NONFINITE, "metadata 'x' value is not finite");
    const double bad[2] = {1, INFINITY};
    EXPECT_W(emw_writer_meta_f64_array(w, "x", bad, 2), EMOC_E_NONFINITE, "element 1 is not finite");
    char longkey[200];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = 0;
    EXPECT_W(emw_writer_meta_i64(w, longkey, 1), EMOC_E_LIMIT, "cap is 128");
    EXPECT_W(emw_writer_meta_str(w, "s", "\xc3\x28"), EMOC_E_ARG, "not valid UTF-8");
    EXPECT_W(emw_writer_meta_i64_array(w, "a", (const int64_t[1]){1}, EMW_MAX_ARRAY_LEN + 1),
             EMOC_E_LIMIT, "cap is 4096");
    /* The failed string entry did not consume its key. */
    cr_assert_eq(emw_writer_meta_str(w, "s", "ok"), EMOC_OK);
    emw_writer_free(w);
}

Test(emw_writer, save_reports_unwritable_path)
{
    emw_writer *w = new_writer();
    EXPECT_W(emw_writer_save(w, "/nonexistent-dir/x.emw"), EMOC_E_IO, "cannot create");
    cr_assert(strstr(emw_writer_error(w), "No such file or directory"), "no reason: %s", emw_writer_error(w));
    emw_writer_free(w);
}

static size_t file_text(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s is gone", path);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
    return n;
}

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, ".."));
    closedir(d);
    return n;
}

/* Issue 15 defect 1: a failed save deleted the output path, even a device or a link. */
Test(emw_writer, failed_save_removes_nothing_it_did_not_create)
{
    char dir[] = "/tmp/emoc_emw_save_XXXXXX", path[128], link[128], text[64];
    cr_assert(mkdtemp(dir));
    emw_writer *w = new_writer();
    const float v[4] = {1, 2, 3, 4};
    const int64_t d4[1] = {4};
    cr_assert_eq(emw_writer_add_tensor(w, "a", EMW_F32, 1, d4, v), EMOC_OK);

    /* a character device that refuses the bytes: error, and the device is still there */
    struct stat sb;
    EXPECT_W(emw_writer_save(w, "/dev/full"), EMOC_E_IO, "No space left on device");
    cr_assert(stat("/dev/full", &sb) == 0 && S_ISCHR(sb.st_mode), "/dev/full was removed");

    /* an old file and a link to it: a write that fails (file-size limit) leaves both as they
     * were and no temporary file behind */
    snprintf(path, sizeof path, "%s/old.emw", dir);
    snprintf(link, sizeof link, "%s/link.emw", dir);
    FILE *f = fopen(path, "wb");
    fputs("previous model", f);
    fclose(f);
    cr_assert_eq(symlink("old.emw", link), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {8, 8};
        setrlimit(RLIMIT_FSIZE, &rl);
        _exit(emw_writer_save(w, link) == EMOC_E_IO && strstr(emw_writer_error(w), "unchanged") ? 0 : 1);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the limited save did not fail cleanly");
    cr_assert(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode), "the link was removed");
    file_text(path, text, sizeof text);
    cr_assert_str_eq(text, "previous model");
    cr_assert_eq(dir_entries(dir), 2, "a temporary file was left behind");

    /* success through the link: the link stays a link, the file it names is replaced */
    cr_assert_eq(emw_writer_save(w, link), EMOC_OK, "%s", emw_writer_error(w));
    cr_assert(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode), "the link was replaced by a file");
    cr_assert(file_text(path, text, sizeof text) > 8 && !memcmp(text, "EMW", 3), "old.emw was not rewritten");
    cr_assert_eq(dir_entries(dir), 2);
    emw_writer_free(w);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* ---- emw_check_net_meta ---- */

/* Writes the fixture's metadata, skipping `skip` and adding `extra` afterwards. */
static emoc_status netmeta(const char *skip, void (*extra)(emw_writer *), emoc_error *err)
{
    emw_writer *w = new_writer();
    const double mean[3] = {0.5, 0.5, 0.5}, std[3] = {0.5, 0.5, 0.5};
    const char *labels[3] = {"a", "b", "c"};
    struct { const char *k; int t; const char *s; int64_t i; } kv[] = {
        {"emoc.arch", EMW_T_STR, "efficientnet", 0}, {"emoc.variant", EMW_T_STR, "b0", 0},
        {"emoc.name", EMW_T_STR, "n", 0}, {"input.size", EMW_T_I64, NULL, 224},
        {"input.channels", EMW_T_I64, NULL, 3}, {"input.color", EMW_T_STR, "RGB", 0},
        {"input.mean", EMW_T_F64_ARRAY, NULL, 0}, {"input.std", EMW_T_F64_ARRAY, NULL, 0},
        {"input.resize", EMW_T_STR, "cv2_linear", 0}, {"output.n_scores", EMW_T_I64, NULL, 5},
        {"output.n_classes", EMW_T_I64, NULL, 3}, {"output.labels", EMW_T_STR_ARRAY, NULL, 0},
        {"output.valence_index", EMW_T_I64, NULL, 3}, {"output.arousal_index", EMW_T_I64, NULL, 4},
        {"output.embedding_size", EMW_T_I64, NULL, 1280}, {"source.file", EMW_T_STR, "x.onnx", 0},
        {"source.sha256", EMW_T_STR,
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0},
        {"converter.version", EMW_T_STR, "t", 0},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        if (skip && strstr(skip, kv[i].k)) continue; /* skip: space-separated keys */
        emoc_status st = EMOC_OK;
        if (kv[i].t == EMW_T_STR) st = emw_writer_meta_str(w, kv[i].k, kv[i].s);
        else if (kv[i].t == EMW_T_I64) st = emw_writer_meta_i64(w, kv[i].k, kv[i].i);
        else if (kv[i].t == EMW_T_STR_ARRAY) st = emw_writer_meta_str_array(w, kv[i].k, labels, 3);
        else st = emw_writer_meta_f64_array(w, kv[i].k, strcmp(kv[i].k, "input.std") ? mean : std, 3);
        cr_assert_eq(st, EMOC_OK, "%s", emw_writer_error(w));
    }
    if (extra) extra(w);
    uint8_t *buf;
    size_t size;
    cr_assert_eq(emw_writer_to_memory(w, &buf, &size), EMOC_OK);
    emw_writer_free(w);
    emw_file f;
    cr_assert_eq(emw_parse(buf, size, 1, &f, err), EMOC_OK, "%s", err->msg);
    emoc_status st = emw_check_net_meta(&f, err);
    emw_file_release(&f);
    free(buf);
    return st;
}

static void expect_meta(const char *skip, void (*extra)(emw_writer *), emoc_status want,
                        const char *substr)
{
    emoc_error err = {{0}};
    emoc_status st = netmeta(skip, extra, &err);
    cr_assert_eq(st, want, "skip=%s: %d %s", skip ? skip : "-", st, err.msg);
    if (want) cr_assert_not_null(strstr(err.msg, substr), "'%s' lacks '%s'", err.msg, substr);
}

static void add_bad_size(emw_writer *w) { emw_writer_meta_str(w, "input.size", "224"); }
static void add_color_bgr(emw_writer *w) { emw_writer_meta_str(w, "input.color", "BGR"); }
static void add_bad_sha(emw_writer *w) { emw_writer_meta_str(w, "source.sha256", "abc"); }
static void add_bad_resize(emw_writer *w) { emw_writer_meta_str(w, "input.resize", "lanczos"); }
static void add_two_labels(emw_writer *w)
{
    emw_writer_meta_str_array(w, "output.labels", (const char *const[]){"a", "b"}, 2);
}
static void add_va_in_classes(emw_writer *w) { emw_writer_meta_i64(w, "output.valence_index", 1); }
static void add_std_zero(emw_writer *w)
{
    emw_writer_meta_f64_array(w, "input.std", (const double[]){0.2, 0.0, 0.2}, 3);
}
static void add_mtl_arch(emw_writer *w) { emw_writer_meta_str(w, "emoc.arch", "mtl_head"); }
static void add_empty_prefix(emw_writer *w)
{
    emw_writer_meta_str_array(w, "ignored.prefixes", (const char *const[]){""}, 1);
}

Test(emw_netmeta, complete_metadata_passes)
{
    expect_meta(NULL, NULL, EMOC_OK, "");
}
Test(emw_netmeta, each_problem_named)
{
    expect_meta("input.mean", NULL, EMOC_E_FORMAT, "missing required metadata key 'input.mean' (f64[])");
    expect_meta("converter.version", NULL, EMOC_E_FORMAT, "missing required metadata key 'converter.version'");
    expect_meta("input.size", add_bad_size, EMOC_E_FORMAT, "metadata 'input.size' is str, expected i64");
    expect_meta("input.color", add_color_bgr, EMOC_E_FORMAT, "'input.color' is 'BGR'");
    expect_meta("source.sha256", add_bad_sha, EMOC_E_FORMAT, "expected 64 lowercase hex digits");
    expect_meta("input.resize", add_bad_resize, EMOC_E_FORMAT, "'input.resize' is 'lanczos'");
    expect_meta("output.labels", add_two_labels, EMOC_E_FORMAT, "has 2 labels, output.n_classes is 3");
    expect_meta("output.valence_index", add_va_in_classes, EMOC_E_FORMAT,
                "'output.valence_index' is 1: must be -1 or an index in [n_classes=3");
    expect_meta("input.std", add_std_zero, EMOC_E_FORMAT, "'input.std'[1] is 0");
    expect_meta(NULL, add_empty_prefix, EMOC_E_FORMAT, "'ignored.prefixes'[0] is empty");
}
Test(emw_netmeta, mtl_head_may_omit_input_and_source)
{
    expect_meta("emoc.arch input.size input.channels input.color input.mean input.std "
                "input.resize source.file source.sha256",
                add_mtl_arch, EMOC_OK, "");
    /* ...but an image network may not. */
    expect_meta("input.size", NULL, EMOC_E_FORMAT, "missing required metadata key 'input.size'");
}
