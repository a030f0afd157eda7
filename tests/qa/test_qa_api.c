/* test_qa_api.c — adversarial checks of the public API: NULL arguments, frees of NULL, caller
 * arenas that are too small or misaligned, sessions reused after a failed run, and model paths
 * that are not regular files. Each case asserts the exact status, never just "no crash". */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "tests/core/tinynet_fixture.h"

static emoc_model *qa_tiny_model(void)
{
    tiny_opts o;
    tiny_default(&o);
    size_t n = 0;
    uint8_t *buf = tiny_build(&o, &n);
    cr_assert_not_null(buf);
    emoc_model *m = NULL;
    emoc_error err;
    cr_assert_eq(emoc_model_load_memory(buf, n, NULL, &m, &err), EMOC_OK, "%s", err.msg);
    free(buf);
    return m;
}

Test(qa_api, null_arguments_are_e_arg)
{
    emoc_error err;
    emoc_model *m = (emoc_model *)1;
    cr_assert_eq(emoc_model_load_file(NULL, NULL, &m, &err), EMOC_E_ARG);
    cr_assert_eq(emoc_model_load_file("x.emw", NULL, NULL, &err), EMOC_E_ARG);
    cr_assert_eq(emoc_model_load_memory(NULL, 10, NULL, &m, &err), EMOC_E_ARG);
    cr_assert_null(m, "out is cleared on failure");
    emoc_session *s = (emoc_session *)1;
    cr_assert_eq(emoc_session_create(NULL, 1, NULL, 0, &s, &err), EMOC_E_ARG);
    cr_assert_eq(emoc_model_get_info(NULL, NULL), EMOC_E_ARG);
    emoc_output out;
    cr_assert_eq(emoc_session_run(NULL, NULL, 0, &out), EMOC_E_ARG);
    /* Frees of NULL are no-ops, and the error accessors never return NULL strings to print. */
    emoc_model_free(NULL);
    emoc_session_free(NULL);
    emoc_image_free(NULL);
    cr_assert_not_null(emoc_strerror((emoc_status)999));
    cr_assert_not_null(emoc_strerror((emoc_status)-1));
}

Test(qa_api, caller_arena_too_small_or_misaligned)
{
    emoc_model *m = qa_tiny_model();
    size_t need = emoc_model_arena_size(m, 1);
    cr_assert_gt(need, 0);
    uint8_t *buf = aligned_alloc(64, need + 64);
    emoc_error err;
    emoc_session *s = NULL;
    cr_assert_eq(emoc_session_create(m, 1, buf, need - 1, &s, &err), EMOC_E_ARG);
    cr_assert_null(s);
    cr_assert(strstr(err.msg, "need") != NULL, "%s", err.msg);
    cr_assert_eq(emoc_session_create(m, 1, buf + 1, need, &s, &err), EMOC_E_ARG);
    cr_assert_eq(emoc_session_create(m, 1, buf, 1, &s, &err), EMOC_E_ARG);
    cr_assert_eq(emoc_session_create(m, 1, buf, need, &s, &err), EMOC_OK, "%s", err.msg);
    emoc_session_free(s);
    free(buf);
    emoc_model_free(m);
}

Test(qa_api, session_usable_after_failed_runs)
{
    emoc_model *m = qa_tiny_model();
    emoc_model_info info;
    cr_assert_eq(emoc_model_get_info(m, &info), EMOC_OK);
    size_t n = 3u * (size_t)info.input_size * (size_t)info.input_size;
    float *x = calloc(n, sizeof *x);
    emoc_error err;
    emoc_session *s = NULL;
    cr_assert_eq(emoc_session_create(m, 2, NULL, 0, &s, &err), EMOC_OK, "%s", err.msg);
    emoc_output ok1, o;
    cr_assert_eq(emoc_session_run(s, x, n, &ok1), EMOC_OK);
    float first = ok1.scores[0];
    cr_assert_eq(emoc_session_run(s, NULL, n, &o), EMOC_E_ARG);
    cr_assert_eq(emoc_session_run(s, x, n - 1, &o), EMOC_E_SHAPE);
    cr_assert_eq(emoc_session_run(s, x, n, NULL), EMOC_E_ARG);
    x[n / 2] = 0.0f / 0.0f;
    cr_assert_eq(emoc_session_run(s, x, n, &o), EMOC_E_NONFINITE);
    cr_assert_str_neq(emoc_session_last_error(s), "");
    x[n / 2] = 0.0f;
    cr_assert_eq(emoc_session_run(s, x, n, &o), EMOC_OK, "%s", emoc_session_last_error(s));
    cr_assert_eq(memcmp(&o.scores[0], &first, sizeof first), 0, "same result after errors");
    emoc_session_free(s);
    free(x);
    emoc_model_free(m);
}

/* A directory or a device given as a model used to report "9223372036854775807 bytes exceeds
 * the cap" (ftell on a directory stream); it must say the path is not a regular file. */
Test(qa_api, model_path_that_is_not_a_file)
{
    emoc_error err;
    emoc_model *m = NULL;
    emoc_status st = emoc_model_load_file("/tmp", NULL, &m, &err);
    cr_assert_eq(st, EMOC_E_IO, "status %d: %s", st, err.msg);
    cr_assert_null(m);
    cr_assert(strstr(err.msg, "not a regular file") != NULL, "%s", err.msg);
    st = emoc_model_load_file("/nonexistent/qa.emw", NULL, &m, &err);
    cr_assert_eq(st, EMOC_E_IO, "%s", err.msg);
}
