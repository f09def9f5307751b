/* action-keep.c - the `keep` action: the job, as it is, into OutputDir.
 *
 * For sites that pick jobs up with their own tools (or by hand): the job
 * JSON is written durably to OutputDir/<id>.json, 0600 in a 0700
 * directory because it holds the one-time URL.  Writing it again after a
 * crash replaces the file with the same bytes, so the action is
 * idempotent.  A full or read-only disk is worth a retry: nothing was
 * lost, the job stays in cur/.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "upki-fetch.h"

uf_outcome uf_action_keep(const uf_ctx *c, const uf_job *j, char **error)
{
	char *name = g_strconcat(j->id, ".json", NULL);
	char *path = g_build_filename(c->conf->output_dir, name, NULL);
	char *text = g_strconcat(j->json, "\n", NULL);
	uf_outcome o = UF_OK;

	if (g_mkdir_with_parents(c->conf->output_dir, 0700) != 0 ||
	    !uf_write_durable(path, text, strlen(text))) {
		*error = g_strdup_printf("keep: cannot write %s: %s", path, g_strerror(errno));
		o = UF_RETRY;
	}
	g_free(text);
	g_free(path);
	g_free(name);
	return o;
}
