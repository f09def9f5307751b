/* prefilter.h - "can this message matter?", cheaply, for every front end.
 *
 * The contract: upki_prefilter_message() says UPKI_PREFILTER_NO only for
 * a message that upki_notice_analyze() would call not-notice.  It never
 * errs the other way round: whatever it cannot read plainly, or where a
 * limit is reached, is UPKI_PREFILTER_MAY.  The upki-scan quick path and
 * the milter's early accept both decide with it, so they cannot drift
 * apart from each other or from the full pipeline.
 *
 * What the full pipeline needs for any verdict but not-notice (notice.c
 * judge()) is one of: a Subject that names a kind (look-alike, reply and
 * forward included), a From that is the sender, or a retrieval-candidate
 * URL or labelled link in a text/plain or text/html part (url.c
 * upki_url_is_candidate, extract.c labels).  The header stage looks at
 * the first two; the message stage walks the MIME structure from the
 * bytes, undoes base64 and quoted-printable, converts the charset as
 * mime.c does, and searches every text part, folded as url.c folds, for
 * the candidate rule's own markers (upki_url_candidate_markers) and the
 * profile's labels.  HTML parts are judged by the same link extractor
 * the pipeline uses.  No I/O, no logging.
 */
#ifndef UPKI_PREFILTER_H
#define UPKI_PREFILTER_H

#include <glib.h>
#include "upki/profile.h"

typedef enum {
	UPKI_PREFILTER_NO = 0, /* cannot matter: the full pipeline says not-notice */
	UPKI_PREFILTER_BODY,   /* header stage only: the headers do not decide, the body may */
	UPKI_PREFILTER_MAY     /* may matter: run the full pipeline */
} upki_prefilter_verdict;

/* Why: which evidence (MAY/BODY) or which stage ruled it out (NO). */
typedef enum {
	UPKI_PF_NO_MARKER = 0, /* NO: headers ordinary, no text part holds a marker */
	UPKI_PF_HEADERS_ONLY,  /* BODY: Subject and From are ordinary; the body decides */
	UPKI_PF_HEADER_BLOCK,  /* MAY: no plain header block, or Subject/From twice */
	UPKI_PF_SUBJECT,       /* MAY: the Subject names a kind (look-alike, reply included) */
	UPKI_PF_FROM,          /* MAY: the From may be the sender */
	UPKI_PF_STRUCTURE,     /* MAY: a MIME structure not read plainly */
	UPKI_PF_ENCODING,      /* MAY: a transfer encoding not undone here */
	UPKI_PF_OPAQUE,        /* MAY: opaque S/MIME (pkcs7-mime): its text is inside DER */
	UPKI_PF_LIMIT,         /* MAY: depth, parts or decoded bytes over the limit */
	UPKI_PF_MARKER,        /* MAY: a text part holds a marker or label */
	UPKI_PF_HTML_LINK,     /* MAY: an HTML part has a candidate or labelled link */
	UPKI_PF_COUNT
} upki_prefilter_why;

typedef struct upki_prefilter_result {
	upki_prefilter_verdict verdict;
	upki_prefilter_why why;
} upki_prefilter_result;

typedef struct upki_prefilter upki_prefilter;

/* Built from p, which must outlive it.  Read-only afterwards: one may
 * serve many threads.  Free with upki_prefilter_free(). */
upki_prefilter *upki_prefilter_new(const upki_profile *p);
void upki_prefilter_free(upki_prefilter *pf);

/* The header stage: msg is a message or its header block alone (an mbox
 * "From " line first is skipped).  MAY or BODY, never NO: any body may
 * hold a look-alike link. */
upki_prefilter_result upki_prefilter_headers(const upki_prefilter *pf, const char *msg, gsize len);

/* The whole message: the header stage, then the body.  NO or MAY. */
upki_prefilter_result upki_prefilter_message(const upki_prefilter *pf, const char *msg, gsize len);

/* A fixed token for logs: "no-marker", "subject", ...  Static storage. */
const char *upki_prefilter_why_to_string(upki_prefilter_why why);

#endif
