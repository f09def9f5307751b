/* mime-private.h - what mime.c and mime-headers.c share.
 *
 * mime.c parses with GMime and walks the tree; mime-headers.c turns a
 * header block into subject, From, Message-ID and Date, from GMime's
 * message or, for upki_mime_parse_headers() on a plainly written block,
 * from the bytes with GMime's own field parsers and no message object,
 * and says when a header block is one readers would read differently.
 */
#ifndef UPKI_MIME_PRIVATE_H
#define UPKI_MIME_PRIVATE_H

#include <gmime/gmime.h>

#include "upki/mime.h"

/* An empty result; free with upki_mime_free(). */
upki_mime *upki_mime_new(void);

/* The options every parse uses (caller frees). */
GMimeParserOptions *upki_mime_parser_options(void);

/* Fills m's header facts from a parsed message. */
void upki_mime_fill_headers(upki_mime *m, GMimeMessage *msg);

/* The header facts of the header block hdr (len bytes, no mbox line)
 * without a GMimeMessage, or NULL when the block is not written plainly
 * enough to be sure GMime would read it the same way (then the caller
 * parses it with GMime). */
upki_mime *upki_mime_headers_from_raw(const char *hdr, gsize len);

/* Whether o's header is read differently by different readers: a second
 * copy of a header that decides structure (or, when top, of one the
 * reader is shown: From, Subject, Date, Sender, Reply-To, since readers
 * disagree about which copy wins), or a Content-Type or
 * Content-Disposition naming a parameter twice or a boundary in RFC 2231
 * form. */
gboolean upki_mime_headers_ambiguous(GMimeObject *o, gboolean top);

#endif
