-- t-peerlist.lua - PeerList 192.0.2.0/24, 2001:db8::/32: a listed
-- peer's mail passes at the end of the header without examination (the
-- body is never sent), a phish from anywhere else is marked; a forged
-- X-UPKI-Notice from a listed peer is still removed (the body still
-- unread, no verdict added); an IPv4-mapped peer is its IPv4 address.
dofile(TOP .. "/tests/milter/common.lua")
start_filter()

case("connect step asked for", function()
	local conn = connect()
	check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiates")
	check(not mt.test_option(conn, SMFIP_NOCONNECT), "PeerList set: the connect step is wanted")
	check(mt.test_option(conn, SMFIP_NR_CONN), "the connect step needs no reply (SMFIP_NR_CONN)")
	mt.disconnect(conn)
end)

case("listed peer: phish passes unexamined", function()
	local conn, r = send_from("192.0.2.7", sample("phish-http.eml"))
	check(r == "eoh-accept", "listed IPv4 peer: accepted at the end of the header", reply_name(r))
	check(notice_header(conn) == nil, "listed peer: no verdict header")
	mt.disconnect(conn)
end)

case("listed IPv6 peer: genuine notice unannotated", function()
	local conn, r = send_from("2001:db8::25", sample("cert-issue.eml"))
	check(r == "eoh-accept", "listed IPv6 peer: accepted at the end of the header", reply_name(r))
	mt.disconnect(conn)
end)

case("IPv4-mapped peer matches the IPv4 entry", function()
	local conn, r = send_from("::ffff:192.0.2.9", sample("phish-http.eml"))
	check(r == "eoh-accept", "::ffff:192.0.2.9 is 192.0.2.9: exempted", reply_name(r))
	mt.disconnect(conn)
end)

case("unlisted peers are examined", function()
	for _, ip in ipairs({ "198.51.100.1", "192.0.3.7", "2001:db9::1", "::ffff:198.51.100.1" }) do
		local conn, r = send_from(ip, sample("phish-http.eml"))
		check(r == SMFIR_CONTINUE, ip .. ": examined", reply_name(r))
		local v = notice_header(conn)
		check(v == "suspicious; kind=cert-issue; reasons=unsigned,url-scheme", ip .. ": phish marked", v)
		check(mt.eom_check(conn, MT_HDRCHANGE, "Subject"), ip .. ": Subject tagged")
		mt.disconnect(conn)
	end
end)

case("listed peer: forged verdict still removed", function()
	local conn, r = send_from("192.0.2.7", sample("phish-http.eml"), {
		{ name = "X-UPKI-Notice", value = "genuine; kind=cert-issue" },
		{ name = "Authentication-Results", value = "mx.test; smime=pass" },
	})
	check(r ~= "eoh-accept", "forged header from a listed peer: kept to the end of the message")
	check(mt.eom_check(conn, MT_HDRDELETE, "X-UPKI-Notice"), "listed peer: forged X-UPKI-Notice deleted")
	check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"),
	      "listed peer: Authentication-Results of our authserv-id deleted")
	check(not mt.eom_check(conn, MT_HDRINSERT, "X-UPKI-Notice"), "listed peer: no verdict added (not examined)")
	check(not mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "listed peer: Subject untouched")
	mt.disconnect(conn)
end)

case("no connect step: examined", function()
	-- an MTA that sends no client address (a unix-domain client) is no peer of the list
	local conn, r = send(sample("phish-http.eml"))
	local v = notice_header(conn)
	check(v and v:match("^suspicious"), "without a peer address: examined and marked", v)
	mt.disconnect(conn)
end)

case("SIGHUP rereads PeerList", function()
	local base = read_file(CONF)
	write_file(CONF, (base:gsub("PeerList [^\n]*", "PeerList 198.51.100.0/24")))
	mt.signal(1)
	mt.sleep(0.5)
	local conn, r = send_from("192.0.2.7", sample("phish-http.eml"))
	check(r == SMFIR_CONTINUE, "after the reload 192.0.2.7 is examined", reply_name(r))
	mt.disconnect(conn)
	conn, r = send_from("198.51.100.1", sample("phish-http.eml"))
	check(r == "eoh-accept", "and 198.51.100.1 is exempted", reply_name(r))
	mt.disconnect(conn)
	write_file(CONF, base)
end)
