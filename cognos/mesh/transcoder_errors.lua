-- Gives Envoy's own plain-text error replies to REST clients the JSON form of google.rpc.Status
-- that services' errors have, so REST clients handle one error format: the transcoder's 400s
-- ("goal.priority: invalid value ...") become INVALID_ARGUMENT with a BadRequest naming the
-- field; the edge's 401 (no or bad token) and 403 become UNAUTHENTICATED and PERMISSION_DENIED;
-- the answers to requests no method takes (unrouted.py) become NOT_FOUND (404) and
-- INVALID_ARGUMENT (415, a content type the path does not serve).

local function json_string(s)
  s = s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', '\\n'):gsub('\r', '\\r'):gsub('\t', '\\t')
  s = s:gsub('[%z\1-\31]', function(c) return string.format('\\u%04x', c:byte()) end)
  return '"' .. s .. '"'
end

function envoy_on_request(request_handle)
end

-- HTTP status -> google.rpc.Code and the ErrorInfo reason.
local CODES = {
  ["401"] = {16, "UNAUTHENTICATED"},
  ["403"] = {7, "PERMISSION_DENIED"},
  ["404"] = {5, "METHOD_NOT_FOUND"},
  ["415"] = {3, "UNSUPPORTED_MEDIA_TYPE"},
}
-- Set by a route that answers a gRPC content type with this HTTP status (unrouted.py): Envoy
-- gives every reply to such a request the gRPC form (200 and grpc-status), undone here.
local EDGE_STATUS = "x-cognos-edge-status"

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

local function percent_decoded(s)
  return (s:gsub('%%(%x%x)', function(hex) return string.char(tonumber(hex, 16)) end))
end

-- A gRPC-form reply (its text in grpc-message, no body) answered as HTTP ``status`` instead.
local function as_http(response_handle, status)
  local headers = response_handle:headers()
  local text = percent_decoded(headers:get("grpc-message") or "")
  headers:replace(":status", status)
  headers:replace("content-type", "application/json")
  headers:remove("grpc-status")
  headers:remove("grpc-message")
  headers:remove(EDGE_STATUS)
  response_handle:body(true):setBytes(refusal(CODES[status], text))
end

function envoy_on_response(response_handle)
  local headers = response_handle:headers()
  local status = headers:get(":status")
  local edge_status = headers:get(EDGE_STATUS)
  if edge_status ~= nil and CODES[edge_status] ~= nil then
    as_http(response_handle, edge_status)
    return
  end
  local content_type = headers:get("content-type") or ""
  if content_type:find("text/plain", 1, true) == nil or (status ~= "400" and CODES[status] == nil) then
    return
  end
  local body = response_handle:body()
  -- Waiting for the body invalidates the earlier headers handle: take it again.
  headers = response_handle:headers()
  headers:replace("content-type", "application/json")
  if body == nil then
    -- A reply to HEAD: no body, so no length of one.
    headers:remove("content-length")
    return
  end
  local text = body:getBytes(0, body:length())
  if status == "400" then
    body:setBytes(bad_request(text))
  else
    body:setBytes(refusal(CODES[status], text))
  end
end
