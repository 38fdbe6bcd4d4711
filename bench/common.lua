-- Shared by the wrk scripts of bench/run: counts answers by status in every thread and
-- prints one machine-readable line at the end, which bench/run parses.
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

codes = {}

function response(status, headers, body)
   codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
   local all = {}
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("codes")) do
         all[status] = (all[status] or 0) + n
      end
   end
   local parts = {}
   for status, n in pairs(all) do
      table.insert(parts, status .. "=" .. n)
   end
   table.sort(parts)
   local e = summary.errors
   io.write(string.format("WRK requests=%d duration_us=%d p50_us=%d p99_us=%d socket_errors=%d timeouts=%d codes=%s\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      e.connect + e.read + e.write, e.timeout, table.concat(parts, ",")))
end
