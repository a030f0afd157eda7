/* license.c — `emoc --license`: emoc's own licence (the top-level LICENSE file, embedded at build
 * time so that the text printed is exactly the file shipped) and the terms of the model files
 * emoc knows how to fetch (`make models`, detector weights: README "Licences"). */
#include "tools/license.h"

/* The assembler copies LICENSE byte for byte (make runs from the repository root; the Makefile
 * makes this object depend on LICENSE); a NUL follows it. */
__asm__(".pushsection .rodata\n"
        ".globl emoc_cli_license_text\n"
        ".hidden emoc_cli_license_text\n"
        "emoc_cli_license_text:\n"
        ".incbin \"LICENSE\"\n"
        ".byte 0\n"
        ".popsection\n");
extern const char emoc_cli_license_text[];

static const char model_terms[] =
    "\n"
    "==============================================================================\n"
    "Model files emoc knows how to fetch and convert (emoc ships no weights; their\n"
    "terms are those of their publishers, separate from emoc's own licence above):\n"
    "\n"
    "- HSEmotion / EmotiEffLib emotion models (EfficientNet-B0/B2, MobileFaceNet,\n"
    "  DDAMFN; sb-ai-lab/EmotiEffLib, models/affectnet_emotions/): the repository is\n"
    "  under the Apache License 2.0; its README says the library \"is released under\n"
    "  the Apache-2.0 License. There is no limitation for both academic and\n"
    "  commercial usage\" and states no separate licence for the model files. The\n"
    "  models were trained on AffectNet (and VGGFace2 for pre-training), datasets\n"
    "  distributed for research under their own agreements: check those terms\n"
    "  before a commercial use of the weights.\n"
    "- MTCNN face detector weights (timesler/facenet-pytorch, data/*.pt): MIT\n"
    "  License, Copyright (c) 2019 Timothy Esler.\n"
    "- RetinaFace detector weights (biubug6/Pytorch_Retinaface): MIT License.\n"
    "- MediaPipe BlazeFace detector (.tflite from the @mediapipe/face_detection npm\n"
    "  package, google-ai-edge/mediapipe): Apache License 2.0.\n";

const char *cli_license_text(void) { return emoc_cli_license_text; }
const char *cli_model_terms_text(void) { return model_terms; }
