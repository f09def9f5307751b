/* ledger.c - upki-fetch's side of the certificate ledger (upki/ledger.h).
 *
 * What a job came to goes into the Ledger (the milter's and upki-scan's
 * file) only after it is committed to the state database: the state is
 * what keeps a job from running twice, the ledger only tells the office.
 * A crash between the two loses nothing: the restart finds the job's row
 * decided and records it then (finish_decided in job.c), and a record is
 * idempotent by (job id, what), so a job recorded twice is one row.
 * Never a URL, a token or a PIN: the job id (the spool's hash of the
 * URL, which is how the ledger's notices name the job), what, the serial.
 * The ledger is opened per pass and closed after it, so a reload or a
 * replaced file needs nothing more; a failure is logged and changes
 * nothing else.
 */
#include <string.h>

#include "upki-fetch.h"

void uf_ledger_open(uf_ctx *c)
{
	GError *err = NULL;

	c->ledger = NULL;
	if (!c->conf->ledger)
		return;
	c->ledger = upki_ledger_open(c->conf->ledger, &err);
	if (!c->ledger) {
		uf_log(LOG_ERR, NULL, "ledger not written this pass: %s", err->message);
		g_error_free(err);
	}
}

void uf_ledger_close(uf_ctx *c)
{
	GError *err = NULL;

	if (c->ledger && !upki_ledger_commit(c->ledger, &err)) {
		uf_log(LOG_ERR, NULL, "ledger: %s", err->message);
		g_error_free(err);
	}
	upki_ledger_close(c->ledger);
	c->ledger = NULL;
}

/* "pin", "certificate", "kept", "handed-off": what a done job did. */
static const char *what_done(uf_action a, const char *kind)
{
	switch (a) {
	case UF_ACT_RETRIEVE: return strcmp(kind, "pin-issue") == 0 ? "pin" : "certificate";
	case UF_ACT_KEEP: return "kept";
	default: return "handed-off";
	}
}

void uf_ledger_note(const uf_ctx *c, const uf_job *j, gboolean done)
{
	uf_action a = uf_conf_action_for(c->conf, j->kind);
	const char *what = done ? what_done(a, j->kind) : "failed";
	char *serial = NULL;
	GError *err = NULL;

	if (!c->ledger)
		return;
	if (strcmp(what, "certificate") == 0)
		serial = uf_state_installed_serial(c->state, j->id);
	if (!upki_ledger_record_fetch(c->ledger, j->id, what, c->now, serial, uf_action_name(a), &err) ||
	    !upki_ledger_commit(c->ledger, &err)) {
		uf_log(LOG_ERR, j->id, "ledger not written (the job is not affected): %s", err->message);
		g_error_free(err);
	}
	g_free(serial);
}
