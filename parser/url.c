/* url.c - the retrieval URL policy, and light helpers for logging URLs.
 *
 * upki_url_check() is strict: libcurl's RFC 3986 parser splits the URL and
 * every part must be exactly what the service sends; anything that would
 * need folding (width, case of the path, punycode, confusable letters) is a
 * failure with its own reason, never a match.  A few things curl forgives
 * or hides (one slash after the scheme, a %-escaped host, an empty "#" or
 * "@", a backslash that browsers read as '/') are checked on the raw
 * string first, so that curl and a browser can never disagree about a
 * URL that passes.
 *
 * upki_url_is_candidate() is the opposite: generous, it folds everything
 * it can (hidden controls dropped too) so that look-alikes are noticed and
 * then judged by the check, which fails them: a control is not ASCII
 * (url-idn) and breaks the host (url-host).
 * It works on any string, parseable or not.  No network I/O here.
 */
#include <string.h>


#include "lazylib-private.h"
#include "text-private.h"
#include "upki/url.h"

#define R(x) UPKI_REASON_BIT(UPKI_R_URL_##x)

/* Pieces of a URL string as written, found without a real parser, so that
 * they exist for strings curl refuses.  Lengths index into the string. */
typedef struct {
	const char *scheme;   /* NULL when there is no "scheme:" */
	gsize scheme_len;
	gboolean slashes;     /* exactly "//" after "scheme:" */
	const char *authority;
	gsize authority_len;
	const char *userinfo; /* NULL when there is no '@' */
	const char *host;
	gsize host_len;
	const char *port;     /* NULL when there is no ':' after the host */
	gsize port_len;
	const char *rest;     /* path, query and fragment */
} url_split;

static gboolean is_scheme_char(char c, gboolean first)
{
	if (g_ascii_isalpha(c))
		return TRUE;
	return !first && (g_ascii_isdigit(c) || c == '+' || c == '-' || c == '.');
}

static void split_hostport(url_split *s)
{
	const char *a = s->authority;
	const char *end = a + s->authority_len;
	const char *at = NULL;
	const char *colon = NULL;

	/* The last '@' ends the userinfo: that is how curl and browsers read it. */
	for (const char *c = a; c < end; c++)
		if (*c == '@')
			at = c;
	if (at) {
		s->userinfo = a;
		a = at + 1;
	}
	s->host = a;
	if (*a == '[') {
		const char *close = memchr(a, ']', end - a);
		colon = close ? memchr(close, ':', end - close) : NULL;
	} else {
		colon = memchr(a, ':', end - a);
	}
	s->host_len = (colon ? colon : end) - a;
	if (colon) {
		s->port = colon + 1;
		s->port_len = end - s->port;
	}
}

/* Splits url into its parts as written; never fails.  Without "scheme://"
 * the whole string is read as authority + rest (a bare "host/path"). */
static void split_url(const char *url, url_split *s)
{
	const char *c = url;

	memset(s, 0, sizeof *s);
	while (*c && is_scheme_char(*c, c == url))
		c++;
	if (*c == ':' && c > url) {
		s->scheme = url;
		s->scheme_len = c - url;
		c++;
		s->slashes = c[0] == '/' && c[1] == '/' && c[2] != '/';
		while (*c == '/')
			c++;
	} else {
		c = url;
	}
	s->authority = c;
	s->authority_len = strcspn(c, "/?#");
	s->rest = c + s->authority_len;
	split_hostport(s);
}

/* Copies url with every non-ASCII character replaced by 'x', so that curl
 * can still report on the other parts; says whether it replaced any. */
static char *ascii_copy(const char *url, gboolean *had_non_ascii)
{
	GString *out = g_string_sized_new(strlen(url));
	const char *c = url;

	*had_non_ascii = FALSE;
	while (*c) {
		if ((guchar)*c < 0x80) {
			g_string_append_c(out, *c++);
			continue;
		}
		*had_non_ascii = TRUE;
		g_string_append_c(out, 'x');
		if (g_utf8_get_char_validated(c, -1) < (gunichar)-2)
			c = g_utf8_next_char(c);
		else
			c++;
	}
	return g_string_free(out, FALSE);
}

/* TRUE when every character may appear in a URI (RFC 3986 section 2) and
 * every '%' starts an escape: a space, quote or backslash is read
 * differently by different parsers. */
static gboolean only_uri_chars(const char *s)
{
	static const char allowed[] = "-._~:/?#[]@!$&'()*+,;=";

	for (const char *c = s; *c; c++) {
		if (*c == '%') {
			if (!g_ascii_isxdigit(c[1]) || !g_ascii_isxdigit(c[2]))
				return FALSE;
			continue;
		}
		if (!g_ascii_isalnum(*c) && !strchr(allowed, *c))
			return FALSE;
	}
	return TRUE;
}

static gboolean has_xn_label(const char *host, gsize len)
{
	for (gsize i = 0; i + 4 <= len; i++) {
		gboolean label_start = i == 0 || host[i - 1] == '.';
		if (label_start && g_ascii_strncasecmp(host + i, "xn--", 4) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Host and port as written: curl would decode "%2E" in a host and accept
 * "0443" or an empty port, all of which must fail here. */
static guint64 check_authority(const url_split *s, const char *curl_host, const upki_profile *p)
{
	guint64 bits = 0;

	if (s->userinfo)
		bits |= R(USERINFO);
	if (has_xn_label(s->host, s->host_len))
		bits |= R(IDN);
	if (s->host_len != strlen(p->host) || g_ascii_strncasecmp(s->host, p->host, s->host_len) != 0
	    || g_ascii_strcasecmp(curl_host, p->host) != 0)
		bits |= R(HOST);
	if (s->port && (s->port_len != 3 || strncmp(s->port, "443", 3) != 0))
		bits |= R(PORT);
	return bits;
}

static guint64 check_path(const char *path, const upki_profile *p, upki_kind kind)
{
	gsize prefix_len = strlen(p->path_prefix);

	if (!upki_profile_kind_has_url(p, kind))
		return R(PATH);
	if (strncmp(path, p->path_prefix, prefix_len) != 0)
		return R(PATH);
	for (guint i = 0; i < p->files[kind]->len; i++)
		if (strcmp(path + prefix_len, g_ptr_array_index(p->files[kind], i)) == 0)
			return 0;
	return R(PATH);
}

/* Length of the token character or escape at c, 0 when c starts neither. */
static gsize token_unit(const char *c)
{
	if (g_ascii_isalnum(*c) || *c == '_' || *c == '-')
		return 1;
	if (c[0] != '%' || c[1] == '\0')
		return 0;
	if (c[1] == '2' && strchr("fFbB", c[2]) && c[2] != '\0')
		return 3;
	if (c[1] == '3' && strchr("dD", c[2]) && c[2] != '\0')
		return 3;
	return 0;
}

static guint64 check_query(const char *query, const upki_profile *p)
{
	gsize len = 0;

	if (!query || strncmp(query, "p1=", 3) != 0)
		return R(TOKEN);
	for (const char *c = query + 3; *c; ) {
		gsize n = token_unit(c);
		if (n == 0)
			return R(TOKEN);
		c += n;
		len += n;
	}
	if (len < p->token_min || len > p->token_max)
		return R(TOKEN);
	return 0;
}

static char *curl_part(CURLU *h, CURLUPart part)
{
	char *v = NULL;
	char *copy = NULL;

	const upki_lazylib *lib = upki_lazylib_get();

	if (lib->curl_url_get(h, part, &v, 0) == CURLUE_OK && v)
		copy = g_strdup(v);
	lib->curl_free(v);
	return copy;
}

/* The checks that need curl's parse of the ASCII form. */
static guint64 check_parsed(CURLU *h, const url_split *s, const upki_profile *p, upki_kind kind)
{
	guint64 bits = 0;
	char *scheme = curl_part(h, CURLUPART_SCHEME);
	char *user = curl_part(h, CURLUPART_USER);
	char *password = curl_part(h, CURLUPART_PASSWORD);
	char *host = curl_part(h, CURLUPART_HOST);
	char *path = curl_part(h, CURLUPART_PATH);
	char *query = curl_part(h, CURLUPART_QUERY);

	if (!scheme || g_ascii_strcasecmp(scheme, "https") != 0)
		bits |= R(SCHEME);
	if (user || password)
		bits |= R(USERINFO);
	bits |= check_authority(s, host ? host : "", p);
	bits |= check_path(path ? path : "", p, kind);
	bits |= check_query(query, p);
	g_free(scheme);
	g_free(user);
	g_free(password);
	g_free(host);
	g_free(path);
	g_free(query);
	return bits;
}

guint64 upki_url_check(const char *url, const upki_profile *p, upki_kind kind)
{
	guint64 bits = 0;
	gboolean non_ascii = FALSE;
	char *ascii = NULL;
	const upki_lazylib *lib = NULL;
	CURLU *h = NULL;
	url_split s;

	if (!url || !*url)
		return R(SYNTAX);
	ascii = ascii_copy(url, &non_ascii);
	if (non_ascii)
		bits |= R(IDN);
	if (strchr(ascii, '#'))
		bits |= R(FRAGMENT);
	split_url(ascii, &s);
	if (!only_uri_chars(ascii) || !s.scheme || !s.slashes || s.authority_len == 0) {
		bits |= R(SYNTAX);
		goto out;
	}
	lib = upki_lazylib_get();
	h = lib->curl_url();
	if (!h || lib->curl_url_set(h, CURLUPART_URL, ascii,
	                            CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS) != CURLUE_OK) {
		bits |= R(SYNTAX);
		goto out;
	}
	bits |= check_parsed(h, &s, p, kind);
out:
	if (h)
		lib->curl_url_cleanup(h);
	g_free(ascii);
	return bits;
}

/* --- candidates: fold everything, then look for the service's traits --- */

/* Letters that look Latin in other scripts (after case folding). */
static const struct {
	gunichar from;
	char to;
} confusables[] = {
	{ 0x0430, 'a' }, { 0x0432, 'b' }, { 0x0433, 'r' }, { 0x0435, 'e' },
	{ 0x043A, 'k' }, { 0x043C, 'm' }, { 0x043D, 'h' }, { 0x043E, 'o' },
	{ 0x043F, 'n' }, { 0x0440, 'p' }, { 0x0441, 'c' }, { 0x0442, 't' },
	{ 0x0443, 'y' }, { 0x0445, 'x' }, { 0x0455, 's' }, { 0x0456, 'i' },
	{ 0x0458, 'j' }, { 0x04BB, 'h' }, { 0x04CF, 'l' }, { 0x0501, 'd' },
	{ 0x051B, 'q' }, { 0x051D, 'w' },
	{ 0x03B1, 'a' }, { 0x03B5, 'e' }, { 0x03B9, 'i' }, { 0x03BA, 'k' },
	{ 0x03BD, 'v' }, { 0x03BF, 'o' }, { 0x03C1, 'p' }, { 0x03C4, 't' },
	{ 0x03C5, 'u' }, { 0x03C7, 'x' },
	{ 0x0131, 'i' }, { 0x3002, '.' }, { 0xFF61, '.' },
};

gunichar upki_url_unconfuse(gunichar c)
{
	for (gsize i = 0; i < G_N_ELEMENTS(confusables); i++)
		if (confusables[i].from == c)
			return (gunichar)confusables[i].to;
	return c;
}

/* NFKC, case folding, confusable letters mapped to Latin and hidden
 * controls dropped, so that "ｓｃｉａ．ＳＥＣＯＭ", "sсia" (Cyrillic с) and
 * "sci<ZWSP>a" read as ASCII.  Stream-safe NFKC (text.h): linear. */
static char *fold(const char *s, gssize len)
{
	char *nfkc = upki_text_normalize(s, len, G_NORMALIZE_ALL);
	char *folded = g_utf8_casefold(nfkc, -1);
	GString *out = g_string_sized_new(strlen(folded));

	for (const char *c = folded; *c; c = g_utf8_next_char(c)) {
		gunichar u = g_utf8_get_char(c);
		if (!upki_text_is_hidden_control(u))
			g_string_append_unichar(out, upki_url_unconfuse(u));
	}
	g_free(folded);
	g_free(nfkc);
	return g_string_free(out, FALSE);
}

/* What the candidate rule looks for in a folded URL, besides the
 * profile's host and path prefix.  upki_url_candidate_markers() lists
 * every string these can make, for prefilter.c: change one, the other
 * follows. */
#define M_NAME "secomtrust"        /* in the authority */
#define M_HOST_LABEL "scia."       /* in the authority */
#define M_NAME_DOT "secom.trust"   /* in the authority, '-' read as '.' */
#define M_DIR "upki-odcert"        /* in the path */
#define M_PAGE "spentrance"        /* in the path */
#define M_TOKEN "p1="              /* in the query, after one of: */
#define M_TOKEN_AFTER "?&;"
#define M_PUNYCODE "xn--"          /* a label that is decoded and folded again */

const char *const *upki_url_candidate_markers(void)
{
	static const char *const markers[] = {
		M_NAME, M_HOST_LABEL, M_NAME_DOT, "secom-trust", M_DIR, M_PAGE,
		"?" M_TOKEN, "&" M_TOKEN, ";" M_TOKEN, M_PUNYCODE, NULL,
	};

	return markers;
}

static gboolean authority_resembles(const char *authority, const char *host, const char *folded_host)
{
	char *dashless = NULL;
	gboolean hit;

	if (strstr(authority, M_NAME) || strstr(authority, M_HOST_LABEL))
		return TRUE;
	if (strcmp(host, folded_host) == 0)
		return TRUE;
	dashless = g_strdup(authority);
	g_strdelimit(dashless, "-", '.');
	hit = strstr(dashless, M_NAME_DOT) != NULL;
	g_free(dashless);
	return hit;
}

/* A punycode host is decoded and folded again: "xn--scia-..." may hide a
 * Cyrillic spelling of the service's name. */
static gboolean host_resembles(const url_split *s, const upki_profile *p)
{
	char *authority = g_strndup(s->authority, s->authority_len);
	char *host = g_strndup(s->host, s->host_len);
	char *want = fold(p->host, -1);
	char *unicode = NULL;
	char *refolded = NULL;
	gboolean hit = authority_resembles(authority, host, want);

	if (!hit && has_xn_label(s->host, s->host_len))
		unicode = g_hostname_to_unicode(host);
	if (unicode) {
		refolded = fold(unicode, -1);
		hit = authority_resembles(refolded, refolded, want);
	}
	g_free(refolded);
	g_free(unicode);
	g_free(want);
	g_free(host);
	g_free(authority);
	return hit;
}

static gboolean rest_resembles(const char *rest, const upki_profile *p)
{
	char *prefix = fold(p->path_prefix, -1);
	const char *query = strchr(rest, '?');
	gboolean hit = strstr(rest, prefix) || strstr(rest, M_DIR) || strstr(rest, M_PAGE);

	for (const char *c = query; !hit && c && (c = strstr(c, M_TOKEN)); c++)
		hit = strchr(M_TOKEN_AFTER, c[-1]) != NULL;
	g_free(prefix);
	return hit;
}

gboolean upki_url_is_candidate(const char *url, const upki_profile *p)
{
	char *folded = NULL;
	url_split s;
	gboolean hit;

	if (!url || !*url || !p)
		return FALSE;
	folded = fold(url, -1);
	split_url(folded, &s);
	hit = host_resembles(&s, p) || rest_resembles(s.rest, p);
	g_free(folded);
	return hit;
}

/* --- logging helpers --- */

char *upki_url_get_host(const char *url)
{
	const upki_lazylib *lib = NULL;
	CURLU *h = NULL;
	char *host = NULL;
	url_split s;

	if (!url || !*url)
		return NULL;
	lib = upki_lazylib_get();
	h = lib->curl_url();
	if (h && lib->curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK)
		host = curl_part(h, CURLUPART_HOST);
	if (h)
		lib->curl_url_cleanup(h);
	if (!host) {
		split_url(url, &s);
		if (s.scheme && s.host_len > 0)
			host = g_strndup(s.host, s.host_len);
	}
	if (host && !*host)
		g_clear_pointer(&host, g_free);
	if (host && g_str_is_ascii(host)) {
		char *lower = g_ascii_strdown(host, -1);
		g_free(host);
		host = lower;
	}
	return host;
}

/* Appends "#" and the first 8 hex digits of SHA-256 of the token. */
static void append_token_hash(GString *out, const char *token, gsize len)
{
	char *copy = g_strndup(token, len);
	char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, copy, -1);

	g_string_append_c(out, '#');
	g_string_append_len(out, sum, 8);
	g_free(sum);
	g_free(copy);
}

char *upki_url_redact(const char *url)
{
	GString *out = NULL;
	const char *c = url;

	if (!url)
		return NULL;
	out = g_string_sized_new(strlen(url));
	while (*c) {
		/* Any "p1=", wherever it stands: a token must never reach a log. */
		if (g_ascii_strncasecmp(c, "p1=", 3) == 0) {
			gsize len = strcspn(c + 3, "&#");
			g_string_append_len(out, c, 3);
			append_token_hash(out, c + 3, len);
			c += 3 + len;
			continue;
		}
		g_string_append_c(out, *c++);
	}
	return g_string_free(out, FALSE);
}
