/* test-certinfo.c - parser/certinfo.c: the DN and serial sections of
 * retrieval, renewal and revocation notices.  Synthetic texts modelled on
 * the real notices. */
#include <string.h>

#include "extract-private.h"
#include "upki/profile.h"
#include "test-util.h"

#define IS "\u3000" /* the ideographic space that indents the notices */

static upki_profile *profile;

#define DN_7654321 "CN=7654321,OU=No 4,OU=dev,OU=UPKI Client Cert Enrollment System Develop," \
	"O=National Institute of Informatics,L=Academe,C=JP"
#define DN_LINES IS "---------------------------------------------\n" IS "CN=7654321\n" IS "OU=No 4\n" \
	IS "OU=dev\n" IS "OU=UPKI Client Cert Enrollment System Develop\n" \
	IS "O=National Institute of Informatics\n" IS "L=Academe\n" IS "C=JP\n" \
	IS "---------------------------------------------\n"

typedef struct {
	const char *name;
	const char *text;
	const char *dn;
	const char *serial;
	const char *old_serial;
} cert_row;

static const cert_row cert_rows[] = {
	{ "retrieved", "貴機関利用者の方がクライアント証明書の取得を完了致しましたので、\n\n【対象証明書DN】\n" DN_LINES
	  "\n【対象証明書シリアル番号】\n" IS "5924805414806849689\n\n●P12一括ダウンロードの場合は、\n",
	  DN_7654321, "5924805414806849689", NULL },
	{ "retrieved-crlf", "【対象証明書DN】\r\n" IS "---\r\n" IS "CN=1\r\n" IS "C=JP\r\n" IS "---\r\n\r\n"
	  "【対象証明書シリアル番号】\r\n" IS "42\r\n", "CN=1,C=JP", "42", NULL },
	{ "revoked-bilingual",
	  "【失効証明書DN】\n" IS "-----\n" IS "CN=7654321 Hanako Sato\n" IS "C=JP\n" IS "-----\n\n"
	  "【失効証明書シリアル番号】\n" IS "7082414538221694988\n\n【失効理由】\n" IS "その他\n\n"
	  "【revoked certificate DN】\n" IS "-----\n" IS "CN=other\n" IS "-----\n\n"
	  "【revoked certificate serial number】\n" IS "1\n",
	  "CN=7654321 Hanako Sato,C=JP", "7082414538221694988", NULL },
	{ "revoked-english", "【revoked certificate DN】\n   -----\n   CN=x\n   O=y\n   -----\n"
	  "【revoked certificate serial number】\n   7\n", "CN=x,O=y", "7", NULL },
	{ "renewed", "【対象証明書DN】\n" DN_LINES "\n【新証明書シリアル番号】\n" IS "200\n\n"
	  "【旧証明書のシリアル番号】\n" IS "100\n", DN_7654321, "200", "100" },
	{ "hex-colons", "【対象証明書シリアル番号】\n" IS "52:39:23:22:40:DF:88:99\n", NULL, "5924805414806849689", NULL },
	{ "hex-0x", "【対象証明書シリアル番号】\n0x1f\n", NULL, "31", NULL },
	{ "hex-plain", "【対象証明書シリアル番号】\n" IS " 5239232240df8899 " IS "\n", NULL, "5924805414806849689", NULL },
	{ "serial-invalid", "【対象証明書シリアル番号】\n" IS "12-34\n", NULL, NULL, NULL },
	{ "serial-missing", "【失効証明書シリアル番号】\n\n【失効理由】\n" IS "その他\n", NULL, NULL, NULL },
	{ "serial-at-end", "【対象証明書シリアル番号】\n", NULL, NULL, NULL },
	{ "dn-without-dashes", "【対象証明書DN】\n" IS "CN=a\n" IS "C=JP\n\n", "CN=a,C=JP", NULL, NULL },
	{ "dn-empty", "【対象証明書DN】\n" IS "-----\n" IS "-----\n", NULL, NULL, NULL },
	{ "dn-unclosed", "【対象証明書DN】\n" IS "-----\n" IS "CN=a\n" IS "C=JP", "CN=a,C=JP", NULL, NULL },
	{ "label-indented", IS "【対象証明書DN】\n" IS "-----\n" IS "CN=a\n" IS "-----\n", "CN=a", NULL, NULL },
	{ "nothing", "こんにちは。\nhttps://example.org/\n", NULL, NULL, NULL },
	{ "empty", "", NULL, NULL, NULL },
};

static void test_certinfo(gconstpointer data)
{
	const cert_row *r = data;
	upki_certinfo ci;
	gboolean found;

	memset(&ci, 0xAA, sizeof ci); /* an output parameter: garbage in is fine */
	found = upki_extract_certinfo(r->text, profile, &ci);
	g_assert_cmpstr(ci.dn, ==, r->dn);
	g_assert_cmpstr(ci.serial, ==, r->serial);
	g_assert_cmpstr(ci.old_serial, ==, r->old_serial);
	g_assert_cmpint(found, ==, r->dn || r->serial || r->old_serial);
	upki_certinfo_clear(&ci);
	g_assert_null(ci.dn);
	upki_certinfo_clear(NULL);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	profile = upki_profile_new_default();
	TEST_ADD_ROWS("/certinfo", cert_rows, name, test_certinfo);
	rc = g_test_run();
	upki_profile_free(profile);
	return rc;
}
