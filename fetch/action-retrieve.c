/* action-retrieve.c - the `retrieve` action: the state around the
 * service's flow, which lives behind retrieve.h.
 *
 * Both downloads are single-use, so each goes first to a fixed place
 * under OutputDir/zip/, written durably by retrieve.c, and a file
 * already there is never fetched again.
 *
 * pin-issue: OutputDir/zip/<id>.pin.zip (0600, it holds the PINs).  Its
 * records go into the state database in one transaction that also notes
 * the job and makes every certificate ZIP waiting for a PIN due again,
 * so the cert-issue jobs that follow in the same pass (pin-issue jobs
 * run first) open them.  Then the PIN ZIP is removed.  A crash before
 * the commit leaves the file, and the rerun reads it again; a crash
 * after it finds the job noted and downloads nothing.  A PIN ZIP that
 * cannot be read stays (it may be the only copy of the PINs).
 *
 * cert-issue: OutputDir/zip/<id>.zip, kept while the install waits for a
 * PIN and afterwards.  The site refusing the download until the PIN
 * notice was fetched is FETCH_RETRY (backoff, no fixed sleep); so is an
 * install that lacks a PIN.  The ZIP is never removed, even when the job
 * fails: it may be the only copy of a certificate.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "retrieve.h"
#include "upki-fetch.h"

static void http_opts(const uf_conf *conf, fetch_http_opts *o)
{
	memset(o, 0, sizeof *o);
	o->service_host = conf->service_host;
	o->service_ca_file = conf->service_ca_file;
	o->connect_to = conf->connect_to;
	o->connect_timeout = (long)conf->connect_timeout;
	o->total_timeout = (long)conf->request_timeout;
	o->max_body = (gsize)conf->max_body_size;
	o->max_zip_entries = conf->max_zip_entries;
	o->max_zip_uncompressed = (gsize)conf->max_zip_size;
}

static uf_outcome as_outcome(fetch_outcome o)
{
	return o == FETCH_OK ? UF_OK : o == FETCH_RETRY ? UF_RETRY : UF_FAIL;
}

/* OutputDir/zip/<id><suffix>, its directory made (0700). */
static char *zip_path_for(const uf_conf *conf, const char *id, const char *suffix, char **error)
{
	char *name = g_strconcat(id, suffix, NULL);
	char *dir = g_build_filename(conf->output_dir, "zip", NULL);
	char *path = g_build_filename(dir, name, NULL);

	g_free(name);
	if (g_mkdir_with_parents(dir, 0700) != 0) {
		*error = g_strdup_printf("retrieve: cannot create %s: %s", dir, g_strerror(errno));
		g_clear_pointer(&path, g_free);
	}
	g_free(dir);
	return path;
}

/* The PIN ZIP has served once its PINs are committed: the database
 * (0600) holds them now, and one copy of a secret is enough. */
static void drop_pin_zip(const char *job_id, const char *zip)
{
	char *dir = g_path_get_dirname(zip);

	if (unlink(zip) != 0 && errno != ENOENT)
		uf_log(LOG_WARNING, job_id, "retrieve: cannot remove the PIN ZIP %s: %s", zip, g_strerror(errno));
	else
		uf_sync_dir(dir);
	g_free(dir);
}

static uf_outcome pin_issue(const uf_ctx *c, const uf_job *j, char **error)
{
	fetch_http_opts http;
	GPtrArray *records = NULL;
	GError *err = NULL;
	char *zip = zip_path_for(c->conf, j->id, ".pin.zip", error);
	uf_outcome o = UF_RETRY;

	if (zip == NULL)
		goto out;
	/* recorded before a crash that came ahead of the job's own row */
	if (uf_state_pins_recorded(c->state, j->id)) {
		o = UF_OK;
		goto drop;
	}
	http_opts(c->conf, &http);
	o = as_outcome(fetch_retrieve_pin(&http, j->url, zip, &records, error));
	if (o != UF_OK)
		goto out;
	if (!uf_state_add_pins(c->state, j->id, records, &err)) {
		*error = g_strdup_printf("retrieve: PINs kept in %s but not recorded: %s", zip, err->message);
		g_error_free(err);
		o = UF_RETRY;
		goto out;
	}
	uf_log(LOG_INFO, j->id, "retrieve: %u PIN record(s) stored", records->len);
drop:
	drop_pin_zip(j->id, zip);
out:
	if (records)
		g_ptr_array_unref(records);
	g_free(zip);
	return o;
}

/* fetch_pin_lookup over the state database; the string lives until the
 * next call or the end of the install. */
typedef struct lookup_ctx {
	uf_state *state;
	char *pin;
} lookup_ctx;

static void forget(lookup_ctx *l)
{
	if (l->pin)
		memset(l->pin, 0, strlen(l->pin));
	g_free(l->pin);
	l->pin = NULL;
}

static const char *lookup(void *ctx, const char *email, const char *dn)
{
	lookup_ctx *l = ctx;

	forget(l);
	l->pin = uf_state_pin(l->state, email, dn);
	return l->pin;
}

static uf_outcome install(const uf_ctx *c, const uf_job *j, const char *zip, char **error)
{
	fetch_install_opts o = {
		.output_dir = c->conf->output_dir,
		.cert_ca_file = c->conf->cert_ca_file,
		.job_id = j->id,
		.max_zip_entries = c->conf->max_zip_entries,
		.max_zip_uncompressed = (gsize)c->conf->max_zip_size,
	};
	lookup_ctx l = { .state = c->state };
	GPtrArray *installed = NULL;
	GError *err = NULL;
	uf_outcome out = as_outcome(fetch_certs_install(zip, &o, lookup, &l, &installed, error));

	forget(&l);
	if (out == UF_OK && !uf_state_add_installed(c->state, j->id, installed, &err)) {
		/* the files and receipts are written; only our record of them is missing */
		uf_log(LOG_WARNING, j->id, "%s", err->message);
		g_error_free(err);
	}
	if (out == UF_OK)
		uf_log(LOG_INFO, j->id, "retrieve: %u certificate(s) installed in %s",
		       installed ? installed->len : 0, c->conf->output_dir);
	if (installed)
		g_ptr_array_unref(installed);
	return out;
}

static uf_outcome cert_issue(const uf_ctx *c, const uf_job *j, uf_job_row *row, char **error)
{
	fetch_http_opts http;
	char *zip = zip_path_for(c->conf, j->id, ".zip", error);
	uf_outcome o = UF_RETRY;

	if (zip == NULL)
		goto out;
	if (access(zip, F_OK) != 0) {
		http_opts(c->conf, &http);
		o = as_outcome(fetch_retrieve_cert_zip(&http, j->url, zip, error));
		if (o != UF_OK)
			goto out;
		uf_log(LOG_INFO, j->id, "retrieve: certificate ZIP kept at %s", zip);
	}
	g_free(row->zip_path);
	row->zip_path = g_strdup(zip);
	o = install(c, j, zip, error);
out:
	g_free(zip);
	return o;
}

uf_outcome uf_action_retrieve(const uf_ctx *c, const uf_job *j, uf_job_row *row, char **error)
{
	if (strcmp(j->kind, "pin-issue") == 0)
		return pin_issue(c, j, error);
	return cert_issue(c, j, row, error);
}
