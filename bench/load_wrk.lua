-- bench/load.py --driver wrk: the simulated workers as a wrk script, so that the load generator
-- costs almost no CPU next to the servers it measures. Run by load.py, not by hand:
--   wrk -t N -c N -d SECONDS -s bench/load_wrk.lua http://127.0.0.1:8000
-- One connection per wrk thread (-t = -c), so a thread's variables are one worker's state.
--
-- Environment (set by load.py):
--   LOAD_MODE     "http": accept, work page, submit (or return, or walk away);
--                 "bare": one POST /pair/ per pair (bench/bare_app.py);
--                 "api": the REST API: accept, submit (or return, or walk away), JSON
--   LOAD_SEATS    a file, one line per account: "session-cookie csrf-token worker-pk" ("api":
--                 "api-token - worker-pk"); thread i
--                 starts on line i+1 and takes lines i+1+N, i+1+2N... when its worker walks away
--   LOAD_PROJECT  the project's public id
--   LOAD_OUT      a file name: each thread writes LOAD_OUT.<thread> as it goes ("lat STEP MS",
--                 "ack ID", "err TEXT", "count NAME"), done() writes LOAD_OUT ("total NAME N").
--                 Per-thread files, because wrk crashes copying large tables out of a thread.
--   LOAD_RETURN_SHARE, LOAD_ABANDON_SHARE, LOAD_THREADS

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } mw_timespec;
  int clock_gettime(int clock_id, mw_timespec *tp);
]]
local clock = ffi.new("mw_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function urlencode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function unescape(text)
  return (text:gsub("&amp;", "&"):gsub("&quot;", '"'):gsub("&#x27;", "'"):gsub("&lt;", "<"):gsub("&gt;", ">"))
end

-- Per thread (one worker at a time on one connection).
local mode, project, return_share, abandon_share
local seats, seat_at, seat = {}, 0, nil
local step, started = "accept", 0
local location, assignment, token
local out -- this thread's file, line-buffered so nothing is lost when wrk exits

local function take_seat()
  seat_at = seat_at + 1
  seat = seats[seat_at]
  if seat == nil then
    out:write("count seats_out\n")
  end
  step = "accept"
end

function init(args)
  mode = os.getenv("LOAD_MODE") or "http"
  project = os.getenv("LOAD_PROJECT")
  return_share = tonumber(os.getenv("LOAD_RETURN_SHARE") or "0.05")
  abandon_share = tonumber(os.getenv("LOAD_ABANDON_SHARE") or "0.02")
  local every = tonumber(os.getenv("LOAD_THREADS"))
  local line_no = 0
  for line in io.lines(os.getenv("LOAD_SEATS")) do
    if line_no % every == id then
      local session, csrf, worker = line:match("^(%S+) (%S+) (%S+)$")
      table.insert(seats, { session = session, csrf = csrf, worker = worker })
    end
    line_no = line_no + 1
  end
  math.randomseed(1000 + id)
  out = assert(io.open(os.getenv("LOAD_OUT") .. "." .. id, "w"))
  out:setvbuf("line")
  take_seat()
end

local function error_seen(text)
  out:write("err ", text, "\n")
  step = "accept" -- start over with a new claim, like a person clicking again
end

local function headers_for(csrf)
  local headers = { ["Cookie"] = "sessionid=" .. seat.session .. "; csrftoken=" .. seat.csrf }
  if csrf then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  return headers
end

function request()
  if seat == nil then -- this thread's accounts are used up: it stops
    step = "idle"
    wrk.thread:stop()
    return wrk.format("GET", "/")
  end
  started = now_ms()
  if mode == "bare" then
    step = "pair"
    return wrk.format("POST", "/pair/", { ["Content-Type"] = "application/x-www-form-urlencoded" },
      "worker=" .. seat.worker .. "&project=" .. project)
  end
  if mode == "api" then
    local headers = { ["Authorization"] = "Bearer " .. seat.session }
    if step == "accept" then
      return wrk.format("POST", "/api/v1/worker/projects/" .. project .. "/accept", headers)
    elseif step == "submit" then
      headers["Content-Type"] = "application/json"
      return wrk.format("POST", "/api/v1/worker/assignments/" .. assignment .. "/submit", headers,
        '{"answers": {"answer": "ok"}}')
    elseif step == "return" then
      return wrk.format("POST", "/api/v1/worker/assignments/" .. assignment .. "/return", headers)
    end
  end
  if step == "accept" then
    return wrk.format("POST", "/work/projects/" .. project .. "/accept/", headers_for(true),
      "csrfmiddlewaretoken=" .. seat.csrf)
  elseif step == "work page" then
    return wrk.format("GET", location, headers_for(false))
  elseif step == "submit" then
    -- The frame posts without cookies: its origin is opaque.
    return wrk.format("POST", "/work/submit/", { ["Content-Type"] = "application/x-www-form-urlencoded" },
      "assignmentId=" .. assignment .. "&mw_token=" .. urlencode(token) .. "&answer=ok")
  elseif step == "return" then
    return wrk.format("POST", "/work/assignments/" .. assignment .. "/return/", headers_for(true),
      "csrfmiddlewaretoken=" .. seat.csrf)
  end
end

local function timed(name)
  out:write("lat ", name, " ", string.format("%.3f", now_ms() - started), "\n")
end

local function acknowledged(id)
  out:write("ack ", id, "\n")
end

local function roll_next()
  local roll = math.random()
  if roll < abandon_share then
    out:write("count abandoned\n") -- walks away: the next account takes the seat
    take_seat()
  elseif roll < abandon_share + return_share then
    step = "return"
  else
    step = "submit"
  end
end

-- What a submit or a return came to, whichever door took it: `ok` is that door's sign of success.
local function submit_answered(ok, status)
  if ok then
    acknowledged(assignment)
    step = "accept"
  else
    error_seen("submit: " .. status)
  end
end

local function return_answered(ok, status)
  if ok then
    out:write("count returns\n")
    step = "accept"
  else
    error_seen("return: " .. status)
  end
end

local function api_response(status, body)
  if step == "accept" then
    local id = body:match('^{"id": "([A-Z0-9]+)"')
    if status ~= 201 or id == nil then
      error_seen("accept: " .. status)
      return
    end
    assignment = id
    roll_next()
  elseif step == "submit" then
    submit_answered(status == 200 and body:find('"state": "submitted"', 1, true), status)
  elseif step == "return" then
    return_answered(status == 200, status)
  end
end

function response(status, headers, body)
  if step == "idle" then
    return
  end
  timed(step)
  if mode == "api" then
    api_response(status, body)
  elseif step == "pair" then
    if status == 200 then
      acknowledged(body:match("^%s*(.-)%s*$"))
    else
      error_seen("bare pair: " .. status)
    end
  elseif step == "accept" then
    location = headers["Location"] or headers["location"] or ""
    if status == 302 and location:find("/assignments/", 1, true) then
      step = "work page"
    else
      error_seen("accept: " .. status .. " " .. location)
    end
  elseif step == "work page" then
    local id, raw = body:match('src="/work/assignments/([^/"]+)/frame/%?token=([^"]+)"')
    if status ~= 200 or id == nil then
      error_seen("work page without a frame: " .. status)
      return
    end
    assignment, token = id, unescape(raw)
    roll_next()
  elseif step == "submit" then
    submit_answered(status == 200 and body:find("microwork:submitted", 1, true), status)
  elseif step == "return" then
    return_answered(status == 302, status)
  end
end

function done(summary, latency, requests)
  local file = assert(io.open(os.getenv("LOAD_OUT"), "w"))
  local socket = summary.errors
  file:write("total socket_errors ", socket.connect + socket.read + socket.write + socket.timeout, "\n")
  file:write("total seconds ", string.format("%.3f", summary.duration / 1e6), "\n")
  file:write("total threads ", #threads, "\n")
  file:close()
end
