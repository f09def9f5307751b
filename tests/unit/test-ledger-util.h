/* test-ledger-util.h - what the tests of parser/ledger*.c share
 * (header only): a ledger in a temporary directory, notices as the
 * pipeline would give them, the report as of a time, a job or a
 * certificate of it by the id that made it. */
#ifndef UPKI_TEST_LEDGER_UTIL_H
#define UPKI_TEST_LEDGER_UTIL_H

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "upki/error.h"
#include "upki/ledger.h"
#include "upki/spool.h"

#define TOKEN "GNG9UUgsbRSlGnH9BV2guccNZ%2FU9AD23bpryad62CxQzXf7jjWwx2j485IZ7EmID"
#define URL "https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1="
#define DAY 86400
#define T0 1793581200 /* 2026-11-02T01:00:00Z */
#define DN "CN=yamada-taro,O=Example University,C=JP"
#define WHO "yamada.taro@example.ac.jp"

static inline char *temp_path(void)
{
	char *dir = g_dir_make_tmp("test-ledger-XXXXXX", NULL);
	char *path = g_build_filename(dir, "ledger.sqlite", NULL);

	g_free(dir);
	return path;
}

static inline void remove_ledger(char *path)
{
	char *dir = g_path_get_dirname(path);
	const char *suffix[] = { "", "-wal", "-shm" };

	for (gsize i = 0; i < G_N_ELEMENTS(suffix); i++) {
		char *p = g_strconcat(path, suffix[i], NULL);
		g_unlink(p);
		g_free(p);
	}
	g_rmdir(dir);
	g_free(dir);
	g_free(path);
}

/* A notice as the pipeline would give it; id makes the Message-ID and
 * the content hash, signed the signing time. */
static inline upki_notice *notice(upki_kind kind, const char *id, gint64 signed_at)
{
	upki_notice *n = g_new0(upki_notice, 1);
	GDateTime *t = g_date_time_new_from_unix_utc(signed_at), *end = g_date_time_add_months(t, 1);

	n->kind = kind;
	n->verdict = UPKI_VERDICT_GENUINE;
	n->message_id = g_strdup_printf("%s@notice.test", id);
	n->content_hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, id, -1);
	n->from = g_strdup("ca-support@ml.secom-sts.co.jp");
	n->to = g_strdup(WHO);
	n->sig = g_new0(upki_smime_result, 1);
	n->sig->status = UPKI_SIG_PASS;
	n->sig->signing_time = signed_at;
	if (kind == UPKI_KIND_CERT_ISSUE || kind == UPKI_KIND_PIN_ISSUE) {
		n->url = g_strdup_printf("%s%s%s", URL, TOKEN, id);
		n->deadline = g_date_time_format(end, "%Y-%m-%d");
	} else {
		n->dn = g_strdup(DN);
		n->serial = g_strdup_printf("serial-%s", id);
	}
	g_date_time_unref(t);
	g_date_time_unref(end);
	return n;
}

static inline void record(upki_ledger *l, upki_notice *n, const char *source, guint64 offset, gboolean want_added)
{
	GError *err = NULL;
	gboolean added = !want_added;

	g_assert_true(upki_ledger_record(l, n, source, offset, &added, &err));
	g_assert_no_error(err);
	g_assert_cmpint(added, ==, want_added);
	upki_notice_free(n);
}

static inline upki_ledger_report *report(upki_ledger *l, gint64 as_of)
{
	upki_ledger_policy p = { .as_of = as_of };
	GError *err = NULL;
	upki_ledger_report *r = upki_ledger_report_build(l, &p, &err);

	g_assert_no_error(err);
	g_assert_nonnull(r);
	return r;
}

static inline const upki_ledger_job *job_of(const upki_ledger_report *r, const char *id)
{
	char *url = g_strdup_printf("%s%s%s", URL, TOKEN, id);
	char *job = upki_spool_job_id(url);
	const upki_ledger_job *found = NULL;

	for (guint i = 0; i < r->jobs->len && !found; i++)
		if (strcmp(((upki_ledger_job *)g_ptr_array_index(r->jobs, i))->job_id, job) == 0)
			found = g_ptr_array_index(r->jobs, i);
	g_assert_nonnull(found);
	g_free(url);
	g_free(job);
	return found;
}

static inline const upki_ledger_cert *cert_of(const upki_ledger_report *r, const char *id)
{
	char *serial = g_strdup_printf("serial-%s", id);
	const upki_ledger_cert *found = NULL;

	for (guint i = 0; i < r->certs->len && !found; i++)
		if (strcmp(((upki_ledger_cert *)g_ptr_array_index(r->certs, i))->serial, serial) == 0)
			found = g_ptr_array_index(r->certs, i);
	g_assert_nonnull(found);
	g_free(serial);
	return found;
}

#endif
