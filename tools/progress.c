/* progress.c — progress bar / key=value progress and the run summary (progress.h). */
#include "tools/progress.h"
#include "tools/cli.h"

#include <signal.h>
#include <unistd.h>

void progress_init(progress *p, const char *cmd, progress_mode mode, long total, FILE *out)
{
    *p = (progress){0};
    p->cmd = cmd;
    p->out = out ? out : stderr;
    p->total = total;
    p->show_summary = mode != PROGRESS_QUIET;
    if (mode == PROGRESS_AUTO) mode = isatty(fileno(p->out)) ? PROGRESS_BAR : PROGRESS_AUTO;
    p->mode = mode;
    p->t_start = p->t_last = cli_now_ms() * 1e-3;
}

static void kv_block(progress *p, double t, int end)
{
    double el = t - p->t_start;
    fprintf(p->out, "frame=%ld\nrows=%ld\nerrors=%ld\ntotal=%ld\nfps=%.2f\nelapsed_s=%.3f\nprogress=%s\n",
            p->frames_in, p->rows_out, p->errors, p->total, el > 0 ? p->frames_in / el : 0.0, el,
            end ? "end" : "continue");
    fflush(p->out);
}

static void bar(progress *p, double t)
{
    double el = t - p->t_start, fps = el > 0 ? p->frames_in / el : 0.0;
    if (p->total > 0) {
        int width = 30, fill = (int)(width * (double)p->frames_in / p->total);
        if (fill > width) fill = width;
        char b[31];
        for (int i = 0; i < width; i++) b[i] = i < fill ? '#' : '.';
        b[width] = 0;
        double eta = fps > 0 && p->total > p->frames_in ? (p->total - p->frames_in) / fps : 0;
        fprintf(p->out, "\r[%s] %ld/%ld %5.1f fps ETA %02d:%02d:%02d errors %ld ", b, p->frames_in, p->total,
                fps, (int)(eta / 3600), (int)(eta / 60) % 60, (int)eta % 60, p->errors);
    } else {
        fprintf(p->out, "\r%ld frames %5.1f fps errors %ld ", p->frames_in, fps, p->errors);
    }
    fflush(p->out);
    p->drawn = 1;
}

static void tick(progress *p)
{
    if (p->mode != PROGRESS_BAR && p->mode != PROGRESS_KV) return;
    double t = cli_now_ms() * 1e-3;
    double every = p->mode == PROGRESS_BAR ? 0.1 : 1.0;
    if (t - p->t_last < every) return;
    p->t_last = t;
    if (p->mode == PROGRESS_BAR) bar(p, t);
    else kv_block(p, t, 0);
}

void progress_frame_in(progress *p)
{
    p->frames_in++;
    tick(p);
}

void progress_row_out(progress *p, emoc__input_status st)
{
    p->rows_out++;
    if (st != EMOC_INPUT_OK) p->errors++;
    if ((int)st >= 0 && (int)st < PROGRESS_N_STATUS) p->per_status[st]++;
    tick(p);
}

void progress_finish(progress *p)
{
    double t = cli_now_ms() * 1e-3;
    if (p->mode == PROGRESS_BAR) {
        bar(p, t);
        fputc('\n', p->out);
    } else if (p->mode == PROGRESS_KV) {
        kv_block(p, t, 1);
    }
    if (!p->show_summary) return;
    fprintf(p->out, "emoc %s: ", p->cmd);
    if (p->output_failed) fputs("output failed, rows were lost: ", p->out);
    if (p->interrupted)
        fprintf(p->out, "interrupted after %ld frames (%s): ", p->frames_in, p->interrupted == SIGINT ? "SIGINT" : p->interrupted == SIGTERM ? "SIGTERM" : "signal");
    fprintf(p->out, "frames_in=%ld rows_out=%ld errors=%ld", p->frames_in, p->rows_out, p->errors);
    if (p->errors) {
        const char *sep = " (";
        for (int s = 1; s < PROGRESS_N_STATUS; s++)
            if (p->per_status[s]) {
                fprintf(p->out, "%s%s=%ld", sep, emoc__input_status_name((emoc__input_status)s), p->per_status[s]);
                sep = " ";
            }
        fputc(')', p->out);
    }
    fprintf(p->out, " %.2f s%s\n", t - p->t_start, p->ftz ? " fp=ftz" : "");
    fflush(p->out);
}

long progress_errors(const progress *p) { return p->errors; }
