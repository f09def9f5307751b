-- t-quarantine.lua - OnSuspicious quarantine: suspicious notices are held
-- with the reasons (and still marked); genuine ones are not.
dofile(TOP .. "/tests/milter/common.lua")
start_filter()

case("suspicious quarantined", function()
	local conn, r = send(sample("phish-cyrillic.eml"))
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "quarantined message is accepted (held)", reply_name(r))
	check(mt.eom_check(conn, MT_QUARANTINE), "quarantine requested")
	check(mt.eom_check(conn, MT_QUARANTINE,
			   "upki-milter quarantine: this message looks like a UPKI certificate notice " ..
			   "of kind cert-issue but fails its checks (unsigned, url-host, url-idn)"),
	      "quarantine reason lists the reasons")
	local v = notice_header(conn)
	check(v == "suspicious; kind=cert-issue; reasons=unsigned,url-host,url-idn", "quarantined: marked too", v)
	check(mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "quarantined: Subject tagged")
	mt.disconnect(conn)
end)

case("genuine not quarantined", function()
	local conn, r = send(sample("cert-issue.eml"))
	check(not mt.eom_check(conn, MT_QUARANTINE), "genuine: no quarantine")
	check(notice_header(conn) == "genuine; kind=cert-issue", "genuine: marked genuine")
	mt.disconnect(conn)
end)
