/* retrieve-p12.c - installing the certificates of a certificate ZIP
 * (placeholder of the first slice: the install step comes next). */
#include "retrieve-private.h"

void fetch_installed_free(fetch_installed *i)
{
	if (i == NULL)
		return;
	g_free(i->serial);
	g_free(i->subject);
	g_free(i->issuer);
	g_free(i->not_after);
	g_free(i->p12_path);
	g_free(i->receipt_path);
	g_free(i);
}

fetch_outcome fetch_certs_install(const char *zip_path, const fetch_install_opts *o, fetch_pin_lookup lookup,
				  void *ctx, GPtrArray **installed, char **error)
{
	(void)zip_path;
	(void)o;
	(void)lookup;
	(void)ctx;
	*installed = NULL;
	*error = g_strdup("installing certificates is not implemented yet");
	return FETCH_FAIL;
}
