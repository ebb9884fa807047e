"""Check the DOM Chromium rendered from a pvcheck HTML report.
usage: check_html_dom.py run|deadlock|xproc|catalogue DOM_FILE"""
import sys
from html.parser import HTMLParser

mode, path = sys.argv[1], sys.argv[2]


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.elems, self.text = [], [], {}

    def handle_starttag(self, tag, attrs):
        e = {"tag": tag, "attrs": dict(attrs), "parents": list(self.stack), "text": ""}
        self.elems.append(e)
        if tag not in ("br", "meta", "line", "circle", "rect", "path", "input", "img", "link"):
            self.stack.append(e)

    def handle_startendtag(self, tag, attrs):
        self.elems.append({"tag": tag, "attrs": dict(attrs), "parents": list(self.stack), "text": ""})

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for e in self.stack:
            e["text"] += data


dom = Dom()
dom.feed(open(path, encoding="utf-8").read())
fails = []


def cls(e):
    return e["attrs"].get("class", "").split()


def find(tag=None, c=None, within=None):
    out = []
    for e in dom.elems:
        if tag and e["tag"] != tag:
            continue
        if c and c not in cls(e):
            continue
        if within is not None and within not in e["parents"]:
            continue
        out.append(e)
    return out


def check(cond, msg):
    if not cond:
        fails.append(msg)


# Self-contained: nothing is fetched.
for e in dom.elems:
    for a in ("src", "href"):
        v = e["attrs"].get(a) or ""
        check(not (v.startswith("http") or v.startswith("//")), f"<{e['tag']} {a}={v}> reaches the network")
check(not find("link"), "a <link> element")

findings = find("section", "finding")
if mode in ("run", "deadlock", "xproc"):
    check(findings, "no finding")
for f in findings:
    svg = find("svg", "timeline", f)
    check(svg, f"finding {f['attrs'].get('id')} has no timeline")
    stacks = find("div", "stack", f)
    check(len(stacks) >= 2 or f["attrs"].get("data-kind") == "thread-leak",
          f"finding {f['attrs'].get('id')} has {len(stacks)} stacks")
if mode == "run":
    race = [f for f in findings if f["attrs"].get("data-kind") == "race"]
    check(len(race) == 1, f"{len(race)} race findings")
    if race:
        f = race[0]
        check(" races with " in f["text"], "the race's heading does not say what raced with what")
        lanes = find("g", "lane", f)
        check(len(lanes) == 3, f"{len(lanes)} thread lanes, expected T0, T1, T2")
        check(len(find("g", "access", f)) == 2, "not two accesses on the timeline")
        check(len(find("g", "create", f)) == 2, "not two creations on the timeline")
        held = [e for e in find("text", "heldl", f)]
        check(sorted(h["text"] for h in held) == ["holds M0 'lock_b'", "holds M1 'lock_a'"] or
              sorted(h["text"] for h in held) == ["holds M0 'lock_a'", "holds M1 'lock_b'"],
              f"locks held on the timeline: {[h['text'] for h in held]}")
        hits = [e["text"] for e in find("span", "hit", f)]
        check(len(hits) >= 2 and all("counter++" in h for h in hits[:2]),
              f"the racing source lines are not highlighted: {hits}")
        grid = find("div", "stacks", f)
        check(grid and len(find("div", "stack", grid[0])) == 2, "the two stacks are not side by side")
if mode == "deadlock":
    kinds = sorted(f["attrs"].get("data-kind") for f in findings)
    check(kinds == ["deadlock", "lock-order"], f"findings {kinds}")
    for f in findings:
        cyc = find("path", "cyc", f)
        check(len(cyc) == 2, f"{f['attrs'].get('data-kind')}: {len(cyc)} cycle arrows, expected 2")
        labels = [e["text"] for e in find("text", "evl", f)]
        want = "waits for mutex 'b'" if f["attrs"].get("data-kind") == "deadlock" else "locks mutex 'b' holding mutex 'a'"
        check(want in labels, f"{f['attrs'].get('data-kind')}: no '{want}' among {labels}")
if mode == "xproc":
    check(len(findings) == 1, f"{len(findings)} findings, expected the one race")
    if findings:
        lanes = find("g", "lane", findings[0])
        pids = sorted(l["attrs"].get("data-pid") != "0" for l in lanes)
        check(pids == [False, True], f"not one lane per process: {[l['attrs'] for l in lanes]}")
        check(any("(pid " in l["text"] for l in lanes), "the other process's lane does not say its pid")
        check("on an anonymous MAP_SHARED mapping" in findings[0]["text"], "the shared mapping is not named")
if mode == "catalogue":
    rows = find("tr", within=None)
    body = [r for r in rows if "data-topic" in r["attrs"]]
    shown = [r for r in body if "hidden" not in r["attrs"]]
    check(len(body) == 4, f"{len(body)} rows, expected 4")
    check([r["attrs"]["data-topic"] for r in shown] == ["wrong"],
          f"#topic=wrong&verdict=mismatch shows {[r['attrs']['data-topic'] for r in shown]}")
    check(any(e["attrs"].get("id") == "shown" and e["text"] == "1 shown"
                                          for e in find("span")), "the count of shown rows is not 1")
    sections = find("section", "variant")
    visible = [s for s in sections if "hidden" not in s["attrs"]]
    check(len(sections) >= 2 and len(visible) == 1, f"{len(visible)} of {len(sections)} variant sections shown")
    opts = [e["text"] for e in find("option")]
    for o in ("agree", "wrong", "broken", "mismatch", "race"):
        check(o in opts, f"no filter option {o}")
for f in fails:
    print(f"{path}: {f}")
sys.exit(1 if fails else 0)
