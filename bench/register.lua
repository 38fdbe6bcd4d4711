-- POST /api/v1/events/{id}/registrations with a new participant in every request (unique
-- phone and email, so rule 5 never answers 409), spread round-robin over the events in
-- BENCH_EVENTS (comma-separated ids), as the partner whose token is BENCH_TOKEN.
-- BENCH_MODES=mixed: half online, half onsite (some needing physical space, some accepting
-- an online seat instead); BENCH_MODES=onsite: onsite only.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
require("common")

local events, path, headers, counter = {}, {}, nil, 0
local run = os.getenv("BENCH_RUN") or "0"
local onsite_only = os.getenv("BENCH_MODES") == "onsite"
local categories = { "migrant", "refugee", "ngo", "volunteer", "migrant_led_organisation", "other" }

function init(args)
   for id in string.gmatch(os.getenv("BENCH_EVENTS"), "[^,]+") do
      table.insert(events, id)
      table.insert(path, "/api/v1/events/" .. id .. "/registrations")
   end
   headers = {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
   }
end

function request()
   counter = counter + 1
   local kind = counter % 10
   local mode, physical, fallback = "online", "false", "false"
   if onsite_only or kind >= 5 then
      mode = "onsite"
      physical = (kind % 5 == 0) and "true" or "false"
      fallback = (not onsite_only and kind == 7) and "true" or "false"
   end
   local email = "null"
   if counter % 2 == 0 then
      email = string.format('"p%s.%d.%d@bench.example.org"', run, tid, counter)
   end
   local body = string.format(
      '{"participant":{"full_name":"Bench Participant %d","email":%s,"phone":"+34 6%s%02d%08d",' ..
      '"preferred_language":"ar","stakeholder_category":"%s","organisation_name":null},' ..
      '"attendance_mode":"%s","needs_physical_space":%s,"needs_transport":%s,' ..
      '"interpretation_language":"ar","accessibility_notes":null,"accept_online_fallback":%s,' ..
      '"consent":{"data_processing":true,"contact":false},"interests":["entrepreneurship"]}',
      counter, email, run, tid, counter, categories[counter % #categories + 1],
      mode, physical, (counter % 3 == 0) and "true" or "false", fallback)
   return wrk.format("POST", path[counter % #path + 1], headers, body)
end
