#!/usr/bin/python3
"""walk.py TRACEDIR T0 TDATA T1 [SEQFILE]: counts the walk of one message.

Reads the per-process traces written by tests/bench/walktrace.c (function
entries and exits of our code, with CLOCK_MONOTONIC times), maps each
function to its source file with addr2line, and prints per process, inside
the window (from TDATA for the smtpd, the client's DATA; from T0 for the
others; until T1):

  calls     function entries
  files     distinct source files visited
  stays     maximal runs in one file (a call into, or a return to, another
            file ends a stay and starts the next)
  returns   stays in a file already visited before in that process
            (so returns = stays - files)

three ways: "each call" counts every call, as executed; "each context
once" folds repetitions: a call is counted only the first time its calling
context (the chain of functions from main) occurs in the window, so a loop
over the bytes of a line, or the same helper called again from the same
place, is walked once; "each function once" counts a call only the first
time its function is entered in the window, as a reader who has read a
function does not read it again (the return from such a call still counts,
when it lands in another file). The files visited are the same all ways.
SEQFILE, if given, gets the folded walk of each process, one stay a line.
"""
import os
import re
import struct
import subprocess
import sys
from collections import defaultdict

EXIT = 1 << 63
OURS = re.compile(r'(?:^|/)((?:cmd|lib|queue)/[^/]+)$')


def read_trace(path):
    with open(path, 'rb') as f:
        (n,) = struct.unpack('<Q', f.read(8))
        n = min(n, (1 << 28) // 16 - 1)
        data = f.read(16 * n)
    n = len(data) // 16
    return [struct.unpack_from('<QQ', data, 16 * i) for i in range(n)]


def addr_files(exe, addrs):
    """{addr: 'lib/x.c'} for the functions at addrs in exe (None: not ours)"""
    addrs = sorted(addrs)
    if not addrs:
        return {}
    out = subprocess.run(['addr2line', '-e', exe],
                         input=''.join('%x\n' % a for a in addrs),
                         capture_output=True, text=True, check=True).stdout.split('\n')
    res = {}
    for a, line in zip(addrs, out):
        m = OURS.search(line.rsplit(':', 1)[0])
        res[a] = m.group(1) if m else None
    return res


def processes(tracedir):
    """{pid: [(exe, events), ...]} in exec order"""
    procs = defaultdict(list)
    for name in sorted(os.listdir(tracedir)):
        m = re.fullmatch(r'(\d+)\.(\d+)', name)
        if not m:
            continue
        try:
            exe = open(os.path.join(tracedir, name + '.exe')).read()
        except OSError:
            continue
        procs[int(m.group(1))].append((int(m.group(2)), exe, read_trace(os.path.join(tracedir, name))))
    return {p: [(e, ev) for _, e, ev in sorted(v)] for p, v in procs.items()}


def collapse(seq):
    out = []
    for f in seq:
        if f and (not out or out[-1] != f):
            out.append(f)
    return out


def walk(images, start, end, fileof, key):
    """(calls, dynamic stays, folded stays) of one process in [start, end];
    key(parent_node, fn) names a call: its first occurrence is walked"""
    dyn, fold = [], []
    calls = 0
    seen = set()
    for exe, events in images:
        stack = []   # (fn, node, emitted)
        first = True
        for t, v in events:
            fn = v & ~EXIT
            inwin = start <= t <= end
            if inwin and first:
                first = False
                if stack:   # where the process waited when the window opened
                    dyn.append(fileof(exe, stack[-1][0]))
                    fold.append(fileof(exe, stack[-1][0]))
            if not v & EXIT:
                node = key(stack[-1][1] if stack else None, fn)
                new = inwin and node not in seen
                if inwin:
                    calls += 1
                    seen.add(node)
                    dyn.append(fileof(exe, fn))
                    if new:
                        fold.append(fileof(exe, fn))
                stack.append((fn, node, new))
            else:
                # an exit pops its own frame (and any frame a longjmp skipped)
                while stack and stack[-1][0] != fn:
                    stack.pop()
                if not stack:
                    continue
                _, _, emitted = stack.pop()
                if inwin and stack:
                    dyn.append(fileof(exe, stack[-1][0]))
                    if emitted:
                        fold.append(fileof(exe, stack[-1][0]))
    return calls, collapse(dyn), collapse(fold)


def counts(stays):
    return len(set(stays)), len(stays), len(stays) - len(set(stays))


def main():
    tracedir = sys.argv[1]
    t0, tdata, t1 = (int(x) for x in sys.argv[2:5])
    seqout = open(sys.argv[5], 'w') if len(sys.argv) > 5 else None
    procs = processes(tracedir)
    maps = {}
    want = defaultdict(set)
    for images in procs.values():
        for exe, events in images:
            want[exe].update(v & ~EXIT for _, v in events)
    for exe, addrs in want.items():
        maps[exe] = addr_files(exe, addrs)

    def fileof(exe, fn):
        return maps[exe].get(fn)

    rows = []
    for pid, images in sorted(procs.items()):
        names = [os.path.basename(e) for e, _ in images]
        label = names[-1] + (' (forked by %s)' % names[0] if names[0] != names[-1] else '')
        start = tdata if names[0] == 'smarthost-smtpd' and names[-1] == names[0] else t0
        calls, dyn, fold = walk(images, start, t1, fileof, lambda parent, fn: (parent, fn))
        _, _, once = walk(images, start, t1, fileof, lambda parent, fn: fn)
        if not calls:
            continue
        rows.append((label, calls, counts(dyn), counts(fold), counts(once)))

        if seqout:
            print('# %s (pid %d): %d stays, each function once' % (label, pid, len(once)), file=seqout)
            seen = set()
            for f in once:
                print('%s%s' % (f, '' if f not in seen else '   (return)'), file=seqout)
                seen.add(f)
    print('| process | calls | files | stays, each call | returns | stays, each context once | returns | stays, each function once | returns |')
    print('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    tot = [0] * 8
    for label, calls, d, f, o in rows:
        v = (calls, d[0], d[1], d[2], f[1], f[2], o[1], o[2])
        print('| %s | %d | %d | %d | %d | %d | %d | %d | %d |' % ((label,) + v))
        for i, x in enumerate(v):
            tot[i] += x
    print('| all %d processes | %d | %d | %d | %d | %d | %d | %d | %d |' % ((len(rows),) + tuple(tot)))


if __name__ == '__main__':
    main()
