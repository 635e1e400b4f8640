#!/usr/bin/python3
"""walk.py TRACEDIR T0 TDATA T1 [SEQFILE [WHYFILE]]: counts the walk of one
message.

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

A fourth column, "leaves collapsed", is the walk each function once with
the leaf functions left out: a leaf is a function of ours whose machine
code calls no other function of ours, directly or through a pointer
(objdump -d of the program): str/byte helpers, accessors, encoders such
as printable_fix, addr_hash, job_put_rcpt, prioq_min. A call into a leaf
is then no stay. This never replaces the raw count beside it.

The returns (each function once) are also told apart by the call that
made them: into a leaf ('leaf'), from lib/ or queue/ into cmd/
('callback'), or any other ('module'), with the return from such a call
counted the same way.

SEQFILE, if given, gets the walk of each process, each function once, one
stay a line with the call or return that entered it, then the same with
leaves collapsed. WHYFILE, if given, gets where the returns come from:
per process the returns by pair of files, the callbacks into cmd/ by
name, the leaf functions behind the leaf returns, and the runs that go
back and forth between two files (A B A B, 4 stays or more).
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
    """{addr: ('lib/x.c', name)} for the functions at addrs in exe (file
    None: not ours)"""
    addrs = sorted(addrs)
    if not addrs:
        return {}
    out = subprocess.run(['addr2line', '-f', '-e', exe],
                         input=''.join('%x\n' % a for a in addrs),
                         capture_output=True, text=True, check=True).stdout.split('\n')
    res = {}
    for i, a in enumerate(addrs):
        m = OURS.search(out[2 * i + 1].rsplit(':', 1)[0])
        res[a] = (m.group(1) if m else None, out[2 * i])
    return res


CALL = re.compile(r'^\s*[0-9a-f]+:\s+call\s+(\*|([0-9a-f]+) <)')
FUNC = re.compile(r'^([0-9a-f]+) <[^>]*>:$')


def leaf_functions(exe):
    """the addresses of exe's leaf functions: functions of cmd/, lib/ or
    queue/ whose code calls no other function of ours, directly or through
    a pointer (read from the machine code: objdump -d)"""
    syms = subprocess.run(['nm', '--defined-only', exe], capture_output=True,
                          text=True, check=True).stdout.split('\n')
    text = [int(f[0], 16) for f in (l.split() for l in syms)
            if len(f) == 3 and f[1] in 'tT']
    ours = {a for a, (f, _) in addr_files(exe, text).items() if f}
    if not ours:
        return set()
    leaves, fn, leaf = set(), None, False
    after = [a for a in text if a > max(ours)]
    dump = subprocess.run(['objdump', '-d', '--no-show-raw-insn',
                           '--start-address=0x%x' % min(ours),
                           '--stop-address=0x%x' % (min(after) if after else 1 << 62), exe],
                          capture_output=True, text=True, check=True).stdout
    for line in dump.split('\n'):
        m = FUNC.match(line)
        if m:
            if fn in ours and leaf:
                leaves.add(fn)
            fn, leaf = int(m.group(1), 16), True
            continue
        m = CALL.match(line)
        if m and (m.group(1) == '*' or (int(m.group(2), 16) in ours and int(m.group(2), 16) != fn)):
            leaf = False
    if fn in ours and leaf:
        leaves.add(fn)
    return leaves


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
    """the stays of a sequence of (file, way): a run in one file is one
    stay, with the way of its first step"""
    out = []
    for f, way in seq:
        if f and (not out or out[-1][0] != f):
            out.append((f, way))
    return out


def walk(images, start, end, fileof, key, skip=frozenset()):
    """(calls, dynamic stays, folded stays) of one process in [start, end];
    key(parent_node, fn) names a call: its first occurrence is walked. A
    stay is (file, way), way ('call', exe, caller, callee) or ('return',
    exe, callee, caller) of the step that entered it (None: where the
    process waited). Functions in skip ((exe, fn)) are left out as if
    not instrumented (a leaf has no calls of ours to lose)."""
    dyn, fold = [], []
    calls = 0
    seen = set()
    for exe, events in images:
        stack = []   # (fn, node, emitted)
        first = True
        for t, v in events:
            fn = v & ~EXIT
            if (exe, fn) in skip:
                continue
            inwin = start <= t <= end
            if inwin and first:
                first = False
                if stack:   # where the process waited when the window opened
                    dyn.append((fileof(exe, stack[-1][0]), None))
                    fold.append((fileof(exe, stack[-1][0]), None))
            if not v & EXIT:
                node = key(stack[-1][1] if stack else None, fn)
                new = inwin and node not in seen
                way = ('call', exe, stack[-1][0] if stack else None, fn)
                if inwin:
                    calls += 1
                    seen.add(node)
                    dyn.append((fileof(exe, fn), way))
                    if new:
                        fold.append((fileof(exe, fn), way))
                stack.append((fn, node, new))
            else:
                # an exit pops its own frame (and any frame a longjmp skipped)
                while stack and stack[-1][0] != fn:
                    stack.pop()
                if not stack:
                    continue
                _, _, emitted = stack.pop()
                if inwin and stack:
                    way = ('return', exe, fn, stack[-1][0])
                    dyn.append((fileof(exe, stack[-1][0]), way))
                    if emitted:
                        fold.append((fileof(exe, stack[-1][0]), way))
    return calls, collapse(dyn), collapse(fold)


def counts(stays):
    files = {f for f, _ in stays}
    return len(files), len(stays), len(stays) - len(files)


def classify(stays, fileof, nameof, leaves):
    """each return of a walk (a stay in a file visited before), as
    'callback' (a call from lib/ or queue/ into cmd/, or the return from
    it), 'leaf' (a call into a leaf function of another file, or the
    return from it) or 'module' (any other call or return between files):
    [(kind, this file, the file of the stay before, the way)]"""
    out, seen = [], set()
    for i, (f, way) in enumerate(stays):
        if f in seen and way:
            kind, exe, a, b = way
            callee = b if kind == 'call' else a
            caller = a if kind == 'call' else b
            cf, ef = fileof(exe, caller), fileof(exe, callee)
            if ef.startswith('cmd/') and not cf.startswith('cmd/'):
                k = 'callback'
            elif (exe, callee) in leaves:
                k = 'leaf'
            else:
                k = 'module'
            out.append((k, f, stays[i - 1][0], way))
        seen.add(f)
    return out


def why(label, stays, fileof, nameof, leaves, out):
    """where the returns of one process come from: per kind, per pair of
    files (both directions together), the callbacks into cmd/ by name, and
    the runs that go back and forth between two files (A B A B...)"""
    rets = classify(stays, fileof, nameof, leaves)
    kinds = defaultdict(int)
    pairs = defaultdict(lambda: defaultdict(int))
    for k, f, other, _ in rets:
        kinds[k] += 1
        pairs[tuple(sorted((f, other)))][k] += 1
    print('# %s: %d returns, each function once: %d leaf, %d callback into cmd/, %d module'
          % (label, len(rets), kinds['leaf'], kinds['callback'], kinds['module']), file=out)
    print('## returns by pair of files (leaf, callback, module)', file=out)
    for pair, ks in sorted(pairs.items(), key=lambda x: (-sum(x[1].values()), x[0])):
        print('%4d  %s <-> %s  (%d, %d, %d)' % (sum(ks.values()), pair[0], pair[1],
                                               ks['leaf'], ks['callback'], ks['module']), file=out)
    cbs = sorted({(nameof(w[1], w[2]), nameof(w[1], w[3]), fileof(w[1], w[3]))
                  for k, _, _, w in rets if k == 'callback' and w[0] == 'call'})
    if cbs:
        print('## callbacks into cmd/ (caller -> cmd/ function)', file=out)
        for a, b, f in cbs:
            print('      %s -> %s (%s)' % (a, b, f), file=out)
    lv = defaultdict(set)
    for k, _, _, w in rets:
        if k == 'leaf':
            callee = w[3] if w[0] == 'call' else w[2]
            lv[fileof(w[1], callee)].add(nameof(w[1], callee))
    if lv:
        print('## leaf functions behind the leaf returns', file=out)
        for f in sorted(lv):
            print('      %s: %s' % (f, ' '.join(sorted(lv[f]))), file=out)
    print('## back and forth: runs of 4 or more stays alternating between two files', file=out)
    i = 0
    while i + 3 < len(stays):
        j = i + 2
        while j < len(stays) and stays[j][0] == stays[j - 2][0]:
            j += 1
        if j - i >= 4:
            steps = []
            for f, w in stays[i + 1:j]:
                steps.append('%s %s' % ('>' if w[0] == 'call' else '<',
                                        nameof(w[1], w[3] if w[0] == 'call' else w[2])))
            print('%4d  %s <-> %s: %s' % (j - i, stays[i][0], stays[i + 1][0], ', '.join(steps)), file=out)
            i = j - 1
        else:
            i += 1
    print(file=out)


def main():
    tracedir = sys.argv[1]
    t0, tdata, t1 = (int(x) for x in sys.argv[2:5])
    seqout = open(sys.argv[5], 'w') if len(sys.argv) > 5 else None
    whyout = open(sys.argv[6], 'w') if len(sys.argv) > 6 else None
    procs = processes(tracedir)
    maps = {}
    leaves = set()
    want = defaultdict(set)
    for images in procs.values():
        for exe, events in images:
            want[exe].update(v & ~EXIT for _, v in events)
    for exe, addrs in want.items():
        maps[exe] = addr_files(exe, addrs)
        leaves.update((exe, fn) for fn in leaf_functions(exe))

    def fileof(exe, fn):
        return maps[exe].get(fn, (None, None))[0]

    def nameof(exe, fn):
        return maps[exe].get(fn, (None, '?'))[1]

    rows, kinds = [], []
    for pid, images in sorted(procs.items()):
        names = [os.path.basename(e) for e, _ in images]
        label = names[-1] + (' (forked by %s)' % names[0] if names[0] != names[-1] else '')
        start = tdata if names[0] == 'smarthost-smtpd' and names[-1] == names[0] else t0
        calls, dyn, fold = walk(images, start, t1, fileof, lambda parent, fn: (parent, fn))
        _, _, once = walk(images, start, t1, fileof, lambda parent, fn: fn)
        _, _, bare = walk(images, start, t1, fileof, lambda parent, fn: fn, leaves)
        if not calls:
            continue
        rows.append((label, calls, counts(dyn), counts(fold), counts(once), counts(bare)))
        kinds.append((label, [k for k, _, _, _ in classify(once, fileof, nameof, leaves)]))

        for stays, what in ((once, ''), (bare, ', leaves collapsed')) if seqout else ():
            print('# %s (pid %d): %d stays, each function once%s' % (label, pid, len(stays), what), file=seqout)
            seen = set()
            for f, way in stays:
                how = ''
                if way:
                    callee = way[3] if way[0] == 'call' else way[2]
                    how = '%s %s%s' % ('> call' if way[0] == 'call' else '< return from',
                                       nameof(way[1], callee),
                                       ' (leaf)' if (way[1], callee) in leaves else '')
                print('%-32s %-10s %s' % (f, '' if f not in seen else '(return)', how), file=seqout)
                seen.add(f)
        if whyout:
            why(label, once, fileof, nameof, leaves, whyout)
    print('| process | calls | files | stays, each call | returns | stays, each context once | returns '
          '| stays, each function once | returns | stays, leaves collapsed | returns |')
    print('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    tot = [0] * 10
    for label, calls, d, f, o, b in rows:
        v = (calls, d[0], d[1], d[2], f[1], f[2], o[1], o[2], b[1], b[2])
        print('| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |' % ((label,) + v))
        for i, x in enumerate(v):
            tot[i] += x
    print('| all %d processes | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |' % ((len(rows),) + tuple(tot)))
    print()
    print('The returns (each function once) by the call that made them: into a leaf function, a callback from lib/ or queue/ into cmd/, or any other call between modules (and the return from it).')
    print()
    print('| process | returns | leaf | callback into cmd/ | module |')
    print('| --- | ---: | ---: | ---: | ---: |')
    tot = [0] * 4
    for label, ks in kinds:
        v = (len(ks), ks.count('leaf'), ks.count('callback'), ks.count('module'))
        print('| %s | %d | %d | %d | %d |' % ((label,) + v))
        tot = [a + b for a, b in zip(tot, v)]
    print('| all %d processes | %d | %d | %d | %d |' % ((len(kinds),) + tuple(tot)))


if __name__ == '__main__':
    main()
