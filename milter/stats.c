/* stats.c - the milter's counters, and the file node_exporter reads.
 *
 * libmilter runs the callbacks in many threads: every counter is a C11
 * atomic, bumped with a relaxed add (no lock on the mail path).  The
 * main thread (daemon.c) renders a snapshot and writes it with libupki's
 * atomic writer; nothing is locked while the file is written.  Labels
 * are fixed tokens only (verdicts, kinds, reason tokens, stage names,
 * failure and action names): never an address, a subject, a URL or a
 * token.  A file that cannot be written is logged at most once an hour
 * (and once when it works again); mail never waits for it.
 */
#include <stdatomic.h>
#include <time.h>

#include "upki/reason.h"
#include "upki/stats.h"
#include "upki-milter.h"

enum { V_GENUINE, V_SUSPICIOUS, V_NOT_NOTICE, V_COUNT };
enum { A_ACCEPT, A_MARK, A_QUARANTINE, A_REJECT, A_TEMPFAIL, A_COUNT };

static atomic_ullong messages[V_COUNT][UPKI_KIND_COUNT];
static atomic_ullong reasons[UPKI_R_COUNT];
static atomic_ullong early[UPKI_PF_COUNT];
static atomic_ullong failures[UM_FAIL_COUNT];
static atomic_ullong actions[A_COUNT];
static atomic_ullong spool[UM_SPOOL_COUNT];
static atomic_ullong exempted;
static atomic_ullong reloads[2];
static atomic_llong started;

static const char *const verdict_names[V_COUNT] = { "genuine", "suspicious", "not-notice" };
static const char *const action_names[A_COUNT] = { "accept", "mark", "quarantine", "reject", "tempfail" };
static const char *const spool_names[UM_SPOOL_COUNT] = { "written", "existing", "failed" };

static void bump(atomic_ullong *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static guint64 get(atomic_ullong *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void um_stats_start(void)
{
	atomic_store(&started, (long long)time(NULL));
}

static int verdict_index(upki_verdict v)
{
	return v == UPKI_VERDICT_GENUINE ? V_GENUINE : v == UPKI_VERDICT_SUSPICIOUS ? V_SUSPICIOUS
										       : V_NOT_NOTICE;
}

static int action_index(const um_result *r)
{
	switch (r->action) {
	case UM_ACT_QUARANTINE: return A_QUARANTINE;
	case UM_ACT_REJECT: return A_REJECT;
	case UM_ACT_TEMPFAIL: return A_TEMPFAIL;
	default: break;
	}
	/* a suspicious notice delivered with its warning (OnSuspicious mark) */
	return r->notice && r->notice->verdict == UPKI_VERDICT_SUSPICIOUS ? A_MARK : A_ACCEPT;
}

void um_stats_result(const um_result *r)
{
	bump(&actions[action_index(r)]);
	if (r->failed)
		bump(&failures[r->failure < UM_FAIL_COUNT ? r->failure : UM_FAIL_INTERNAL]);
	if (r->exempt) {
		bump(&exempted);
		return;
	}
	if (r->early) {
		bump(&early[r->why < UPKI_PF_COUNT ? r->why : UPKI_PF_NO_MARKER]);
		bump(&messages[V_NOT_NOTICE][UPKI_KIND_NONE]);
		return;
	}
	if (!r->notice)
		return;
	bump(&messages[verdict_index(r->notice->verdict)][r->notice->kind < UPKI_KIND_COUNT ? r->notice->kind : 0]);
	if (r->notice->verdict != UPKI_VERDICT_SUSPICIOUS)
		return;
	for (int i = 0; i < UPKI_R_COUNT; i++)
		if (r->notice->reasons & UPKI_REASON_BIT(i) & ~UPKI_REASONS_INFORMATIVE)
			bump(&reasons[i]);
}

void um_stats_eoh_accept(void)
{
	bump(&actions[A_ACCEPT]);
	bump(&early[UPKI_PF_HEADERS_ONLY]);
	bump(&messages[V_NOT_NOTICE][UPKI_KIND_NONE]);
}

void um_stats_exempt_accept(void)
{
	bump(&actions[A_ACCEPT]);
	bump(&exempted);
}

void um_stats_refused(void)
{
	bump(&actions[A_TEMPFAIL]);
}

void um_stats_spool(um_spool_result s)
{
	bump(&spool[s]);
	if (s == UM_SPOOL_FAILED)
		bump(&failures[UM_FAIL_SPOOL]);
}

void um_stats_reload(gboolean ok)
{
	bump(&reloads[ok ? 0 : 1]);
}

static void one(GString *out, const char *name, const char *label, const char *value, guint64 n)
{
	const char *const labels[] = { label, value, NULL };

	upki_stats_sample(out, name, label ? labels : NULL, n);
}

/* Genuine notices of every kind, suspicious ones with or without a
 * kind, not-notice without one: the series that can occur, always
 * written (zeros included) so that rate() has them from the start. */
static void render_messages(GString *out)
{
	const char *name = "upki_milter_messages_total";

	upki_stats_family(out, name, UPKI_STATS_COUNTER,
			  "Messages decided, by verdict and kind (early accepts are not-notice).");
	for (int v = 0; v < V_COUNT; v++)
		for (int k = 0; k < UPKI_KIND_COUNT; k++) {
			guint64 n = get(&messages[v][k]);
			const char *kind = upki_kind_to_string(k);
			const char *const labels[] = { "verdict", verdict_names[v], "kind",
						       kind ? kind : "none", NULL };
			gboolean possible = v == V_SUSPICIOUS || (v == V_GENUINE) == (k != UPKI_KIND_NONE);
			if (possible || n)
				upki_stats_sample(out, name, labels, n);
		}
}

static void render_decisions(GString *out)
{
	const char *name = "upki_milter_suspicious_reasons_total";

	upki_stats_family(out, name, UPKI_STATS_COUNTER,
			  "Suspicious notices by reason (a notice counts once for each of its reasons).");
	for (int i = 0; i < UPKI_R_COUNT; i++)
		if (!(UPKI_REASON_BIT(i) & UPKI_REASONS_INFORMATIVE))
			one(out, name, "reason", upki_reason_token(i), get(&reasons[i]));
	name = "upki_milter_early_accepts_total";
	upki_stats_family(out, name, UPKI_STATS_COUNTER,
			  "Messages passed by the prefilter without analysis, by the stage that ruled them out.");
	for (int i = 0; i < UPKI_PF_COUNT; i++)
		if (i == UPKI_PF_NO_MARKER || i == UPKI_PF_HEADERS_ONLY || get(&early[i]))
			one(out, name, "stage", upki_prefilter_why_to_string(i), get(&early[i]));
	name = "upki_milter_failures_total";
	upki_stats_family(out, name, UPKI_STATS_COUNTER,
			  "Failures by class (OnInternalError, OnOversized, OnParseError, OnSpoolError).");
	for (int i = 0; i < UM_FAIL_COUNT; i++)
		one(out, name, "failure", um_failure_name(i), get(&failures[i]));
	name = "upki_milter_actions_total";
	upki_stats_family(out, name, UPKI_STATS_COUNTER,
			  "What became of each message (mark: a suspicious notice delivered with its warning).");
	for (int i = 0; i < A_COUNT; i++)
		one(out, name, "action", action_names[i], get(&actions[i]));
}

static void render_rest(GString *out)
{
	const char *name = "upki_milter_spool_jobs_total";

	upki_stats_family(out, name, UPKI_STATS_COUNTER,
			  "Spool hand-offs of genuine notices: job written, already there, or failed.");
	for (int i = 0; i < UM_SPOOL_COUNT; i++)
		one(out, name, "result", spool_names[i], get(&spool[i]));
	name = "upki_milter_peer_exempted_total";
	upki_stats_family(out, name, UPKI_STATS_COUNTER,
			  "Messages from a PeerList peer, passed without examination.");
	one(out, name, NULL, NULL, get(&exempted));
	name = "upki_milter_config_reloads_total";
	upki_stats_family(out, name, UPKI_STATS_COUNTER, "SIGHUP reloads, by result.");
	one(out, name, "result", "ok", get(&reloads[0]));
	one(out, name, "result", "failed", get(&reloads[1]));
	name = "upki_milter_messages_in_flight";
	upki_stats_family(out, name, UPKI_STATS_GAUGE, "Messages between their first header and their end.");
	one(out, name, NULL, NULL, (guint64)MAX(um_callbacks_in_flight(), 0));
	name = "upki_milter_start_time_seconds";
	upki_stats_family(out, name, UPKI_STATS_GAUGE, "When the daemon started, Unix time.");
	one(out, name, NULL, NULL, (guint64)MAX(atomic_load(&started), 0));
}

char *um_stats_render(gsize *len)
{
	GString *out = g_string_sized_new(4096);

	render_messages(out);
	render_decisions(out);
	render_rest(out);
	if (len)
		*len = out->len;
	return g_string_free(out, FALSE);
}

void um_stats_flush(const char *path)
{
	static upki_stats_writer writer; /* main thread only */
	GError *err = NULL;
	gsize len = 0;
	char *text = NULL;

	if (!path)
		return;
	text = um_stats_render(&len);
	switch (upki_stats_writer_put(&writer, path, text, len, g_get_monotonic_time() / G_USEC_PER_SEC, &err)) {
	case UPKI_STATS_FAILED:
		um_log(LOG_WARNING, NULL, "StatsFile: %s (mail is not affected; this is repeated at "
		       "most hourly)", err->message);
		break;
	case UPKI_STATS_RECOVERED:
		um_log(LOG_INFO, NULL, "StatsFile %s written again", path);
		break;
	default:
		break;
	}
	g_clear_error(&err);
	g_free(text);
}
