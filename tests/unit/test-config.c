/* test-config.c - parser/config.c: defaults, every key type, errors with
 * line numbers, profile extension keys, a file over another (layers). */
#include <glib/gstdio.h>
#include <unistd.h>
#include <string.h>

#include "upki/config.h"
#include "upki/error.h"

static char *write_temp(const char *text)
{
	GError *err = NULL;
	char *path = NULL;
	int fd = g_file_open_tmp("upki-config-XXXXXX", &path, &err);

	g_assert_no_error(err);
	close(fd);
	g_assert_true(g_file_set_contents(path, text, -1, &err));
	return path;
}

static void test_defaults(void)
{
	upki_config *c = upki_config_new();

	g_assert_cmpstr(c->profile->sender, ==, "ca-support@ml.secom-sts.co.jp");
	g_assert_cmpstr(c->profile->host, ==, "scia.secomtrust.net");
	g_assert_cmpuint(c->stale_days, ==, 35);
	g_assert_cmpuint(c->max_message_size, ==, 4 * 1024 * 1024);
	g_assert_cmpuint(c->socket_mode, ==, 0660);
	g_assert_cmpstr(c->on_suspicious, ==, "mark");
	g_assert_cmpstr(c->on_parse_error, ==, "accept");
	g_assert_cmpstr(c->verify_time, ==, "signing");
	g_assert_cmpstr(c->subject_tag, ==, "[要注意] ");
	g_assert_null(c->spool);
	upki_config_free(c);
}

static void test_file(void)
{
	char *path = write_temp("# comment\n\n"
				"Socket   inet:8891@127.0.0.1\n"
				"stalEdays 10   # trailing comment\n"
				"MaxMessageSize 2m\n"
				"SocketMode 0600\n"
				"OnSuspicious reject\n"
				"Sender CA-Support@Example.JP\n"
				"KindSubject cert-issue 証明書のお知らせ\n"
				"KindFile pin-issue SPEntranceCliPinNew.jsp\n"
				"UrlLabel 取得先URL\n");
	GError *err = NULL;
	upki_config *c = upki_config_load(path, &err);

	g_assert_no_error(err);
	g_assert_nonnull(c);
	g_assert_cmpstr(c->socket, ==, "inet:8891@127.0.0.1");
	g_assert_cmpuint(c->stale_days, ==, 10);
	g_assert_cmpuint(c->max_message_size, ==, 2 * 1024 * 1024);
	g_assert_cmpuint(c->socket_mode, ==, 0600);
	g_assert_cmpstr(c->on_suspicious, ==, "reject");
	g_assert_cmpstr(c->profile->sender, ==, "ca-support@example.jp");
	GPtrArray *subj = c->profile->subjects[UPKI_KIND_CERT_ISSUE];
	g_assert_cmpstr(g_ptr_array_index(subj, subj->len - 1), ==, "証明書のお知らせ");
	g_assert_cmpuint(c->profile->files[UPKI_KIND_PIN_ISSUE]->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(c->profile->files[UPKI_KIND_PIN_ISSUE], 2), ==,
			"SPEntranceCliPinNew.jsp");
	g_assert_cmpstr(g_ptr_array_index(c->profile->url_labels,
					  c->profile->url_labels->len - 1), ==, "取得先URL");
	upki_config_free(c);
	g_unlink(path);
	g_free(path);
}

static const struct {
	const char *text;
	const char *message; /* expected substring of the error */
} bad_rows[] = {
	{ "Socket x\nFrobnicate 1\n", ":2: unknown key 'Frobnicate'" },
	{ "StaleDays ten\n", ":1: bad value for StaleDays: 'ten'" },
	{ "StaleDays -1\n", ":1: bad value for StaleDays" },
	{ "\n\nOnSuspicious drop\n", ":3: bad value for OnSuspicious: 'drop' (expected mark|quarantine|reject)" },
	{ "SocketMode 0999\n", ":1: bad value for SocketMode" },
	{ "MaxMessageSize 12q\n", ":1: bad value for MaxMessageSize" },
	{ "Socket\n", ":1: key 'Socket' has no value" },
	{ "KindSubject nosuchkind Foo\n", ":1: bad value for KindSubject" },
	{ "KindFile cert-issue\n", ":1: bad value for KindFile" },
	{ "Sender nobody\n", ":1: bad value for Sender" },
	{ "Socket a\0b\n", "not a UTF-8 text file" },
};

static void test_bad(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(bad_rows); i++) {
		/* The NUL row needs its real length. */
		gsize len = strlen(bad_rows[i].text);
		if (strstr(bad_rows[i].message, "UTF-8"))
			len += 3;
		GError *err = NULL;
		char *path = NULL;
		int fd = g_file_open_tmp("upki-config-XXXXXX", &path, &err);
		g_assert_no_error(err);
		close(fd);
		g_assert_true(g_file_set_contents(path, bad_rows[i].text, (gssize)len, NULL));
		upki_config *c = upki_config_load(path, &err);
		g_assert_null(c);
		g_assert_error(err, UPKI_ERROR, UPKI_ERROR_CONFIG);
		if (!strstr(err->message, bad_rows[i].message))
			g_error("row %zu: '%s' lacks '%s'", i, err->message, bad_rows[i].message);
		g_assert_true(g_str_has_prefix(err->message, path));
		g_clear_error(&err);
		g_unlink(path);
		g_free(path);
	}
}

static void test_missing_file(void)
{
	GError *err = NULL;
	upki_config *c = upki_config_load("/nonexistent/upki.conf", &err);

	g_assert_null(c);
	g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_clear_error(&err);
}

/* A user's file over the system one: a key set again wins, a key left
 * out keeps the system's value, a repeatable key adds to it. */
static void test_layers(void)
{
	char *sys = write_temp("AuthservID mx.example.ac.jp\nSpool /var/spool/upki-notice\n"
			       "StaleDays 20\nKindSubject cert-issue 一つ目\n");
	char *user = write_temp("# the user's own\nStaleDays 7\nKindSubject cert-issue 二つ目\n");
	GError *err = NULL;
	upki_config *c = upki_config_load(sys, &err);

	g_assert_no_error(err);
	guint subjects = c->profile->subjects[UPKI_KIND_CERT_ISSUE]->len;
	g_assert_true(upki_config_merge_file(c, user, &err));
	g_assert_no_error(err);
	g_assert_cmpuint(c->stale_days, ==, 7);
	g_assert_cmpstr(c->authserv_id, ==, "mx.example.ac.jp");
	g_assert_cmpstr(c->spool, ==, "/var/spool/upki-notice");
	GPtrArray *subj = c->profile->subjects[UPKI_KIND_CERT_ISSUE];
	g_assert_cmpuint(subj->len, ==, subjects + 1);
	g_assert_cmpstr(g_ptr_array_index(subj, subj->len - 2), ==, "一つ目");
	g_assert_cmpstr(g_ptr_array_index(subj, subj->len - 1), ==, "二つ目");
	/* merging the same lower file again changes nothing but the repeatable keys */
	g_assert_true(upki_config_merge_file(c, user, &err));
	g_assert_cmpuint(c->stale_days, ==, 7);
	upki_config_free(c);
	g_unlink(sys);
	g_unlink(user);
	g_free(sys);
	g_free(user);
}

/* Each error names its own file and line, whichever layer it is in. */
static void test_layer_errors(void)
{
	char *sys = write_temp("StaleDays 20\n");
	char *user = write_temp("StaleDays 7\n\nOnSuspicious drop\n");
	GError *err = NULL;
	upki_config *c = upki_config_load(sys, &err);

	g_assert_false(upki_config_merge_file(c, user, &err));
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_CONFIG);
	char *want = g_strdup_printf("%s:3: bad value for OnSuspicious", user);
	g_assert_true(g_str_has_prefix(err->message, want));
	g_free(want);
	g_clear_error(&err);
	/* a missing layer: G_FILE_ERROR_NOENT, the config as it was */
	g_assert_false(upki_config_merge_file(c, "/nonexistent/upki.conf", &err));
	g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_clear_error(&err);
	/* an unreadable one: G_FILE_ERROR_ACCES (root reads everything) */
	if (geteuid() != 0) {
		g_assert_true(g_chmod(sys, 0) == 0);
		g_assert_false(upki_config_merge_file(c, sys, &err));
		g_assert_error(err, G_FILE_ERROR, G_FILE_ERROR_ACCES);
		g_clear_error(&err);
	}
	upki_config_free(c);
	g_unlink(sys);
	g_unlink(user);
	g_free(sys);
	g_free(user);
}

/* The system file is SYSCONFDIR/upki-milter.conf, the name every program
 * documents. */
static void test_system_file(void)
{
	char *want = g_build_filename(upki_config_sysconfdir(), "upki-milter.conf", NULL);

	g_assert_true(g_path_is_absolute(upki_config_system_file()));
	g_assert_cmpstr(upki_config_system_file(), ==, want);
	g_free(want);
}

static void test_table(void)
{
	/* Every key has help text, and a default that its own parser accepts. */
	for (const upki_config_key *k = upki_config_keys(); k->name; k++) {
		upki_config *c = upki_config_new();
		GError *err = NULL;
		g_assert_nonnull(k->help);
		if (k->def)
			g_assert_true(upki_config_set(c, k->name, k->def, &err));
		g_assert_no_error(err);
		upki_config_free(c);
	}
}

/* The man page and the example config document every key of the table. */
static void test_documented(void)
{
	char *man = NULL, *example = NULL;

	g_assert_true(g_file_get_contents("man/upki-milter.conf.5", &man, NULL, NULL));
	g_assert_true(g_file_get_contents("etc/upki-milter.conf.example", &example, NULL, NULL));
	for (const upki_config_key *k = upki_config_keys(); k->name; k++) {
		char *in_man = g_strdup_printf("\n.BI %s ", k->name);
		char *in_man2 = g_strdup_printf("\n.BR %s ", k->name);
		char *in_example = g_strdup_printf("\n# %s ", k->name);
		if (!strstr(man, in_man) && !strstr(man, in_man2))
			g_error("%s is not in man/upki-milter.conf.5", k->name);
		if (!strstr(example, in_example))
			g_error("%s is not in etc/upki-milter.conf.example", k->name);
		g_free(in_man);
		g_free(in_man2);
		g_free(in_example);
	}
	g_free(man);
	g_free(example);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/defaults", test_defaults);
	g_test_add_func("/config/file", test_file);
	g_test_add_func("/config/bad", test_bad);
	g_test_add_func("/config/missing-file", test_missing_file);
	g_test_add_func("/config/layers", test_layers);
	g_test_add_func("/config/layer-errors", test_layer_errors);
	g_test_add_func("/config/system-file", test_system_file);
	g_test_add_func("/config/table", test_table);
	g_test_add_func("/config/documented", test_documented);
	return g_test_run();
}
