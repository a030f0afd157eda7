/* interrupt.h — clean interruption of frame runs by SIGINT/SIGTERM (interrupt.c). */
#ifndef EMOC_TOOLS_INTERRUPT_H
#define EMOC_TOOLS_INTERRUPT_H

/* Installs the handlers (once the run's set-up is done). */
void cli_interrupt_install(void);
/* The signal that asked to stop, or 0. */
int cli_interrupt_signal(void);

#endif
