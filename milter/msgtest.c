/* msgtest.c - `upki-milter -t FILE`: the per-message logic without an MTA.
 *
 * The file plays the MTA's part: its header block goes through the same
 * end-of-header step as in the daemon, the whole message through the
 * same end-of-message decision.  What the MTA would be asked to do is
 * printed one change a line, then the action; the log line goes to
 * stderr.  Nothing is written to the spool: the job id it would get is
 * printed instead.
 */
#include <stdio.h>
#include <string.h>

#include "upki-milter.h"

/* Bytes of the header block, its empty line included (len when the
 * message has no body). */
static gsize header_block(const char *buf, gsize len)
{
	for (gsize i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

static void print_edit(const upki_header_edit *e)
{
	switch (e->op) {
	case UPKI_EDIT_DELETE:
		printf("delete %s[%u]\n", e->name, e->index);
		break;
	case UPKI_EDIT_CHANGE:
		printf("change %s[%u]: %s\n", e->name, e->index, e->value ? e->value : "");
		break;
	case UPKI_EDIT_INSERT:
		printf("insert %s: %s\n", e->name, e->value ? e->value : "");
		break;
	case UPKI_EDIT_DELETE_LINE:
		printf("delete line[%u]\n", e->index);
		break;
	}
}

static void print_result(const um_result *r, const char *job_id)
{
	if (r->action != UM_ACT_REJECT && r->action != UM_ACT_TEMPFAIL)
		for (guint i = 0; i < r->edits->len; i++)
			print_edit(g_ptr_array_index(r->edits, i));
	if (r->body && r->action != UM_ACT_REJECT && r->action != UM_ACT_TEMPFAIL)
		printf("replace body (%" G_GSIZE_FORMAT " bytes)\n", g_bytes_get_size(r->body));
	if (job_id)
		printf("spool %s\n", job_id);
	switch (r->action) {
	case UM_ACT_REJECT:
		printf("reject %s %s %s\n", UM_REJECT_RCODE, UM_REJECT_XCODE, r->reason);
		break;
	case UM_ACT_TEMPFAIL:
		printf("tempfail %s %s\n", UM_TEMPFAIL_RCODE, UM_TEMPFAIL_XCODE);
		break;
	case UM_ACT_QUARANTINE:
		printf("quarantine %s\n", r->reason);
		break;
	default:
		printf("accept\n");
		break;
	}
}

int um_msgtest_run(const um_conf *c, const char *file)
{
	char *buf = NULL;
	gsize len = 0, hdr = 0;
	GError *err = NULL;
	um_result *r = NULL;
	char *job_id = NULL;
	gboolean oversized = FALSE;
	um_eoh_step step = UM_EOH_BODY;
	const char *qid = "TEST";

	if (!g_file_get_contents(file, &buf, &len, &err)) {
		um_msg_error("%s", err->message);
		g_error_free(err);
		return 1;
	}
	hdr = header_block(buf, len);
	oversized = c->cfg->max_message_size && len > c->cfg->max_message_size;
	if (!oversized)
		step = um_policy_eoh(c, buf, hdr);
	if (step == UM_EOH_ACCEPT) {
		um_policy_log_eoh_accept(c, qid);
		printf("accept (end of header: cannot be a notice, body not read)\n");
		goto out;
	}
	r = um_policy_eom(c, buf, oversized || step == UM_EOH_STRIP ? hdr : len, step, oversized);
	um_policy_handoff(c, r, qid, TRUE, &job_id);
	um_policy_log(r, qid, job_id);
	print_result(r, job_id);
out:
	fflush(stdout);
	g_free(job_id);
	um_result_free(r);
	g_free(buf);
	return 0;
}
