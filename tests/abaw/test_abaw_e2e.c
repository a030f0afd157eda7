/* test_abaw_e2e.c — runs tests/abaw/e2e.py (synthetic ABAW set: train-head, mtl, tune, ce,
 * eval) against $EMOC_BIN and fails if any of its qualitative checks fails. Needs python3 with
 * numpy ($PYTHON, default /usr/bin/python3). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

Test(abaw_e2e, synthetic_chain_shows_the_papers_effects, .timeout = 120)
{
    const char *bin = getenv("EMOC_BIN"), *root = getenv("EMOC_ROOT"), *py = getenv("PYTHON");
    cr_assert(bin && root, "EMOC_BIN and EMOC_ROOT must be set (make test does)");
    char dir[] = "/tmp/emoc_abaw_e2e_XXXXXX";
    cr_assert(mkdtemp(dir), "mkdtemp");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s/tests/abaw/e2e.py %s %s > %s/log.txt 2>&1", py ? py : "/usr/bin/python3",
             root, bin, dir, dir);
    int rc = system(cmd);
    snprintf(cmd, sizeof cmd, "%s/log.txt", dir);
    FILE *f = fopen(cmd, "r");
    char log[16384] = "";
    if (f) {
        size_t n = fread(log, 1, sizeof log - 1, f);
        log[n] = '\0';
        fclose(f);
    }
    cr_assert(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "e2e.py failed (exit %d):\n%s",
              WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, log);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
