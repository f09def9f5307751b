/* callbacks.c - the libmilter callbacks and the contexts they share.
 *
 * A connection context (made in xxfi_negotiate, the first callback of
 * every connection) points to the context of the message in progress,
 * which is made at its first header and freed at its end, on abort and
 * on close - whichever comes first; the MTA may drop a connection at
 * any point.  Only envrcpt, header, eoh, body, eom, abort and close are
 * used (and connect when PeerList is set, for the peer's address), and
 * the MTA is told so: it never sends HELO, MAIL or DATA steps, and the
 * body of a message that cannot be a notice is never sent at all
 * (SMFIS_ACCEPT at the end of the header).  A PeerList peer is judged
 * per message, under the message's configuration: a reload that changes
 * PeerList applies to the next message of an open connection too.  RCPT is there for
 * the spool: a job names the envelope recipient (the first one), the
 * mailbox the notice was delivered to, which the To field need not be.
 * The message is rebuilt with CRLF line ends from the header callbacks
 * plus the body chunks, which is what an S/MIME signature is checked
 * against.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include <libmilter/mfapi.h>

#include "upki/rawheader.h"
#include "upki-milter.h"

typedef struct msgctx {
	um_conf *conf;     /* the configuration this message started under */
	GString *raw;      /* header block (after EOH: ending in the empty line), body */
	gsize header_len;  /* bytes of the header block once EOH came */
	um_eoh_step step;
	gboolean oversized;
} msgctx;

typedef struct connctx {
	gboolean can_skip;    /* the MTA understands SMFIS_SKIP */
	gboolean no_hdr_reply; /* headers need no reply (SMFIP_NR_HDR) */
	gboolean no_body_reply; /* body chunks need no reply (SMFIP_NR_BODY) */
	gboolean no_rcpt_reply; /* RCPT needs no reply (SMFIP_NR_RCPT) */
	gboolean no_conn_reply; /* connect needs no reply (SMFIP_NR_CONN) */
	gboolean can_chgbody; /* the MTA allows smfi_replacebody (Annotate wrap) */
	gboolean refused;     /* this message began while stopping */
	char *rcpt;           /* the message's first envelope recipient, or NULL */
	gboolean has_peer;    /* the MTA sent an IPv4 or IPv6 peer address at connect */
	struct sockaddr_storage peer;
	char peer_text[INET6_ADDRSTRLEN];
	msgctx *msg;
} connctx;

static gint in_flight;
static gint draining;

gint um_callbacks_in_flight(void)
{
	return g_atomic_int_get(&in_flight);
}

void um_callbacks_drain(void)
{
	g_atomic_int_set(&draining, 1);
}

static const char *queue_id(SMFICTX *ctx)
{
	const char *qid = smfi_getsymval(ctx, "i");

	return qid && *qid ? qid : "NOQUEUE";
}

static void msg_free(connctx *cc)
{
	msgctx *m = cc ? cc->msg : NULL;

	if (cc)
		g_clear_pointer(&cc->rcpt, g_free);
	if (!m)
		return;
	cc->msg = NULL;
	if (m->raw)
		g_string_free(m->raw, TRUE);
	um_conf_unref(m->conf);
	g_free(m);
	g_atomic_int_add(&in_flight, -1);
}

/* The message context, made on first use (there is no envelope callback
 * to make it in).  NULL only when no configuration is installed. */
static msgctx *msg_get(connctx *cc)
{
	um_conf *conf = NULL;

	if (cc->msg)
		return cc->msg;
	conf = um_conf_acquire();
	if (!conf)
		return NULL;
	cc->msg = g_new0(msgctx, 1);
	cc->msg->conf = conf;
	cc->msg->raw = g_string_sized_new(4096);
	cc->msg->step = UM_EOH_BODY;
	g_atomic_int_inc(&in_flight);
	return cc->msg;
}

static gboolean over_limit(const msgctx *m, gsize more)
{
	guint64 max = m->conf->cfg->max_message_size;

	return max && (guint64)m->raw->len + more > max;
}

/* Drops what was buffered of the body; the header block stays for the
 * removal of forged headers. */
static void mark_oversized(msgctx *m)
{
	GString *hdr = NULL;

	if (m->oversized)
		return;
	m->oversized = TRUE;
	if (!m->header_len)
		return;
	hdr = g_string_new_len(m->raw->str, (gssize)m->header_len);
	g_string_free(m->raw, TRUE);
	m->raw = hdr;
}

static sfsistat mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
			       unsigned long f2, unsigned long f3, unsigned long *pf0,
			       unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE |
				      SMFIF_SETSYMLIST | SMFIF_CHGBODY;
	const unsigned long unused = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL |
				     SMFIP_NODATA | SMFIP_NOUNKNOWN;
	connctx *cc = g_new0(connctx, 1);
	um_conf *conf = NULL;

	(void)f2;
	(void)f3;
	msg_free(smfi_getpriv(ctx));
	g_free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, cc);
	*pf0 = f0 & actions;
	cc->can_chgbody = (f0 & SMFIF_CHGBODY) != 0;
	*pf1 = f1 & unused;
	cc->can_skip = (f1 & SMFIP_SKIP) != 0;
	cc->no_hdr_reply = (f1 & SMFIP_NR_HDR) != 0;
	/* connect and RCPT always continue: without a reply the MTA need
	 * not wait a round trip for every recipient (the null milter's
	 * NORCPT costs the same; upki-milter still reads the address) */
	cc->no_rcpt_reply = (f1 & SMFIP_NR_RCPT) != 0;
	cc->no_conn_reply = (f1 & SMFIP_NR_CONN) != 0;
	*pf1 |= f1 & (SMFIP_SKIP | SMFIP_NR_HDR | SMFIP_NR_RCPT | SMFIP_NR_CONN);
	/* EarlyAccept body reads every body: no reply per chunk.  Header
	 * mode keeps SMFIS_SKIP for bodies it need not see. */
	conf = um_conf_acquire();
	if (conf && !conf->accept_at_eoh && (f1 & SMFIP_NR_BODY)) {
		cc->no_body_reply = TRUE;
		*pf1 |= SMFIP_NR_BODY;
	}
	/* the connect step only when there is a PeerList to judge it by */
	if (conf && conf->peers)
		*pf1 &= ~(unsigned long)SMFIP_NOCONNECT;
	um_conf_unref(conf);
	*pf2 = 0;
	*pf3 = 0;
	if (*pf0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_EOH, "i");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return SMFIS_CONTINUE;
}

/* Keeps the peer's address; the message's configuration judges it at
 * the end of the header.  A unix-domain or unknown peer has none. */
static sfsistat mlfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	connctx *cc = smfi_getpriv(ctx);
	gsize size = 0;
	const void *addr = NULL;
	sfsistat next = cc && cc->no_conn_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;

	(void)hostname;
	if (!cc || !sa)
		return next;
	if (sa->sa_family == AF_INET) {
		size = sizeof(struct sockaddr_in);
		addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		size = sizeof(struct sockaddr_in6);
		addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	} else {
		return next;
	}
	memcpy(&cc->peer, sa, size);
	cc->has_peer = inet_ntop(sa->sa_family, addr, cc->peer_text, sizeof cc->peer_text) != NULL;
	return next;
}

static gboolean exempt(const connctx *cc, const msgctx *m)
{
	return cc->has_peer && m->conf->peers &&
	       upki_peerlist_match(m->conf->peers, (const struct sockaddr *)&cc->peer);
}

/* "Name: value" CRLF; the MTA folds values with a bare LF. */
static void append_header(GString *raw, const char *name, const char *value)
{
	g_string_append(raw, name);
	g_string_append(raw, ": ");
	for (const char *v = value; *v; v++) {
		if (*v == '\n' && (v == value || v[-1] != '\r'))
			g_string_append_c(raw, '\r');
		g_string_append_c(raw, *v);
	}
	g_string_append(raw, "\r\n");
}

/* A message that begins while the daemon stops is deferred, not let
 * through unexamined: the client retries once the filter is back.  The
 * refusal waits for the end of the header, which always has a reply
 * (header callbacks may have none: SMFIP_NR_HDR). */
static gboolean refusing(connctx *cc)
{
	if (cc && !cc->msg && g_atomic_int_get(&draining))
		cc->refused = TRUE;
	return cc && cc->refused;
}

static sfsistat refuse(SMFICTX *ctx, connctx *cc)
{
	cc->refused = FALSE;
	smfi_setreply(ctx, UM_TEMPFAIL_RCODE, "4.3.2", "upki-milter: restarting, please try again later");
	return SMFIS_TEMPFAIL;
}

/* The longest address kept (RFC 5321's path limit); a longer one is no
 * mailbox to name, and the job falls back to the To field. */
#define MAX_RCPT 256

/* Keeps the first recipient of the message, without its angle brackets.
 * Never refuses one: the policy acts at the end of the message. */
static sfsistat mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	connctx *cc = smfi_getpriv(ctx);
	const char *a = argv ? argv[0] : NULL;
	gsize len = a ? strlen(a) : 0;

	if (cc && !cc->rcpt && len > 0 && len <= MAX_RCPT) {
		if (a[0] == '<' && a[len - 1] == '>' && len > 2)
			cc->rcpt = g_strndup(a + 1, len - 2);
		else if (a[0] != '<')
			cc->rcpt = g_strdup(a);
	}
	return cc && cc->no_rcpt_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	connctx *cc = smfi_getpriv(ctx);
	msgctx *m = NULL;
	sfsistat next = cc && cc->no_hdr_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;

	if (refusing(cc))
		return next;
	m = cc ? msg_get(cc) : NULL;
	if (!m || m->oversized)
		return next;
	if (over_limit(m, strlen(name) + strlen(value) + 4)) {
		mark_oversized(m);
		return next;
	}
	append_header(m->raw, name, value);
	return next;
}

static sfsistat mlfi_eoh(SMFICTX *ctx)
{
	connctx *cc = smfi_getpriv(ctx);
	msgctx *m = NULL;

	if (refusing(cc)) {
		um_stats_refused();
		return refuse(ctx, cc);
	}
	m = cc ? msg_get(cc) : NULL;
	if (!m)
		return SMFIS_ACCEPT;
	g_string_append(m->raw, "\r\n");
	m->header_len = m->raw->len;
	if (m->oversized)
		return SMFIS_CONTINUE;
	if (exempt(cc, m)) {
		m->step = um_policy_eoh_peer(m->conf, m->raw->str, m->raw->len);
		if (m->step != UM_EOH_ACCEPT)
			return SMFIS_CONTINUE;
		um_policy_log_peer_accept(m->conf, queue_id(ctx), cc->peer_text);
		um_stats_exempt_accept();
		msg_free(cc);
		return SMFIS_ACCEPT;
	}
	m->step = um_policy_eoh(m->conf, m->raw->str, m->raw->len);
	if (m->step != UM_EOH_ACCEPT)
		return SMFIS_CONTINUE;
	um_policy_log_eoh_accept(m->conf, queue_id(ctx));
	um_stats_eoh_accept();
	msg_free(cc);
	return SMFIS_ACCEPT;
}

static sfsistat mlfi_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	connctx *cc = smfi_getpriv(ctx);
	msgctx *m = cc ? cc->msg : NULL;
	sfsistat skip = cc && cc->no_body_reply ? SMFIS_NOREPLY
		       : cc && cc->can_skip ? SMFIS_SKIP : SMFIS_CONTINUE;

	if (!m || (m->step != UM_EOH_BODY && m->step != UM_EOH_SCAN) || m->oversized)
		return skip;
	if (over_limit(m, len)) {
		mark_oversized(m);
		return skip;
	}
	g_string_append_len(m->raw, (const char *)chunk, (gssize)len);
	return cc->no_body_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* The value as the MTA should write it: folded within 78 columns with a
 * bare LF, as MTAs hand values to milters (a tagged Japanese Subject or
 * an Authentication-Results field easily runs longer); CR and LF from
 * the value itself become spaces. */
static char *folded_value(const upki_header_edit *e)
{
	char *line = upki_raw_fold(e->name, e->value ? e->value : "", "\n", FALSE);
	const char *v = line + strlen(e->name) + 1; /* after "Name:" */
	char *value = g_strdup(*v == ' ' ? v + 1 : v);

	g_free(line);
	return value;
}

static gboolean apply_edits(SMFICTX *ctx, const GPtrArray *edits)
{
	for (guint i = 0; i < edits->len; i++) {
		const upki_header_edit *e = g_ptr_array_index(edits, i);
		char *value = e->op == UPKI_EDIT_DELETE || e->op == UPKI_EDIT_DELETE_LINE ? NULL : folded_value(e);
		int rc = MI_FAILURE;

		switch (e->op) {
		case UPKI_EDIT_DELETE:
			rc = smfi_chgheader(ctx, e->name, (int)e->index, NULL);
			break;
		case UPKI_EDIT_CHANGE:
			rc = smfi_chgheader(ctx, e->name, (int)e->index, value);
			break;
		case UPKI_EDIT_INSERT:
			rc = smfi_insheader(ctx, 0, e->name, value);
			break;
		case UPKI_EDIT_DELETE_LINE:
			/* never made here: the MTA hands over fields only */
			rc = MI_SUCCESS;
			break;
		}
		g_free(value);
		if (rc != MI_SUCCESS)
			return FALSE;
	}
	return TRUE;
}

/* An MTA call failed half-way: the internal-error policy decides. */
static sfsistat mta_failure(SMFICTX *ctx, const msgctx *m, um_result *r, const char *qid,
			    const char *what)
{
	r->failed = TRUE;
	r->failure = UM_FAIL_INTERNAL;
	g_free(r->error);
	r->error = g_strdup_printf("%s failed (MTA did not allow it?)", what);
	r->action = um_policy_on_failure(m->conf, UM_FAIL_INTERNAL);
	um_policy_log(r, qid, NULL);
	if (r->action != UM_ACT_TEMPFAIL)
		return SMFIS_CONTINUE;
	smfi_setreply(ctx, UM_TEMPFAIL_RCODE, UM_TEMPFAIL_XCODE,
		      "upki-milter: temporary failure, please try again later");
	return SMFIS_TEMPFAIL;
}

/* A wrap half sent cannot be taken back: defer the message, whatever
 * OnInternalError says (milter/wrap.c). */
static sfsistat wrap_failure(SMFICTX *ctx, um_result *r, const char *qid, const char *what)
{
	r->failed = TRUE;
	r->failure = UM_FAIL_INTERNAL;
	g_free(r->error);
	r->error = g_strdup_printf("%s failed while wrapping (deferred, never half-wrapped)", what);
	r->action = UM_ACT_TEMPFAIL;
	um_policy_log(r, qid, NULL);
	smfi_setreply(ctx, UM_TEMPFAIL_RCODE, UM_TEMPFAIL_XCODE,
		      "upki-milter: temporary failure, please try again later");
	return SMFIS_TEMPFAIL;
}

/* Header edits, the quarantine, then the whole new body. */
static sfsistat act_wrapped(SMFICTX *ctx, um_result *r, const char *qid, const char *job_id)
{
	if (!apply_edits(ctx, r->edits))
		return wrap_failure(ctx, r, qid, "header change");
	if (r->action == UM_ACT_QUARANTINE && smfi_quarantine(ctx, r->reason) != MI_SUCCESS)
		return wrap_failure(ctx, r, qid, "quarantine");
	if (!um_wrap_replace_body(ctx, r->body))
		return wrap_failure(ctx, r, qid, "body replacement");
	um_policy_log(r, qid, job_id);
	return SMFIS_CONTINUE;
}

static sfsistat defer(SMFICTX *ctx, um_result *r, const char *qid)
{
	smfi_setreply(ctx, UM_TEMPFAIL_RCODE, UM_TEMPFAIL_XCODE,
		      "upki-milter: temporary failure, please try again later");
	um_policy_log(r, qid, NULL);
	return SMFIS_TEMPFAIL;
}

/* The job is written before the MTA is asked for anything, so that a
 * failed one can still defer the message (OnSpoolError). */
static sfsistat act_accepted(SMFICTX *ctx, const msgctx *m, um_result *r, const char *qid,
			     gboolean can_chgbody, const char *job_id)
{
	if (r->body && !can_chgbody)
		um_wrap_fall_back(r, "the MTA does not allow body changes");
	if (r->body)
		return act_wrapped(ctx, r, qid, job_id);
	if (!apply_edits(ctx, r->edits))
		return mta_failure(ctx, m, r, qid, "header change");
	if (r->action == UM_ACT_QUARANTINE && smfi_quarantine(ctx, r->reason) != MI_SUCCESS)
		return mta_failure(ctx, m, r, qid, "quarantine");
	um_policy_log(r, qid, job_id);
	return SMFIS_CONTINUE;
}

static sfsistat act(SMFICTX *ctx, const msgctx *m, um_result *r, const char *qid, gboolean can_chgbody)
{
	char *job_id = NULL;
	sfsistat rc = SMFIS_CONTINUE;

	switch (r->action) {
	case UM_ACT_TEMPFAIL:
		return defer(ctx, r, qid);
	case UM_ACT_REJECT:
		smfi_setreply(ctx, UM_REJECT_RCODE, UM_REJECT_XCODE, r->reason);
		um_policy_log(r, qid, NULL);
		return SMFIS_REJECT;
	default:
		break;
	}
	if (!um_policy_handoff(m->conf, r, qid, FALSE, &job_id))
		return defer(ctx, r, qid);
	rc = act_accepted(ctx, m, r, qid, can_chgbody, job_id);
	g_free(job_id);
	return rc;
}

static sfsistat mlfi_eom(SMFICTX *ctx)
{
	connctx *cc = smfi_getpriv(ctx);
	msgctx *m = cc ? cc->msg : NULL;
	const char *qid = queue_id(ctx);
	um_result *r = NULL;
	sfsistat rc = SMFIS_CONTINUE;

	if (!m)
		return SMFIS_CONTINUE;
	r = um_policy_eom(m->conf, m->raw->str, m->raw->len, m->step, m->oversized);
	r->recipient = cc->rcpt;
	r->peer = cc->peer_text;
	rc = act(ctx, m, r, qid, cc->can_chgbody);
	um_stats_result(r);
	um_ledger_record(m->conf, r, qid);
	um_result_free(r);
	msg_free(cc);
	return rc;
}

static sfsistat mlfi_abort(SMFICTX *ctx)
{
	connctx *cc = smfi_getpriv(ctx);

	msg_free(cc);
	if (cc)
		cc->refused = FALSE;
	return SMFIS_CONTINUE;
}

static sfsistat mlfi_close(SMFICTX *ctx)
{
	connctx *cc = smfi_getpriv(ctx);

	msg_free(cc);
	g_free(cc);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	.xxfi_name = UPKI_MILTER_NAME,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST | SMFIF_CHGBODY,
	.xxfi_connect = mlfi_connect,
	.xxfi_envrcpt = mlfi_envrcpt,
	.xxfi_header = mlfi_header,
	.xxfi_eoh = mlfi_eoh,
	.xxfi_body = mlfi_body,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_negotiate = mlfi_negotiate,
};

struct smfiDesc *um_callbacks_desc(void)
{
	return &desc;
}
