/* reason.c - reason tokens: one table, in enum order, so that output order
 * never depends on which check ran first. */
#include <string.h>

#include "upki/error.h"
#include "upki/reason.h"

static const char *const tokens[UPKI_R_COUNT] = {
	[UPKI_R_UNSIGNED] = "unsigned",
	[UPKI_R_BAD_SIGNATURE] = "bad-signature",
	[UPKI_R_UNTRUSTED_SIGNER] = "untrusted-signer",
	[UPKI_R_SIGNER_EXPIRED] = "signer-expired",
	[UPKI_R_SIGNER_NOT_SENDER] = "signer-not-sender",
	[UPKI_R_SENDER_MISMATCH] = "sender-mismatch",
	[UPKI_R_SUBJECT_LOOKALIKE] = "subject-lookalike",
	[UPKI_R_UNKNOWN_KIND] = "unknown-kind",
	[UPKI_R_MISSING_URL] = "missing-url",
	[UPKI_R_URL_SYNTAX] = "url-syntax",
	[UPKI_R_URL_SCHEME] = "url-scheme",
	[UPKI_R_URL_HOST] = "url-host",
	[UPKI_R_URL_USERINFO] = "url-userinfo",
	[UPKI_R_URL_PORT] = "url-port",
	[UPKI_R_URL_PATH] = "url-path",
	[UPKI_R_URL_TOKEN] = "url-token",
	[UPKI_R_URL_FRAGMENT] = "url-fragment",
	[UPKI_R_URL_IDN] = "url-idn",
	[UPKI_R_URL_OUTSIDE_SIGNED] = "url-outside-signed-part",
	[UPKI_R_HTML_LINK_MISMATCH] = "html-link-mismatch",
	[UPKI_R_CONFLICTING_URLS] = "conflicting-urls",
	[UPKI_R_STALE] = "stale",
	[UPKI_R_KIND_MISMATCH] = "kind-mismatch",
	[UPKI_R_AMBIGUOUS_STRUCTURE] = "ambiguous-structure",
	[UPKI_R_TOO_COMPLEX] = "too-complex",
	[UPKI_R_HIDDEN_CONTROLS] = "hidden-controls",
	[UPKI_R_SIGNER_EXPIRED_NOW] = "signer-expired-now",
	[UPKI_R_UNSIGNED_LINKS] = "unsigned-links",
};

G_DEFINE_QUARK(upki-error-quark, upki_error)

const char *upki_reason_token(upki_reason r)
{
	if ((unsigned)r >= UPKI_R_COUNT)
		return "unknown";
	return tokens[r];
}

upki_reason upki_reason_from_token(const char *token)
{
	for (int r = 0; r < UPKI_R_COUNT; r++)
		if (token && strcmp(tokens[r], token) == 0)
			return (upki_reason)r;
	return UPKI_R_COUNT;
}

char *upki_reason_join(guint64 set, const char *sep)
{
	GString *s = g_string_new(NULL);

	for (int r = 0; r < UPKI_R_COUNT; r++) {
		if (!(set & UPKI_REASON_BIT(r)))
			continue;
		if (s->len)
			g_string_append(s, sep);
		g_string_append(s, tokens[r]);
	}
	return g_string_free(s, FALSE);
}
