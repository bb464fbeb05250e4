/* fc_version.h - the formconv release. */
#ifndef FC_VERSION_H
#define FC_VERSION_H

/* Version of formconv, printed by --version and written into documents. */
#define FC_VERSION "0.1.0"

#endif
