/*
 * input_iter.c — yields one item per input frame (input_iter.h): decodes files from the list
 * built by input_list.c, or cuts a raw rgb24 stream into W·H·3-byte frames. Every failure
 * becomes an item with a status; nothing is dropped.
 */
#include "tools/input/input_list.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct emoc__input_iter {
    emoc__image_limits lim;
    emoc_image_limits plim;
    emoc__input_list list;
    size_t next;               /* list mode: next entry */
    /* --boxes from a pipe or FIFO: read one row per item, never listed whole */
    emoc__boxes_reader boxes;
    int boxes_stream;
    emoc__input_entry stream_entry; /* the entry of the last item (its strings are handed out) */
    int boxes_done;
    long index;
    /* decoded image cache: consecutive --boxes rows naming the same file decode it once */
    char *cached_path;
    emoc_image cached;
    emoc_status cached_st;
    char cached_msg[512];
    /* raw mode */
    int raw;
    FILE *stream;
    int own_stream;
    const char *raw_name;
    int raw_w, raw_h;
    size_t frame_bytes;
    long raw_total;
    int raw_done;
    emoc_image current;        /* the image handed out by the last call, when it owns one */
    int resize_to;             /* emoc__input_options.resize_to, resize_mode */
    emoc_resize_mode resize_mode;
    int defer;                 /* emoc__input_defer_decode */
};

const char *emoc__input_status_name(emoc__input_status st)
{
    switch (st) {
    case EMOC_INPUT_OK: return "ok";
    case EMOC_INPUT_DECODE_ERROR: return "decode_error";
    case EMOC_INPUT_TRUNCATED: return "truncated";
    case EMOC_INPUT_EMPTY_BOX: return "empty_box";
    case EMOC_INPUT_NONFINITE: return "nonfinite_input";
    case EMOC_INPUT_IO_ERROR: return "io_error";
    case EMOC_INPUT_BAD_ROW: return "bad_row";
    case EMOC_INPUT_SIZE_MISMATCH: return "size_mismatch";
    case EMOC_INPUT_RUN_ERROR: return "run_error";
    case EMOC_INPUT_NONFINITE_OUTPUT: return "nonfinite_output";
    }
    return "unknown";
}

/* Drops the entries the caller's select hook does not keep (order of the rest unchanged). */
static emoc_status apply_select(emoc__input_list *l, const emoc__input_options *opt, emoc_error *err)
{
    size_t n = l->n;
    const char **paths = malloc((n ? n : 1) * sizeof *paths);
    const char **videos = malloc((n ? n : 1) * sizeof *videos);
    unsigned char *keep = calloc(n ? n : 1, 1);
    emoc_status st = EMOC_OK;
    if (!paths || !videos || !keep) st = emoc__fail(err, EMOC_E_NOMEM, "inputs: out of memory selecting inputs");
    for (size_t i = 0; st == EMOC_OK && i < n; i++) {
        paths[i] = l->items[i].path;
        videos[i] = l->items[i].video ? l->items[i].video : "";
    }
    if (st == EMOC_OK && opt->select(opt->select_user, n, paths, videos, keep))
        st = emoc__fail(err, EMOC_E_NOMEM, "inputs: out of memory selecting inputs");
    if (st == EMOC_OK) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (keep[i]) {
                l->items[k++] = l->items[i];
                continue;
            }
            free(l->items[i].path);
            free(l->items[i].video);
            free(l->items[i].bad_msg);
        }
        l->n = k;
    }
    free(paths);
    free(videos);
    free(keep);
    return st;
}

emoc_status emoc__input_open(const emoc__input_options *opt, emoc__input_iter **out, emoc_error *err)
{
    if (!opt || !out) return emoc__fail(err, EMOC_E_ARG, "inputs: NULL argument");
    *out = NULL;
    emoc__input_iter *it = calloc(1, sizeof *it);
    if (!it) return emoc__fail(err, EMOC_E_NOMEM, "inputs: out of memory");
    it->plim = opt->limits;
    if (!it->plim.max_width && !it->plim.max_height && !it->plim.max_bytes) emoc_image_limits_default(&it->plim);
    it->lim.max_width = it->plim.max_width;
    it->lim.max_height = it->plim.max_height;
    it->lim.max_bytes = it->plim.max_bytes;
    it->lim.min_channels = 3; /* every frame becomes RGB: count it so from the header */
    it->resize_to = opt->resize_to;
    it->resize_mode = opt->resize_mode;
    it->raw_total = -1;
    emoc_status st = EMOC_OK;
    int raw = opt->raw_width > 0 || opt->raw_height > 0;
    if (raw) {
        it->raw = 1;
        if (opt->boxes_csv) st = emoc__fail(err, EMOC_E_ARG, "inputs: --boxes cannot be combined with --raw");
        else if (opt->n_paths > 1) st = emoc__fail(err, EMOC_E_ARG, "inputs: --raw reads one stream, got %d inputs", opt->n_paths);
        else if (opt->raw_width <= 0 || opt->raw_height <= 0)
            st = emoc__fail(err, EMOC_E_ARG, "inputs: --raw size %dx%d must be positive", opt->raw_width, opt->raw_height);
        else if (opt->raw_width > it->lim.max_width || opt->raw_height > it->lim.max_height ||
                 (unsigned long long)opt->raw_width * opt->raw_height * 3 > it->lim.max_bytes)
            st = emoc__fail(err, EMOC_E_ARG, /* a command-line value: a usage error, exit 2 */
                            "--raw %dx%d: frames must be at most %dx%d and %zu bytes (W*H*3 = %llu)",
                            opt->raw_width, opt->raw_height, it->lim.max_width, it->lim.max_height, it->lim.max_bytes,
                            (unsigned long long)opt->raw_width * opt->raw_height * 3);
        if (st == EMOC_OK) {
            it->raw_w = opt->raw_width;
            it->raw_h = opt->raw_height;
            it->frame_bytes = (size_t)opt->raw_width * opt->raw_height * 3;
            it->raw_name = opt->n_paths == 1 ? opt->paths[0] : "-";
            if (opt->raw_stream) {
                it->stream = opt->raw_stream;
            } else if (!strcmp(it->raw_name, "-")) {
                it->stream = stdin;
            } else {
                it->stream = fopen(it->raw_name, "rb");
                it->own_stream = 1;
                if (!it->stream) st = emoc__fail(err, EMOC_E_IO, "inputs: cannot open %s: %s", it->raw_name, strerror(errno));
            }
        }
        if (st == EMOC_OK && it->own_stream) {
            struct stat sb;
            if (fstat(fileno(it->stream), &sb) == 0 && S_ISREG(sb.st_mode))
                it->raw_total = (long)(((size_t)sb.st_size + it->frame_bytes - 1) / it->frame_bytes);
        }
    } else if (opt->boxes_csv) {
        if (opt->n_paths > 0) st = emoc__fail(err, EMOC_E_ARG, "inputs: with --boxes the CSV lists the images; drop the other inputs");
        else st = emoc__boxes_open(&it->boxes, opt->boxes_csv, err);
        if (st == EMOC_OK && !it->boxes.regular) {
            /* a pipe or FIFO may never end: rows are read as items are asked for */
            it->boxes_stream = 1;
            if (opt->select)
                st = emoc__fail(err, EMOC_E_ARG, "inputs: --boxes %s is not a regular file: --shard and --resume "
                                "need the whole list, give a file", opt->boxes_csv);
        } else if (st == EMOC_OK) {
            st = emoc__input_list_boxes(&it->list, opt->boxes_csv, err);
            emoc__boxes_close(&it->boxes);
        }
    } else {
        if (opt->n_paths <= 0) st = emoc__fail(err, EMOC_E_ARG, "inputs: no input given");
        for (int i = 0; st == EMOC_OK && i < opt->n_paths; i++)
            if (!opt->paths[i] || !strcmp(opt->paths[i], "-"))
                st = emoc__fail(err, EMOC_E_ARG, "inputs: '-' (stdin) needs --raw WxH");
        if (st == EMOC_OK) st = emoc__input_list_paths(&it->list, opt->paths, opt->n_paths, err);
    }
    if (st == EMOC_OK && !raw && !it->boxes_stream && opt->select) st = apply_select(&it->list, opt, err);
    if (st) {
        emoc__input_close(it);
        return st;
    }
    *out = it;
    return EMOC_OK;
}

size_t emoc__input_skipped(const emoc__input_iter *it, const char **first)
{
    if (first) *first = it ? it->list.first_skipped : NULL;
    return it ? it->list.n_skipped : 0;
}

long emoc__input_total(const emoc__input_iter *it)
{
    if (!it) return -1;
    return it->raw ? it->raw_total : it->boxes_stream ? -1 : (long)it->list.n;
}

static emoc__input_status status_for(emoc_status st)
{
    switch (st) {
    case EMOC_OK: return EMOC_INPUT_OK;
    case EMOC_E_IO: return EMOC_INPUT_IO_ERROR;
    case EMOC_E_TRUNCATED: return EMOC_INPUT_TRUNCATED;
    case EMOC_E_SHAPE: return EMOC_INPUT_EMPTY_BOX;
    case EMOC_E_NONFINITE: return EMOC_INPUT_NONFINITE;
    default: return EMOC_INPUT_DECODE_ERROR;
    }
}

static void set_error(emoc__input_item *item, emoc_status st, const char *msg)
{
    item->status = status_for(st);
    item->error = st;
    size_t n = strlen(msg);
    if (n >= sizeof item->message) n = sizeof item->message - 1; /* keep the head: it names the file */
    memcpy(item->message, msg, n);
    item->message[n] = 0;
}

/* Decoded RGB image of path, through the one-entry cache. */
static emoc_status load_rgb(emoc__input_iter *it, const char *path, const emoc_image **img, const char **msg)
{
    if (!it->cached_path || strcmp(it->cached_path, path)) {
        emoc_image_free(&it->cached);
        free(it->cached_path);
        it->cached_path = NULL;
        emoc_error e;
        emoc_image dec;
        /* the limit bounds the RGB image every frame becomes: it->lim counts 3 bytes a pixel */
        emoc_status st = emoc__image_load_file_lim(path, &it->lim, &dec, &e);
        if (st == EMOC_OK && dec.channels != 3) {
            emoc_image rgb;
            st = emoc_image_to_rgb(&dec, &rgb, &e);
            emoc_image_free(&dec);
            dec = rgb;
        }
        it->cached = dec;
        it->cached_st = st;
        memcpy(it->cached_msg, st ? e.msg : "", st ? sizeof e.msg : 1);
        size_t n = strlen(path) + 1;
        it->cached_path = malloc(n);
        if (it->cached_path) memcpy(it->cached_path, path, n);
    }
    *img = &it->cached;
    *msg = it->cached_msg;
    return it->cached_st;
}

/* Next entry of a streamed --boxes file; NULL at its end. A read error ends it with one
 * io_error item (filled here, returned as the entry-less *failed). */
static const emoc__input_entry *next_streamed(emoc__input_iter *it, emoc__input_item *item, int *failed)
{
    emoc__input_entry_free(&it->stream_entry);
    if (it->boxes_done) return NULL;
    emoc_status st;
    emoc_error err;
    int r = emoc__boxes_next(&it->boxes, &it->stream_entry, &st, &err);
    if (r > 0) return &it->stream_entry;
    it->boxes_done = 1;
    if (r < 0) {
        item->input = it->boxes.csv;
        item->video = "";
        set_error(item, st, err.msg);
        item->status = EMOC_INPUT_IO_ERROR;
        *failed = 1;
    }
    return NULL;
}

/* A frame decoded row by row into the caller's resize (resize_to), then made RGB. Reads only
 * settings fixed at open, so workers may call it concurrently (emoc__input_decode_deferred). */
static emoc_status decode_resized(const emoc__input_iter *it, const char *path, emoc_image *out, int *src_w,
                                  int *src_h, emoc_error *e)
{
    emoc_image small;
    memset(out, 0, sizeof *out);
    emoc_status st = emoc__image_load_resized(path, &it->lim, it->resize_to, it->resize_mode, &small, src_w,
                                              src_h, e);
    if (st == EMOC_OK && small.channels != 3) {
        st = emoc_image_to_rgb(&small, out, e);
        emoc_image_free(&small);
    } else if (st == EMOC_OK) {
        *out = small;
    }
    if (st) *src_w = *src_h = 0;
    return st;
}

static int next_resized(emoc__input_iter *it, const char *path, emoc__input_item *item)
{
    emoc_error e;
    emoc_status st = decode_resized(it, path, &it->current, &item->src_width, &item->src_height, &e);
    if (st) {
        set_error(item, st, e.msg);
        return 1;
    }
    item->image = it->current;
    return 1;
}

void emoc__input_defer_decode(emoc__input_iter *it, int on)
{
    if (it) it->defer = on ? 1 : 0;
}

emoc_status emoc__input_decode_deferred(const emoc__input_iter *it, const char *path, emoc_image *out,
                                        int *src_w, int *src_h, emoc__input_status *status, emoc_error *e)
{
    emoc_status st = decode_resized(it, path, out, src_w, src_h, e);
    *status = status_for(st);
    return st;
}

static int next_file(emoc__input_iter *it, emoc__input_item *item)
{
    const emoc__input_entry *e;
    if (it->boxes_stream) {
        int failed = 0;
        if (!(e = next_streamed(it, item, &failed))) return failed;
    } else {
        if (it->next >= it->list.n) return 0;
        e = &it->list.items[it->next++];
    }
    item->position = e->position;
    item->input = e->path;
    item->video = e->video;
    item->frame = e->frame;
    item->face_id = e->face_id;
    item->has_box = e->has_box;
    memcpy(item->box, e->box, sizeof item->box);
    if (e->bad_msg) {
        item->status = EMOC_INPUT_BAD_ROW;
        item->error = EMOC_E_FORMAT;
        set_error(item, EMOC_E_FORMAT, e->bad_msg);
        item->status = EMOC_INPUT_BAD_ROW;
        return 1;
    }
    if (it->resize_to > 0 && !e->has_box) {
        if (!it->defer) return next_resized(it, e->path, item);
        item->deferred = 1; /* the caller decodes it, outside its fetch lock */
        return 1;
    }
    const emoc_image *img;
    const char *msg;
    emoc_status st = load_rgb(it, e->path, &img, &msg);
    if (st) {
        set_error(item, st, msg);
        return 1;
    }
    emoc_error err;
    if (!e->has_box) {
        item->image = *img; /* the cached image itself: valid until the next call */
    } else if ((st = emoc_image_crop(img, e->box[0], e->box[1], e->box[2], e->box[3], &it->current, &err))) {
        char m[600];
        snprintf(m, sizeof m, "%s: %s", e->path, err.msg);
        set_error(item, st, m);
        return 1;
    } else {
        item->image = it->current;
    }
    item->src_width = item->image.width;
    item->src_height = item->image.height;
    return 1;
}

static int next_raw(emoc__input_iter *it, emoc__input_item *item)
{
    if (it->raw_done) return 0;
    item->input = it->raw_name;
    item->video = "";
    item->frame = it->index + 1;
    uint8_t *buf = malloc(it->frame_bytes);
    if (!buf) {
        it->raw_done = 1;
        set_error(item, EMOC_E_NOMEM, "raw: out of memory for one frame");
        item->status = EMOC_INPUT_IO_ERROR;
        return 1;
    }
    size_t got = 0;
    while (got < it->frame_bytes) { /* pipes deliver short reads: loop until full or EOF */
        size_t n = fread(buf + got, 1, it->frame_bytes - got, it->stream);
        if (n == 0) break;
        got += n;
    }
    if (got == it->frame_bytes) {
        it->current.width = it->raw_w;
        it->current.height = it->raw_h;
        it->current.channels = 3;
        it->current.pixels = buf;
        item->image = it->current;
        item->src_width = it->raw_w;
        item->src_height = it->raw_h;
        return 1;
    }
    free(buf);
    it->raw_done = 1;
    char m[300];
    if (ferror(it->stream)) {
        snprintf(m, sizeof m, "%s: frame %ld: read error after %zu of %zu bytes: %s", it->raw_name,
                 item->frame, got, it->frame_bytes, strerror(errno));
        set_error(item, EMOC_E_IO, m);
        return 1;
    }
    if (got == 0) return 0; /* clean end of stream between frames */
    snprintf(m, sizeof m, "%s: frame %ld: stream ended after %zu of %zu bytes (%dx%d rgb24)", it->raw_name,
             item->frame, got, it->frame_bytes, it->raw_w, it->raw_h);
    set_error(item, EMOC_E_TRUNCATED, m);
    return 1;
}

int emoc__input_next(emoc__input_iter *it, emoc__input_item *item)
{
    if (!it || !item) return 0;
    emoc_image_free(&it->current);
    memset(item, 0, sizeof *item);
    item->frame = -1;
    int r = it->raw ? next_raw(it, item) : next_file(it, item);
    if (r) item->index = it->index++;
    if (r && it->raw) item->position = item->index;
    return r;
}

void emoc__input_close(emoc__input_iter *it)
{
    if (!it) return;
    emoc_image_free(&it->current);
    emoc_image_free(&it->cached);
    free(it->cached_path);
    if (it->own_stream && it->stream) fclose(it->stream);
    emoc__input_entry_free(&it->stream_entry);
    emoc__boxes_close(&it->boxes);
    emoc__input_list_free(&it->list);
    free(it);
}
