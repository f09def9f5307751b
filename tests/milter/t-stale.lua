-- t-stale.lua - StaleDays 1: a genuine-looking notice signed long ago
-- (the samples are signed on 2026-11-02) is suspicious with reason stale.
dofile(TOP .. "/tests/milter/common.lua")
start_filter()

case("stale", function()
	local conn = send(sample("cert-issue.eml"))
	local v = notice_header(conn)
	if os.time() < os.time({ year = 2026, month = 11, day = 4 }) then
		check(true, "stale: skipped before 2026-11-04 # SKIP the samples are not stale yet")
	else
		check(v == "suspicious; kind=cert-issue; reasons=stale", "old notice: suspicious, stale", v)
	end
	mt.disconnect(conn)
end)
