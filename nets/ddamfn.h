/*
 * ddamfn.h — the one description of DDAMFN's MixNet trunk (nets/ddamfn.c), read by the graph
 * builder there and the checkpoint mapping (weights/convert_pth_ddamfn.c).
 */
#ifndef EMOC_NETS_DDAMFN_H
#define EMOC_NETS_DDAMFN_H

typedef struct emoc__ddamfn_stage {
    int index;           /* features.<index> */
    int blocks;          /* 0: single Mix_Depth_Wise; n: Mix_Residual of n blocks */
    int stride;
    int n_splits;        /* MDConv kernel groups */
    int kernels[4];
} emoc__ddamfn_stage;

extern const emoc__ddamfn_stage emoc__ddamfn_trunk[];
extern const int emoc__ddamfn_trunk_len;

#endif
