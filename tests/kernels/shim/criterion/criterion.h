/*
 * criterion.h (shim) — the handful of Criterion calls the kernel tests use (Test, cr_assert,
 * cr_skip_test / criterion_skip_test), for targets where libcriterion is not installed: the
 * aarch64 cross build run under qemu-aarch64 (`make test-qemu`). Included instead of the real
 * header via -Itests/kernels/shim; the runner is shim_main.c. Not used by the native suite.
 */
#ifndef EMOC_KTEST_CRITERION_SHIM_H
#define EMOC_KTEST_CRITERION_SHIM_H

typedef struct shim_test {
    const char *suite, *name;
    void (*fn)(void);
    struct shim_test *next;
} shim_test;

void shim_register(shim_test *t);
/* no format attribute: the message may be the empty literal of a bare cr_assert(cond) */
_Noreturn void shim_fail(const char *file, int line, const char *expr, const char *fmt, ...);
_Noreturn void criterion_skip_test(const char *fmt, ...);

#include <string.h>

#define Test(suite, name)                                                                          \
    static void suite##_##name(void);                                                              \
    static shim_test suite##_##name##_entry = {#suite, #name, suite##_##name, 0};                  \
    __attribute__((constructor)) static void suite##_##name##_register(void)                       \
    {                                                                                              \
        shim_register(&suite##_##name##_entry);                                                    \
    }                                                                                              \
    static void suite##_##name(void)

#define cr_assert(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) shim_fail(__FILE__, __LINE__, #cond, "" __VA_ARGS__);                        \
    } while (0)

#define cr_assert_str_eq(a, b, ...) cr_assert(strcmp((a), (b)) == 0, __VA_ARGS__)

#define cr_skip_test(...) criterion_skip_test("" __VA_ARGS__)

#endif /* EMOC_KTEST_CRITERION_SHIM_H */
