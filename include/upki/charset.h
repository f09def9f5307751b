/* charset.h - header text (RFC 2047 encoded-words) decoded the way
 * Japanese mail needs it.
 *
 * upki_mime_to_utf8() (mime.h) does the charset work; this adds header
 * decoding for front ends that see raw header values without GMime (the
 * milter's header callback) and for mime.c itself.
 */
#ifndef UPKI_CHARSET_H
#define UPKI_CHARSET_H

#include <glib.h>

/* Decodes an unstructured header value as found in the message (folded,
 * encoded-words in any charset, raw ISO-2022-JP escapes or 8-bit bytes):
 * adjacent encoded-words of one charset are joined before conversion (a
 * character may be split between them), folding becomes one space, the
 * result is trimmed UTF-8.  Never fails; NULL in, NULL out.  Caller frees. */
char *upki_header_decode(const char *raw);

#endif
