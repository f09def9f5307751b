/* reason.h - the fixed reason tokens that explain a verdict.
 *
 * A verdict carries a set of reasons, kept as bits of a guint64 so that
 * every module can add its own without allocating, and so that output
 * order is the same whatever order the checks ran in (the order of the
 * enum).  Tokens are an interface (JSON, headers, logs): never rename one.
 */
#ifndef UPKI_REASON_H
#define UPKI_REASON_H

#include <glib.h>

typedef enum {
	UPKI_R_UNSIGNED = 0,        /* no S/MIME signature at all */
	UPKI_R_BAD_SIGNATURE,       /* digest/signature does not match the signed bytes */
	UPKI_R_UNTRUSTED_SIGNER,    /* signer does not chain to a trusted root */
	UPKI_R_SIGNER_EXPIRED,      /* signer not valid at the time checked (verify-time now) */
	UPKI_R_SIGNER_NOT_SENDER,   /* signer certificate's email differs from From */
	UPKI_R_SENDER_MISMATCH,     /* From is not the configured sender */
	UPKI_R_SUBJECT_LOOKALIKE,   /* subject matches a notice only after folding */
	UPKI_R_UNKNOWN_KIND,        /* looks like a notice, but of no known kind */
	UPKI_R_MISSING_URL,         /* a kind that carries a URL, without one */
	UPKI_R_URL_SYNTAX,          /* not a parseable URL */
	UPKI_R_URL_SCHEME,
	UPKI_R_URL_HOST,
	UPKI_R_URL_USERINFO,
	UPKI_R_URL_PORT,
	UPKI_R_URL_PATH,
	UPKI_R_URL_TOKEN,
	UPKI_R_URL_FRAGMENT,
	UPKI_R_URL_IDN,             /* non-ASCII, full-width, confusable or punycode host */
	UPKI_R_URL_OUTSIDE_SIGNED,  /* a retrieval URL outside the signed part */
	UPKI_R_HTML_LINK_MISMATCH,  /* shown URL differs from the href */
	UPKI_R_CONFLICTING_URLS,    /* two different retrieval URLs */
	UPKI_R_STALE,               /* signed longer ago than the staleness limit */
	UPKI_R_KIND_MISMATCH,       /* Subject names another kind than the signed text */
	UPKI_R_AMBIGUOUS_STRUCTURE, /* two readings of the MIME structure could differ */
	UPKI_R_TOO_COMPLEX,         /* a limit was reached: what lies beyond was not judged */
	UPKI_R_HIDDEN_CONTROLS,     /* bidi, zero-width or format controls in a link or its text */
	UPKI_R_SIGNER_EXPIRED_NOW,  /* informative: valid at signing, expired now */
	UPKI_R_UNSIGNED_LINKS,      /* informative: links in unsigned parts beside a genuine notice */
	UPKI_R_COUNT
} upki_reason;

#define UPKI_REASON_BIT(r) (G_GUINT64_CONSTANT(1) << (r))

/* Reasons that explain but do not make a notice suspicious. */
#define UPKI_REASONS_INFORMATIVE \
	(UPKI_REASON_BIT(UPKI_R_SIGNER_EXPIRED_NOW) | UPKI_REASON_BIT(UPKI_R_UNSIGNED_LINKS))

/* Returns the token of one reason ("url-host"), static storage. */
const char *upki_reason_token(upki_reason r);

/* Parses a token back; returns UPKI_R_COUNT when unknown. */
upki_reason upki_reason_from_token(const char *token);

/* Joins the tokens of a set with sep ("," for headers).  Caller frees. */
char *upki_reason_join(guint64 set, const char *sep);

#endif
