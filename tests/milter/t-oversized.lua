-- t-oversized.lua - MaxMessageSize 4k, OnOversized accept: a notice over
-- the limit passes unchanged (no verdict), but a forged verdict header is
-- still removed.
dofile(TOP .. "/tests/milter/common.lua")
start_filter()

case("oversized genuine", function()
	local conn, r = send(sample("cert-issue.eml"))
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "oversized: accepted", reply_name(r))
	check(notice_header(conn) == nil, "oversized: no verdict added")
	check(not mt.eom_check(conn, MT_HDRCHANGE), "oversized: nothing changed")
	mt.disconnect(conn)
end)

case("oversized phish with a forged verdict", function()
	local conn, r = send(sample("phish-cyrillic.eml"),
			     { { name = "X-UPKI-Notice", value = "genuine; kind=cert-issue" } })
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "oversized phish: accepted", reply_name(r))
	check(mt.eom_check(conn, MT_HDRDELETE, "X-UPKI-Notice"), "oversized: forged verdict removed")
	check(notice_header(conn) == nil, "oversized phish: no verdict added")
	mt.disconnect(conn)
end)

case("small candidate still examined", function()
	local conn, r = send("From: ca-support@ml.secom-sts.co.jp\nSubject: hello\n\nhi\n")
	local v = notice_header(conn)
	check(v ~= nil, "under the limit: examined", v)
	mt.disconnect(conn)
end)
