/* interrupt.c — SIGINT/SIGTERM during a frame run: the first one asks the run to stop after the
 * frame(s) in progress (their rows are written and flushed, the summary says "interrupted after
 * N frames", the exit code is 128 + the signal); the handler is then reset, so a second one
 * ends the process at once (a run blocked on an idle pipe). */
#include "tools/interrupt.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

void cli_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_RESETHAND; /* reads resume; the next signal is the default */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_interrupt_signal(void) { return stop_signal; }
