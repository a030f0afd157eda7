/* test_error.c — the shared error formatter (engine/base/error.c): NULL handling, prefixes and
 * truncation to the fixed emoc_error buffer. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/base/error.h"

static void set_prefixed(emoc_error *err, const char *prefix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emoc__vset_err_prefixed(err, prefix, fmt, ap);
    va_end(ap);
}

Test(error, fail_formats_and_returns_the_status)
{
    emoc_error err;
    cr_assert_eq(emoc__fail(&err, EMOC_E_SHAPE, "tensor '%s' is %dx%d", "w", 3, 4), EMOC_E_SHAPE);
    cr_assert_str_eq(err.msg, "tensor 'w' is 3x4");
    cr_assert_eq(emoc__fail(NULL, EMOC_E_IO, "ignored %d", 1), EMOC_E_IO);
}

Test(error, long_messages_truncate_inside_the_buffer)
{
    emoc_error err;
    char big[2 * sizeof err.msg];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    emoc__fail(&err, EMOC_E_FORMAT, "%s", big);
    cr_assert_eq(strlen(err.msg), sizeof err.msg - 1);
    char small[4] = "abc";
    emoc__set_err(small, sizeof small, "%d", 123456);
    cr_assert_str_eq(small, "123");
    emoc__set_err(NULL, 0, "no buffer is fine");
}

Test(error, prefix_comes_before_the_message)
{
    emoc_error err;
    set_prefixed(&err, "onnx: ", "node %d", 7);
    cr_assert_str_eq(err.msg, "onnx: node 7");
    set_prefixed(NULL, "onnx: ", "node %d", 7);
    char huge[sizeof err.msg + 8];
    memset(huge, 'p', sizeof huge - 1);
    huge[sizeof huge - 1] = 0;
    /* A prefix that cannot fit is dropped so the message itself survives. */
    set_prefixed(&err, huge, "kept");
    cr_assert_str_eq(err.msg, "kept");
}
