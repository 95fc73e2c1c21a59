#!/usr/bin/env bash
# Bulk Data export benchmark against a running server: loads a tagged population (PATIENTS patients,
# the rest Observations, RESOURCES in all; default 10,000) with a backend-service token in
# transactions of 500, then exports it ($export?_type=Patient,Observation&_typeFilter=<the tag>) and
# times kick-off → manifest → every file downloaded. Prints the seconds and resources/s; the target
# (issue 19) is 10,000 resources in at most 30 s. Each run loads a new population (a new tag).
#   bench/export.sh [resources] [patients]
# Environment: FHIR_ORIGIN (https://localhost:8443), CLIENT_ID / CLIENT_SECRET (the demo backend
# service: role integration, scope system/*.cruds), CA (default data/tls/server.crt).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "${1:-10000}" "${2:-100}" <<'PY'
import base64, json, os, ssl, sys, time, urllib.parse, urllib.request, uuid

total, patients = int(sys.argv[1]), int(sys.argv[2])
origin = os.environ.get("FHIR_ORIGIN", "https://localhost:8443")
client = os.environ.get("CLIENT_ID", "demo-backend-service")
secret = os.environ.get("CLIENT_SECRET", "demo-backend-secret-NOT-FOR-PRODUCTION-0001")
context = ssl.create_default_context(cafile=os.environ.get("CA", "data/tls/server.crt"))
base = origin + "/fhir"
tag_system, tag = "https://securefhir.org/bench/export", uuid.uuid4().hex[:12]

def call(method, url, body=None, headers=None, token=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, context=context, timeout=600) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()

def token():
    basic = base64.b64encode(f"{client}:{secret}".encode()).decode()
    status, _, body = call("POST", origin + "/auth/oauth2/token",
                           b"grant_type=client_credentials&scope=system/*.cruds",
                           {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, body
    return json.loads(body)["access_token"]

meta = {"tag": [{"system": tag_system, "code": tag}]}
resources = []
for p in range(patients):
    resources.append({"resourceType": "Patient", "id": f"bx{tag}p{p}", "meta": meta,
                      "name": [{"family": f"Bench{p}", "given": ["Export"]}], "birthDate": "1970-01-01"})
for i in range(total - patients):
    resources.append({"resourceType": "Observation", "id": f"bx{tag}o{i}", "meta": meta, "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                      "subject": {"reference": f"Patient/bx{tag}p{i % patients}"},
                      "valueQuantity": {"value": 60 + i % 40, "unit": "/min"}})
started = time.time()
for start in range(0, len(resources), 500):
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
        for r in resources[start:start + 500]]}
    status, _, body = call("POST", base, json.dumps(bundle).encode(), {"Content-Type": "application/fhir+json"}, token())
    assert status == 200, body[:500]
print(f"loaded {len(resources)} resources ({patients} patients) in {time.time() - started:.1f} s, tag {tag}")

access = token()
filters = ",".join(urllib.parse.quote(f"{t}?_tag={tag_system}|{tag}", safe="") for t in ("Patient", "Observation"))
started = time.time()
status, headers, body = call("GET", f"{base}/$export?_type=Patient,Observation&_typeFilter={filters}",
                             headers={"Prefer": "respond-async", "Accept": "application/fhir+json"}, token=access)
assert status == 202, body
location = headers["Content-Location"]
while True:
    status, headers, body = call("GET", location, token=access)
    if status == 200:
        break
    assert status == 202, body
    time.sleep(min(float(headers.get("Retry-After", "1")), 0.5))
manifest_at = time.time() - started
manifest = json.loads(body)
exported = 0
for output in manifest["output"]:
    status, _, data = call("GET", output["url"], headers={"Accept": "application/fhir+ndjson"}, token=access)
    assert status == 200, data[:300]
    exported += sum(1 for line in data.splitlines() if line.strip())
elapsed = time.time() - started
assert exported == len(resources), f"exported {exported} of {len(resources)}"
print(f"exported {exported} resources in {len(manifest['output'])} files: manifest after {manifest_at:.1f} s,"
      f" all downloaded after {elapsed:.1f} s = {exported / elapsed:.0f} resources/s")
PY
