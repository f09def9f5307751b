/* ledger-html.c - the derived states as one self-contained HTML page:
 * Japanese and English, a timeline chart in inline SVG drawn here,
 * sortable tables, readable printed.
 *
 * Self-contained because the page is mailed, archived and opened
 * offline by the certificate office: no external asset, no font, no
 * script from elsewhere (the sorting script is inline and the page works
 * without it).  Every string from the ledger is escaped: a DN or a
 * Message-ID is whatever a mail said.  The counts carry data-key
 * attributes ("jobs.retrieved") so that a program (the Chromium test)
 * finds them in the DOM without reading the layout.
 */
#include <string.h>

#include "upki/ledger.h"
#include "upki/report.h"

static const char *const job_states[] = { "issue-accepted", "pin-issued", "retrieved", "expired-unused",
					  "stalled" };
static const char *const cert_states[] = { "retrieved", "renewed", "replaced", "revoked" };
static const char *const kinds[] = { "cert-issue", "pin-issue", "cert-retrieved", "cert-renewed",
				     "cert-revoked", "suspicious" };
static const char *const kind_colours[] = { "#4e79a7", "#76b7b2", "#59a14f", "#edc948", "#e15759", "#b07aa1" };

#define CHART_W 900
#define CHART_H 240
#define CHART_LEFT 40
#define CHART_BOTTOM 40

static const char style[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse;margin:.5em 0;font-size:.9em}"
	"th,td{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}"
	"th{background:#eee;cursor:pointer}td.n{text-align:right}"
	".cards span{display:inline-block;border:1px solid #bbb;padding:.3em .6em;margin:.2em}"
	".action{background:#fde8e8}"
	"@media print{th{cursor:auto}h2{page-break-after:avoid}tr{page-break-inside:avoid}"
	"body{margin:0}}";

/* Clicking a heading sorts its table (numbers as numbers); the page
 * reads the same without it. */
static const char script[] =
	"document.querySelectorAll('table.sortable th').forEach(function(th){"
	"th.addEventListener('click',function(){"
	"var b=th.closest('table').tBodies[0],i=th.cellIndex,up=th.dataset.up!=='1';"
	"th.dataset.up=up?'1':'0';"
	"Array.from(b.rows).sort(function(x,y){"
	"var a=x.cells[i].textContent,c=y.cells[i].textContent,na=parseFloat(a),nc=parseFloat(c);"
	"var r=(!isNaN(na)&&!isNaN(nc))?na-nc:a.localeCompare(c);return up?r:-r;})"
	".forEach(function(r){b.appendChild(r);});});});";

static void esc(GString *o, const char *s)
{
	char *e = g_markup_escape_text(s ? s : "", -1);

	g_string_append(o, e);
	g_free(e);
}

static void cell(GString *o, const char *s)
{
	g_string_append(o, "<td>");
	esc(o, s ? s : "");
	g_string_append(o, "</td>");
}

static void cell_time(GString *o, gint64 t)
{
	char *iso = upki_report_time_iso(t);

	cell(o, iso);
	g_free(iso);
}

static void count(GString *o, const char *group, const char *key, guint n, const char *label)
{
	g_string_append_printf(o, "<span>%s: <b data-key=\"%s.%s\">%u</b></span>", label, group, key, n);
}

static guint jobs_in(const upki_ledger_report *r, const char *state)
{
	guint n = 0;

	for (guint i = 0; i < r->jobs->len; i++)
		n += strcmp(((upki_ledger_job *)g_ptr_array_index(r->jobs, i))->state, state) == 0;
	return n;
}

static guint certs_in(const upki_ledger_report *r, const char *state)
{
	guint n = 0;

	for (guint i = 0; i < r->certs->len; i++)
		n += g_strcmp0(((upki_ledger_cert *)g_ptr_array_index(r->certs, i))->state, state) == 0;
	return n;
}

static void summary(GString *o, const upki_ledger_report *r)
{
	g_string_append(o, "<h2>概要 / Summary</h2><div class=\"cards\">");
	count(o, "summary", "notices", r->events->len, "正規の通知 / genuine notices");
	count(o, "summary", "suspicious", r->suspects->len, "不審な通知 / suspicious");
	g_string_append(o, "</div><div class=\"cards\">発行 / jobs: ");
	for (gsize i = 0; i < G_N_ELEMENTS(job_states); i++)
		count(o, "jobs", job_states[i], jobs_in(r, job_states[i]), job_states[i]);
	g_string_append(o, "</div><div class=\"cards\">証明書 / certificates: ");
	for (gsize i = 0; i < G_N_ELEMENTS(cert_states); i++)
		count(o, "certificates", cert_states[i], certs_in(r, cert_states[i]), cert_states[i]);
	g_string_append(o, "</div>\n");
}

/* ---- the chart: notices per month, stacked by kind ---- */

typedef struct month_counts {
	char month[8];
	guint n[G_N_ELEMENTS(kinds)];
} month_counts;

static void month_key(char out[8], gint64 t, const char *date)
{
	GDateTime *d = t >= 0 ? g_date_time_new_from_unix_utc(t) : NULL;
	char *m = d ? g_date_time_format(d, "%Y-%m") : g_strndup(date && strlen(date) >= 7 ? date : "unknown", 7);

	g_strlcpy(out, m, 8);
	g_free(m);
	if (d)
		g_date_time_unref(d);
}

static void tally(GArray *months, gint64 t, const char *date, guint kind)
{
	month_counts mc = { 0 };

	month_key(mc.month, t, date);
	for (guint i = 0; i < months->len; i++) {
		month_counts *m = &g_array_index(months, month_counts, i);
		if (strcmp(m->month, mc.month) == 0) {
			m->n[kind]++;
			return;
		}
	}
	mc.n[kind] = 1;
	g_array_append_val(months, mc);
}

static gint month_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(((const month_counts *)a)->month, ((const month_counts *)b)->month);
}

static GArray *months_of(const upki_ledger_report *r)
{
	GArray *months = g_array_new(FALSE, TRUE, sizeof(month_counts));

	for (guint i = 0; i < r->events->len; i++) {
		const upki_ledger_event *e = g_ptr_array_index(r->events, i);
		guint k = 0;
		while (k < G_N_ELEMENTS(kinds) - 1 && g_strcmp0(e->kind, kinds[k]) != 0)
			k++;
		tally(months, e->signed_at, NULL, k);
	}
	for (guint i = 0; i < r->suspects->len; i++) {
		const upki_ledger_suspect *s = g_ptr_array_index(r->suspects, i);
		tally(months, s->signed_at, s->date, G_N_ELEMENTS(kinds) - 1);
	}
	g_array_sort(months, month_cmp);
	return months;
}

static void chart(GString *o, const upki_ledger_report *r)
{
	GArray *months = months_of(r);
	guint top = 1;
	double slot = 0;

	for (guint i = 0; i < months->len; i++) {
		guint sum = 0;
		for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++)
			sum += g_array_index(months, month_counts, i).n[k];
		top = MAX(top, sum);
	}
	slot = months->len ? (double)(CHART_W - CHART_LEFT) / months->len : 0;
	g_string_append(o, "<h2>時系列 / Timeline</h2>");
	g_string_append_printf(o, "<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
			       " role=\"img\" aria-label=\"notices per month\">", CHART_W, CHART_H + 30);
	g_string_append_printf(o, "<text x=\"0\" y=\"12\" font-size=\"11\">%u</text>", top);
	g_string_append_printf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>", CHART_LEFT,
			       CHART_H - CHART_BOTTOM, CHART_W, CHART_H - CHART_BOTTOM);
	for (guint i = 0; i < months->len; i++) {
		const month_counts *m = &g_array_index(months, month_counts, i);
		double x = CHART_LEFT + i * slot, y = CHART_H - CHART_BOTTOM;
		for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
			double h = (double)m->n[k] * (CHART_H - CHART_BOTTOM - 10) / top;
			if (!m->n[k])
				continue;
			y -= h;
			g_string_append_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
					       "<title>%s %s: %u</title></rect>", x + 1, y, MAX(slot - 2, 1.0), h,
					       kind_colours[k], m->month, kinds[k], m->n[k]);
		}
		if (months->len <= 30 || i % 3 == 0)
			g_string_append_printf(o, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" transform=\"rotate(60 %.1f %d)\">%s</text>",
					       x + 2, CHART_H - CHART_BOTTOM + 10, x + 2, CHART_H - CHART_BOTTOM + 10,
					       m->month);
	}
	for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++)
		g_string_append_printf(o, "<rect x=\"%zu\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
				       "<text x=\"%zu\" y=\"%d\" font-size=\"11\">%s</text>", CHART_LEFT + k * 140,
				       CHART_H + 12, kind_colours[k], CHART_LEFT + k * 140 + 14, CHART_H + 21, kinds[k]);
	g_string_append(o, "</svg>\n");
	g_array_unref(months);
}

/* ---- tables ---- */

static void table_head(GString *o, const char *id, const char *const *heads, gsize n)
{
	g_string_append_printf(o, "<table class=\"sortable\" id=\"%s\"><thead><tr>", id);
	for (gsize i = 0; i < n; i++)
		g_string_append_printf(o, "<th>%s</th>", heads[i]);
	g_string_append(o, "</tr></thead><tbody>\n");
}

static void job_row(GString *o, const upki_ledger_job *j)
{
	g_string_append_printf(o, "<tr%s>", j->action ? " class=\"action\"" : "");
	cell(o, j->action);
	cell(o, j->state);
	cell(o, j->kind);
	cell(o, j->recipient);
	cell_time(o, j->signed_at);
	cell(o, j->deadline);
	cell(o, j->serial);
	cell(o, j->job_id);
	cell(o, j->where);
	g_string_append(o, "</tr>\n");
}

static void cert_row(GString *o, const upki_ledger_cert *c)
{
	g_string_append_printf(o, "<tr%s>", c->action ? " class=\"action\"" : "");
	cell(o, c->action);
	cell(o, c->state);
	cell(o, c->serial);
	cell(o, c->dn);
	cell_time(o, c->since);
	cell(o, c->old_serial);
	cell(o, c->new_serial);
	g_string_append(o, "</tr>\n");
}

static const char *const job_heads[] = { "対応 / Action", "状態 / State", "種別 / Kind", "宛先 / Recipient",
					 "署名 / Signed", "期限 / Deadline", "シリアル / Serial", "Job", "URL (host/path)" };
static const char *const cert_heads[] = { "対応 / Action", "状態 / State", "シリアル / Serial", "DN",
					  "日時 / Since", "旧 / Old serial", "新 / New serial" };

static void tables(GString *o, const upki_ledger_report *r)
{
	static const char *const ev_heads[] = { "署名 / Signed", "種別 / Kind", "シリアル / Serial", "旧 / Old",
						"DN", "Job", "場所 / Source" };
	static const char *const sus_heads[] = { "日付 / Date", "種別 / Kind", "差出人 / From", "リンク先 / Link host",
						 "理由 / Reasons", "場所 / Source" };

	g_string_append(o, "<h2>対応が必要 / Needing action</h2>");
	table_head(o, "action", job_heads, G_N_ELEMENTS(job_heads));
	for (guint i = 0; i < r->jobs->len; i++)
		if (((upki_ledger_job *)g_ptr_array_index(r->jobs, i))->action)
			job_row(o, g_ptr_array_index(r->jobs, i));
	g_string_append(o, "</tbody></table>");
	table_head(o, "action-certificates", cert_heads, G_N_ELEMENTS(cert_heads));
	for (guint i = 0; i < r->certs->len; i++)
		if (((upki_ledger_cert *)g_ptr_array_index(r->certs, i))->action)
			cert_row(o, g_ptr_array_index(r->certs, i));
	g_string_append(o, "</tbody></table>\n<h2>発行 / Retrieval jobs</h2>");
	table_head(o, "jobs", job_heads, G_N_ELEMENTS(job_heads));
	for (guint i = 0; i < r->jobs->len; i++)
		job_row(o, g_ptr_array_index(r->jobs, i));
	g_string_append(o, "</tbody></table>\n<h2>証明書 / Certificates</h2>");
	table_head(o, "certificates", cert_heads, G_N_ELEMENTS(cert_heads));
	for (guint i = 0; i < r->certs->len; i++)
		cert_row(o, g_ptr_array_index(r->certs, i));
	g_string_append(o, "</tbody></table>\n<h2>通知の一覧 / All notices</h2>");
	table_head(o, "timeline", ev_heads, G_N_ELEMENTS(ev_heads));
	for (guint i = 0; i < r->events->len; i++) {
		const upki_ledger_event *e = g_ptr_array_index(r->events, i);
		char *where = g_strdup_printf("%s#%" G_GUINT64_FORMAT, e->source, e->offset);
		g_string_append(o, "<tr>");
		cell_time(o, e->signed_at);
		cell(o, e->kind);
		cell(o, e->serial);
		cell(o, e->old_serial);
		cell(o, e->dn);
		cell(o, e->job_id);
		cell(o, where);
		g_string_append(o, "</tr>\n");
		g_free(where);
	}
	g_string_append(o, "</tbody></table>\n<h2>不審な通知 / Suspicious notices</h2>");
	table_head(o, "suspicious", sus_heads, G_N_ELEMENTS(sus_heads));
	for (guint i = 0; i < r->suspects->len; i++) {
		const upki_ledger_suspect *s = g_ptr_array_index(r->suspects, i);
		char *where = g_strdup_printf("%s#%" G_GUINT64_FORMAT, s->source, s->offset);
		g_string_append(o, "<tr>");
		cell(o, s->date);
		cell(o, s->kind);
		cell(o, s->from);
		cell(o, s->url_host);
		cell(o, s->reasons);
		cell(o, where);
		g_string_append(o, "</tr>\n");
		g_free(where);
	}
	g_string_append(o, "</tbody></table>\n");
}

char *upki_ledger_report_html(const upki_ledger_report *r)
{
	GString *o = g_string_new(NULL);
	char *as_of = upki_report_time_iso(r->policy.as_of);

	g_string_append_printf(o, "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
			       "<title>UPKI 証明書の状況 / Certificate lifecycle</title><style>%s</style></head><body>\n",
			       style);
	g_string_append(o, "<h1>UPKI 証明書の状況 / Certificate lifecycle</h1><p>時点 / As of: <time>");
	esc(o, as_of);
	g_string_append_printf(o, "</time> (期限間近 / deadline soon: %u 日 days; 停滞 / stalled: %u 日 days)</p>\n",
			       r->policy.soon_days, r->policy.stall_days);
	summary(o, r);
	chart(o, r);
	tables(o, r);
	g_string_append_printf(o, "<script>%s</script>\n</body></html>\n", script);
	g_free(as_of);
	return g_string_free(o, FALSE);
}
