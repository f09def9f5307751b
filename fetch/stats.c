/* stats.c - upki-fetch's counters, and the file node_exporter reads.
 *
 * upki-fetch runs on one thread, so the counters are plain integers.
 * Labels are fixed tokens (kinds, outcomes, action names, where an
 * error happened): never a job id, a URL, a token, a PIN, an address or
 * a receiver's reply.  A file that cannot be written is logged at most
 * once an hour (and once when it works again); the jobs never wait for it.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "upki/stats.h"
#include "upki-fetch.h"

enum { K_CERT, K_PIN, K_INVALID, K_COUNT };
enum { O_DONE, O_FAILED, O_RETRIED, O_COUNT };
#define N_ACTIONS (UF_ACT_KEEP + 1)

static struct {
	guint64 jobs[K_COUNT][O_COUNT];
	guint64 actions[N_ACTIONS][3];
	guint64 errors[UF_ERR_COUNT];
	guint64 passes[2];
	guint64 reloads[2];
	guint64 waiting;
	gint64 last_pass;
	gint64 started;
} st;

static const char *const kind_names[K_COUNT] = { "cert-issue", "pin-issue", "invalid" };
static const char *const outcome_names[O_COUNT] = { "done", "failed", "retried" };
static const char *const result_names[3] = { "ok", "retry", "fail" };
static const char *const error_names[UF_ERR_COUNT] = { "state", "spool" };

void uf_stats_start(void)
{
	st.started = (gint64)time(NULL);
}

static int kind_index(const char *kind)
{
	return g_strcmp0(kind, "cert-issue") == 0 ? K_CERT : g_strcmp0(kind, "pin-issue") == 0 ? K_PIN
											    : K_INVALID;
}

void uf_stats_job(const char *kind, uf_outcome o)
{
	st.jobs[kind_index(kind)][o == UF_OK ? O_DONE : o == UF_FAIL ? O_FAILED : O_RETRIED]++;
}

void uf_stats_action(uf_action a, uf_outcome o)
{
	if ((int)a >= 0 && a < N_ACTIONS && (int)o >= 0 && o <= UF_FAIL)
		st.actions[a][o]++;
}

void uf_stats_error(uf_stats_where w)
{
	if (w < UF_ERR_COUNT)
		st.errors[w]++;
}

void uf_stats_pass(gboolean ok, const uf_spool_pass *p)
{
	st.passes[ok ? 0 : 1]++;
	st.last_pass = (gint64)time(NULL);
	if (ok && p)
		st.waiting = p->waiting;
}

void uf_stats_reload(gboolean ok)
{
	st.reloads[ok ? 0 : 1]++;
}

static void one(GString *out, const char *name, const char *l1, const char *v1, const char *l2,
		const char *v2, guint64 n)
{
	const char *const labels[] = { l1, v1, l2, v2, NULL };

	upki_stats_sample(out, name, l1 ? labels : NULL, n);
}

static void render_jobs(GString *out)
{
	const char *name = "upki_fetch_jobs_total";

	upki_stats_family(out, name, UPKI_STATS_COUNTER,
			  "Jobs whose action ran, by kind and outcome (invalid: not a usable job, to failed/).");
	for (int k = 0; k < K_COUNT; k++)
		for (int o = 0; o < O_COUNT; o++)
			if (k != K_INVALID || o == O_FAILED)
				one(out, name, "kind", kind_names[k], "outcome", outcome_names[o], st.jobs[k][o]);
	name = "upki_fetch_actions_total";
	upki_stats_family(out, name, UPKI_STATS_COUNTER,
			  "Attempts of each action, by result (retry and fail: the action's failures).");
	for (int a = 0; a < N_ACTIONS; a++)
		for (int r = 0; r < 3; r++)
			one(out, name, "action", uf_action_name(a), "result", result_names[r], st.actions[a][r]);
}

static void render_rest(GString *out)
{
	const char *name = "upki_fetch_errors_total";

	upki_stats_family(out, name, UPKI_STATS_COUNTER,
			  "State database and spool errors that left a job where it was.");
	for (int i = 0; i < UF_ERR_COUNT; i++)
		one(out, name, "where", error_names[i], NULL, NULL, st.errors[i]);
	name = "upki_fetch_passes_total";
	upki_stats_family(out, name, UPKI_STATS_COUNTER, "Passes over the spool, by result.");
	one(out, name, "result", "ok", NULL, NULL, st.passes[0]);
	one(out, name, "result", "failed", NULL, NULL, st.passes[1]);
	name = "upki_fetch_config_reloads_total";
	upki_stats_family(out, name, UPKI_STATS_COUNTER, "SIGHUP reloads, by result.");
	one(out, name, "result", "ok", NULL, NULL, st.reloads[0]);
	one(out, name, "result", "failed", NULL, NULL, st.reloads[1]);
	name = "upki_fetch_jobs_waiting";
	upki_stats_family(out, name, UPKI_STATS_GAUGE, "Jobs in cur/ waiting for a retry after the last pass.");
	one(out, name, NULL, NULL, NULL, NULL, st.waiting);
	name = "upki_fetch_last_pass_time_seconds";
	upki_stats_family(out, name, UPKI_STATS_GAUGE, "When the last pass ended, Unix time (0: none yet).");
	one(out, name, NULL, NULL, NULL, NULL, (guint64)MAX(st.last_pass, 0));
	name = "upki_fetch_start_time_seconds";
	upki_stats_family(out, name, UPKI_STATS_GAUGE, "When the process started, Unix time.");
	one(out, name, NULL, NULL, NULL, NULL, (guint64)MAX(st.started, 0));
}

char *uf_stats_render(gsize *len)
{
	GString *out = g_string_sized_new(4096);

	render_jobs(out);
	render_rest(out);
	if (len)
		*len = out->len;
	return g_string_free(out, FALSE);
}

void uf_stats_flush(const char *path)
{
	static upki_stats_writer writer; /* main thread only */
	GError *err = NULL;
	gsize len = 0;
	char *text = NULL;

	if (!path)
		return;
	text = uf_stats_render(&len);
	switch (upki_stats_writer_put(&writer, path, text, len, g_get_monotonic_time() / G_USEC_PER_SEC, &err)) {
	case UPKI_STATS_FAILED:
		uf_log(LOG_WARNING, NULL, "StatsFile: %s (jobs are not affected; this is repeated at "
		       "most hourly)", err->message);
		break;
	case UPKI_STATS_RECOVERED:
		uf_log(LOG_INFO, NULL, "StatsFile %s written again", path);
		break;
	default:
		break;
	}
	g_clear_error(&err);
	g_free(text);
}

gboolean uf_stats_check(const uf_conf *c, GError **error)
{
	char *dir = NULL;
	gboolean ok = TRUE;

	if (!c->stats_file)
		return TRUE;
	dir = g_path_get_dirname(c->stats_file);
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR) || access(dir, W_OK | X_OK) != 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_ACCES,
			    "StatsFile %s: the directory %s is missing or not writable by this user",
			    c->stats_file, dir);
		ok = FALSE;
	}
	g_free(dir);
	return ok;
}
