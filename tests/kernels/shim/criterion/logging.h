/* logging.h (shim) — cr_log_info/_warn/_error are in criterion.h here. */
#include <criterion/criterion.h>
