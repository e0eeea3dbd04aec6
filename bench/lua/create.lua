-- Create: POST /fhir/Patient with a small valid Patient. The server assigns each one a new id, so
-- the same bytes can be sent every time (wrk's static request, no per-request Lua).
wrk.method = "POST"
wrk.path = "/fhir/Patient"
wrk.headers["Content-Type"] = "application/fhir+json"
wrk.headers["Accept"] = "application/fhir+json"
wrk.body = '{"resourceType":"Patient","active":true,'
  .. '"identifier":[{"system":"urn:oid:2.16.840.1.113883.2.4.6.3","value":"999911120"}],'
  .. '"name":[{"family":"Bench","given":["Wrk"]}],"gender":"female","birthDate":"1980-04-01"}'
