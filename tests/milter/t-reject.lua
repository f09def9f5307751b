-- t-reject.lua - OnSuspicious reject: 550 5.7.1 with RejectText;
-- genuine notices and ordinary mail pass.
dofile(TOP .. "/tests/milter/common.lua")
start_filter()

case("suspicious rejected", function()
	local conn, r = send(sample("phish-http.eml"))
	check(r == SMFIR_REPLYCODE or r == SMFIR_REJECT, "suspicious: rejected", reply_name(r))
	check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
			   "Rejected: this message imitates a UPKI certificate notice"),
	      "reply is 550 5.7.1 with RejectText's default, which names no failed check")
	check(not mt.eom_check(conn, MT_HDRINSERT), "rejected: no header edits")
	mt.disconnect(conn)
end)

case("genuine passes", function()
	local conn, r = send(sample("cert-issue-html.eml"))
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "genuine: accepted", reply_name(r))
	check(notice_header(conn) == "genuine; kind=cert-issue", "genuine: marked")
	mt.disconnect(conn)
end)

case("ordinary passes", function()
	local conn, r = send(sample("plain-sjis.eml"))
	check(r == SMFIR_CONTINUE, "ordinary: passed at the end of the message (EarlyAccept body)", reply_name(r))
	mt.disconnect(conn)
end)
