-- Gives Envoy's own plain-text error replies to REST clients the JSON form of google.rpc.Status
-- that services' errors have, so REST clients handle one error format: the transcoder's 400s
-- ("goal.priority: invalid value ...") become INVALID_ARGUMENT with a BadRequest naming the
-- field; the edge's 401 (no or bad token) and 403 become UNAUTHENTICATED and PERMISSION_DENIED.

local function json_string(s)
  s = s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', '\\n'):gsub('\r', '\\r'):gsub('\t', '\\t')
  s = s:gsub('[%z\1-\31]', function(c) return string.format('\\u%04x', c:byte()) end)
  return '"' .. s .. '"'
end

function envoy_on_request(request_handle)
end

local CODES = {["401"] = {16, "UNAUTHENTICATED"}, ["403"] = {7, "PERMISSION_DENIED"}}

local function bad_request(text)
  local field, description = text:match('^([%w_%.%[%]"]+): (.*)$')
  if field == nil then
    field, description = "body", text
  end
  return '{"code":3,"message":' .. json_string("invalid request: " .. text) ..
    ',"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo",' ..
    '"reason":"MALFORMED_REQUEST","domain":"gateway.cognition"},' ..
    '{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":' ..
    json_string(field) .. ',"description":' .. json_string(description) .. '}]}]}'
end

local function refusal(code, text)
  return '{"code":' .. code[1] .. ',"message":' .. json_string(text) ..
    ',"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":' ..
    json_string(code[2]) .. ',"domain":"gateway.cognition"}]}'
end

function envoy_on_response(response_handle)
  local headers = response_handle:headers()
  local status = headers:get(":status")
  local content_type = headers:get("content-type") or ""
  if content_type:find("text/plain", 1, true) == nil or (status ~= "400" and CODES[status] == nil) then
    return
  end
  local body = response_handle:body()
  local text = body:getBytes(0, body:length())
  if status == "400" then
    body:setBytes(bad_request(text))
  else
    body:setBytes(refusal(CODES[status], text))
  end
  -- Waiting for the body invalidates the earlier headers handle: take it again.
  response_handle:headers():replace("content-type", "application/json")
end
