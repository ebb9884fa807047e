"""Check a pvcheck SARIF file as code scanning reads it.
usage: check_sarif.py FILE README VERSION [--catalogue]
Every rule has help text and a helpUri into README at a heading that exists;
the driver has VERSION; every result has a message, a location relative to
%SRCROOT% when the file is under it, a codeFlow with one threadFlow per
stack, and a fingerprint; with --catalogue, no fingerprint is in both runs
and a finding both checkers made says so."""
import json
import re
import sys
from urllib.parse import urlparse, unquote

path, readme, version = sys.argv[1:4]
catalogue = "--catalogue" in sys.argv
fails = []
doc = json.load(open(path))


def fail(msg):
    fails.append(msg)


def anchors(md):
    out = set()
    for line in open(md):
        m = re.match(r"#+\s+(.*)", line)
        if m:
            slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            out.add(slug)
    return out


heads = anchors(readme)
if doc.get("version") != "2.1.0":
    fail("version is not 2.1.0")
runs = doc.get("runs", [])
if not runs or runs[0]["tool"]["driver"]["name"] != "pvcheck":
    fail("the first run is not pvcheck's")
prints = []
for run in runs:
    driver = run["tool"]["driver"]
    if driver["name"] == "pvcheck" and driver.get("version") != version:
        fail(f"driver version {driver.get('version')!r}, expected {version!r}")
    base = run.get("originalUriBaseIds", {}).get("%SRCROOT%", {}).get("uri", "")
    if not base.startswith("file:///") or not base.endswith("/"):
        fail(f"%SRCROOT% is {base!r}")
    rules = driver.get("rules", [])
    for rule in rules:
        if not rule.get("help", {}).get("text"):
            fail(f"rule {rule['id']} has no help text")
        uri = urlparse(rule.get("helpUri", ""))
        if uri.scheme != "file" or unquote(uri.path) != readme or uri.fragment not in heads:
            fail(f"rule {rule['id']}: helpUri {rule.get('helpUri')} is not a heading of {readme}")
    fps = set()
    for res in run.get("results", []):
        rid = res.get("ruleId")
        if rules[res["ruleIndex"]]["id"] != rid:
            fail(f"ruleIndex does not point at {rid}")
        text = res.get("message", {}).get("text", "")
        if rid == "race" and " races with " not in text:
            fail(f"a race's message does not say what raced with what: {text}")
        for loc in res.get("locations", []) + res.get("relatedLocations", []):
            art = loc.get("physicalLocation", {}).get("artifactLocation", {})
            uri = art.get("uri", "")
            if art.get("uriBaseId") == "%SRCROOT%":
                if uri.startswith("/") or ":" in uri:
                    fail(f"relative uri {uri} is not relative")
            elif base and uri.startswith(base):
                fail(f"{uri} is under %SRCROOT% but absolute")
        flows = res.get("codeFlows", [{}])[0].get("threadFlows", [])
        stacks = [l for l in res.get("locations", []) + res.get("relatedLocations", [])
                  if "physicalLocation" in l
                  and not l.get("message", {}).get("text", "").startswith("Thread T")]
        if len(flows) < len(stacks) or not all(f.get("locations") for f in flows):
            fail(f"{rid}: {len(flows)} thread flows for {len(stacks)} stacks")
        ids = [f.get("id") for f in flows]
        if len(set(ids)) < len(ids):
            fail(f"{rid}: thread flow ids repeat in one codeFlow: {ids}")
        fp = res.get("partialFingerprints", {}).get("pvcheckFinding/v1")
        if not fp:
            fail(f"{rid}: no fingerprint")
        fps.add((fp, res.get("properties", {}).get("case"), res.get("properties", {}).get("variant")))
    prints.append(fps)
if catalogue:
    if len(runs) != 2:
        fail(f"{len(runs)} runs, expected pvcheck's and ThreadSanitizer's")
    else:
        both = prints[0] & prints[1]
        if both:
            fail(f"{len(both)} findings are alerts of both runs: {sorted(both)[:3]}")
        marked = sum("ThreadSanitizer" in r.get("properties", {}).get("foundBy", [])
                     for r in runs[0]["results"])
        if not marked:
            fail("no pvcheck result says ThreadSanitizer found it too")
for f in fails:
    print(f"{path}: {f}")
sys.exit(1 if fails else 0)
