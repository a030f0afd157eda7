/*
 * outfile.h — output files written whole at the end of a command (features, mtl, ce, and any
 * command that runs in the sandbox): the parent directory is opened up front, before the
 * sandbox (docs/sandbox.md), and the file is written to a new temporary name in that directory
 * and renamed over the target only when complete. So a failed or interrupted run never leaves a
 * half-written file, never truncates the old one, and never removes anything it did not create.
 *
 *   cli_outfile o;
 *   if (cli_outfile_prepare(cmd, path, &o)) return EXIT_RUNTIME;   // before the sandbox
 *   ... cli_sandbox_enter(cmd, &o.dirfd, 1) ...
 *   FILE *f = cli_outfile_begin(cmd, &o);                          // openat(dirfd, temp)
 *   ... write ...
 *   rc = cli_outfile_commit(cmd, &o);                              // fclose + renameat
 *   cli_outfile_close(&o);                                         // always; removes a temp
 *
 * A target that exists and is not a regular file (a device, a FIFO) is opened in prepare and
 * written in place; a symbolic link is followed (the link stays, its target is replaced).
 */
#ifndef EMOC_TOOLS_OUTFILE_H
#define EMOC_TOOLS_OUTFILE_H

#include <stdio.h>

typedef struct cli_outfile {
    const char *path; /* as the user gave it, for messages */
    int dirfd;        /* parent directory of the (resolved) target, -1 when written in place */
    char *base;       /* name of the target inside dirfd */
    char *tmp;        /* temporary name inside dirfd while begun, else NULL */
    int direct_fd;    /* a device or FIFO opened in prepare, else -1 */
    FILE *f;
} cli_outfile;

/* 0, or -1 after printing "cannot write 'PATH': reason". */
int cli_outfile_prepare(const char *cmd, const char *path, cli_outfile *o);
/* The stream to write; NULL after printing why. */
FILE *cli_outfile_begin(const char *cmd, cli_outfile *o);
/* Closes the stream and renames the temporary file over the target. 0, or -1 after printing
 * "error writing 'PATH': reason" (the temporary file is removed, the target untouched). */
int cli_outfile_commit(const char *cmd, cli_outfile *o);
/* Releases everything; removes the temporary file if the output was begun but not committed. */
void cli_outfile_close(cli_outfile *o);

/* For each non-NULL paths[i] (at most EMOC_SANDBOX_MAX_WRITE_DIRS), cli_outfile_prepare into o[i]
 * (the others are left closed), then cli_sandbox_enter with their directories. 0, or an exit
 * code after printing why (every o[i] closed). */
int cli_outfiles_prepare_and_sandbox(const char *cmd, cli_outfile *o, const char *const *paths, int n);

#endif
