-- POST /api/v1/events/{id}/registrations with a new participant in every request (unique
-- phone and email, so rule 5 never answers 409), spread round-robin over the events in
-- BENCH_EVENTS (comma-separated ids), as the partner whose token is BENCH_TOKEN.
-- BENCH_MODES=mixed: half online, half onsite (some needing physical space, some accepting
-- an online seat instead); BENCH_MODES=onsite: onsite only.
-- BENCH_PLACES (optional, two comma-separated place ids every event offers): each onsite
-- request names the main venue, the first or the second place in turn, and one in four also
-- lists the other place as acceptable.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
require("common")

local events, path, headers, counter = {}, {}, nil, 0
local run = os.getenv("BENCH_RUN") or "0"
local onsite_only = os.getenv("BENCH_MODES") == "onsite"
local places = {}
for id in string.gmatch(os.getenv("BENCH_PLACES") or "", "[^,]+") do
   table.insert(places, id)
end
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
   if mode == "onsite" and #places == 2 then
      -- In blocks of ten, so that every room sees each kind of onsite request.
      local room = math.floor(counter / 10) % 3
      local extra = ""
      if room > 0 then
         extra = string.format(',"place_id":"%s"', places[room])
         if counter % 4 == 0 then
            extra = extra .. string.format(',"acceptable_place_ids":["%s"]', places[3 - room])
         end
      elseif counter % 4 == 0 then
         extra = string.format(',"acceptable_place_ids":["%s","%s"]', places[1], places[2])
      end
      body = string.sub(body, 1, -2) .. extra .. "}"
   end
   return wrk.format("POST", path[counter % #path + 1], headers, body)
end
