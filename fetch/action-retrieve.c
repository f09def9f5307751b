/* action-retrieve.c - the `retrieve` action: the state around the
 * service's flow, which lives behind retrieve.h.
 *
 * pin-issue: fetch_retrieve_pin() brings the PIN records; they go into
 * the state database in one transaction that also makes every
 * certificate ZIP waiting for a PIN due again, so the cert-issue jobs
 * that follow in the same pass (pin-issue jobs run first) open them.
 *
 * cert-issue: the download is single-use, so the ZIP goes to a fixed
 * place, OutputDir/zip/<id>.zip, written durably by
 * fetch_retrieve_cert_zip().  A ZIP already there is never fetched again:
 * not after a crash before the state was written, not when the install
 * waits for a PIN.  The site refusing the download until the PIN notice
 * was fetched is FETCH_RETRY (backoff, no fixed sleep); so is an install
 * that lacks a PIN.  The ZIP is never removed, even when the job fails:
 * it may be the only copy of a certificate.
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

static uf_outcome pin_issue(const uf_ctx *c, const uf_job *j, char **error)
{
	fetch_http_opts http;
	GPtrArray *records = NULL;
	GError *err = NULL;
	fetch_outcome o;

	http_opts(c->conf, &http);
	o = fetch_retrieve_pin(&http, j->url, &records, error);
	if (o != FETCH_OK)
		return as_outcome(o);
	if (!uf_state_add_pins(c->state, j->id, records, &err)) {
		*error = g_strdup_printf("retrieve: PINs fetched but not recorded: %s", err->message);
		g_error_free(err);
		g_ptr_array_unref(records);
		return UF_RETRY;
	}
	uf_log(LOG_INFO, j->id, "retrieve: %u PIN record(s) stored", records->len);
	g_ptr_array_unref(records);
	return UF_OK;
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

static char *zip_path_for(const uf_conf *conf, const char *id)
{
	char *name = g_strconcat(id, ".zip", NULL);
	char *path = g_build_filename(conf->output_dir, "zip", name, NULL);

	g_free(name);
	return path;
}

static uf_outcome cert_issue(const uf_ctx *c, const uf_job *j, uf_job_row *row, char **error)
{
	fetch_http_opts http;
	char *zip = zip_path_for(c->conf, j->id), *dir = g_path_get_dirname(zip);
	uf_outcome o = UF_OK;

	if (g_mkdir_with_parents(dir, 0700) != 0) {
		*error = g_strdup_printf("retrieve: cannot create %s: %s", dir, g_strerror(errno));
		o = UF_RETRY;
		goto out;
	}
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
	g_free(dir);
	g_free(zip);
	return o;
}

uf_outcome uf_action_retrieve(const uf_ctx *c, const uf_job *j, uf_job_row *row, char **error)
{
	if (strcmp(j->kind, "pin-issue") == 0)
		return pin_issue(c, j, error);
	return cert_issue(c, j, row, error);
}
