/*
 * mtcnn_resample.c — the pyramid and crop resampling of facenet-pytorch's MTCNN (mtcnn.h):
 * torch interpolate(mode="area") on the uint8 image as float32, then (v − 127.5)·0.0078125.
 */
#include "nets/mtcnn.h"

void emoc_mtcnn_area_resample(const uint8_t *img, size_t stride, int x0, int y0, int cw, int ch,
                              int oh, int ow, float *out)
{
    for (int i = 0; i < oh; i++) {
        int h0 = (int)((long long)i * ch / oh);
        int h1 = (int)(((long long)(i + 1) * ch + oh - 1) / oh);
        for (int j = 0; j < ow; j++) {
            int w0 = (int)((long long)j * cw / ow);
            int w1 = (int)(((long long)(j + 1) * cw + ow - 1) / ow);
            float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f;
            for (int y = h0; y < h1; y++) {
                const uint8_t *p = img + (size_t)(y0 + y) * stride + (size_t)(x0 + w0) * 3;
                for (int x = w0; x < w1; x++, p += 3) {
                    s0 += (float)p[0];
                    s1 += (float)p[1];
                    s2 += (float)p[2];
                }
            }
            float kh = (float)(h1 - h0), kw = (float)(w1 - w0);
            float *o = out + ((size_t)i * ow + j) * 3;
            o[0] = (s0 / kh / kw - 127.5f) * 0.0078125f;
            o[1] = (s1 / kh / kw - 127.5f) * 0.0078125f;
            o[2] = (s2 / kh / kw - 127.5f) * 0.0078125f;
        }
    }
}

int emoc_mtcnn_scales(int width, int height, int min_face, double *scales, int cap)
{
    const double factor = 0.709;
    double m = 12.0 / min_face;
    double minl = (double)(width < height ? width : height) * m;
    double scale = m;
    int n = 0;
    while (minl >= 12 && n < cap) {
        scales[n++] = scale;
        scale = scale * factor;
        minl = minl * factor;
    }
    return n;
}
