/* mime-signed.h - the bytes a multipart/signed signature covers, taken
 * from the raw message (used by mime.c; public so tests can pin it down).
 */
#ifndef UPKI_MIME_SIGNED_H
#define UPKI_MIME_SIGNED_H

#include <glib.h>

/* raw/len: the buffer the parser read; entity: offset of the first
 * header line of the multipart/signed entity (any offset inside its
 * header block will do); boundary: its boundary parameter.  Returns the
 * first body part exactly as written - from after the first delimiter
 * line "--boundary" to before the line end that precedes the next line
 * starting with "--boundary" - with bare LF turned into CRLF.  NULL when
 * the header block does not end or either delimiter is missing.  Caller
 * unrefs. */
GBytes *upki_mime_signed_content(const char *raw, gsize len, gsize entity, const char *boundary);

#endif
