/*
 * criterion.h (shim) — the subset of Criterion the emoc suite uses, for targets where Debian has
 * no libcriterion: the aarch64 kernel tests under qemu-aarch64 (`make test-qemu`) and the whole
 * suite on 32-bit ARM under qemu-arm (`make test-qemu-armhf`: Debian bookworm builds no armhf
 * Criterion). Included instead of the real header via -Itests/kernels/shim; the runner is
 * shim_main.c (every test in its own forked process, as Criterion does). Not used natively.
 *
 * Supported: Test(suite, name [, .init = f] [, .fini = f] [, .timeout = seconds]),
 * TestSuite(name [, .init] [, .fini]) (defaults for the suite's tests), cr_assert and the
 * _eq/_neq/_lt/_leq/_gt/_geq/_null/_not_null/_float_eq/_str_eq/_str_neq/_str_empty/_arr_eq
 * forms, cr_assert_fail, cr_skip_test / criterion_skip_test, cr_log_info/_warn/_error.
 */
#ifndef EMOC_KTEST_CRITERION_SHIM_H
#define EMOC_KTEST_CRITERION_SHIM_H

#include <math.h>
#include <string.h>

typedef struct shim_test {
    const char *suite, *name;
    void (*fn)(void);
    void (*init)(void);
    void (*fini)(void);
    double timeout;
    struct shim_test *next;
} shim_test;

typedef struct shim_suite {
    const char *name;
    void (*init)(void);
    void (*fini)(void);
    struct shim_suite *next;
} shim_suite;

void shim_register(shim_test *t);
void shim_register_suite(shim_suite *s);
/* no format attribute: the message may be the empty literal of a bare cr_assert(cond) */
_Noreturn void shim_fail(const char *file, int line, const char *expr, const char *fmt, ...);
_Noreturn void criterion_skip_test(const char *fmt, ...);
void shim_log(const char *fmt, ...);

#define Test(S_, N_, ...)                                                                          \
    static void S_##_##N_(void);                                                                   \
    static shim_test S_##_##N_##_entry = {.suite = #S_, .name = #N_, .fn = S_##_##N_, __VA_ARGS__}; \
    __attribute__((constructor)) static void S_##_##N_##_register(void)                            \
    {                                                                                              \
        shim_register(&S_##_##N_##_entry);                                                         \
    }                                                                                              \
    static void S_##_##N_(void)

#define TestSuite(S_, ...)                                                                         \
    static shim_suite S_##_suite_entry = {.name = #S_, __VA_ARGS__};                               \
    __attribute__((constructor)) static void S_##_suite_register(void)                             \
    {                                                                                              \
        shim_register_suite(&S_##_suite_entry);                                                    \
    }

#define cr_assert(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) shim_fail(__FILE__, __LINE__, #cond, "" __VA_ARGS__);                        \
    } while (0)

#define cr_assert_fail(...) shim_fail(__FILE__, __LINE__, "cr_assert_fail", "" __VA_ARGS__)
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_neq(a, b, ...) cr_assert((a) != (b), __VA_ARGS__)
#define cr_assert_lt(a, b, ...) cr_assert((a) < (b), __VA_ARGS__)
#define cr_assert_leq(a, b, ...) cr_assert((a) <= (b), __VA_ARGS__)
#define cr_assert_gt(a, b, ...) cr_assert((a) > (b), __VA_ARGS__)
#define cr_assert_geq(a, b, ...) cr_assert((a) >= (b), __VA_ARGS__)
#define cr_assert_null(p, ...) cr_assert((p) == NULL, __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_assert((p) != NULL, __VA_ARGS__)
#define cr_assert_float_eq(a, b, eps, ...) cr_assert(fabs((double)(a) - (double)(b)) <= (double)(eps), __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) cr_assert(strcmp((a), (b)) == 0, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) cr_assert(strcmp((a), (b)) != 0, __VA_ARGS__)
#define cr_assert_str_empty(s, ...) cr_assert((s)[0] == '\0', __VA_ARGS__)
#define cr_assert_arr_eq(a, b, size, ...) cr_assert(memcmp((a), (b), (size)) == 0, __VA_ARGS__)

#define cr_skip_test(...) criterion_skip_test("" __VA_ARGS__)
#define cr_log_info(...) shim_log(__VA_ARGS__)
#define cr_log_warn(...) shim_log(__VA_ARGS__)
#define cr_log_error(...) shim_log(__VA_ARGS__)

#endif /* EMOC_KTEST_CRITERION_SHIM_H */
