/* test_inputs.c — the input iterator's one-item-per-frame guarantee: raw streams with a short
 * final frame, a folder with a corrupt file in the middle, --boxes rows (empty box, malformed
 * row, missing image), natural order, and open-time argument errors. */
#include "tests/image/image_fixture.h"
#include "tools/input/input_iter.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

static emoc__input_iter *open_raw(FILE *stream, int w, int h)
{
    emoc__input_options opt;
    memset(&opt, 0, sizeof opt);
    opt.raw_width = w;
    opt.raw_height = h;
    opt.raw_stream = stream;
    emoc__input_iter *it;
    emoc_error err;
    cr_assert_eq(emoc__input_open(&opt, &it, &err), EMOC_OK, "%s", err.msg);
    return it;
}

Test(inputs, raw_stream_short_final_frame_is_a_truncated_item)
{
    const int w = 4, h = 3;
    const size_t fb = (size_t)w * h * 3;
    FILE *f = tmpfile();
    cr_assert(f);
    for (size_t i = 0; i < 2 * fb + fb / 2; i++) fputc((int)(i % 251), f);
    rewind(f);
    emoc__input_iter *it = open_raw(f, w, h);
    emoc__input_item item;
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(emoc__input_next(it, &item), 1);
        cr_assert_eq(item.status, EMOC_INPUT_OK, "frame %d: %s", k + 1, item.message);
        cr_assert_eq(item.frame, k + 1);
        cr_assert_eq(item.index, k);
        cr_assert_eq(item.image.width, w);
        cr_assert_eq(item.image.channels, 3);
        cr_assert_eq(item.image.pixels[0], (uint8_t)((k * fb) % 251));
        cr_assert_eq(item.image.pixels[fb - 1], (uint8_t)((k * fb + fb - 1) % 251));
    }
    cr_assert_eq(emoc__input_next(it, &item), 1);
    cr_assert_eq(item.status, EMOC_INPUT_TRUNCATED);
    cr_assert_str_eq(emoc__input_status_name(item.status), "truncated");
    cr_assert_eq(item.frame, 3);
    cr_assert_null(item.image.pixels);
    cr_assert(strstr(item.message, "18 of 36 bytes"), "%s", item.message);
    cr_assert_eq(emoc__input_next(it, &item), 0);
    cr_assert_eq(emoc__input_next(it, &item), 0);
    emoc__input_close(it);
    fclose(f);
}

Test(inputs, raw_stream_exact_frames_and_empty_stream)
{
    FILE *f = tmpfile();
    for (int i = 0; i < 3 * 2 * 2 * 3; i++) fputc(i, f);
    rewind(f);
    emoc__input_iter *it = open_raw(f, 2, 2);
    emoc__input_item item;
    int n = 0;
    while (emoc__input_next(it, &item)) {
        cr_assert_eq(item.status, EMOC_INPUT_OK);
        n++;
    }
    cr_assert_eq(n, 3);
    emoc__input_close(it);
    fclose(f);
    f = tmpfile();
    it = open_raw(f, 2, 2);
    cr_assert_eq(emoc__input_next(it, &item), 0);
    emoc__input_close(it);
    fclose(f);
}

/* Writes 3 frames of 5x4 rgb24 plus 7 bytes into a pipe in odd-sized pieces with pauses, the
 * way ffmpeg's rawvideo output arrives: the reader must assemble whole frames from short reads. */
static void *pipe_writer(void *arg)
{
    int fd = *(int *)arg;
    uint8_t buf[3 * 60 + 7];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 3);
    size_t off = 0, piece = 1;
    while (off < sizeof buf) {
        size_t n = piece < sizeof buf - off ? piece : sizeof buf - off;
        if (write(fd, buf + off, n) != (ssize_t)n) break;
        off += n;
        piece = piece * 2 + 3; /* 1, 5, 13, 29, ... never frame-aligned */
        usleep(2000);
    }
    close(fd);
    return NULL;
}

Test(inputs, raw_pipe_short_reads_assemble_whole_frames)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, pipe_writer, &fds[1]), 0);
    FILE *f = fdopen(fds[0], "rb");
    cr_assert(f);
    setvbuf(f, NULL, _IONBF, 0); /* no stdio buffering: every fread sees the pipe's short reads */
    emoc__input_iter *it = open_raw(f, 5, 4);
    cr_assert_eq(emoc__input_total(it), -1);
    emoc__input_item item;
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(emoc__input_next(it, &item), 1);
        cr_assert_eq(item.status, EMOC_INPUT_OK, "frame %d: %s", k + 1, item.message);
        for (int i = 0; i < 60; i++) cr_assert_eq(item.image.pixels[i], (uint8_t)((k * 60 + i) * 3));
    }
    cr_assert_eq(emoc__input_next(it, &item), 1);
    cr_assert_eq(item.status, EMOC_INPUT_TRUNCATED);
    cr_assert(strstr(item.message, "7 of 60 bytes"), "%s", item.message);
    cr_assert_eq(emoc__input_next(it, &item), 0);
    emoc__input_close(it);
    pthread_join(th, NULL);
    fclose(f);
}

static char tmpdir[256];

static void make_video_folder(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/emoc_inputs_XXXXXX");
    cr_assert(mkdtemp(tmpdir));
    char p[512];
    snprintf(p, sizeof p, "%s/vid7", tmpdir);
    cr_assert_eq(mkdir(p, 0700), 0);
    size_t size;
    uint8_t *png = fx_read("png_rgb8.png", &size);
    snprintf(p, sizeof p, "%s/vid7/00010.png", tmpdir);
    write_file(p, png, size);
    snprintf(p, sizeof p, "%s/vid7/00001.png", tmpdir);
    write_file(p, png, size);
    snprintf(p, sizeof p, "%s/vid7/00002.png", tmpdir); /* corrupt: cut in the middle */
    write_file(p, png, size / 2);
    snprintf(p, sizeof p, "%s/vid7/notes.txt", tmpdir); /* not an image: not an input */
    write_file(p, "x", 1);
    snprintf(p, sizeof p, "%s/vid7/.hidden.png", tmpdir);
    write_file(p, png, size);
    free(png);
}

static void remove_video_folder(void)
{
    const char *names[] = {"vid7/00010.png", "vid7/00001.png", "vid7/00002.png", "vid7/notes.txt",
                           "vid7/.hidden.png", "boxes.csv", "vid7"};
    char p[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
        remove(p);
    }
    rmdir(tmpdir);
}

/* Options listing the video folder and a file that does not exist (00099.png). */
static void folder_and_missing_file(emoc__input_options *opt, const char *paths[2], char *missing, size_t n)
{
    snprintf(missing, n, "%s/vid7/00099.png", tmpdir);
    paths[0] = tmpdir;
    paths[1] = missing;
    memset(opt, 0, sizeof *opt);
    opt->paths = paths;
    opt->n_paths = 2;
}

Test(inputs, folder_walk_natural_order_with_corrupt_file_in_the_middle, .init = make_video_folder,
     .fini = remove_video_folder)
{
    char missing[512];
    const char *paths[2];
    emoc__input_options opt;
    folder_and_missing_file(&opt, paths, missing, sizeof missing);
    emoc__input_iter *it;
    emoc_error err;
    cr_assert_eq(emoc__input_open(&opt, &it, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(emoc__input_total(it), 4);
    static const long frames[] = {1, 2, 10, 99};
    static const emoc__input_status want[] = {EMOC_INPUT_OK, EMOC_INPUT_TRUNCATED, EMOC_INPUT_OK, EMOC_INPUT_IO_ERROR};
    emoc__input_item item;
    for (int k = 0; k < 4; k++) {
        cr_assert_eq(emoc__input_next(it, &item), 1, "item %d", k);
        cr_assert_eq(item.index, k);
        cr_assert_eq(item.frame, frames[k], "item %d frame %ld", k, item.frame);
        cr_assert_str_eq(item.video, "vid7");
        cr_assert_eq(item.status, want[k], "item %d (%s): %s %s", k, item.input, emoc__input_status_name(item.status),
                     item.message);
        if (want[k] == EMOC_INPUT_OK) {
            cr_assert_eq(item.image.width, 13);
            cr_assert_eq(item.image.channels, 3);
            cr_assert_str_eq(item.message, "");
        } else {
            cr_assert_null(item.image.pixels);
            cr_assert(strstr(item.message, k == 1 ? "00002.png" : "00099.png"), "%s", item.message);
        }
    }
    cr_assert_eq(emoc__input_next(it, &item), 0);
    emoc__input_close(it);
}

/* The frame runner's workers decode deferred items themselves (tools/frame_runner.c): same
 * pixels, sizes, statuses and messages as the iterator's own decode, on good, cut and missing
 * files. */
Test(inputs, deferred_decode_equals_the_iterators_own, .init = make_video_folder, .fini = remove_video_folder)
{
    char missing[512];
    const char *paths[2];
    emoc__input_options opt;
    folder_and_missing_file(&opt, paths, missing, sizeof missing);
    opt.resize_to = 7;
    opt.resize_mode = EMOC_RESIZE_CV2;
    emoc__input_iter *serial, *deferred;
    emoc_error err;
    cr_assert_eq(emoc__input_open(&opt, &serial, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(emoc__input_open(&opt, &deferred, &err), EMOC_OK, "%s", err.msg);
    emoc__input_defer_decode(deferred, 1);
    emoc__input_item a, b;
    int ok = 0, failed = 0;
    while (emoc__input_next(serial, &a)) {
        cr_assert_eq(emoc__input_next(deferred, &b), 1);
        cr_assert_eq(a.deferred, 0);
        cr_assert_eq(b.deferred, 1, "%s", b.input);
        cr_assert_eq(b.status, EMOC_INPUT_OK);
        cr_assert_null(b.image.pixels);
        cr_assert_str_eq(a.input, b.input);
        cr_assert_eq(a.index, b.index);
        cr_assert_eq(a.frame, b.frame);
        emoc_image img;
        int w = -1, h = -1;
        emoc__input_status st;
        emoc_error e = {{0}};
        emoc_status rs = emoc__input_decode_deferred(deferred, b.input, &img, &w, &h, &st, &e);
        cr_assert_eq(st, a.status, "%s: %s vs %s", a.input, emoc__input_status_name(st), emoc__input_status_name(a.status));
        cr_assert_eq(rs != EMOC_OK, a.status != EMOC_INPUT_OK);
        cr_assert_eq(w, a.src_width);
        cr_assert_eq(h, a.src_height);
        if (a.status == EMOC_INPUT_OK) {
            ok++;
            cr_assert_eq(img.width, 7);
            cr_assert_eq(img.channels, 3);
            cr_assert_eq(memcmp(img.pixels, a.image.pixels, 7 * 7 * 3), 0, "%s", a.input);
            emoc_image_free(&img);
        } else {
            failed++;
            cr_assert_null(img.pixels);
            cr_assert_str_eq(e.msg, a.message);
        }
    }
    cr_assert_eq(emoc__input_next(deferred, &b), 0);
    cr_assert_eq(ok, 2);
    cr_assert_eq(failed, 2);
    emoc__input_close(serial);
    emoc__input_close(deferred);
}

Test(inputs, boxes_csv_rows_are_the_items, .init = make_video_folder, .fini = remove_video_folder)
{
    char csv[512];
    snprintf(csv, sizeof csv, "%s/boxes.csv", tmpdir);
    const char *rows = "image,x,y,w,h,face_id\n"
                       "vid7/00001.png,2,3,5,4,0\n"
                       "vid7/00001.png,10,8,100,100,1\n" /* clipped to 3x3 */
                       "vid7/00001.png,20,0,5,5,2\n"     /* outside: empty_box */
                       "vid7/00002.png,0,0,4,4\n"        /* corrupt image */
                       "vid7/00010.png,a,b,c\n"          /* malformed row */
                       "vid7/00010.png,-5,-5,10,10\n";
    write_file(csv, rows, strlen(rows));
    emoc__input_options opt;
    memset(&opt, 0, sizeof opt);
    opt.boxes_csv = csv;
    emoc__input_iter *it;
    emoc_error err;
    cr_assert_eq(emoc__input_open(&opt, &it, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(emoc__input_total(it), 6);
    emoc__input_item item;
    cr_assert_eq(emoc__input_next(it, &item), 1);
    cr_assert_eq(item.status, EMOC_INPUT_OK, "%s", item.message);
    cr_assert_eq(item.image.width, 5);
    cr_assert_eq(item.image.height, 4);
    cr_assert_eq(item.frame, 1);
    cr_assert_eq(item.face_id, 0);
    cr_assert_eq(emoc__input_next(it, &item), 1);
    cr_assert_eq(item.status, EMOC_INPUT_OK);
    cr_assert_eq(item.image.width, 3);
    cr_assert_eq(item.image.height, 3);
    cr_assert_eq(item.face_id, 1);
    cr_assert_eq(emoc__input_next(it, &item), 1);
    cr_assert_eq(item.status, EMOC_INPUT_EMPTY_BOX);
    cr_assert_str_eq(emoc__input_status_name(item.status), "empty_box");
    cr_assert_eq(item.face_id, 2);
    cr_assert_eq(emoc__input_next(it, &item), 1);
    cr_assert_eq(item.status, EMOC_INPUT_TRUNCATED);
    cr_assert_eq(item.frame, 2);
    cr_assert_eq(emoc__input_next(it, &item), 1);
    cr_assert_eq(item.status, EMOC_INPUT_BAD_ROW);
    cr_assert(strstr(item.message, "line 6"), "%s", item.message);
    cr_assert_eq(emoc__input_next(it, &item), 1);
    cr_assert_eq(item.status, EMOC_INPUT_OK, "%s", item.message);
    cr_assert_eq(item.image.width, 5);
    cr_assert_eq(item.frame, 10);
    cr_assert_eq(emoc__input_next(it, &item), 0);
    emoc__input_close(it);
}

Test(inputs, open_time_errors)
{
    emoc__input_options opt;
    memset(&opt, 0, sizeof opt);
    emoc__input_iter *it = NULL;
    emoc_error err;
    cr_assert_eq(emoc__input_open(&opt, &it, &err), EMOC_E_ARG); /* nothing to read */
    const char *dash[] = {"-"};
    opt.paths = dash;
    opt.n_paths = 1;
    cr_assert_eq(emoc__input_open(&opt, &it, &err), EMOC_E_ARG);
    cr_assert(strstr(err.msg, "--raw"), "%s", err.msg);
    opt.raw_width = 100000;
    opt.raw_height = 100000;
    cr_assert_eq(emoc__input_open(&opt, &it, &err), EMOC_E_ARG); /* a command-line value: exit 2 */
    opt.raw_width = 4;
    opt.raw_height = 4;
    opt.boxes_csv = "x.csv";
    cr_assert_eq(emoc__input_open(&opt, &it, &err), EMOC_E_ARG);
    opt.raw_width = opt.raw_height = 0;
    opt.n_paths = 0;
    opt.boxes_csv = "/nonexistent/boxes.csv";
    cr_assert_eq(emoc__input_open(&opt, &it, &err), EMOC_E_IO);
    cr_assert_null(it);
}

Test(inputs, natural_order)
{
    cr_assert_lt(emoc__natural_cmp("00002.jpg", "00010.jpg"), 0);
    cr_assert_lt(emoc__natural_cmp("2.jpg", "10.jpg"), 0);
    cr_assert_lt(emoc__natural_cmp("v2", "v10"), 0);
    cr_assert_gt(emoc__natural_cmp("b", "a10"), 0);
    cr_assert_lt(emoc__natural_cmp("a", "ab"), 0);
    cr_assert_eq(emoc__natural_cmp("x01", "x01"), 0);
    cr_assert_lt(emoc__natural_cmp("x1", "x01"), 0);
}
