/* error.h - the GError domain of libupki.
 *
 * Library functions report failures as a GError in this domain (or GLib's
 * G_FILE_ERROR for I/O); front ends turn the code into an exit status,
 * an SMTP reply or a log line.  Messages never contain a retrieval token
 * or an access PIN.
 */
#ifndef UPKI_ERROR_H
#define UPKI_ERROR_H

#include <glib.h>

#define UPKI_ERROR (upki_error_quark())
GQuark upki_error_quark(void);

typedef enum {
	UPKI_ERROR_NOT_MESSAGE,  /* empty input, binary junk, no header block */
	UPKI_ERROR_TOO_LARGE,    /* over the configured size limit */
	UPKI_ERROR_CONFIG,       /* bad config file or value */
	UPKI_ERROR_TRUST,        /* trust store could not be loaded */
	UPKI_ERROR_INTERNAL      /* library failure (allocation, OpenSSL) */
} upki_error_code;

#endif
