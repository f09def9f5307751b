/* wrap.c - `upki-scan --filter --annotate=wrap` (or Annotate wrap in
 * --config): the message wrapped with instructions by libupki's wrap
 * module.  Whatever fails, the filter writes the headers-mode message
 * instead (filter.c), with one line on stderr: mail is never lost and
 * never half-wrapped.
 */
#include <string.h>

#include "upki/wrap.h"
#include "scan.h"

static const char *wrap_authserv_id(const scanner *s)
{
	return s->cfg->authserv_id ? s->cfg->authserv_id : g_get_host_name();
}

gboolean scan_wrap_setup(scanner *s)
{
	GError *err = NULL;

	if (s->a->annotate && !s->a->filter) {
		fprintf(stderr, "upki-scan: --annotate applies to --filter only\n");
		return FALSE;
	}
	if (s->a->annotate && !upki_config_set(s->cfg, "Annotate", s->a->annotate, &err)) {
		fprintf(stderr, "upki-scan: --annotate: %s\n", err->message);
		g_error_free(err);
		return FALSE;
	}
	if (!g_str_equal(s->cfg->annotate, "wrap"))
		return TRUE;
	s->wrapper = upki_wrapper_new(s->cfg, wrap_authserv_id(s), &err);
	if (s->wrapper)
		return TRUE;
	fprintf(stderr, "upki-scan: %s%s%s\n", s->a->config ? s->a->config : "", s->a->config ? ": " : "",
		err->message);
	g_error_free(err);
	if (!s->a->filter)
		return FALSE;
	/* a filter still marks the notice: headers mode */
	fprintf(stderr, "upki-scan: --filter: Annotate wrap is off; headers only\n");
	return TRUE;
}

GString *scan_wrap_message(scanner *s, const GByteArray *in, const upki_notice *n)
{
	GError *err = NULL;
	upki_wrapped *wr = NULL;
	GString *out = NULL;

	if (!upki_wrapper_wants(s->wrapper, n))
		return NULL;
	wr = upki_wrap_build(s->wrapper, (const char *)in->data, in->len, n, s->opts.max_size, &err);
	if (!wr) {
		fprintf(stderr, "upki-scan: --filter: cannot wrap the notice (%s); headers only\n",
			err->message);
		g_error_free(err);
		return NULL;
	}
	out = upki_wrap_apply((const char *)in->data, in->len, wr);
	upki_wrapped_free(wr);
	return out;
}
