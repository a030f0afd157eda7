/*
 * test_jpeg_errors.c — every malformed or unsupported JPEG is rejected with its own status and a
 * message naming the byte offset and the reason; nothing crashes (the suite also runs under
 * ASan+UBSan). Inputs are made by mutating committed fixtures.
 */
#include "test_jpeg_util.h"

static void expect_error(const uint8_t *b, size_t n, emoc_status want, const char *needle)
{
    emoc_error err;
    emoc_status st = jt_decode(b, n, &err);
    cr_assert_eq(st, want, "status %d (%s), expected %d; message: %s", st, emoc_strerror(st), want, err.msg);
    cr_assert(strncmp(err.msg, "jpeg: offset ", 13) == 0, "message lacks the offset: %s", err.msg);
    cr_assert(strstr(err.msg, needle) != NULL, "message \"%s\" does not mention \"%s\"", err.msg, needle);
}

/* Cuts a fixture at every length; sequential files may lose only (part of) the EOI marker. */
static void truncate_everywhere(const char *name, int progressive)
{
    size_t n;
    uint8_t *full = jt_fixture(name, &n);
    for (size_t len = 0; len < n; len++) {
        uint8_t *b = malloc(len ? len : 1); /* exact-size copy so ASan sees any over-read */
        memcpy(b, full, len);
        emoc_error err;
        emoc_status st = jt_decode(b, len, &err);
        if (len < 2) {
            cr_assert_eq(st, EMOC_E_FORMAT, "%s cut at %zu: %s", name, len, err.msg);
        } else if (!progressive && len >= n - 2) {
            cr_assert_eq(st, EMOC_OK, "%s without EOI: %s", name, err.msg);
        } else {
            cr_assert_eq(st, EMOC_E_TRUNCATED, "%s cut at %zu/%zu: status %d: %s", name, len, n, st, err.msg);
            cr_assert(strstr(err.msg, "offset") != NULL, "%s", err.msg);
        }
        free(b);
    }
    free(full);
}

Test(jpeg_errors, truncated_baseline_at_every_offset) { truncate_everywhere("base_420_q75_17x13.jpg", 0); }
Test(jpeg_errors, truncated_restart_at_every_offset) { truncate_everywhere("rst_420_q85_40x32.jpg", 0); }
Test(jpeg_errors, truncated_progressive_at_every_offset) { truncate_everywhere("prog_420_q80_40x30.jpg", 1); }
Test(jpeg_errors, truncated_gray_progressive_at_every_offset) { truncate_everywhere("prog_gray_q85_19x27.jpg", 1); }

Test(jpeg_errors, truncation_message_names_scan_and_mcu)
{
    size_t n;
    uint8_t *b = jt_fixture("base_420_q95_48x40.jpg", &n);
    long sos = jt_segment(b, n, 0xDA, 0);
    cr_assert_geq(sos, 0);
    expect_error(b, (size_t)sos + 14 + 40, EMOC_E_TRUNCATED, "entropy-coded data of scan 1 ends at MCU");
    free(b);
}

Test(jpeg_errors, not_a_jpeg)
{
    const uint8_t png[8] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10};
    expect_error(png, sizeof png, EMOC_E_FORMAT, "no SOI");
    expect_error(png, 0, EMOC_E_FORMAT, "no SOI");
}

Test(jpeg_errors, null_arguments)
{
    emoc__image_limits lim = jt_default_limits();
    emoc__image im;
    cr_assert_eq(emoc__decode_jpeg(NULL, 10, &lim, &im, NULL), EMOC_E_ARG);
    cr_assert_eq(emoc__decode_jpeg((const uint8_t *)"", 0, NULL, &im, NULL), EMOC_E_ARG);
    cr_assert_eq(emoc__decode_jpeg((const uint8_t *)"", 0, &lim, NULL, NULL), EMOC_E_ARG);
    /* a NULL emoc_error is allowed */
    cr_assert_eq(emoc__decode_jpeg((const uint8_t *)"xx", 2, &lim, &im, NULL), EMOC_E_FORMAT);
}

/* Mutates the SOF of a baseline 4:2:0 fixture. SOF layout after FF C0 len(2): P H(2) W(2) Nf
 * then Nf × (id, HV, Tq). */
static uint8_t *sof_fixture(size_t *n, long *sof)
{
    uint8_t *b = jt_fixture("base_420_q75_17x13.jpg", n);
    *sof = jt_segment(b, *n, 0xC0, 0);
    cr_assert_geq(*sof, 0);
    return b;
}

Test(jpeg_errors, zero_width_and_height)
{
    size_t n;
    long s;
    uint8_t *b = sof_fixture(&n, &s);
    b[s + 5] = b[s + 6] = 0; /* height 0 */
    expect_error(b, n, EMOC_E_FORMAT, "zero image size 17x0");
    free(b);
    b = sof_fixture(&n, &s);
    b[s + 7] = b[s + 8] = 0; /* width 0 */
    expect_error(b, n, EMOC_E_FORMAT, "zero image size 0x13");
    free(b);
}

Test(jpeg_errors, huge_dimensions_refused_before_allocation)
{
    size_t n;
    long s;
    uint8_t *b = sof_fixture(&n, &s);
    b[s + 5] = b[s + 6] = b[s + 7] = b[s + 8] = 0xFF; /* 65535 × 65535 */
    expect_error(b, n, EMOC_E_LIMIT, "65535x65535 exceeds the limit 16384x16384");
    b[s + 5] = 0x40, b[s + 6] = 0x00, b[s + 7] = 0x40, b[s + 8] = 0x00; /* 16384², 768 MiB RGB */
    expect_error(b, n, EMOC_E_LIMIT, "byte limit");
    free(b);

    /* A caller's tighter limits apply too. */
    b = sof_fixture(&n, &s);
    emoc__image_limits lim = {16, 16, 1 << 20, 0};
    emoc__image im;
    emoc_error err = {{0}};
    cr_assert_eq(emoc__decode_jpeg(b, n, &lim, &im, &err), EMOC_E_LIMIT, "%s", err.msg);
    lim = (emoc__image_limits){64, 64, 17 * 13 * 3 - 1, 0};
    cr_assert_eq(emoc__decode_jpeg(b, n, &lim, &im, &err), EMOC_E_LIMIT, "%s", err.msg);
    lim = (emoc__image_limits){17, 13, 17 * 13 * 3, 0};
    cr_assert_eq(emoc__decode_jpeg(b, n, &lim, &im, &err), EMOC_OK, "%s", err.msg);
    free(im.pixels);
    free(b);
}

Test(jpeg_errors, unsupported_precision_and_processes)
{
    size_t n;
    long s;
    uint8_t *b = sof_fixture(&n, &s);
    b[s + 4] = 12;
    expect_error(b, n, EMOC_E_UNSUPPORTED, "12-bit sample precision");
    b[s + 4] = 8;
    b[s + 1] = 0xC9;
    expect_error(b, n, EMOC_E_UNSUPPORTED, "arithmetic-coded JPEG (SOF9)");
    b[s + 1] = 0xC3;
    expect_error(b, n, EMOC_E_UNSUPPORTED, "lossless JPEG (SOF3)");
    b[s + 1] = 0xC5;
    expect_error(b, n, EMOC_E_UNSUPPORTED, "hierarchical JPEG (SOF5)");
    b[s + 1] = 0xC0;
    b[s + 9] = 4;
    expect_error(b, n, EMOC_E_UNSUPPORTED, "CMYK");
    b[s + 9] = 2;
    expect_error(b, n, EMOC_E_UNSUPPORTED, "2 components");
    free(b);
}

Test(jpeg_errors, bad_components_in_frame_header)
{
    size_t n;
    long s;
    uint8_t *b = sof_fixture(&n, &s);
    uint8_t id0 = b[s + 10];
    b[s + 13] = id0;
    expect_error(b, n, EMOC_E_FORMAT, "duplicate component id");
    free(b);
    b = sof_fixture(&n, &s);
    b[s + 11] = 0x02; /* h = 0 */
    expect_error(b, n, EMOC_E_FORMAT, "sampling factors 0x2");
    b[s + 11] = 0x52; /* h = 5 */
    expect_error(b, n, EMOC_E_FORMAT, "outside 1..4");
    b[s + 11] = 0x32; /* 3x2 luma with 1x1 chroma is fine (ratio 3), 2x2 chroma would not be */
    b[s + 14] = 0x22;
    expect_error(b, n, EMOC_E_UNSUPPORTED, "fractional sampling ratio");
    free(b);
    b = sof_fixture(&n, &s);
    b[s + 12] = 7;
    expect_error(b, n, EMOC_E_FORMAT, "quantisation table 7 > 3");
    free(b);
    b = sof_fixture(&n, &s);
    b[s + 3] = (uint8_t)(b[s + 3] + 1); /* SOF length one byte longer than its components */
    expect_error(b, n, EMOC_E_FORMAT, "SOF length");
    free(b);
}

/* DHT segments from Pillow hold one table each: FF C4 len(2) TcTh counts[16] symbols. */
Test(jpeg_errors, huffman_table_over_subscribed)
{
    size_t n;
    uint8_t *b = jt_fixture("base_444_q90_32x24.jpg", &n);
    long h = jt_segment(b, n, 0xC4, 0);
    cr_assert_geq(h, 0);
    uint8_t *counts = b + h + 5;
    int from = 15;
    while (counts[from] < 3) from--;
    counts[from] = (uint8_t)(counts[from] - 3);
    counts[0] = (uint8_t)(counts[0] + 3); /* three 1-bit codes; the symbol total is unchanged */
    expect_error(b, n, EMOC_E_FORMAT, "over-subscribed at length 1");
    free(b);
}

Test(jpeg_errors, huffman_table_bad_counts_and_symbols)
{
    size_t n;
    uint8_t *b = jt_fixture("base_444_q90_32x24.jpg", &n);
    long h = jt_segment(b, n, 0xC4, 0); /* first table: DC 0 */
    cr_assert_geq(h, 0);
    cr_assert_eq(b[h + 4], 0x00);
    b[h + 5 + 17] = 16; /* one of its symbols (after 16 counts) becomes 16 */
    expect_error(b, n, EMOC_E_FORMAT, "DC symbol 16 > 15");
    free(b);

    b = jt_fixture("base_444_q90_32x24.jpg", &n);
    b[h + 5 + 15] = 255; /* 255 extra 16-bit codes: > 256 in total */
    expect_error(b, n, EMOC_E_FORMAT, "(max 256)");
    free(b);

    b = jt_fixture("base_444_q90_32x24.jpg", &n);
    b[h + 5 + 15] = 20; /* more symbols declared than the segment holds */
    expect_error(b, n, EMOC_E_FORMAT, "DHT: table declares");
    free(b);

    b = jt_fixture("base_444_q90_32x24.jpg", &n);
    b[h + 4] = 0x24; /* class 2 */
    expect_error(b, n, EMOC_E_FORMAT, "DHT: bad class 2");
    free(b);
}

Test(jpeg_errors, invalid_huffman_code_in_data)
{
    size_t n;
    uint8_t *b = jt_fixture("base_444_q90_32x24.jpg", &n);
    long sos = jt_segment(b, n, 0xDA, 0);
    size_t data = (size_t)sos + 2 + ((size_t)b[sos + 2] << 8 | b[sos + 3]);
    /* sixteen 1-bits: no code of Pillow's DC table (max 9 bits, all-ones unused) */
    uint8_t *m = malloc(n + 4);
    memcpy(m, b, data);
    const uint8_t ones[4] = {0xFF, 0x00, 0xFF, 0x00};
    memcpy(m + data, ones, 4);
    memcpy(m + data + 4, b + data, n - data);
    expect_error(m, n + 4, EMOC_E_FORMAT, "invalid Huffman code in scan 1 at MCU 0");
    free(m);
    free(b);
}

Test(jpeg_errors, undefined_tables)
{
    size_t n;
    uint8_t *b = jt_fixture("base_444_q90_32x24.jpg", &n);
    long sos = jt_segment(b, n, 0xDA, 0);
    b[sos + 6] = 0x33; /* component 1 uses DC/AC table 3, never defined */
    expect_error(b, n, EMOC_E_FORMAT, "undefined DC Huffman table 3");
    free(b);

    b = jt_fixture("base_444_q90_32x24.jpg", &n);
    long sof = jt_segment(b, n, 0xC0, 0);
    b[sof + 12] = 3; /* quantisation table 3, never defined */
    expect_error(b, n, EMOC_E_FORMAT, "undefined quantisation table 3");
    free(b);
}

Test(jpeg_errors, bad_markers_and_segments)
{
    size_t n;
    uint8_t *b = jt_fixture("base_444_q90_32x24.jpg", &n);
    long sof = jt_segment(b, n, 0xC0, 0);
    b[sof + 1] = 0xFE; /* SOF becomes a comment */
    expect_error(b, n, EMOC_E_FORMAT, "SOS before SOF");
    b[sof + 1] = 0x02;
    expect_error(b, n, EMOC_E_FORMAT, "unknown marker 0xFF02");
    b[sof + 1] = 0xD3;
    expect_error(b, n, EMOC_E_FORMAT, "RST3 outside entropy-coded data");
    b[sof + 1] = 0xD9;
    expect_error(b, n, EMOC_E_FORMAT, "EOI before any image data");
    b[sof + 1] = 0xC0;
    b[sof + 2] = 0;
    b[sof + 3] = 1;
    expect_error(b, n, EMOC_E_FORMAT, "segment length 1 < 2");
    b[sof + 2] = 0xFF;
    expect_error(b, n, EMOC_E_TRUNCATED, "segment of 65281 bytes");
    free(b);

    /* Second frame header. */
    b = jt_fixture("base_444_q90_32x24.jpg", &n);
    sof = jt_segment(b, n, 0xC0, 0);
    size_t len = 2 + ((size_t)b[sof + 2] << 8 | b[sof + 3]);
    uint8_t *m = malloc(n + len);
    memcpy(m, b, (size_t)sof + len);
    memcpy(m + sof + len, b + sof, n - (size_t)sof);
    expect_error(m, n + len, EMOC_E_FORMAT, "second SOF marker");
    free(m);
    free(b);
}

Test(jpeg_errors, bad_scan_headers)
{
    size_t n;
    uint8_t *b = jt_fixture("base_444_q90_32x24.jpg", &n);
    long sos = jt_segment(b, n, 0xDA, 0);
    b[sos + 5] = 99;
    expect_error(b, n, EMOC_E_FORMAT, "unknown component id 99");
    b[sos + 5] = b[sos + 7];
    expect_error(b, n, EMOC_E_FORMAT, "listed twice");
    free(b);

    b = jt_fixture("prog_420_q80_40x30.jpg", &n);
    sos = jt_segment(b, n, 0xDA, 0); /* first progressive scan: DC of all three components */
    size_t q = (size_t)sos + 5 + 2 * b[sos + 4];
    b[q + 1] = 5; /* DC scan with Se = 5 */
    expect_error(b, n, EMOC_E_FORMAT, "progressive DC scan with Se=5");
    b[q + 1] = 0;
    b[q + 2] = 0x31; /* Ah=3, Al=1 */
    expect_error(b, n, EMOC_E_FORMAT, "successive approximation Ah=3 Al=1");
    free(b);
}

Test(jpeg_errors, wrong_restart_marker)
{
    size_t n;
    uint8_t *b = jt_fixture("rst_420_q85_40x32.jpg", &n);
    long sos = jt_segment(b, n, 0xDA, 0);
    size_t i = (size_t)sos + 4;
    while (i + 1 < n && !(b[i] == 0xFF && b[i + 1] == 0xD0)) i++;
    cr_assert_lt(i + 1, n, "no RST0 in fixture");
    b[i + 1] = 0xD3;
    expect_error(b, n, EMOC_E_FORMAT, "expected restart marker RST0, found bytes 0xFF 0xD3");
    b[i + 1] = 0xD9; /* EOI in the middle of the scan */
    expect_error(b, n, EMOC_E_FORMAT, "expected restart marker RST0");
    free(b);
}

Test(jpeg_errors, dri_and_dqt_lengths)
{
    size_t n;
    uint8_t *b = jt_fixture("base_444_q90_32x24.jpg", &n);
    long dqt = jt_segment(b, n, 0xDB, 0);
    b[dqt + 4] = 0x05; /* table id 5 */
    expect_error(b, n, EMOC_E_FORMAT, "DQT: bad precision 0 or table id 5");
    b[dqt + 4] = 0x10; /* 16-bit table: needs 129 bytes, segment has 65 */
    expect_error(b, n, EMOC_E_FORMAT, "needs 129 bytes");
    free(b);
}

/* Deterministic byte mutations of valid files: decode must return (any status), never crash,
 * leak or read out of bounds (ASan/UBSan build), and always explain a failure. */
Test(jpeg_errors, random_mutations_never_crash)
{
    const char *names[] = {"base_420_q75_17x13.jpg", "prog_420_q80_40x30.jpg", "rst_420_q85_40x32.jpg",
                           "prog_rst_420_q75_33x25.jpg", "gray_q90_31x17.jpg"};
    uint32_t rng = 12345;
    int ok = 0, failed = 0;
    for (size_t f = 0; f < sizeof names / sizeof *names; f++) {
        size_t n;
        uint8_t *orig = jt_fixture(names[f], &n);
        for (int iter = 0; iter < 300; iter++) {
            uint8_t *b = malloc(n);
            memcpy(b, orig, n);
            int flips = 1 + iter % 4;
            for (int k = 0; k < flips; k++) {
                rng = rng * 1664525u + 1013904223u;
                size_t at = (rng >> 8) % n;
                rng = rng * 1664525u + 1013904223u;
                b[at] = (uint8_t)(rng >> 24);
            }
            emoc_error err;
            emoc_status st = jt_decode(b, n, &err);
            if (st == EMOC_OK) ok++;
            else {
                failed++;
                cr_assert(err.msg[0] != 0, "status %d without a message", st);
            }
            free(b);
        }
        free(orig);
    }
    fprintf(stderr, "jpeg mutations: %d decoded, %d rejected\n", ok, failed);
    cr_assert_gt(failed, 0);
}

/* A progressive file may repeat scans, but each scan costs a pass over the image: cap them. */
Test(jpeg_errors, too_many_scans)
{
    size_t n;
    uint8_t *b = jt_fixture("prog_gray_q85_19x27.jpg", &n);
    long sos = jt_segment(b, n, 0xDA, 0);
    cr_assert_geq(sos, 0);
    size_t end = (size_t)sos + 4; /* the first scan runs up to the next marker (not FF00/RSTn) */
    while (end + 1 < n && !(b[end] == 0xFF && b[end + 1] != 0x00 && (b[end + 1] < 0xD0 || b[end + 1] > 0xD7)))
        end++;
    size_t scan_len = end - (size_t)sos, copies = 600;
    uint8_t *m = malloc(n + scan_len * copies);
    memcpy(m, b, end);
    for (size_t i = 0; i < copies; i++) memcpy(m + end + i * scan_len, b + sos, scan_len);
    memcpy(m + end + copies * scan_len, b + end, n - end);
    expect_error(m, n + scan_len * copies, EMOC_E_LIMIT, "more than 500 scans");
    /* 100 repeats of the DC scan are legal and still decode */
    emoc_error err;
    cr_assert_eq(jt_decode(m, end + 100 * scan_len, &err), EMOC_E_TRUNCATED, "%s", err.msg); /* no EOI */
    memcpy(m + end + 100 * scan_len, b + end, n - end);
    cr_assert_eq(jt_decode(m, end + 100 * scan_len + (n - end), &err), EMOC_OK, "%s", err.msg);
    free(m);
    free(b);
}

/* A sequential file with one scan per component that stops after two scans is incomplete. */
Test(jpeg_errors, sequential_component_without_scan)
{
    size_t n;
    uint8_t *b = jt_fixture("mini_420_noninterleaved_30x22.jpg", &n);
    size_t third = 0;
    int seen = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (b[i] == 0xFF && b[i + 1] == 0xDA && ++seen == 3) { third = i; break; }
    cr_assert_gt(third, 0, "fixture lacks three scans");
    b[third] = 0xFF, b[third + 1] = 0xD9; /* EOI where the Cr scan begins */
    expect_error(b, third + 2, EMOC_E_FORMAT, "EOI before every component had a scan");
    emoc_error err;
    cr_assert_eq(jt_decode(b, third, &err), EMOC_E_TRUNCATED, "%s", err.msg); /* no EOI at all */
    free(b);
}

/* A sequential file whose first scan carried every component has no room for another scan
 * (libjpeg: "Didn't expect more than one scan"): its rows are already out. */
Test(jpeg_errors, second_scan_after_a_complete_sequential_scan)
{
    const char *names[] = {"base_420_q75_17x13.jpg", "gray_q90_31x17.jpg"};
    for (size_t f = 0; f < 2; f++) {
        size_t n;
        uint8_t *b = jt_fixture(names[f], &n);
        long sos = jt_segment(b, n, 0xDA, 0);
        cr_assert_geq(sos, 0);
        size_t eoi = n - 2;
        cr_assert(b[eoi] == 0xFF && b[eoi + 1] == 0xD9);
        size_t scan_len = eoi - (size_t)sos; /* SOS segment + entropy-coded data */
        uint8_t *m = malloc(n + scan_len);
        memcpy(m, b, eoi);
        memcpy(m + eoi, b + sos, scan_len);
        memcpy(m + eoi + scan_len, b + eoi, 2);
        expect_error(m, n + scan_len, EMOC_E_FORMAT, "second scan in a sequential image");
        char want[64];
        snprintf(want, sizeof want, "jpeg: offset %zu:", eoi);
        emoc_error err;
        jt_decode(m, n + scan_len, &err);
        cr_assert(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
        free(m);
        free(b);
    }
}

/* APPn segments after the first SOS change nothing (libjpeg and Pillow read them before it):
 * an EXIF orientation 6 appended after the scan leaves the image upright. */
Test(jpeg_errors, exif_after_the_first_scan_is_ignored)
{
    size_t n, n6;
    uint8_t *b = jt_fixture("base_444_q90_32x24.jpg", &n); /* no APP1 */
    uint8_t *e6 = jt_fixture("exif_orient6_9x7.jpg", &n6);
    long app1 = jt_segment(e6, n6, 0xE1, 0);
    cr_assert_geq(app1, 0);
    size_t len = 2 + ((size_t)e6[app1 + 2] << 8 | e6[app1 + 3]);
    uint8_t *m = malloc(n + len);
    memcpy(m, b, n - 2);
    memcpy(m + n - 2, e6 + app1, len);
    memcpy(m + n - 2 + len, b + n - 2, 2);
    emoc__image_limits lim = jt_default_limits();
    emoc__image a, c;
    emoc_error err;
    cr_assert_eq(emoc__decode_jpeg(b, n, &lim, &a, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(emoc__decode_jpeg(m, n + len, &lim, &c, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(c.orientation, 1);
    cr_assert(c.width == a.width && c.height == a.height);
    cr_assert_eq(memcmp(a.pixels, c.pixels, (size_t)a.width * a.height * a.channels), 0);
    /* the same segment before the scan turns it */
    memcpy(m, b, 2);
    memcpy(m + 2, e6 + app1, len);
    memcpy(m + 2 + len, b + 2, n - 2);
    free(c.pixels);
    cr_assert_eq(emoc__decode_jpeg(m, n + len, &lim, &c, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(c.orientation, 6);
    free(a.pixels);
    free(c.pixels);
    free(m);
    free(e6);
    free(b);
}
