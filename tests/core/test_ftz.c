/* test_ftz.c — emoc_options.flush_denormals: IEEE by default; when set, the calling thread
 * flushes denormals during the forward pass (seen from the trace callback, which runs inside it)
 * and gets its own mode back afterwards; a denormal really becomes zero in that mode. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "emoc.h"
#include "engine/core/core.h"
#include "tests/core/tinynet_fixture.h"

static int seen_flushing = -1;

static void on_op(void *user, const emoc_trace_event *ev)
{
    (void)user;
    (void)ev;
    volatile float tiny = 1e-39f; /* a float32 denormal */
    volatile float half = tiny * 0.5f;
    int flushed = half == 0.0f;
    int flushing = emoc__fp_flushing();
    cr_assert_eq(flushed, flushing, "the mode bit and the arithmetic disagree");
    if (seen_flushing < 0) seen_flushing = flushing;
    cr_assert_eq(flushing, seen_flushing, "the mode changed between ops");
}

static int flushing_during_run(int flush)
{
    tiny_opts o;
    tiny_default(&o);
    size_t n = 0;
    uint8_t *buf = tiny_build(&o, &n);
    emoc_options opt;
    emoc_options_default(&opt);
    cr_assert_eq(opt.flush_denormals, 0, "IEEE must be the default");
    opt.flush_denormals = flush;
    emoc_model *m = NULL;
    emoc_session *s = NULL;
    emoc_error err;
    cr_assert_eq(emoc_model_load_memory(buf, n, &opt, &m, &err), EMOC_OK, "%s", err.msg);
    free(buf);
    cr_assert_eq(emoc_session_create(m, 2, NULL, 0, &s, &err), EMOC_OK, "%s", err.msg);
    float x[3 * 16 * 16];
    for (int i = 0; i < 3 * 16 * 16; i++) x[i] = (float)(i % 7) * 0.1f;
    emoc_output out;
    seen_flushing = -1;
    emoc_session_set_trace(s, on_op, NULL);
    cr_assert_eq(emoc_session_run(s, x, 3 * 16 * 16, &out), EMOC_OK);
    cr_assert_eq(emoc__fp_flushing(), 0, "the caller's IEEE mode was not restored");
    emoc_session_free(s);
    emoc_model_free(m);
    return seen_flushing;
}

Test(ftz, ieee_by_default_flush_only_inside_the_run)
{
    cr_assert_eq(emoc__fp_flushing(), 0);
    cr_assert_eq(flushing_during_run(0), 0, "denormals flushed without the option");
#if defined(__x86_64__) || defined(__aarch64__)
    cr_assert_eq(flushing_during_run(1), 1, "flush_denormals = 1 did not flush during the run");
#else
    cr_assert_eq(flushing_during_run(1), 0, "no flush mode on this target");
#endif
}
