#!/usr/bin/python3
"""Top frames of a dotnet-trace speedscope file: exclusive (self) and inclusive share of samples on threads that ran
request work (a thread counts if any of its samples has a frame from UserAuth, ASP.NET Core, Kestrel or SQLite, not
counting the process and thread frames every thread has), and
the share of components (SQLite, JSON, logging, auth, MVC, Kestrel, GC), each sample counted once by the innermost
frame that belongs to one. Idle frames (waits) are left out."""
import json
import re
import sys
from collections import Counter

doc = json.load(open(sys.argv[1]))
frames = [f["name"] for f in doc["shared"]["frames"]]
IDLE = re.compile(r"WaitHandle|Monitor\.Wait|SemaphoreSlim\.Wait|ManualResetEventSlim\.Wait|LowLevelLifoSemaphore|Thread\.Sleep|epoll_wait|"
                  r"SocketAsyncEngine\.EventLoop|WaitForSignal|PortableThreadPool\.WorkerThread\.WorkerDoWait|Interop\+Sys\.WaitForSocketEvents|"
                  r"Blocking|LowLevelMonitor|Timer.*Wait|WaitOne|WaitCore|Interop\+Sys\.Read\(|Interop\+Sys\.Poll|accept|SpinWait|Thread\.Yield")
REQ = re.compile(r"UserAuth|AspNetCore|Kestrel|Sqlite|SQLitePCL")
# The frames every thread has (the process, named after UserAuth.Api.dll, and the thread): not request work.
ROOT = re.compile(r"^(Process64 |Thread \(|Threads$|\(Non-Activities\)$)")
# The finalizer thread waiting for work shows as GC.RunFinalizers() [CPU_TIME] with nothing under it (its CPU time in
# /proc stays 0 meanwhile); a finalizer that runs shows its own frame under RunFinalizers.
FINALIZER_IDLE = "System.Private.CoreLib!System.GC.RunFinalizers()"
BUCKETS = [
    ("SQLite (Microsoft.Data.Sqlite, SQLitePCL, e_sqlite3)", re.compile(r"Microsoft\.Data\.Sqlite|SQLitePCL|sqlite3")),
    ("JSON (System.Text.Json)", re.compile(r"System\.Text\.Json")),
    ("logging (Serilog, Microsoft.Extensions.Logging)", re.compile(r"Serilog|Microsoft\.Extensions\.Logging")),
    ("authentication / JWT", re.compile(r"Authentication|JwtBearer|IdentityModel|Authorization|ValidatedTokenCache")),
    ("MVC (routing, binding, filters, results)", re.compile(r"Microsoft\.AspNetCore\.Mvc|Microsoft\.AspNetCore\.Routing")),
    ("Kestrel / sockets / HTTP parsing", re.compile(r"Kestrel|System\.Net\.Sockets|Pipelines")),
    ("GC and allocation", re.compile(r"GC|Allocat|gc_heap|WKS::|SVR::")),
]
excl, incl, buckets = Counter(), Counter(), Counter()
total = 0


def stacks(prof):
    """(stack of frame indexes, weight) pairs, from a sampled or an evented profile."""
    if prof.get("type") == "evented":
        stack, last = [], None
        for e in prof["events"]:
            if last is not None and stack and e["at"] > last:
                yield tuple(stack), e["at"] - last
            last = e["at"]
            if e["type"] == "O":
                stack.append(e["frame"])
            elif stack:
                stack.pop()
    else:
        for s, wgt in zip(prof.get("samples", []), prof.get("weights") or [1] * len(prof.get("samples", []))):
            yield tuple(s), wgt


for prof in doc["profiles"]:
    items = list(stacks(prof))
    if not any(REQ.search(frames[i]) and not ROOT.search(frames[i]) for s, _ in items[:5000] for i in s):
        continue
    for s, wgt in items:
        if not s:
            continue
        leaf = [frames[i] for i in s[-4:]]
        if any(IDLE.search(n) for n in leaf) or (frames[s[-1]] == "CPU_TIME" and len(s) > 1 and frames[s[-2]] == FINALIZER_IDLE):
            continue
        top = frames[s[-1]]
        if top in ("UNMANAGED_CODE_TIME", "CPU_TIME") and len(s) > 1:
            top = frames[s[-2]] + " [" + top + "]"
        total += wgt
        excl[top] += wgt
        names = [frames[i] for i in s]
        for name in set(names):
            incl[name] += wgt
        # Each sample goes to one component: that of the innermost frame that belongs to one (the code running).
        label = next((label for n in reversed(names) for label, rx in BUCKETS if rx.search(n)), "other (runtime, thread pool, ASP.NET Core hosting)")
        buckets[label] += wgt
if total == 0:
    print("no request samples")
    sys.exit(0)
print(f"busy time on request threads: {total:,.0f} ms (thread time, waits left out)")
print("\ncomponents (each sample counted once, by its innermost frame that belongs to one):")
for label, v in buckets.most_common():
    print(f"  {100 * v / total:5.1f}%  {label}")
print("\ntop exclusive frames:")
for name, v in excl.most_common(25):
    print(f"  {100 * v / total:5.1f}%  {name[:150]}")
print("\ntop inclusive frames (UserAuth and library entry points):")
shown = 0
for name, v in incl.most_common(400):
    if re.search(r"UserAuth|Sqlite|Serilog|JwtBearer|Json|Mvc\.Infrastructure|Formatter|ResponseCompression|Kestrel.*Http1", name):
        print(f"  {100 * v / total:5.1f}%  {name[:150]}")
        shown += 1
        if shown >= 40:
            break
