/* test-spool.c - parser/spool.c: job files, modes, the job schema, one
 * job per URL however many writers, and failures (unwritable, read-only,
 * full) that leave nothing behind and never name the token. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "upki/error.h"
#include "upki/spool.h"

#define TOKEN "GNG9UUgsbRSlGnH9BV2guccNZ%2FU9AD23bpryad62CxQzXf7jjWwx2j485IZ7EmID"
#define URL "https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1="
#define WRITERS 8

static upki_notice *make_notice(const char *url)
{
	upki_notice *n = g_new0(upki_notice, 1);

	n->kind = UPKI_KIND_CERT_ISSUE;
	n->verdict = UPKI_VERDICT_GENUINE;
	n->url = g_strdup(url);
	n->subject = g_strdup("[UPKI] クライアント証明書発行受付通知");
	n->from = g_strdup("ca-support@ml.secom-sts.co.jp");
	n->to = g_strdup("office@example.ac.jp");
	n->message_id = g_strdup("20261102010000.1@ml.secom-sts.co.jp");
	n->deadline = g_strdup("2026-12-02");
	n->sig = g_new0(upki_smime_result, 1);
	n->sig->status = UPKI_SIG_PASS;
	n->sig->signer_subject = g_strdup("CN=CA Support Center,O=SECOM Trust Systems,C=JP");
	n->sig->signer_emails = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(n->sig->signer_emails, g_strdup("ca-support@ml.secom-sts.co.jp"));
	n->sig->signing_time = 1793581200;
	return n;
}

static guint count_files(const char *spool, const char *sub)
{
	char *path = g_build_filename(spool, sub, NULL);
	GDir *d = g_dir_open(path, 0, NULL);
	guint n = 0;

	while (d && g_dir_read_name(d))
		n++;
	if (d)
		g_dir_close(d);
	g_free(path);
	return n;
}

static guint mode_of(const char *path)
{
	struct stat st;

	g_assert_cmpint(stat(path, &st), ==, 0);
	return st.st_mode & 07777;
}

static char *temp_dir(void)
{
	GError *err = NULL;
	char *d = g_dir_make_tmp("upki-spool-XXXXXX", &err);

	g_assert_no_error(err);
	return d;
}

static void remove_tree(const char *path)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", path);

	g_assert_cmpint(system(cmd), ==, 0);
	g_free(cmd);
}

static void test_job_id(void)
{
	char *a = upki_spool_job_id(URL TOKEN), *b = upki_spool_job_id(URL TOKEN), *c = upki_spool_job_id(URL "x");

	g_assert_cmpuint(strlen(a), ==, 32);
	g_assert_cmpuint(strspn(a, "0123456789abcdef"), ==, 32);
	g_assert_cmpstr(a, ==, b);
	g_assert_cmpstr(a, !=, c);
	/* the first half of the URL's SHA-256 in hex (docs/spool.md): what
	 * upki-fetch, the ledger and the tests' scripts compute */
	char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, URL TOKEN, -1);
	sum[32] = '\0';
	g_assert_cmpstr(a, ==, sum);
	g_free(sum);
	g_free(a);
	g_free(b);
	g_free(c);
}

static void check_schema(const char *path, const char *id)
{
	JsonParser *p = json_parser_new();
	GError *err = NULL;
	static const char *const keys[] = { "version", "id", "kind", "url", "deadline", "message_id", "from",
					    "subject", "signer", "signer_email", "signing_time", "queued_at",
					    "source", "recipient" };

	g_assert_true(json_parser_load_from_file(p, path, &err));
	g_assert_no_error(err);
	JsonObject *o = json_node_get_object(json_parser_get_root(p));
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		g_assert_true(json_object_has_member(o, keys[i]));
	g_assert_cmpint(json_object_get_int_member(o, "version"), ==, 2);
	g_assert_cmpstr(json_object_get_string_member(o, "id"), ==, id);
	g_assert_cmpstr(json_object_get_string_member(o, "kind"), ==, "cert-issue");
	g_assert_cmpstr(json_object_get_string_member(o, "url"), ==, URL TOKEN);
	g_assert_cmpstr(json_object_get_string_member(o, "signing_time"), ==, "2026-11-02T01:00:00Z");
	g_assert_cmpstr(json_object_get_string_member(o, "source"), ==, "test:1");
	g_assert_cmpstr(json_object_get_string_member(o, "recipient"), ==, "office@example.ac.jp");
	g_object_unref(p);
}

/* Version 2: the writer's recipient wins over To; neither gives null. */
static void test_recipient(void)
{
	upki_notice *n = make_notice(URL TOKEN);
	char *given = upki_spool_job_json_for(n, "test:1", "rcpt@example.ac.jp");
	char *to = upki_spool_job_json(n, "test:1"), *none = NULL;

	g_assert_nonnull(strstr(given, "\"recipient\":\"rcpt@example.ac.jp\""));
	g_assert_nonnull(strstr(to, "\"recipient\":\"office@example.ac.jp\""));
	g_clear_pointer(&n->to, g_free);
	none = upki_spool_job_json(n, "test:1");
	g_assert_nonnull(strstr(none, "\"recipient\":null"));
	g_free(none);
	g_free(to);
	g_free(given);
	upki_notice_free(n);
}

static void test_write(void)
{
	char *top = temp_dir(), *spool = g_build_filename(top, "spool", NULL);
	upki_notice *n = make_notice(URL TOKEN);
	GError *err = NULL;
	char *id = NULL, *job = NULL, *name = NULL;
	gboolean existed = TRUE;
	mode_t old = umask(0);

	g_assert_true(upki_spool_write(spool, n, "test:1", &id, &existed, &err));
	umask(old);
	g_assert_no_error(err);
	g_assert_false(existed);
	name = g_strconcat(id, ".json", NULL);
	job = g_build_filename(spool, "new", name, NULL);
	g_assert_cmpuint(mode_of(job), ==, 0600);
	g_assert_cmpuint(mode_of(spool), ==, 0700);
	for (const char *const *sub = (const char *const[]){ "tmp", "new", "cur", "failed", NULL }; *sub; sub++) {
		char *d = g_build_filename(spool, *sub, NULL);
		g_assert_cmpuint(mode_of(d), ==, 0700);
		g_free(d);
	}
	g_assert_cmpuint(count_files(spool, "tmp"), ==, 0);
	check_schema(job, id);
	remove_tree(top);
	g_free(job);
	g_free(name);
	g_free(id);
	upki_notice_free(n);
	g_free(spool);
	g_free(top);
}

/* Same URL again, also after upki-fetch moved the job on: one job. */
static void test_twice(void)
{
	char *spool = temp_dir();
	upki_notice *n = make_notice(URL TOKEN);
	gboolean existed = FALSE;
	char *id = NULL;

	g_assert_true(upki_spool_write(spool, n, "test:1", &id, &existed, NULL));
	g_assert_false(existed);
	g_free(id);
	g_assert_true(upki_spool_write(spool, n, "test:2", &id, &existed, NULL));
	g_assert_true(existed);
	g_assert_cmpuint(count_files(spool, "new"), ==, 1);
	/* done/ is upki-fetch's: a job it finished is not queued again either */
	char *done = g_build_filename(spool, "done", NULL);
	g_assert_cmpint(g_mkdir(done, 0700), ==, 0);
	g_free(done);
	for (const char *const *sub = (const char *const[]){ "cur", "done", "failed", NULL }; *sub; sub++) {
		char *name = g_strconcat(id, ".json", NULL);
		char *from = g_build_filename(spool, "new", name, NULL);
		char *to = g_build_filename(spool, *sub, name, NULL);
		g_assert_true(upki_spool_write(spool, n, "test:3", NULL, NULL, NULL));
		g_assert_cmpint(rename(from, to), ==, 0);
		existed = FALSE;
		g_assert_true(upki_spool_write(spool, n, "test:3", NULL, &existed, NULL));
		g_assert_true(existed);
		g_assert_cmpuint(count_files(spool, "new"), ==, 0);
		g_assert_cmpint(unlink(to), ==, 0);
		g_free(to);
		g_free(from);
		g_free(name);
	}
	g_assert_cmpuint(count_files(spool, "tmp"), ==, 0);
	remove_tree(spool);
	g_free(id);
	upki_notice_free(n);
	g_free(spool);
}

static void test_not_eligible(void)
{
	char *spool = temp_dir();
	upki_notice *n = make_notice(URL TOKEN);
	GError *err = NULL;

	n->verdict = UPKI_VERDICT_SUSPICIOUS;
	g_assert_false(upki_spool_write(spool, n, "test:1", NULL, NULL, &err));
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_INTERNAL);
	g_clear_error(&err);
	n->verdict = UPKI_VERDICT_GENUINE;
	n->kind = UPKI_KIND_CERT_REVOKED;
	g_assert_false(upki_spool_eligible(n));
	g_assert_cmpuint(count_files(spool, "new"), ==, 0);
	remove_tree(spool);
	upki_notice_free(n);
	g_free(spool);
}

/* A child's exit status: 1 failed, else 2 when the shared job existed. */
static int child_writes(const char *spool, int i)
{
	char *own = g_strdup_printf(URL "child%d", i);
	upki_notice *shared = make_notice(URL TOKEN), *mine = make_notice(own);
	gboolean existed = FALSE, other = FALSE;
	int rc = 0;

	if (!upki_spool_write(spool, shared, "test:child", NULL, &existed, NULL) ||
	    !upki_spool_write(spool, mine, "test:child", NULL, &other, NULL) || other)
		rc = 1;
	else if (existed)
		rc = 2;
	upki_notice_free(shared);
	upki_notice_free(mine);
	g_free(own);
	return rc;
}

static void test_concurrent(void)
{
	char *spool = temp_dir();
	pid_t pids[WRITERS];
	guint writers_first = 0;

	for (int i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		g_assert_cmpint(pids[i], >=, 0);
		if (pids[i] == 0)
			_exit(child_writes(spool, i));
	}
	for (int i = 0; i < WRITERS; i++) {
		int status = 0;
		g_assert_cmpint(waitpid(pids[i], &status, 0), ==, pids[i]);
		g_assert_true(WIFEXITED(status));
		g_assert_cmpint(WEXITSTATUS(status), !=, 1);
		writers_first += WEXITSTATUS(status) == 0;
	}
	g_assert_cmpuint(writers_first, ==, 1);
	g_assert_cmpuint(count_files(spool, "new"), ==, WRITERS + 1);
	g_assert_cmpuint(count_files(spool, "tmp"), ==, 0);
	remove_tree(spool);
	g_free(spool);
}

static void assert_clean_error(GError *err, const char *spool)
{
	g_assert_nonnull(err);
	g_assert_true(err->domain == G_FILE_ERROR);
	g_assert_nonnull(strstr(err->message, spool));
	g_assert_null(strstr(err->message, "p1="));
	g_assert_null(strstr(err->message, TOKEN));
}

static void test_parent_is_file(void)
{
	char *top = temp_dir(), *file = g_build_filename(top, "file", NULL);
	char *spool = g_build_filename(file, "spool", NULL);
	upki_notice *n = make_notice(URL TOKEN);
	GError *err = NULL;

	g_assert_true(g_file_set_contents(file, "x", 1, NULL));
	g_assert_false(upki_spool_write(spool, n, "test:1", NULL, NULL, &err));
	assert_clean_error(err, spool);
	g_clear_error(&err);
	remove_tree(top);
	upki_notice_free(n);
	g_free(spool);
	g_free(file);
	g_free(top);
}

/* Mounts a small tmpfs at dir (root only); FALSE (test skipped) if not. */
static gboolean mount_tmpfs(const char *dir, const char *opts)
{
	if (geteuid() != 0 || mount("tmpfs", dir, "tmpfs", 0, opts) != 0) {
		char *why = g_strdup_printf("cannot mount a tmpfs here (%s)",
					    geteuid() ? "not root" : g_strerror(errno));
		g_test_skip(why);
		g_free(why);
		return FALSE;
	}
	return TRUE;
}

static void test_read_only(void)
{
	char *top = temp_dir(), *spool = g_build_filename(top, "spool", NULL);
	upki_notice *n = make_notice(URL TOKEN);
	GError *err = NULL;

	if (geteuid() != 0) {
		/* not root: permissions are enough to refuse the write */
		g_assert_true(upki_spool_prepare(spool, NULL));
		char *tmp = g_build_filename(spool, "tmp", NULL);
		g_assert_cmpint(chmod(tmp, 0500), ==, 0);
		g_assert_false(upki_spool_write(spool, n, "test:1", NULL, NULL, &err));
		assert_clean_error(err, spool);
		g_free(tmp);
	} else if (mount_tmpfs(top, "size=64k")) {
		g_assert_true(upki_spool_prepare(spool, NULL));
		g_assert_cmpint(mount(NULL, top, NULL, MS_REMOUNT | MS_RDONLY, NULL), ==, 0);
		g_assert_false(upki_spool_write(spool, n, "test:1", NULL, NULL, &err));
		assert_clean_error(err, spool);
		g_assert_true(g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_ROFS));
		g_assert_cmpint(umount(top), ==, 0);
	}
	g_clear_error(&err);
	remove_tree(top);
	upki_notice_free(n);
	g_free(spool);
	g_free(top);
}

static void fill(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char block[4096] = { 0 };

	g_assert_cmpint(fd, >=, 0);
	while (write(fd, block, sizeof block) > 0)
		;
	close(fd);
}

static void test_full(void)
{
	char *top = temp_dir(), *spool = g_build_filename(top, "spool", NULL);
	char *filler = g_build_filename(top, "filler", NULL);
	upki_notice *n = make_notice(URL TOKEN);
	GError *err = NULL;

	if (mount_tmpfs(top, "size=16k")) {
		g_assert_true(upki_spool_prepare(spool, NULL));
		fill(filler);
		g_assert_false(upki_spool_write(spool, n, "test:1", NULL, NULL, &err));
		assert_clean_error(err, spool);
		g_assert_true(g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOSPC));
		g_assert_cmpuint(count_files(spool, "tmp"), ==, 0);
		g_assert_cmpuint(count_files(spool, "new"), ==, 0);
		g_assert_cmpint(umount(top), ==, 0);
	}
	g_clear_error(&err);
	remove_tree(top);
	upki_notice_free(n);
	g_free(filler);
	g_free(spool);
	g_free(top);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/spool/job-id", test_job_id);
	g_test_add_func("/spool/write", test_write);
	g_test_add_func("/spool/recipient", test_recipient);
	g_test_add_func("/spool/twice", test_twice);
	g_test_add_func("/spool/not-eligible", test_not_eligible);
	g_test_add_func("/spool/concurrent", test_concurrent);
	g_test_add_func("/spool/parent-is-file", test_parent_is_file);
	g_test_add_func("/spool/read-only", test_read_only);
	g_test_add_func("/spool/full", test_full);
	return g_test_run();
}
