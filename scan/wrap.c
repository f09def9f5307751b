/* wrap.c - `upki-scan --filter --annotate=wrap` (or Annotate wrap in
 * --config): the message wrapped with instructions by libupki's wrap
 * module.  Whatever fails, the filter writes the headers-mode message
 * instead (filter.c), with one line on stderr: mail is never lost and
 * never half-wrapped.
 */
#include <string.h>

#include "upki/wrap.h"
#include "msg.h"
#include "scan.h"

static const char *wrap_authserv_id(const upki_config *cfg)
{
	return cfg->authserv_id ? cfg->authserv_id : g_get_host_name();
}

gboolean scan_wrap_setup(const scan_args *a, upki_config *cfg, const char *where,
			 upki_wrapper **wrapper)
{
	GError *err = NULL;

	*wrapper = NULL;
	if (a->annotate && !a->filter) {
		scan_msg("--annotate applies to --filter only");
		return FALSE;
	}
	if (a->annotate && !upki_config_set(cfg, "Annotate", a->annotate, &err)) {
		scan_msg("--annotate: %s", err->message);
		g_error_free(err);
		return FALSE;
	}
	if (!g_str_equal(cfg->annotate, "wrap"))
		return TRUE;
	*wrapper = upki_wrapper_new(cfg, wrap_authserv_id(cfg), &err);
	if (*wrapper)
		return TRUE;
	scan_msg("%s%s%s", where ? where : "", where ? ": " : "", err->message);
	g_error_free(err);
	if (!a->filter)
		return FALSE;
	/* a filter still marks the notice: headers mode */
	scan_msg("--filter: Annotate wrap is off; headers only");
	return TRUE;
}

GString *scan_wrap_message(const scan_ctx *ctx, const GByteArray *in, const upki_notice *n)
{
	GError *err = NULL;
	upki_wrapped *wr = NULL;
	GString *out = NULL;

	if (!upki_wrapper_wants(ctx->wrapper, n))
		return NULL;
	wr = upki_wrap_build(ctx->wrapper, (const char *)in->data, in->len, n, ctx->opts.max_size, &err);
	if (!wr) {
		scan_msg("--filter: cannot wrap the notice (%s); headers only", err->message);
		g_error_free(err);
		return NULL;
	}
	out = upki_wrap_apply((const char *)in->data, in->len, wr);
	upki_wrapped_free(wr);
	return out;
}
