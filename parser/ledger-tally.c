/* ledger-tally.c - the counts every form of the report shows
 * (ledger-tally.h).  Months are UTC, as the deadlines are (notice.c).
 */
#include <string.h>

#include "ledger-tally.h"

const char *const ledger_job_states[LEDGER_N_JOB_STATES] = { "issue-accepted", "pin-issued", "retrieved",
							     "expired-unused", "stalled" };
const char *const ledger_cert_states[LEDGER_N_CERT_STATES] = { "retrieved", "renewed", "replaced", "revoked" };
const char *const ledger_kinds[LEDGER_N_KINDS + 1] = { "cert-issue", "pin-issue", "cert-retrieved",
						       "cert-renewed", "cert-revoked", "suspicious" };

/* The index of s in names[n]; n when it is none of them. */
static guint index_of(const char *const *names, guint n, const char *s)
{
	guint i = 0;

	while (i < n && g_strcmp0(names[i], s) != 0)
		i++;
	return i;
}

/* A notice without a signing time counts in its Date's month. */
static void month_key(char out[8], gint64 t, const char *date)
{
	GDateTime *d = t >= 0 ? g_date_time_new_from_unix_utc(t) : NULL;
	char *m = d ? g_date_time_format(d, "%Y-%m") : g_strndup(date && strlen(date) >= 7 ? date : "unknown", 7);

	g_strlcpy(out, m, 8);
	g_free(m);
	if (d)
		g_date_time_unref(d);
}

static void count_month(GArray *months, gint64 t, const char *date, guint kind)
{
	ledger_month mc = { 0 };

	month_key(mc.month, t, date);
	for (guint i = 0; i < months->len; i++) {
		ledger_month *m = &g_array_index(months, ledger_month, i);
		if (strcmp(m->month, mc.month) == 0) {
			m->n[kind]++;
			return;
		}
	}
	mc.n[kind] = 1;
	g_array_append_val(months, mc);
}

static gint month_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(((const ledger_month *)a)->month, ((const ledger_month *)b)->month);
}

void ledger_tally_build(ledger_tally *t, const upki_ledger_report *r)
{
	memset(t, 0, sizeof *t);
	t->months = g_array_new(FALSE, TRUE, sizeof(ledger_month));
	for (guint i = 0; i < r->jobs->len; i++) {
		const upki_ledger_job *j = g_ptr_array_index(r->jobs, i);
		guint k = index_of(ledger_job_states, LEDGER_N_JOB_STATES, j->state);
		if (k < LEDGER_N_JOB_STATES)
			t->jobs[k]++;
	}
	for (guint i = 0; i < r->certs->len; i++) {
		const upki_ledger_cert *c = g_ptr_array_index(r->certs, i);
		guint k = index_of(ledger_cert_states, LEDGER_N_CERT_STATES, c->state);
		if (k < LEDGER_N_CERT_STATES)
			t->certs[k]++;
	}
	for (guint i = 0; i < r->events->len; i++) {
		const upki_ledger_event *e = g_ptr_array_index(r->events, i);
		/* never past the genuine kinds for a genuine notice */
		count_month(t->months, e->signed_at, NULL, index_of(ledger_kinds, LEDGER_N_KINDS, e->kind));
	}
	for (guint i = 0; i < r->suspects->len; i++) {
		const upki_ledger_suspect *s = g_ptr_array_index(r->suspects, i);
		count_month(t->months, s->signed_at, s->date, LEDGER_N_KINDS);
	}
	g_array_sort(t->months, month_cmp);
}

void ledger_tally_clear(ledger_tally *t)
{
	if (t->months)
		g_array_unref(t->months);
	t->months = NULL;
}
