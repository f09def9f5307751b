/* url.h - the retrieval URL policy.
 *
 * A URL in a notice is only worth anything if it names exactly the service's
 * retrieval page.  Parsing is libcurl's RFC 3986 parser (curl_url); nothing
 * here folds full-width, confusable or punycode hosts into a match: such a
 * URL fails with url-idn.  No network I/O.
 */
#ifndef UPKI_URL_H
#define UPKI_URL_H

#include <glib.h>
#include "upki/profile.h"
#include "upki/reason.h"

/* Checks url (UTF-8, as found in the mail) against the policy for kind:
 * https; host exactly p->host; no userinfo; port absent or 443; path
 * p->path_prefix + one of p->files[kind]; query exactly p1=<token> with
 * token_min..token_max characters of [A-Za-z0-9_-] or %2F %2B %3D;
 * no fragment.  Returns the set of failing reasons (UPKI_REASON_BIT of
 * UPKI_R_URL_*), 0 when the URL passes.  For UPKI_KIND_NONE or a kind
 * without files, any path fails with url-path. */
guint64 upki_url_check(const char *url, const upki_profile *p, upki_kind kind);

/* TRUE when url aims at, or imitates, the retrieval service: its host
 * equals p->host or resembles it once width, case, confusables and
 * punycode are folded, or its path names the retrieval directory or a
 * retrieval page, or its query carries p1=.  Manual links
 * (meatwiki.nii.ac.jp) and ordinary links are not candidates. */
gboolean upki_url_is_candidate(const char *url, const upki_profile *p);

/* The Latin letter (or '.') that c, a case-folded character, imitates;
 * c itself when it imitates none.  The one table of confusables: the
 * candidate rule above and prefilter.c both fold with it. */
gunichar upki_url_unconfuse(gunichar c);

/* The strings whose presence in the folded form of a URL (NFKD, case
 * folding, upki_url_unconfuse) upki_url_is_candidate() needs: every
 * candidate's folded form holds one of them or p's host or path prefix
 * folded.  NULL-terminated, static.  prefilter.c searches text for
 * these, so the two rules cannot drift apart. */
const char *const *upki_url_candidate_markers(void);

/* Returns the host of url in lower case (ASCII hosts) or as written,
 * NULL when it has none.  Caller frees.  Used for logging host only. */
char *upki_url_get_host(const char *url);

/* Returns url with the p1 token replaced by a short hash
 * ("p1=#1a2b3c4d"), for logs.  Caller frees. */
char *upki_url_redact(const char *url);

#endif
