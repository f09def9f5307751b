/* wrap.h - Annotate wrap: the notice inside a message that tells the
 * recipient what to do.
 *
 * The wrapped message is multipart/mixed: first the instructions
 * (multipart/alternative of text/plain and text/html, UTF-8, Japanese
 * then English, from the template directory), then the original message
 * unchanged, byte for byte, as message/rfc822, so that its signature
 * still verifies on the attached copy.  Its header is the original's
 * From, To, Cc, Date, Message-ID, Subject, In-Reply-To and References
 * (Subject tagged for suspicious notices) plus what headers mode adds
 * (X-UPKI-Notice, Authentication-Results); every other field, and every
 * field that hides a verdict of ours, goes (the attached copy keeps
 * them).  One list of header edits plus one new body serve both front
 * ends: the milter sends them with smfi_chgheader / smfi_insheader and
 * smfi_replacebody, `upki-scan --filter` applies them with
 * upki_wrap_apply().  Whatever fails while building, the caller falls
 * back to headers mode (upki_annotate_edits()): nothing here is written
 * half-way.  docs/wrap.md says why.
 */
#ifndef UPKI_WRAP_H
#define UPKI_WRAP_H

#include <glib.h>

#include "upki/config.h"
#include "upki/notice.h"

/* The classes of WrapVerdicts. */
#define UPKI_WRAP_GENUINE_ISSUE (1u << 0) /* genuine cert-issue and pin-issue */
#define UPKI_WRAP_GENUINE_OTHER (1u << 1) /* genuine cert-retrieved, -renewed, -revoked */
#define UPKI_WRAP_SUSPICIOUS (1u << 2)    /* every suspicious notice */

typedef struct upki_wrapper upki_wrapper;

/* What wrapping needs from c (TemplateDir, WrapVerdicts, WrapContact,
 * SubjectTag) and our authserv-id, checked: every template loaded and
 * valid, WrapContact set when suspicious notices are wrapped.  NULL with
 * UPKI_ERROR_CONFIG whose message names the template file and line, or
 * the key.  Copies what it keeps.  Free with upki_wrapper_free(). */
upki_wrapper *upki_wrapper_new(const upki_config *c, const char *authserv_id, GError **error);
void upki_wrapper_free(upki_wrapper *w);

/* TRUE when WrapVerdicts asks for n's class to be wrapped. */
gboolean upki_wrapper_wants(const upki_wrapper *w, const upki_notice *n);

typedef struct upki_wrapped {
	GPtrArray *edits; /* upki_header_edit* (annotate.h), in the order to apply */
	GBytes *body;     /* everything after the header's empty line, the message's line ends */
} upki_wrapped;

/* The wrapped form of msg (len bytes, its verdict n, genuine or
 * suspicious).  max_size (0: none): a result larger than this is an
 * error.  NULL with a GError (UPKI_ERROR_TOO_LARGE, UPKI_ERROR_INTERNAL:
 * a value a template names is missing, the original cannot stand
 * unchanged in a MIME part, no body) when the message must go out in
 * headers mode instead.  Free with upki_wrapped_free(). */
upki_wrapped *upki_wrap_build(const upki_wrapper *w, const char *msg, gsize len,
			      const upki_notice *n, gsize max_size, GError **error);
void upki_wrapped_free(upki_wrapped *wr);

/* msg with wr applied: the edited header block, its empty line, the new
 * body.  A leading mbox "From " line stays on top.  Caller frees with
 * g_string_free(). */
GString *upki_wrap_apply(const char *msg, gsize len, const upki_wrapped *wr);

/* Parses a WrapVerdicts value ("genuine-issue, suspicious", "none") into
 * UPKI_WRAP_* bits; FALSE when a word is unknown. */
gboolean upki_wrap_parse_classes(const char *value, guint *classes);

#endif
