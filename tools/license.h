/* license.h — the texts behind `emoc --license` (tools/license.c). */
#ifndef EMOC_TOOLS_LICENSE_H
#define EMOC_TOOLS_LICENSE_H

/* The top-level LICENSE file, byte for byte. */
const char *cli_license_text(void);
/* Licences of the model files emoc knows how to fetch. */
const char *cli_model_terms_text(void);

#endif
