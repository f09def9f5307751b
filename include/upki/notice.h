/* notice.h - the whole pipeline: raw message in, one verdict out.
 *
 * parse (mime.c) -> classify -> extract -> URL policy -> S/MIME -> verdict.
 * This is the one entry point every front end calls (upki-scan,
 * upki-milter, upki-fetch).  No I/O besides reading the trust store when
 * the options are built, no logging: the result carries data and reasons.
 */
#ifndef UPKI_NOTICE_H
#define UPKI_NOTICE_H

#include <glib.h>
#include "upki/error.h"
#include "upki/mime.h"
#include "upki/profile.h"
#include "upki/reason.h"
#include "upki/smime.h"

typedef enum {
	UPKI_VERDICT_NOT_NOTICE = 0,
	UPKI_VERDICT_GENUINE,
	UPKI_VERDICT_SUSPICIOUS
} upki_verdict;

/* "genuine", "suspicious", "not-notice".  Static storage. */
const char *upki_verdict_to_string(upki_verdict v);

typedef struct upki_url_finding {
	char *url;          /* as found */
	guint64 reasons;    /* policy failures of this URL (0: passes) */
	gboolean is_signed; /* inside content covered by a valid signature of the service's
	                       sender, who is also From */
	gboolean from_html;
	gboolean retrieval; /* a retrieval URL or a look-alike of one, judged by the URL policy;
	                       FALSE: another link of an unsigned part, listed only */
} upki_url_finding;

typedef struct upki_notice {
	upki_kind kind;
	upki_verdict verdict;
	guint64 reasons;        /* UPKI_REASON_BIT set; may hold informative ones */
	char *url;              /* the retrieval URL when there is exactly one, else NULL */
	GPtrArray *urls;        /* upki_url_finding*: every retrieval candidate, then the other
	                           links of unsigned parts (retrieval FALSE); deduplicated */
	char *subject;          /* decoded */
	char *from;             /* addr-spec */
	char *to;               /* first To addr-spec (the spool job's recipient), or NULL */
	char *message_id;
	char *date;             /* ISO 8601 date-time of the Date header, or NULL */
	char *deadline;         /* cert-issue/pin-issue: signing time (else Date) + 1 month, YYYY-MM-DD */
	char *dn;               /* retrieved/renewed/revoked */
	char *serial;
	char *old_serial;       /* renewed */
	upki_smime_result *sig; /* the signature that covers the notice text (the first passing
	                           one over text, else the first); NULL if unsigned */
	char *content_hash;     /* 64 hex digits: SHA-256 of sig's CMS SignedData, which carries
	                           the digest of the signed content and the signing time, so
	                           every copy of one signed message has the same one (the
	                           ledger's key with message_id); NULL if unsigned */
} upki_notice;

typedef struct upki_options {
	const upki_profile *profile;          /* required */
	const upki_smime_verifier *verifier;  /* required */
	upki_verify_time verify_time;
	gint64 now;           /* current unix time; 0: time(NULL) */
	guint stale_days;     /* 0: no staleness check; else signing time older -> stale */
	gsize max_size;       /* 0: no limit; else larger input -> UPKI_ERROR_TOO_LARGE */
	upki_mime_limits limits; /* budgets of the MIME walk (zeros: defaults) */
	gboolean ruled_out_fields; /* upki_notice_analyze_prefiltered(): a message the prefilter
	                              rules out still gets subject, from, message_id and date from
	                              its header block; FALSE: no fields, nothing parsed (for a
	                              caller that will not show a not-notice) */
} upki_options;

/* Analyses one message.  Returns NULL with a GError (UPKI_ERROR_NOT_MESSAGE,
 * UPKI_ERROR_TOO_LARGE, UPKI_ERROR_INTERNAL) when there is no verdict to
 * give.  Caller frees with upki_notice_free(). */
upki_notice *upki_notice_analyze(const char *buf, gsize len, const upki_options *o, GError **error);
void upki_notice_free(upki_notice *n);

/* Loads what the full pipeline needs besides what the program links
 * (libcurl and libxml2, dlopen()ed on first use to keep start-up cheap).
 * upki_notice_analyze() calls it itself; a daemon calls it at start to
 * refuse to run without them, a batch calls it early on another thread.
 * Thread-safe; later calls return the first answer at once.  FALSE with
 * UPKI_ERROR_INTERNAL naming the library and why. */
gboolean upki_notice_load_libraries(GError **error);

/* The prefilter first (prefilter.h), then the header block or the whole
 * pipeline: the verdict upki_notice_analyze() gives, cheaply for most
 * mail.  A message pf rules out is not-notice with no signature checked
 * (sig NULL, as for ordinary mail), and with the subject, from,
 * message_id and date of its header block when o->ruled_out_fields
 * (GMime reads the header block alone; a Subject or From it reads as
 * notice-like where the prefilter did not still takes the whole
 * pipeline), else with no field at all.  pf NULL, or a message over
 * o->max_size: exactly upki_notice_analyze().  pf and o are only read:
 * one of each may serve many threads.  Returns NULL with a GError as
 * upki_notice_analyze() does; the caller frees the result with
 * upki_notice_free(). */
struct upki_prefilter;
upki_notice *upki_notice_analyze_prefiltered(const struct upki_prefilter *pf, const char *buf, gsize len,
					     const upki_options *o, GError **error);

/* Same verdict logic from already-parsed facts (front ends that parse
 * once, tests).  m is not consumed. */
struct upki_mime;
upki_notice *upki_notice_from_mime(const struct upki_mime *m, const upki_options *o);

#endif
