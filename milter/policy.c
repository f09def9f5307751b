/* policy.c - what the milter does with one message, as data.
 *
 * The callbacks (callbacks.c) and the -t mode (msgtest.c) both call
 * these functions, so that what -t prints is what the MTA is asked to
 * do.  The decision is a um_result: header edits (from libupki's
 * annotate module), an action, the reason text.  Failures go through one
 * table (the On* keys): each failure class maps to accept or tempfail,
 * and is always logged.  Annotate wrap (wrap.c) adds a body
 * replacement to the result of a notice and swaps its edits.
 */
#include <string.h>
#include <time.h>

#include "upki/charset.h"
#include "upki/classify.h"
#include "upki/error.h"
#include "upki/mime.h"
#include "upki/rawheader.h"
#include "upki/spool.h"
#include "upki/url.h"
#include "upki-milter.h"

const char *um_action_name(um_action a)
{
	switch (a) {
	case UM_ACT_QUARANTINE: return "quarantine";
	case UM_ACT_REJECT: return "reject";
	case UM_ACT_TEMPFAIL: return "tempfail";
	default: return "accept";
	}
}

/* ---- end of header ------------------------------------------------------
 *
 * libupki's prefilter decides, as it does for upki-scan's quick path: its
 * header stage sends a Subject that names a kind, a From that may be the
 * sender, or a header block it cannot read plainly the full way (BODY).
 * Anything else needs the body for a verdict - a look-alike link behind
 * an ordinary Subject and From is still a phish - so by default the body
 * is read and the prefilter's message stage decides at the end of the
 * message (SCAN).  EarlyAccept headers gives that up: such a message is
 * passed here, its body unseen (the old end-of-header accept). */

um_eoh_step um_policy_eoh(const um_conf *c, const char *hdr, gsize len)
{
	GPtrArray *edits = NULL;
	um_eoh_step step = UM_EOH_BODY;

	if (upki_prefilter_headers(c->prefilter, hdr, len).verdict == UPKI_PREFILTER_MAY)
		return step;
	if (!c->accept_at_eoh)
		return UM_EOH_SCAN;
	/* not a notice, but a verdict header from outside must still go */
	edits = upki_annotate_edits(hdr, len, NULL, &c->annotate);
	step = edits->len ? UM_EOH_STRIP : UM_EOH_ACCEPT;
	g_ptr_array_unref(edits);
	return step;
}

void um_policy_log_eoh_accept(const um_conf *c, const char *qid)
{
	if (c->log_why)
		um_log(LOG_DEBUG, qid, "passed at end of header (EarlyAccept headers): why=%s, body not read",
		       upki_prefilter_why_to_string(UPKI_PF_HEADERS_ONLY));
}

/* PeerList: the peer is trusted to send no phish, not to set our
 * verdict - a forged X-UPKI-Notice from it is removed all the same
 * (reading the header block costs little; the body is never read). */
um_eoh_step um_policy_eoh_peer(const um_conf *c, const char *hdr, gsize len)
{
	GPtrArray *edits = upki_annotate_edits(hdr, len, NULL, &c->annotate);
	um_eoh_step step = edits->len ? UM_EOH_PEER : UM_EOH_ACCEPT;

	g_ptr_array_unref(edits);
	return step;
}

void um_policy_log_peer_accept(const um_conf *c, const char *qid, const char *peer)
{
	if (c->log_why)
		um_log(LOG_DEBUG, qid, "peer %s is in PeerList: passed at end of header, not examined", peer);
}

um_action um_policy_on_failure(const um_conf *c, um_failure f)
{
	return c->on_fail[f] == UM_ON_FAIL_TEMPFAIL ? UM_ACT_TEMPFAIL : UM_ACT_ACCEPT;
}

static void set_failure(const um_conf *c, um_result *r, um_failure f, const char *msg,
			gsize len, char *error)
{
	r->failed = TRUE;
	r->failure = f;
	r->error = error;
	r->action = um_policy_on_failure(c, f);
	/* accepted unchanged - except that nobody may forge our verdict */
	if (r->action == UM_ACT_ACCEPT)
		r->edits = upki_annotate_edits(msg, len, NULL, &c->annotate);
}

static um_failure failure_of(const GError *err)
{
	if (err && err->domain == UPKI_ERROR && err->code == UPKI_ERROR_NOT_MESSAGE)
		return UM_FAIL_PARSE;
	if (err && err->domain == UPKI_ERROR && err->code == UPKI_ERROR_TOO_LARGE)
		return UM_FAIL_OVERSIZED;
	return UM_FAIL_INTERNAL;
}

static char *suspicious_text(const upki_notice *n, const char *what)
{
	char *reasons = upki_reason_join(n->reasons & ~UPKI_REASONS_INFORMATIVE, ", ");
	const char *kind = upki_kind_to_string(n->kind);
	char *text = g_strdup_printf("%s: this message looks like a UPKI certificate notice%s%s "
				     "but fails its checks (%s)", what, kind ? " of kind " : "",
				     kind ? kind : "", *reasons ? reasons : "look-alike");

	g_free(reasons);
	return text;
}

/* The action for an analysed message: OnSuspicious for suspicious ones,
 * the hand-off for genuine ones that carry a retrieval URL. */
static void decide_notice(const um_conf *c, um_result *r)
{
	const upki_notice *n = r->notice;

	if (n->verdict == UPKI_VERDICT_GENUINE) {
		r->handoff = n->url && (n->kind == UPKI_KIND_CERT_ISSUE ||
					n->kind == UPKI_KIND_PIN_ISSUE);
		return;
	}
	if (n->verdict != UPKI_VERDICT_SUSPICIOUS)
		return;
	switch (c->on_suspicious) {
	case UM_ON_SUSP_QUARANTINE:
		r->action = UM_ACT_QUARANTINE;
		r->reason = suspicious_text(n, "upki-milter quarantine");
		break;
	case UM_ON_SUSP_REJECT:
		r->action = UM_ACT_REJECT;
		/* the reasons would tell a phisher which checks to get past */
		r->reason = g_strdup(c->cfg->reject_text);
		g_ptr_array_set_size(r->edits, 0);
		break;
	default:
		break;
	}
}

/* CPU time of the calling thread: wall time alone says more about the
 * machine's load than about the filter. */
static gint64 thread_cpu_usec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

um_result *um_policy_eom(const um_conf *c, const char *msg, gsize len, um_eoh_step step,
			 gboolean oversized)
{
	um_result *r = g_new0(um_result, 1);
	gint64 start = g_get_monotonic_time();
	gint64 cpu_start = thread_cpu_usec();
	GError *err = NULL;

	if (oversized) {
		set_failure(c, r, UM_FAIL_OVERSIZED, msg, len,
			    g_strdup_printf("over MaxMessageSize (%" G_GUINT64_FORMAT " bytes)",
					    c->cfg->max_message_size));
		goto out;
	}
	r->log_why = c->log_why;
	if (step == UM_EOH_SCAN) {
		upki_prefilter_result pr = upki_prefilter_message(c->prefilter, msg, len);
		r->early = pr.verdict == UPKI_PREFILTER_NO;
		r->why = pr.why;
	}
	if (step == UM_EOH_PEER) {
		r->edits = upki_annotate_edits(msg, len, NULL, &c->annotate);
		r->exempt = TRUE;
		goto out;
	}
	if (step == UM_EOH_STRIP || r->early) {
		r->edits = upki_annotate_edits(msg, len, NULL, &c->annotate);
		r->why = r->early ? r->why : UPKI_PF_HEADERS_ONLY;
		r->early = TRUE;
		goto out;
	}
	r->notice = upki_notice_analyze(msg, len, &c->opts, &err);
	if (!r->notice) {
		set_failure(c, r, failure_of(err), msg, len,
			    g_strdup(err ? err->message : "analysis failed"));
		goto out;
	}
	r->edits = upki_annotate_edits(msg, len, r->notice, &c->annotate);
	decide_notice(c, r);
	um_wrap_decide(c, r, msg, len);
out:
	if (!r->edits)
		r->edits = g_ptr_array_new();
	g_clear_error(&err);
	r->usec = g_get_monotonic_time() - start;
	/* only a notice's line and the debug line of an early pass show it:
	 * ordinary mail is spared the second system call (the thread's CPU
	 * clock has no vDSO) */
	if (r->notice || (r->early && r->log_why))
		r->cpu_usec = thread_cpu_usec() - cpu_start;
	return r;
}

void um_result_free(um_result *r)
{
	if (!r)
		return;
	g_ptr_array_unref(r->edits);
	if (r->headers_edits)
		g_ptr_array_unref(r->headers_edits);
	if (r->body)
		g_bytes_unref(r->body);
	g_free(r->wrap_note);
	upki_notice_free(r->notice);
	g_free(r->reason);
	g_free(r->error);
	g_free(r);
}

gboolean um_policy_handoff(const um_conf *c, um_result *r, const char *qid,
			   gboolean dry_run, char **job_id)
{
	char *source = NULL;
	gboolean existed = FALSE, ok = TRUE;
	GError *err = NULL;

	*job_id = NULL;
	if (!r->handoff || !c->cfg->spool)
		return TRUE;
	if (dry_run) {
		*job_id = upki_spool_job_id(r->notice->url);
		return TRUE;
	}
	source = g_strdup_printf("milter:%s", qid ? qid : "NOQUEUE");
	if (upki_spool_write_for(c->cfg->spool, r->notice, source, r->recipient, job_id, &existed, &err)) {
		um_stats_spool(existed ? UM_SPOOL_EXISTING : UM_SPOOL_WRITTEN);
	} else {
		um_stats_spool(UM_SPOOL_FAILED);
		/* the URL is good once: losing the job loses the certificate */
		ok = um_policy_on_failure(c, UM_FAIL_SPOOL) != UM_ACT_TEMPFAIL;
		um_log(LOG_ERR, qid, "spool hand-off to %s failed (%s): %s", c->cfg->spool,
		       ok ? "mail accepted, the job is lost: OnSpoolError accept"
			  : "deferred, the MTA will retry: OnSpoolError tempfail",
		       err ? err->message : "unknown error");
		g_clear_error(&err);
	}
	if (!ok) {
		r->action = UM_ACT_TEMPFAIL;
		g_free(r->reason);
		r->reason = NULL;
	}
	g_free(source);
	return ok;
}

/* The URL of a notice as logs may show it: host, path, a hash of p1. */
static const char *log_url(const upki_notice *n, guint *count)
{
	const char *first = NULL;

	*count = 0;
	for (guint i = 0; n->urls && i < n->urls->len; i++) {
		const upki_url_finding *f = g_ptr_array_index(n->urls, i);
		if (!f->retrieval)
			continue;
		first = first ? first : f->url;
		(*count)++;
	}
	return n->url ? n->url : first;
}

static void log_notice(const um_result *r, const char *qid, const char *job_id)
{
	const upki_notice *n = r->notice;
	guint count = 0;
	const char *url = log_url(n, &count);
	char *reasons = upki_reason_join(n->reasons, ",");
	char *host = url ? upki_url_get_host(url) : NULL;
	char *redacted = url ? upki_url_redact(url) : NULL;
	const char *kind = upki_kind_to_string(n->kind);

	if (r->wrap_note)
		um_log(LOG_WARNING, qid, "%s", r->wrap_note);
	um_log(n->verdict == UPKI_VERDICT_SUSPICIOUS ? LOG_NOTICE : LOG_INFO, qid,
	       "kind=%s verdict=%s reasons=%s host=%s url=%s urls=%u action=%s%s%s%s ms=%.3f cpu_ms=%.3f",
	       kind ? kind : "-", upki_verdict_to_string(n->verdict), *reasons ? reasons : "-",
	       host ? host : "-", redacted ? redacted : "-", count, um_action_name(r->action),
	       r->body ? " wrapped" : "", job_id ? " spool=" : "", job_id ? job_id : "", r->usec / 1000.0,
	       r->cpu_usec / 1000.0);
	g_free(redacted);
	g_free(host);
	g_free(reasons);
}

void um_policy_log(const um_result *r, const char *qid, const char *job_id)
{
	if (r->failed) {
		um_log(LOG_WARNING, qid, "%s: %s; action=%s removed=%u ms=%.3f",
		       um_failure_name(r->failure), r->error ? r->error : "-",
		       um_action_name(r->action), r->edits->len, r->usec / 1000.0);
		return;
	}
	if (r->notice) {
		log_notice(r, qid, job_id);
		return;
	}
	if (r->exempt) {
		um_log(LOG_NOTICE, qid, "peer %s is in PeerList: not examined; removed %u forged header(s)",
		       r->peer ? r->peer : "-", r->edits->len);
		return;
	}
	if (r->edits->len)
		um_log(LOG_NOTICE, qid, "not a notice; removed %u forged header(s)", r->edits->len);
	if (r->early && r->log_why)
		um_log(LOG_DEBUG, qid, "passed at end of message without analysis: why=%s cpu_ms=%.3f",
		       upki_prefilter_why_to_string(r->why), r->cpu_usec / 1000.0);
}
