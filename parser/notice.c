/* notice.c - the pipeline and the verdict.
 *
 * Everything a front end needs to know about one message comes out of
 * upki_notice_from_mime(): which notice it claims to be, every retrieval
 * URL in it and what is wrong with each, who signed it, and one verdict.
 * The rules (DESIGN.md, "Verdicts") are all here, so the three front ends
 * cannot disagree about a message.
 */
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "upki/classify.h"
#include "extract-private.h"
#include "lazylib-private.h"
#include "upki/mime.h"
#include "upki/notice.h"
#include "upki/prefilter.h"
#include "upki/url.h"

/* Reasons that say a URL points somewhere other than the service itself:
 * these still matter in a reply or forward (a look-alike link is a
 * phish whatever the subject says). */
#define LOOKALIKE_URL_REASONS                                                              \
	(UPKI_REASON_BIT(UPKI_R_URL_SCHEME) | UPKI_REASON_BIT(UPKI_R_URL_HOST) |           \
	 UPKI_REASON_BIT(UPKI_R_URL_USERINFO) | UPKI_REASON_BIT(UPKI_R_URL_PORT) |         \
	 UPKI_REASON_BIT(UPKI_R_URL_IDN) | UPKI_REASON_BIT(UPKI_R_URL_SYNTAX))

const char *upki_verdict_to_string(upki_verdict v)
{
	switch (v) {
	case UPKI_VERDICT_GENUINE: return "genuine";
	case UPKI_VERDICT_SUSPICIOUS: return "suspicious";
	case UPKI_VERDICT_NOT_NOTICE: break;
	}
	return "not-notice";
}

static void finding_free(gpointer data)
{
	upki_url_finding *f = data;

	g_free(f->url);
	g_free(f);
}

void upki_notice_free(upki_notice *n)
{
	if (!n)
		return;
	g_free(n->url);
	if (n->urls)
		g_ptr_array_unref(n->urls);
	g_free(n->subject);
	g_free(n->from);
	g_free(n->to);
	g_free(n->message_id);
	g_free(n->date);
	g_free(n->deadline);
	g_free(n->dn);
	g_free(n->serial);
	g_free(n->old_serial);
	upki_smime_result_free(n->sig);
	g_free(n->content_hash);
	g_free(n);
}

/* Per-message working state: what the signatures said, and the findings. */
typedef struct scan {
	const upki_mime *m;
	const upki_options *o;
	GPtrArray *sigs;      /* upki_smime_result*, parallel to m->signeds */
	gboolean any_pass;    /* some signature verified and chains */
	gboolean any_signed;  /* some text is signed by the sender (text_is_signed) */
	gboolean from_sender; /* From is one mailbox, the profile's sender */
	guint64 reasons;
	GPtrArray *urls;      /* upki_url_finding* */
	GHashTable *seen;     /* "r"/"o" + URL -> its finding in urls (not owned) */
} scan;

static gboolean has_email(const upki_smime_result *r, const char *addr)
{
	for (guint i = 0; addr && r->signer_emails && i < r->signer_emails->len; i++)
		if (g_ascii_strcasecmp(g_ptr_array_index(r->signer_emails, i), addr) == 0)
			return TRUE;
	return FALSE;
}

/* A text is the sender's only when From is the service's sender, the
 * signature over it passes, and every signer of that signature is the
 * one From names: nobody else's signature makes a retrieval URL signed. */
static gboolean text_is_signed(const scan *s, const upki_text *t)
{
	if (t->signed_by < 0 || (guint)t->signed_by >= s->sigs->len || !s->from_sender)
		return FALSE;
	const upki_smime_result *r = g_ptr_array_index(s->sigs, t->signed_by);
	return r->status == UPKI_SIG_PASS && has_email(r, s->m->from_addr);
}

static void add_finding(scan *s, const char *url, gboolean is_signed, gboolean from_html,
			gboolean retrieval)
{
	char *key = g_strconcat(retrieval ? "r" : "o", url, NULL);
	upki_url_finding *f = g_hash_table_lookup(s->seen, key);

	if (f) {
		f->is_signed |= is_signed;
		g_free(key);
		return;
	}
	f = g_new0(upki_url_finding, 1);
	g_hash_table_insert(s->seen, key, f);
	f->url = g_strdup(url);
	f->is_signed = is_signed;
	f->from_html = from_html;
	f->retrieval = retrieval;
	g_ptr_array_add(s->urls, f);
}

/* An HTML link counts when either what it shows or where it goes looks
 * like the service; a mismatch between the two is a reason on its own. */
static void collect_link(scan *s, const upki_link *l, gboolean is_signed)
{
	const upki_profile *p = s->o->profile;
	gboolean href_cand = l->labelled || upki_url_is_candidate(l->url, p);
	gboolean shown_cand = l->shown && upki_url_is_candidate(l->shown, p);

	if (l->hidden_controls)
		s->reasons |= UPKI_REASON_BIT(UPKI_R_HIDDEN_CONTROLS);
	if (!href_cand && !shown_cand) {
		/* Any other link: listed when it is not signed, so that the
		 * reader of the report sees what was added around the notice. */
		if (!is_signed && s->any_signed)
			add_finding(s, l->url, FALSE, l->from_html, FALSE);
		return;
	}
	if (l->from_html && l->shown && upki_extract_link_mismatch(l->url, l->shown))
		s->reasons |= UPKI_REASON_BIT(UPKI_R_HTML_LINK_MISMATCH);
	add_finding(s, l->url, is_signed, l->from_html, TRUE);
}

/* The Subject and From's display name are shown with every notice and
 * signed by nobody: a link in them is judged as unsigned text, and so
 * is one in those of an embedded message/rfc822.  Only
 * when the headers make the message notice-like already (the prefilter
 * never rules such a message out, so the front ends still agree). */
static void collect_header_urls(scan *s, gboolean notice_like)
{
	const char *shown[] = { s->m->subject, s->m->from_name };

	for (gsize k = 0; notice_like && k < G_N_ELEMENTS(shown); k++) {
		gboolean limit = FALSE;
		GPtrArray *links = NULL;
		if (!shown[k] || !*shown[k])
			continue;
		links = upki_extract_text_links(shown[k], s->o->profile, &limit);
		if (limit)
			s->reasons |= UPKI_REASON_BIT(UPKI_R_TOO_COMPLEX);
		for (guint j = 0; j < links->len; j++)
			collect_link(s, g_ptr_array_index(links, j), FALSE);
		g_ptr_array_unref(links);
	}
}

static void collect_urls(scan *s, gboolean notice_like)
{
	for (guint i = 0; i < s->m->texts->len; i++)
		s->any_signed |= text_is_signed(s, g_ptr_array_index(s->m->texts, i));
	collect_header_urls(s, notice_like);
	for (guint i = 0; i < s->m->texts->len; i++) {
		const upki_text *t = g_ptr_array_index(s->m->texts, i);
		gboolean limit = FALSE;
		if (t->header && !notice_like)
			continue;
		GPtrArray *links = t->is_html
			? upki_extract_html_links_full(t->text, strlen(t->text), s->o->profile, &limit)
			: upki_extract_text_links(t->text, s->o->profile, &limit);

		/* Links beyond a budget were not judged: the message says so. */
		if (limit)
			s->reasons |= UPKI_REASON_BIT(UPKI_R_TOO_COMPLEX);
		for (guint j = 0; j < links->len; j++)
			collect_link(s, g_ptr_array_index(links, j), text_is_signed(s, t));
		g_ptr_array_unref(links);
	}
}

static void verify_signatures(scan *s)
{
	gint64 now = s->o->now ? s->o->now : (gint64)time(NULL);

	for (guint i = 0; i < s->m->signeds->len; i++) {
		upki_smime_result *r = upki_smime_verify(s->o->verifier,
							 g_ptr_array_index(s->m->signeds, i),
							 s->o->verify_time, now);
		s->any_pass |= r->status == UPKI_SIG_PASS;
		g_ptr_array_add(s->sigs, r);
	}
}

/* The signature that speaks for the notice: the first that covers text,
 * preferring one that passes. */
static guint pick_signature(const scan *s)
{
	guint best = G_MAXUINT;

	for (guint i = 0; i < s->m->texts->len; i++) {
		const upki_text *t = g_ptr_array_index(s->m->texts, i);
		if (t->signed_by < 0 || (guint)t->signed_by >= s->sigs->len)
			continue;
		if (text_is_signed(s, t))
			return (guint)t->signed_by;
		if (best == G_MAXUINT)
			best = (guint)t->signed_by;
	}
	if (best == G_MAXUINT && s->sigs->len > 0)
		best = 0;
	return best;
}

static guint64 signature_reasons(const upki_smime_result *r, const char *from)
{
	if (!r)
		return UPKI_REASON_BIT(UPKI_R_UNSIGNED);
	switch (r->status) {
	case UPKI_SIG_NONE: return UPKI_REASON_BIT(UPKI_R_UNSIGNED);
	case UPKI_SIG_BAD:
	case UPKI_SIG_ERROR: return UPKI_REASON_BIT(UPKI_R_BAD_SIGNATURE);
	case UPKI_SIG_UNTRUSTED: return UPKI_REASON_BIT(UPKI_R_UNTRUSTED_SIGNER);
	case UPKI_SIG_EXPIRED: return UPKI_REASON_BIT(UPKI_R_SIGNER_EXPIRED);
	case UPKI_SIG_PASS: break;
	}
	guint64 reasons = 0;
	if (!has_email(r, from))
		reasons |= UPKI_REASON_BIT(UPKI_R_SIGNER_NOT_SENDER);
	if (r->expired_now)
		reasons |= UPKI_REASON_BIT(UPKI_R_SIGNER_EXPIRED_NOW);
	return reasons;
}

/* With no kind to go by, a URL is judged against every kind that carries
 * one: its path is wrong only if no kind's page fits, and every other
 * check gives the same answer for all kinds. */
static guint64 check_url(const char *url, const upki_profile *p, upki_kind kind)
{
	guint64 reasons = G_MAXUINT64;

	if (kind != UPKI_KIND_NONE)
		return upki_url_check(url, p, kind);
	for (int k = 1; k < UPKI_KIND_COUNT; k++)
		if (upki_profile_kind_has_url(p, (upki_kind)k))
			reasons &= upki_url_check(url, p, (upki_kind)k);
	return reasons == G_MAXUINT64 ? upki_url_check(url, p, kind) : reasons;
}

static guint retrieval_count(const GPtrArray *urls)
{
	guint n = 0;

	for (guint i = 0; i < urls->len; i++)
		n += ((const upki_url_finding *)g_ptr_array_index(urls, i))->retrieval;
	return n;
}

/* Policy for every retrieval candidate; the other links of unsigned
 * parts only tell that there are some (unsigned-links, informative). */
static guint64 url_reasons(scan *s, upki_kind kind)
{
	guint64 reasons = 0;
	guint count = retrieval_count(s->urls);

	for (guint i = 0; i < s->urls->len; i++) {
		upki_url_finding *f = g_ptr_array_index(s->urls, i);
		if (!f->retrieval) {
			reasons |= UPKI_REASON_BIT(UPKI_R_UNSIGNED_LINKS);
			continue;
		}
		f->reasons = check_url(f->url, s->o->profile, kind);
		if (s->any_signed && !f->is_signed)
			f->reasons |= UPKI_REASON_BIT(UPKI_R_URL_OUTSIDE_SIGNED);
		reasons |= f->reasons;
	}
	if (count > 1)
		reasons |= UPKI_REASON_BIT(UPKI_R_CONFLICTING_URLS);
	if (count == 0 && upki_profile_kind_has_url(s->o->profile, kind))
		reasons |= UPKI_REASON_BIT(UPKI_R_MISSING_URL);
	return reasons;
}

/* 本日から１ヶ月以内: counted from when the notice was signed (the Date
 * header is nobody's word), plus one calendar month (GLib clamps 31
 * January to the end of February).  Date only when nothing is signed. */
static char *deadline_of(GDateTime *date, gint64 signing_time)
{
	GDateTime *base = signing_time >= 0 ? g_date_time_new_from_unix_utc(signing_time)
			  : date ? g_date_time_ref(date) : NULL;
	GDateTime *end = NULL;
	char *text = NULL;

	if (!base)
		goto out;
	end = g_date_time_add_months(base, 1);
	if (end)
		text = g_date_time_format(end, "%Y-%m-%d");
out:
	if (end)
		g_date_time_unref(end);
	if (base)
		g_date_time_unref(base);
	return text;
}

static gboolean certinfo_of_text(const upki_text *t, const upki_profile *p, upki_certinfo *ci)
{
	char *plain = t->is_html ? upki_extract_html_text(t->text, strlen(t->text)) : NULL;
	gboolean found = upki_extract_certinfo(plain ? plain : t->text, p, ci);

	g_free(plain);
	return found;
}

/* Signed text first: with a valid signature, facts come from what it covers. */
static void fill_certinfo(const scan *s, upki_notice *n)
{
	upki_certinfo ci = { 0 };

	for (int pass = 0; pass < 2; pass++) {
		for (guint i = 0; i < s->m->texts->len; i++) {
			const upki_text *t = g_ptr_array_index(s->m->texts, i);
			if ((pass == 0) != text_is_signed(s, t))
				continue;
			if (!certinfo_of_text(t, s->o->profile, &ci))
				continue;
			n->dn = g_steal_pointer(&ci.dn);
			n->serial = g_steal_pointer(&ci.serial);
			n->old_serial = g_steal_pointer(&ci.old_serial);
			upki_certinfo_clear(&ci);
			return;
		}
	}
}

static gboolean is_stale(const upki_options *o, const upki_smime_result *sig, GDateTime *date)
{
	gint64 now = o->now ? o->now : (gint64)time(NULL);
	gint64 when = sig && sig->signing_time >= 0 ? sig->signing_time
		      : date ? g_date_time_to_unix(date) : -1;

	return o->stale_days && when >= 0 && now - when > (gint64)o->stale_days * 86400;
}

/* Every signature in the message counts, not only the one reported:
 * a failing one, or a signer who is not the sender, anywhere. */
static guint64 all_signature_reasons(const scan *s)
{
	guint64 reasons = 0;

	if (s->sigs->len == 0)
		return UPKI_REASON_BIT(UPKI_R_UNSIGNED);
	for (guint i = 0; i < s->sigs->len; i++)
		reasons |= signature_reasons(g_ptr_array_index(s->sigs, i), s->m->from_addr);
	return reasons;
}

/* What only the signed text can say: which kind of notice this is (the
 * Subject is anybody's), and that there is one notice, under one
 * signature (two signed notices spliced into one message are two
 * readings of "the" notice). */
static guint64 signed_text_reasons(const scan *s, upki_kind kind, guint64 sig_reasons)
{
	gboolean confirmed = FALSE;
	guint64 reasons = 0;
	int by = -1;

	for (guint i = 0; i < s->m->texts->len; i++) {
		const upki_text *t = g_ptr_array_index(s->m->texts, i);
		if (!text_is_signed(s, t))
			continue;
		if (by >= 0 && t->signed_by != by)
			reasons |= UPKI_REASON_BIT(UPKI_R_AMBIGUOUS_STRUCTURE);
		by = t->signed_by;
		confirmed |= upki_profile_text_confirms(s->o->profile, kind, t->text);
	}
	/* Unless a failed signature already says why nothing confirms it. */
	if (kind != UPKI_KIND_NONE && !confirmed && !(sig_reasons & ~UPKI_REASONS_INFORMATIVE))
		reasons |= UPKI_REASON_BIT(UPKI_R_KIND_MISMATCH);
	return reasons;
}

/* Decides kind, reasons and verdict once signatures and URLs are known. */
static void judge(scan *s, upki_notice *n, const upki_smime_result *sig, upki_subject_match sm,
		  gboolean from_sender)
{
	upki_kind kind = sm.reply ? UPKI_KIND_NONE : sm.kind;
	guint64 sig_reasons = all_signature_reasons(s);
	guint64 urls = url_reasons(s, kind);
	guint retrieval = retrieval_count(s->urls);

	if (sm.reply) {
		/* A reply or forward is never a notice; only a look-alike link in it is news. */
		if (!(urls & LOOKALIKE_URL_REASONS))
			return;
		s->reasons |= urls & LOOKALIKE_URL_REASONS;
	} else if (kind == UPKI_KIND_NONE && !from_sender && retrieval == 0) {
		return;
	} else if (kind == UPKI_KIND_NONE && retrieval == 0 && sig_reasons == 0) {
		/* The sender's own signed mail of a kind we do not know, with no
		 * retrieval link in it: nothing to protect anybody from. */
		return;
	} else {
		s->reasons |= urls | sig_reasons | signed_text_reasons(s, kind, sig_reasons) | s->m->findings;
		if (kind == UPKI_KIND_NONE)
			s->reasons |= UPKI_REASON_BIT(UPKI_R_UNKNOWN_KIND);
		if (sm.lookalike)
			s->reasons |= UPKI_REASON_BIT(UPKI_R_SUBJECT_LOOKALIKE);
		if (!from_sender)
			s->reasons |= UPKI_REASON_BIT(UPKI_R_SENDER_MISMATCH);
		if (is_stale(s->o, sig, s->m->date))
			s->reasons |= UPKI_REASON_BIT(UPKI_R_STALE);
	}
	n->kind = kind;
	n->reasons = s->reasons;
	n->verdict = (n->reasons & ~UPKI_REASONS_INFORMATIVE) ? UPKI_VERDICT_SUSPICIOUS
							       : UPKI_VERDICT_GENUINE;
	if (retrieval == 1)
		for (guint i = 0; i < s->urls->len && !n->url; i++)
			if (((upki_url_finding *)g_ptr_array_index(s->urls, i))->retrieval)
				n->url = g_strdup(((upki_url_finding *)g_ptr_array_index(s->urls, i))->url);
	if (upki_profile_kind_has_url(s->o->profile, kind))
		n->deadline = deadline_of(s->m->date, sig ? sig->signing_time : -1);
	else if (kind != UPKI_KIND_NONE)
		fill_certinfo(s, n);
}

static void copy_headers(const upki_mime *m, upki_notice *n)
{
	n->subject = g_strdup(m->subject);
	n->from = g_strdup(m->from_addr);
	n->to = g_strdup(m->to_addr);
	n->message_id = g_strdup(m->message_id);
	if (m->date)
		n->date = g_date_time_format_iso8601(m->date);
}

/* OpenSSL's SHA-256 fetched once per process: GLib's GChecksum took
 * ~55 instructions a byte, a tenth of a notice's whole CPU. */
static gpointer sha256_fetch(gpointer data)
{
	(void)data;
	return EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* 64 lower-case hex digits, as g_compute_checksum_for_bytes(SHA256)
 * writes them (the ledger's keys must not change); GLib computes them
 * when OpenSSL cannot (caller frees). */
static char *sha256_hex(GBytes *b)
{
	static GOnce once = G_ONCE_INIT;
	static const char hex[] = "0123456789abcdef";
	const EVP_MD *md = g_once(&once, sha256_fetch, NULL);
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	gsize len = 0;
	const void *data = g_bytes_get_data(b, &len);

	if (!md || EVP_Digest(data ? data : "", len, sum, &n, md, NULL) != 1 || n != 32)
		return g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, b);
	char *out = g_malloc(2 * n + 1);
	for (unsigned int i = 0; i < n; i++) {
		out[2 * i] = hex[sum[i] >> 4];
		out[2 * i + 1] = hex[sum[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

upki_notice *upki_notice_from_mime(const upki_mime *m, const upki_options *o)
{
	upki_notice *n = g_new0(upki_notice, 1);
	scan s = { .m = m, .o = o };
	upki_subject_match sm = upki_classify_subject(m->subject, o->profile);
	gboolean from_sender = m->from_count == 1 && upki_classify_is_sender(m->from_addr, o->profile);

	s.from_sender = from_sender;
	s.sigs = g_ptr_array_new_with_free_func((GDestroyNotify)upki_smime_result_free);
	s.urls = g_ptr_array_new_with_free_func(finding_free);
	s.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	copy_headers(m, n);
	verify_signatures(&s);
	collect_urls(&s, sm.kind != UPKI_KIND_NONE || from_sender);

	guint pick = pick_signature(&s);
	judge(&s, n, pick != G_MAXUINT ? g_ptr_array_index(s.sigs, pick) : NULL, sm, from_sender);
	/* Taken out only now: judging looks signatures up by index. */
	if (pick != G_MAXUINT) {
		const upki_signed *sd = g_ptr_array_index(m->signeds, pick);
		n->sig = g_ptr_array_steal_index(s.sigs, pick);
		if (sd->signature)
			n->content_hash = sha256_hex(sd->signature);
	}
	n->urls = g_steal_pointer(&s.urls);
	g_hash_table_unref(s.seen);
	g_ptr_array_unref(s.sigs);
	return n;
}

gboolean upki_notice_load_libraries(GError **error)
{
	return upki_lazylib_load(error) != NULL;
}

upki_notice *upki_notice_analyze(const char *buf, gsize len, const upki_options *o, GError **error)
{
	upki_mime *m = NULL;
	upki_notice *n = NULL;

	if (o->max_size && len > o->max_size) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_TOO_LARGE,
			    "message of %" G_GSIZE_FORMAT " bytes is over the limit of %" G_GSIZE_FORMAT,
			    len, o->max_size);
		goto out;
	}
	if (!upki_lazylib_load(error))
		goto out;
	m = upki_mime_parse_limited(buf, len, &o->limits, error);
	if (!m)
		goto out;
	n = upki_notice_from_mime(m, o);
out:
	upki_mime_free(m);
	return n;
}

/* GMime reads the header block its own way and has the last word: a
 * subject or sender it reads differently still takes the full path. */
static gboolean headers_worth_a_look(const upki_mime *m, const upki_profile *p)
{
	return upki_classify_subject(m->subject, p).kind != UPKI_KIND_NONE ||
	       upki_classify_is_sender(m->from_addr, p);
}

upki_notice *upki_notice_analyze_prefiltered(const upki_prefilter *pf, const char *buf, gsize len,
					     const upki_options *o, GError **error)
{
	upki_mime *m = NULL;
	upki_notice *n = NULL;

	if (!pf || (o->max_size && len > o->max_size))
		return upki_notice_analyze(buf, len, o, error);
	if (upki_prefilter_message(pf, buf, len).verdict != UPKI_PREFILTER_NO)
		return upki_notice_analyze(buf, len, o, error);
	if (!o->ruled_out_fields)
		return g_new0(upki_notice, 1); /* kind none, not-notice */
	m = upki_mime_parse_headers(buf, len, error);
	if (!m)
		goto out;
	if (headers_worth_a_look(m, o->profile))
		n = upki_notice_analyze(buf, len, o, error);
	else
		n = upki_notice_from_mime(m, o);
out:
	upki_mime_free(m);
	return n;
}
