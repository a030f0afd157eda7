/*
 * shim_main.c — runner for the Criterion shim (criterion/criterion.h here): runs every
 * registered test, a failed cr_assert or a skip longjmps back here; prints one line per test
 * and a Criterion-like synthesis; exit status 1 if any test failed.
 */
#include <criterion/criterion.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>

static shim_test *tests;
static jmp_buf back;

void shim_register(shim_test *t)
{
    t->next = tests;
    tests = t;
}

void shim_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
    va_list ap;
    printf("  %s:%d: assertion failed: %s\n  ", file, line, expr);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    longjmp(back, 1);
}

void criterion_skip_test(const char *fmt, ...)
{
    va_list ap;
    printf("  skipped: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    longjmp(back, 2);
}

int main(void)
{
    volatile int pass = 0, fail = 0, skip = 0;
    for (shim_test *volatile t = tests; t; t = t->next) {
        printf("[RUN ] %s::%s\n", t->suite, t->name);
        fflush(stdout);
        int r = setjmp(back);
        if (r == 0) {
            t->fn();
            pass++;
            printf("[PASS] %s::%s\n", t->suite, t->name);
        } else if (r == 1) {
            fail++;
            printf("[FAIL] %s::%s\n", t->suite, t->name);
        } else {
            skip++;
            printf("[SKIP] %s::%s\n", t->suite, t->name);
        }
        fflush(stdout);
    }
    printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Skipped: %d\n", pass + fail, pass, fail,
           skip);
    return fail ? 1 : 0;
}
