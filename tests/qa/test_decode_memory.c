/* test_decode_memory.c — issue 15 defect 3: the peak memory of predict's decode + preprocess
 * does not grow with the image (docs/reliability.md, "Images"). Big PNGs are written here, not
 * committed: zeros in one fixed-Huffman DEFLATE block (a literal, then length-258 matches at
 * distance 1: 13 bits per 258 bytes), so a 9000x9000 image is a 0.5 MB file. Checked from the
 * outside (wait4 rusage of the CLI child): the peak RSS of predict on an 81-megapixel PNG, the
 * header refusal of a 268-megapixel one and of a progressive JPEG, the peak RSS on an
 * 81-megapixel baseline JPEG (a flat one written here, decoded MCU row by MCU row), --max-pixels naming the limit,
 * and the streamed path's rows equal to the whole-image path's (--boxes with the full box) on
 * every image fixture. */
#include "tests/cli_run.h"
#include "tests/image/image_fixture.h"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static cli_scratch scratch;
static char out[1 << 16], out2[1 << 16], err[1 << 14];
static void setup(void) { cli_scratch_init_tiny(&scratch, "tiny.emw"); }
static void teardown(void) { cli_scratch_free(&scratch); }
static int emoc(const char *args) { return cli_run(&scratch, args, out, sizeof out, err, sizeof err); }

typedef struct {
    uint8_t *p;
    size_t n, cap;
    uint32_t bits;
    int nbits;
} bitw;

static void put_byte(bitw *b, uint8_t v)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 1 << 16;
        b->p = realloc(b->p, b->cap);
        cr_assert(b->p);
    }
    b->p[b->n++] = v;
}

static void put_bits(bitw *b, uint32_t v, int n) /* LSB first, as DEFLATE packs fields */
{
    for (int i = 0; i < n; i++) {
        b->bits |= ((v >> i) & 1u) << b->nbits;
        if (++b->nbits == 8) {
            put_byte(b, (uint8_t)b->bits);
            b->bits = 0;
            b->nbits = 0;
        }
    }
}

static void put_code(bitw *b, uint32_t code, int len) /* Huffman codes go MSB first */
{
    for (int i = len - 1; i >= 0; i--) put_bits(b, (code >> i) & 1u, 1);
}

static void put_be32(bitw *b, uint32_t v)
{
    for (int i = 3; i >= 0; i--) put_byte(b, (uint8_t)(v >> (8 * i)));
}

/* zlib stream of n zero bytes. Fixed codes: literal 0 = 00110000, length 258 (symbol 285) =
 * 11000101, distance 1 (code 0) = 00000, end of block (256) = 0000000. */
static void zlib_zeros(bitw *b, size_t n)
{
    put_byte(b, 0x78);
    put_byte(b, 0x01);
    put_bits(b, 1, 1); /* BFINAL */
    put_bits(b, 1, 2); /* fixed Huffman */
    size_t done = 0;
    if (n) put_code(b, 0x30, 8), done = 1;
    for (; n - done >= 258; done += 258) put_code(b, 0xC5, 8), put_code(b, 0, 5);
    for (; done < n; done++) put_code(b, 0x30, 8);
    put_code(b, 0, 7);
    if (b->nbits) put_bits(b, 0, 8 - b->nbits);
    put_be32(b, (uint32_t)(n % 65521) << 16 | 1u); /* Adler-32 of zeros: a = 1, b = n */
}

static void chunk(bitw *png, const char *type, const uint8_t *data, size_t n)
{
    put_be32(png, (uint32_t)n);
    size_t at = png->n;
    for (int i = 0; i < 4; i++) put_byte(png, (uint8_t)type[i]);
    for (size_t i = 0; i < n; i++) put_byte(png, data[i]);
    put_be32(png, fx_crc32(png->p + at, n + 4));
}

/* A w×h PNG of zeros, 8-bit gray (color 0) or RGB (color 2), written into the scratch folder. */
static void write_zero_png(const char *name, uint32_t w, uint32_t h, int color)
{
    bitw z = {0}, png = {0};
    size_t raw = (size_t)h * (1 + (size_t)w * (color == 2 ? 3 : 1));
    zlib_zeros(&z, raw);
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    for (int i = 0; i < 8; i++) put_byte(&png, sig[i]);
    uint8_t ihdr[13] = {0};
    fx_put_be32(ihdr, w);
    fx_put_be32(ihdr + 4, h);
    ihdr[8] = 8;
    ihdr[9] = (uint8_t)color;
    chunk(&png, "IHDR", ihdr, 13);
    chunk(&png, "IDAT", z.p, z.n);
    chunk(&png, "IEND", NULL, 0);
    cli_write_bytes(&scratch, name, png.p, png.n);
    free(z.p);
    free(png.p);
}

/* Peak resident memory of a child running `emoc ARGS` (kB), and its exit code. */
static long child_maxrss_kb(const char *args, int *rc)
{
    return cli_run_maxrss_kb(&scratch, args, rc, err, sizeof err);
}

/* Streamed: file + idat copy (< 1 MB here) + 128 KiB inflate window + a few rows + the model.
 * The whole-image path took 573 MB on an 8000x8000 PNG (docs/reliability.md). */
#define STREAMED_PEAK_KB (100 * 1024) /* room for ASan and qemu-user overheads */

/* `emoc predict` gives BIG the same row (after the file name) as SMALL: both flat images. */
static void same_prediction(const char *small, const char *big)
{
    char args[256];
    snprintf(args, sizeof args, "predict -m tiny.emw %s -q", small);
    cr_assert_eq(emoc(args), 0, "%s", err);
    memcpy(out2, out, sizeof out);
    snprintf(args, sizeof args, "predict -m tiny.emw %s -q", big);
    cr_assert_eq(emoc(args), 0, "%s", err);
    char *a = strstr(out2, small), *b = strstr(out, big);
    cr_assert(a && b, "%s", out);
    cr_assert_str_eq(a + strlen(small), b + strlen(big));
}

Test(decode_memory, predict_on_a_big_png_stays_small, .init = setup, .fini = teardown, .timeout = 120)
{
    write_zero_png("gray.png", 9000, 9000, 0);  /* 81 Mpixel: inside the default limit */
    write_zero_png("rgb.png", 5000, 5000, 2);
    int rc;
    long kb = child_maxrss_kb("predict -m tiny.emw gray.png -q", &rc);
    cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
    cr_assert_lt(kb, STREAMED_PEAK_KB, "peak RSS %ld kB for a 9000x9000 gray PNG", kb);
    kb = child_maxrss_kb("predict -m tiny.emw rgb.png -q --resize pil", &rc);
    cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
    cr_assert_lt(kb, STREAMED_PEAK_KB, "peak RSS %ld kB for a 5000x5000 RGB PNG (pil)", kb);
    /* the value is right too: a black image, the same row as a small black one gives */
    write_zero_png("small.png", 90, 90, 0);
    same_prediction("small.png", "gray.png");
}

/* A w×h baseline JPEG of flat grey, written here: every coefficient 0, so every sample is 128.
 * No DHT: the decoder installs the standard tables, in which a DC difference of 0 is "00" and
 * an end of block is "1010" (luma) or "00" (chroma). 4:2:0 (color) or gray; 9000x9000 is about
 * 1.3 MB. Sequential, one interleaved scan: decoded MCU row by MCU row. */
static void write_flat_jpeg(const char *name, int w, int h, int color)
{
    bitw j = {0};
    static const uint8_t soi[] = {0xFF, 0xD8};
    for (size_t i = 0; i < sizeof soi; i++) put_byte(&j, soi[i]);
    put_byte(&j, 0xFF), put_byte(&j, 0xDB), put_byte(&j, 0), put_byte(&j, 67), put_byte(&j, 0); /* DQT 0 */
    for (int i = 0; i < 64; i++) put_byte(&j, 1);
    int nc = color ? 3 : 1;
    put_byte(&j, 0xFF), put_byte(&j, 0xC0), put_byte(&j, 0), put_byte(&j, (uint8_t)(8 + 3 * nc)), put_byte(&j, 8);
    put_byte(&j, (uint8_t)(h >> 8)), put_byte(&j, (uint8_t)h), put_byte(&j, (uint8_t)(w >> 8)), put_byte(&j, (uint8_t)w);
    put_byte(&j, (uint8_t)nc);
    for (int c = 0; c < nc; c++) put_byte(&j, (uint8_t)(c + 1)), put_byte(&j, c || !color ? 0x11 : 0x22), put_byte(&j, 0);
    put_byte(&j, 0xFF), put_byte(&j, 0xDA), put_byte(&j, 0), put_byte(&j, (uint8_t)(6 + 2 * nc)), put_byte(&j, (uint8_t)nc);
    for (int c = 0; c < nc; c++) put_byte(&j, (uint8_t)(c + 1)), put_byte(&j, c ? 0x11 : 0x00);
    put_byte(&j, 0), put_byte(&j, 63), put_byte(&j, 0);
    if (color) { /* one MCU = 4 luma blocks "001010" + 2 chroma blocks "0000": 32 bits */
        size_t mcus = (size_t)((w + 15) / 16) * (size_t)((h + 15) / 16);
        for (size_t m = 0; m < mcus; m++) put_byte(&j, 0x28), put_byte(&j, 0xA2), put_byte(&j, 0x8A), put_byte(&j, 0x00);
    } else { /* "001010" per block, MSB first, padded with 1 bits (never a 0xFF byte) */
        size_t blocks = (size_t)((w + 7) / 8) * (size_t)((h + 7) / 8);
        uint32_t acc = 0;
        int nbits = 0;
        for (size_t b = 0; b < blocks; b++) {
            acc = acc << 6 | 0x0A, nbits += 6;
            while (nbits >= 8) put_byte(&j, (uint8_t)(acc >> (nbits - 8))), nbits -= 8;
        }
        if (nbits) put_byte(&j, (uint8_t)(acc << (8 - nbits) | (0xFFu >> nbits)));
    }
    put_byte(&j, 0xFF), put_byte(&j, 0xD9);
    cli_write_bytes(&scratch, name, j.p, j.n);
    free(j.p);
}

/* Baseline JPEG: component rows in rings of 3 MCU rows, not whole planes (which alone are
 * 121 MB for 9000x9000 4:2:0, 81 MB gray). */
Test(decode_memory, predict_on_a_big_baseline_jpeg_stays_small, .init = setup, .fini = teardown, .timeout = 120)
{
    write_flat_jpeg("c.jpg", 9000, 9000, 1);
    write_flat_jpeg("g.jpg", 9000, 9000, 0);
    write_flat_jpeg("small_c.jpg", 90, 90, 1);
    write_flat_jpeg("small_g.jpg", 90, 90, 0);
    int rc;
    long kb = child_maxrss_kb("predict -m tiny.emw c.jpg -q", &rc);
    cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
    cr_assert_lt(kb, STREAMED_PEAK_KB, "peak RSS %ld kB for a 9000x9000 4:2:0 JPEG", kb);
    kb = child_maxrss_kb("predict -m tiny.emw g.jpg -q --resize pil", &rc);
    cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
    cr_assert_lt(kb, STREAMED_PEAK_KB, "peak RSS %ld kB for a 9000x9000 gray JPEG (pil)", kb);
    /* the values are right too: flat grey 128 gives the same row as a small flat image */
    same_prediction("small_c.jpg", "c.jpg");
    same_prediction("small_g.jpg", "g.jpg");
    /* features decodes into the model's resize too (it kept the whole frame before) */
    kb = child_maxrss_kb("features -m tiny.emw c.jpg -o f.csv --csv -q", &rc);
    cr_assert_eq(rc, 0, "rc %d: %s", rc, err);
    cr_assert_lt(kb, STREAMED_PEAK_KB, "features: peak RSS %ld kB for a 9000x9000 4:2:0 JPEG", kb);
    /* and decode shows every pixel is 128 (a 1000x1000 one, to keep the file small) */
    write_flat_jpeg("m.jpg", 1000, 999, 1);
    cr_assert_eq(emoc("decode m.jpg -o m.ppm"), 0, "%s", err);
    static char ppm[3 * 1000 * 999 + 64];
    size_t got = cli_read_text(&scratch, "m.ppm", ppm, sizeof ppm);
    const char *hdr = "P6\n1000 999\n255\n";
    cr_assert_eq(got, strlen(hdr) + 3 * 1000 * 999, "%zu bytes", got);
    cr_assert_eq(memcmp(ppm, hdr, strlen(hdr)), 0);
    for (size_t i = strlen(hdr); i < got; i++) cr_assert_eq((unsigned char)ppm[i], 128, "byte %zu", i);
}

Test(decode_memory, oversized_images_are_refused_from_the_header, .init = setup, .fini = teardown, .timeout = 120)
{
    write_zero_png("huge.png", 16384, 16383, 0); /* 1.7 MB file, 268 Mpixel */
    int rc;
    long kb = child_maxrss_kb("predict -m tiny.emw huge.png", &rc);
    cr_assert_eq(rc, 4, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "huge.png: png: offset 16: 16384x16383 = 268419072 pixels exceeds the limit of 89478485 pixels"),
              "%s", err);
    cr_assert_lt(kb, STREAMED_PEAK_KB, "peak RSS %ld kB", kb);
    /* a progressive JPEG header of 16000x16000 (gray): refused at its SOF, nothing allocated */
    static const uint8_t prog[] = {0xFF, 0xD8, 0xFF, 0xC2, 0x00, 0x0B, 0x08, 0x3E, 0x80, 0x3E,
                                   0x80, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9};
    cli_write_bytes(&scratch, "prog.jpg", prog, sizeof prog);
    kb = child_maxrss_kb("predict -m tiny.emw prog.jpg", &rc);
    cr_assert_eq(rc, 4, "rc %d: %s", rc, err);
    cr_assert(strstr(err, "16000x16000 = 256000000 pixels exceeds the limit of 89478485 pixels"), "%s", err);
    cr_assert_lt(kb, STREAMED_PEAK_KB, "peak RSS %ld kB", kb);
}

Test(decode_memory, max_pixels_lowers_the_limit_and_names_it, .init = setup, .fini = teardown, .timeout = 120)
{
    write_zero_png("g.png", 300, 200, 0);
    cr_assert_eq(emoc("predict -m tiny.emw g.png --max-pixels 59999"), 4, "%s", err);
    cr_assert(strstr(err, "300x200 = 60000 pixels exceeds the limit of 59999 pixels"), "%s", err);
    cr_assert_eq(emoc("predict -m tiny.emw g.png --max-pixels 60000 -q"), 0, "%s", err);
    /* with --boxes (whole decode) the same limit holds */
    cli_write_text(&scratch, "b.csv", "image,x,y,w,h\ng.png,0,0,10,10\n");
    cr_assert_eq(emoc("predict -m tiny.emw --boxes b.csv --max-pixels 59999"), 4, "%s", err);
    cr_assert(strstr(err, "exceeds the limit of 59999 pixels"), "%s", err);
    /* a progressive JPEG keeps its DCT coefficients (2 bytes a sample): 23x19 4:4:4 needs
     * 3,456 bytes of them, above the 3,000 bytes of --max-pixels 1000 */
    const char *root = getenv("EMOC_ROOT");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cp '%s/tests/fixtures/jpeg/prog_444_q95_23x19.jpg' '%s/p.jpg'", root ? root : ".",
             scratch.dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(emoc("predict -m tiny.emw p.jpg --max-pixels 1000"), 4, "%s", err);
    cr_assert(strstr(err, "progressive 23x19 image needs 3456 bytes of DCT coefficients, above the 3000-byte limit"),
              "%s", err);
    cr_assert_eq(emoc("predict -m tiny.emw p.jpg --max-pixels 1152 -q"), 0, "%s", err);
}

/* predict IMAGE (streamed into the resize) against predict --boxes with the whole image as the
 * box (decoded whole, cropped, resized): the same rows, for every fixture and both resizes. */
Test(decode_memory, streamed_rows_equal_whole_image_rows_on_every_fixture, .init = setup, .fini = teardown,
     .timeout = 300)
{
    const char *root = getenv("EMOC_ROOT");
    static const char *const dirs[] = {"image", "jpeg"};
    int compared = 0;
    for (int d = 0; d < 2; d++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/tests/fixtures/%s", root ? root : ".", dirs[d]);
        DIR *dp = opendir(dir);
        cr_assert(dp);
        for (struct dirent *e; (e = readdir(dp));) {
            const char *dot = strrchr(e->d_name, '.');
            if (!dot || (strcmp(dot, ".png") && strcmp(dot, ".jpg") && strcmp(dot, ".bmp") && strcmp(dot, ".ppm") &&
                         strcmp(dot, ".pgm")))
                continue;
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            emoc_image img;
            emoc_error e2;
            if (emoc_image_load_file(path, NULL, &img, &e2) != EMOC_OK) continue; /* error fixtures */
            char csv[8400];
            snprintf(csv, sizeof csv, "image,x,y,w,h\n%s,0,0,%d,%d\n", path, img.width, img.height);
            emoc_image_free(&img);
            cli_write_text(&scratch, "full.csv", csv);
            for (int m = 0; m < 2; m++) {
                char args[8400];
                snprintf(args, sizeof args, "predict -m tiny.emw '%s' -q --resize %s", path, m ? "pil" : "cv2");
                cr_assert_eq(emoc(args), 0, "%s: %s", path, err);
                memcpy(out2, out, sizeof out);
                snprintf(args, sizeof args, "predict -m tiny.emw --boxes full.csv -q --resize %s", m ? "pil" : "cv2");
                cr_assert_eq(emoc(args), 0, "%s: %s", path, err);
                cr_assert_str_eq(out2, out, "%s (%s): streamed and whole-image rows differ", path, m ? "pil" : "cv2");
                compared++;
            }
        }
        closedir(dp);
    }
    cr_assert_geq(compared, 120, "%d comparisons", compared);
}

/* features IMAGE (streamed into the resize) against features --boxes with the whole image as
 * the box (decoded whole, cropped, resized): the same feature values. */
Test(decode_memory, features_streamed_equal_whole_image, .init = setup, .fini = teardown, .timeout = 120)
{
    const char *root = getenv("EMOC_ROOT");
    static const char *const names[] = {"jpeg/tall_420_rst_q85_52x100.jpg", "jpeg/tall_gray_q85_23x90.jpg",
                                        "jpeg/exif_orient6_9x7.jpg", "jpeg/tall_prog_420_q80_40x100.jpg",
                                        "image/png_rgb8.png"};
    static char a[1 << 16], b[1 << 16];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[4096], csv[8192], args[8192];
        snprintf(path, sizeof path, "%s/tests/fixtures/%s", root ? root : ".", names[i]);
        emoc_image img;
        emoc_error e2;
        cr_assert_eq(emoc_image_load_file(path, NULL, &img, &e2), EMOC_OK, "%s", e2.msg);
        snprintf(csv, sizeof csv, "image,x,y,w,h\n%s,0,0,%d,%d\n", path, img.width, img.height);
        emoc_image_free(&img);
        cli_write_text(&scratch, "full.csv", csv);
        snprintf(args, sizeof args, "features -m tiny.emw '%s' -o a.csv --csv -q", path);
        cr_assert_eq(emoc(args), 0, "%s: %s", path, err);
        cr_assert_eq(emoc("features -m tiny.emw --boxes full.csv -o b.csv --csv -q"), 0, "%s: %s", path, err);
        size_t na = cli_read_text(&scratch, "a.csv", a, sizeof a), nb = cli_read_text(&scratch, "b.csv", b, sizeof b);
        cr_assert_gt(na, 0);
        cr_assert(na == nb && !memcmp(a, b, na), "%s: streamed and whole-image features differ:\n%s\n%s", path, a, b);
    }
}
