/* mime.h - from raw message bytes to the facts the pipeline needs.
 *
 * GMime parses; this module hands out decoded header values, every text
 * part decoded to UTF-8 (any charset, QP or base64), and for every S/MIME
 * signature the exact bytes it covers, found in the raw input (GMime's
 * own re-serialisation is not trusted for that).  Parts inside a signed
 * entity are flagged with the index of their signature.  Opaque signed
 * data (application/pkcs7-mime; smime-type=signed-data) is unwrapped and
 * its content parsed as a MIME entity.
 */
#ifndef UPKI_MIME_H
#define UPKI_MIME_H

#include <glib.h>

typedef struct upki_text {
	char *text;        /* UTF-8, line ends '\n' */
	gboolean is_html;  /* text/html (text holds the markup) */
	int signed_by;     /* index into upki_mime.signeds, -1: outside any signature */
	gboolean header;   /* Subject and From of an embedded message/rfc822 (shown
	                      by mail programs above its body), not a body part */
} upki_text;

typedef struct upki_signed {
	GBytes *content;   /* multipart/signed: the first part's exact bytes, headers
	                      included, line ends turned into CRLF, without the CRLF
	                      before the boundary; opaque: NULL */
	GBytes *signature; /* DER of the CMS SignedData (base64 decoded) */
	gboolean opaque;   /* application/pkcs7-mime signed-data */
} upki_signed;

typedef struct upki_mime {
	char *subject;      /* decoded, unfolded UTF-8; NULL if absent */
	char *from_addr;    /* addr-spec of the first From mailbox, lower case; NULL if none */
	char *from_name;    /* decoded display name; NULL if none */
	guint from_count;   /* mailboxes in From (more than one is never genuine) */
	char *to_addr;      /* addr-spec of the first To mailbox, lower case; NULL if none
	                       (full parse only: the job's recipient, never a verdict input) */
	char *message_id;   /* without <>; NULL if absent */
	GDateTime *date;    /* Date header in its own offset; NULL if absent/unparseable */
	GPtrArray *texts;   /* upki_text*, in message order */
	GPtrArray *signeds; /* upki_signed* */
	guint64 findings;   /* UPKI_REASON_BIT set: ambiguous-structure (two readings of the
	                       structure could differ), too-complex (a limit cut the walk) */
} upki_mime;

/* Budgets of the walk over the MIME tree (0: the built-in default).
 * Reaching one is a finding (too-complex), never a silent stop. */
typedef struct upki_mime_limits {
	guint max_depth;   /* nesting followed; default 32 */
	guint max_parts;   /* MIME entities looked at; default 1000 */
	gsize max_text;    /* decoded text kept, bytes; default 8 MiB */
} upki_mime_limits;

/* Sets up GMime (once per process; thread-safe). */
void upki_mime_init(void);

/* Parses len bytes of a message (LF or CRLF; a leading mbox "From " line
 * is skipped).  Returns NULL with UPKI_ERROR_NOT_MESSAGE when the input is
 * empty, holds NUL bytes in its header block or has no header field at
 * all.  Caller frees with upki_mime_free(). */
upki_mime *upki_mime_parse(const char *buf, gsize len, GError **error);
/* The same within limits (NULL: the defaults). */
upki_mime *upki_mime_parse_limited(const char *buf, gsize len, const upki_mime_limits *limits,
				   GError **error);
void upki_mime_free(upki_mime *m);

/* Quick look at a header block only (no body parsing): fills subject and
 * from_addr as upki_mime_parse would, texts/signeds stay empty.  For
 * deciding early that a message cannot be a notice. */
upki_mime *upki_mime_parse_headers(const char *buf, gsize len, GError **error);

/* Converts len bytes in charset to UTF-8; unknown charsets and invalid
 * sequences never fail: aliases (iso-2022-jp -> ISO-2022-JP-3/CP50221,
 * shift_jis -> CP932 ...) are tried, then bad bytes become U+FFFD.
 * Line ends are normalised to '\n'.  Caller frees. */
char *upki_mime_to_utf8(const char *buf, gsize len, const char *charset);

#endif
