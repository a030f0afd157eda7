/* test_status.c — status names, ISA names and the ISA override. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"

Test(status, every_code_has_a_distinct_name)
{
    for (int a = EMOC_OK; a <= EMOC_E_INTERNAL; a++) {
        const char *na = emoc_strerror((emoc_status)a);
        cr_assert(na && *na && strcmp(na, "unknown status") != 0, "status %d", a);
        for (int b = a + 1; b <= EMOC_E_INTERNAL; b++)
            cr_assert_str_neq(na, emoc_strerror((emoc_status)b));
    }
    cr_assert_str_eq(emoc_strerror((emoc_status)999), "unknown status");
}

Test(isa, parse_and_name_round_trip)
{
    const char *names[] = {"auto", "ref", "avx2", "avx512", "neon"};
    for (size_t i = 0; i < 5; i++) {
        emoc_isa isa;
        cr_assert_eq(emoc_isa_parse(names[i], &isa), EMOC_OK);
        cr_assert_str_eq(emoc_isa_name(isa), names[i]);
    }
    emoc_isa isa;
    cr_assert_eq(emoc_isa_parse("sse9", &isa), EMOC_E_ARG);
}

Test(isa, env_override_pins_ref_and_rejects_unknown)
{
    emoc_isa isa;
    setenv("EMOC_ISA", "ref", 1);
    cr_assert_eq(emoc_isa_resolve(EMOC_ISA_AUTO, &isa), EMOC_OK);
    cr_assert_eq(isa, EMOC_ISA_REF);
    setenv("EMOC_ISA", "bogus", 1);
    cr_assert_eq(emoc_isa_resolve(EMOC_ISA_AUTO, &isa), EMOC_E_UNSUPPORTED);
    unsetenv("EMOC_ISA");
    cr_assert_eq(emoc_isa_resolve(EMOC_ISA_AUTO, &isa), EMOC_OK);
    cr_assert_eq(isa, emoc_isa_detect());
    /* An explicit request wins over the environment. */
    setenv("EMOC_ISA", "ref", 1);
    cr_assert_eq(emoc_isa_resolve(emoc_isa_detect(), &isa), EMOC_OK);
    cr_assert_eq(isa, emoc_isa_detect());
    unsetenv("EMOC_ISA");
#if defined(__x86_64__)
    cr_assert_eq(emoc_isa_resolve(EMOC_ISA_NEON, &isa), EMOC_E_UNSUPPORTED);
#endif
}
