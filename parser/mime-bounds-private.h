/* mime-bounds-private.h - where the parts of a MIME entity lie in the raw bytes
 * (private to mime.c; tests include it from parser/).
 *
 * GMime builds the tree; this module reads the same bytes by the strict
 * rules of RFC 2045/2046 and says where a reader with other rules could
 * see something else.  mime.c compares both readings and parses signed
 * content from exactly the bytes found here, so that what is verified and
 * what is judged are one and the same.
 */
#ifndef UPKI_MIME_BOUNDS_H
#define UPKI_MIME_BOUNDS_H

#include <glib.h>

typedef struct upki_span {
	gsize start; /* first byte */
	gsize end;   /* just after the last byte */
} upki_span;

/* The header block of the entity that starts at span.start: returns the
 * offset of its body (after the empty line that ends the block), or
 * span.end when the block does not end inside the span.  *odd as in
 * upki_raw_header_block_end(), the one header-block reader. */
gsize upki_mime_bounds_header_end(const char *raw, upki_span span, gboolean *odd);

typedef struct upki_mime_bounds {
	GArray *parts;      /* upki_span per body part: from the line after its
	                       delimiter to the line end before the next one (excluded) */
	gboolean closed;    /* the close delimiter "--boundary--" was found */
	gboolean ambiguous; /* something a reader could take for a delimiter that
	                       this reading does not, or no close delimiter */
} upki_mime_bounds;

/* Reads the body raw[body, end) of a multipart entity with boundary.
 * A delimiter is a line "--boundary" (or "--boundary--"), then only
 * spaces or tabs, then CRLF or LF.  Every other line that starts with
 * "--boundary", a "--boundary" after a lone CR, a delimiter after the
 * close delimiter, a boundary holding CR or LF or longer than 256 bytes
 * make it ambiguous.  Linear in end - body.  Clear with
 * upki_mime_bounds_clear(). */
void upki_mime_bounds_scan(const char *raw, gsize body, gsize end, const char *boundary,
			   upki_mime_bounds *out);
void upki_mime_bounds_clear(upki_mime_bounds *b);

/* Bytes all scans of this process have covered so far (tests: the walk
 * scans each part once per level of nesting, whatever its delimiters). */
gsize upki_mime_bounds_bytes_scanned(void);

/* The bytes of span with bare LF turned into CRLF (what a signer hashed
 * when the message was stored with LF line ends).  Caller unrefs. */
GBytes *upki_mime_bounds_to_crlf(const char *raw, upki_span span);

#endif
