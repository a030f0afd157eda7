/*
 * shim_main.c — runner for the Criterion shim (criterion/criterion.h here). Every test runs in
 * its own forked process, as under Criterion (tests may set the environment, change directory,
 * crash): init, the test, fini; a failed assertion or a skip ends the process with its verdict,
 * a signal is a crash, .timeout (seconds, times SHIM_TIMEOUT_SCALE) is enforced with alarm(). Up to -jN tests at once
 * (default 2); a test's output is printed whole when it ends. --filter GLOB selects
 * "suite/name" as Criterion's does. Exit status 1 if any test failed or crashed.
 */
#include <criterion/criterion.h>

#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

enum { EXIT_SKIP = 77, EXIT_FAIL = 1 };

static shim_test *tests;
static shim_suite *suites;

void shim_register(shim_test *t)
{
    t->next = tests;
    tests = t;
}

void shim_register_suite(shim_suite *s)
{
    s->next = suites;
    suites = s;
}

void shim_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
    va_list ap;
    printf("  %s:%d: assertion failed: %s\n  ", file, line, expr);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    _exit(EXIT_FAIL);
}

void criterion_skip_test(const char *fmt, ...)
{
    va_list ap;
    printf("  skipped: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    _exit(EXIT_SKIP);
}

void shim_log(const char *fmt, ...)
{
    va_list ap;
    printf("  [LOG] ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

static void run_child(const shim_test *t)
{
    const shim_suite *s = suites;
    while (s && strcmp(s->name, t->suite)) s = s->next;
    void (*init)(void) = t->init ? t->init : s ? s->init : NULL;
    void (*fini)(void) = t->fini ? t->fini : s ? s->fini : NULL;
    const char *scale = getenv("SHIM_TIMEOUT_SCALE"); /* emulated runs are slower */
    double k = scale && atof(scale) > 0 ? atof(scale) : 1.0;
    if (t->timeout > 0) alarm((unsigned)(t->timeout * k + 0.999));
    if (init) init();
    t->fn();
    if (fini) fini();
    fflush(stdout);
    _exit(0);
}

typedef struct running {
    pid_t pid;
    const shim_test *t;
    FILE *out;
} running;

/* Waits for one child; prints its output and verdict; returns 0 pass, 1 fail, 2 skip. */
static int reap(running *run, int n, int *slot)
{
    int status;
    pid_t pid = wait(&status);
    int i = 0;
    while (i < n && run[i].pid != pid) i++;
    if (i == n) return -1;
    *slot = i;
    const shim_test *t = run[i].t;
    rewind(run[i].out);
    char buf[4096];
    size_t got;
    printf("[RUN ] %s::%s\n", t->suite, t->name);
    while ((got = fread(buf, 1, sizeof buf, run[i].out)) > 0) fwrite(buf, 1, got, stdout);
    fclose(run[i].out);
    run[i].pid = 0;
    int verdict;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("[PASS] %s::%s\n", t->suite, t->name);
        verdict = 0;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIP) {
        printf("[SKIP] %s::%s\n", t->suite, t->name);
        verdict = 2;
    } else if (WIFSIGNALED(status)) {
        printf("[CRASH] %s::%s: signal %d%s\n", t->suite, t->name, WTERMSIG(status),
               WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
        verdict = 1;
    } else {
        printf("[FAIL] %s::%s\n", t->suite, t->name);
        verdict = 1;
    }
    fflush(stdout);
    return verdict;
}

int main(int argc, char **argv)
{
    const char *filter = NULL;
    int jobs = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--filter") && i + 1 < argc) filter = argv[++i];
        else if (!strncmp(argv[i], "--filter=", 9)) filter = argv[i] + 9;
        else if (!strncmp(argv[i], "-j", 2) && argv[i][2]) jobs = atoi(argv[i] + 2);
        else if (!strncmp(argv[i], "--jobs=", 7)) jobs = atoi(argv[i] + 7);
    }
    if (jobs < 1) jobs = 1;
    if (jobs > 64) jobs = 64;
    running run[64] = {{0}};
    int active = 0, pass = 0, fail = 0, skip = 0;
    /* registration order is reversed: restore the order of the files */
    shim_test *ordered = NULL;
    while (tests) {
        shim_test *t = tests;
        tests = t->next;
        t->next = ordered;
        ordered = t;
    }
    for (shim_test *t = ordered;; t = t ? t->next : NULL) {
        while (active == jobs || (!t && active > 0)) {
            int slot, v = reap(run, jobs, &slot);
            if (v < 0) continue;
            active--;
            pass += v == 0;
            fail += v == 1;
            skip += v == 2;
        }
        if (!t) break;
        char full[512];
        snprintf(full, sizeof full, "%s/%s", t->suite, t->name);
        if (filter && fnmatch(filter, full, 0) != 0) continue;
        int slot = 0;
        while (run[slot].pid) slot++;
        fflush(stdout);
        FILE *out = tmpfile();
        if (!out) {
            perror("tmpfile");
            return 1;
        }
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            dup2(fileno(out), 1);
            dup2(fileno(out), 2);
            run_child(t);
        }
        run[slot] = (running){pid, t, out};
        active++;
    }
    printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Skipped: %d\n", pass + fail, pass, fail,
           skip);
    return fail ? 1 : 0;
}
