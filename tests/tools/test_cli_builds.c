/* test_cli_builds.c — `emoc --license` prints LICENSE byte for byte and then the model files'
 * terms; `emoc --help` documents -v and the environment mirrors; EMOC_THREADS is honoured,
 * overridden by --threads and refused when malformed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/cli_run.h"
#include "tests/core/tinynet_fixture.h"

static char out[1 << 16], err[1 << 14];

Test(cli_builds, license_prints_the_licence_file_and_model_terms)
{
    cli_scratch s;
    cli_scratch_init(&s);
    cr_assert_eq(cli_run(&s, "--license", out, sizeof out, err, sizeof err), 0, "%s", err);
    char path[1024];
    snprintf(path, sizeof path, "%s/LICENSE", getenv("EMOC_ROOT"));
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s", path);
    static char lic[1 << 15];
    size_t n = fread(lic, 1, sizeof lic, f);
    fclose(f);
    cr_assert(n > 11000 && strstr(lic, "Apache License") && strstr(lic, "Version 2.0"));
    cr_assert_eq(memcmp(out, lic, n), 0, "--license does not start with LICENSE");
    const char *terms = out + n;
    cr_assert(strstr(terms, "EmotiEffLib") && strstr(terms, "facenet-pytorch") && strstr(terms, "MIT") &&
                  strstr(terms, "Pytorch_Retinaface") && strstr(terms, "MediaPipe"),
              "model terms missing: %s", terms);
    cli_scratch_free(&s);
}

Test(cli_builds, help_documents_verbose_and_environment)
{
    cli_scratch s;
    cli_scratch_init(&s);
    cr_assert_eq(cli_run(&s, "--help", out, sizeof out, NULL, 0), 0);
    cr_assert(strstr(out, "EMOC_THREADS") && strstr(out, "EMOC_ISA") && strstr(out, "  -v ") &&
                  strstr(out, "--license") && strstr(out, "--shard K/N"),
              "%s", out);
    cr_assert_eq(cli_run(&s, "help predict", out, sizeof out, NULL, 0), 0);
    cr_assert(strstr(out, "EMOC_THREADS") && strstr(out, "--resume") && strstr(out, "  -v "), "%s", out);
    cli_scratch_free(&s);
}

Test(cli_builds, emoc_threads_mirrors_threads)
{
    cli_scratch s;
    cli_scratch_init(&s);
    tiny_opts o;
    tiny_default(&o);
    size_t n;
    uint8_t *emw = tiny_build(&o, &n);
    char path[512];
    snprintf(path, sizeof path, "%s/m.emw", s.dir);
    FILE *f = fopen(path, "wb");
    cr_assert(f && fwrite(emw, 1, n, f) == n);
    fclose(f);
    free(emw);
    snprintf(path, sizeof path, "cp '%s/tests/fixtures/image/png_rgb16.png' '%s/a.png'", getenv("EMOC_ROOT"), s.dir);
    cr_assert_eq(system(path), 0);
    cr_assert_eq(cli_run(&s, "predict -m m.emw a.png -v -o /dev/null", NULL, 0, err, sizeof err), 0, "%s", err);
    cr_assert(strstr(err, ", 1 thread,"), "%s", err);
    setenv("EMOC_THREADS", "3", 1);
    cr_assert_eq(cli_run(&s, "predict -m m.emw a.png -v -o t3.csv", NULL, 0, err, sizeof err), 0, "%s", err);
    cr_assert(strstr(err, ", 3 threads (EMOC_THREADS"), "%s", err);
    cr_assert_eq(cli_run(&s, "predict -m m.emw a.png -v --threads 2 -o t2.csv", NULL, 0, err, sizeof err), 0, "%s", err);
    cr_assert(strstr(err, ", 2 threads"), "--threads wins: %s", err);
    setenv("EMOC_THREADS", "zero", 1);
    cr_assert_eq(cli_run(&s, "predict -m m.emw a.png -o t0.csv", NULL, 0, err, sizeof err), 2);
    cr_assert(strstr(err, "EMOC_THREADS expects an integer"), "%s", err);
    cr_assert_eq(cli_run(&s, "features -m m.emw a.png -o f.csv --csv", NULL, 0, err, sizeof err), 2);
    unsetenv("EMOC_THREADS");
    cli_scratch_free(&s);
}
