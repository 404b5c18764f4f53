-- Turns the gRPC-JSON transcoder's plain-text 400 replies ("goal.priority: invalid value ...")
-- into the JSON form of google.rpc.Status with a BadRequest naming the field, the same shape
-- a service's INVALID_ARGUMENT takes over REST, so REST clients handle one error format.

local function json_string(s)
  s = s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', '\\n'):gsub('\r', '\\r'):gsub('\t', '\\t')
  s = s:gsub('[%z\1-\31]', function(c) return string.format('\\u%04x', c:byte()) end)
  return '"' .. s .. '"'
end

function envoy_on_request(request_handle)
end

function envoy_on_response(response_handle)
  local headers = response_handle:headers()
  local content_type = headers:get("content-type") or ""
  if headers:get(":status") ~= "400" or content_type:find("text/plain", 1, true) == nil then
    return
  end
  local body = response_handle:body()
  local text = body:getBytes(0, body:length())
  local field, description = text:match('^([%w_%.%[%]"]+): (.*)$')
  if field == nil then
    field, description = "body", text
  end
  local status = '{"code":3,"message":' .. json_string("invalid request: " .. text) ..
    ',"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo",' ..
    '"reason":"MALFORMED_REQUEST","domain":"gateway.cognition"},' ..
    '{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":' ..
    json_string(field) .. ',"description":' .. json_string(description) .. '}]}]}'
  body:setBytes(status)
  -- Waiting for the body invalidates the earlier headers handle: take it again.
  response_handle:headers():replace("content-type", "application/json")
end
