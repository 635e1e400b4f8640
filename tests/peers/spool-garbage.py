#!/usr/bin/python3
# spool-garbage.py QUEUE SEED N: puts N malformed or hostile files under
# valid ids into QUEUE's cur/, new/ and state/, for tests/0421: random
# bytes, envelopes cut short or without recipients, over-long lines,
# NULs, state files with wrong fields and huge numbers, FIFOs, symbolic
# links to a file outside the spool (SECRET, named in the environment),
# directories. Prints one line per file: "DIR/ID KIND".
import os, random, sys

q, seed, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
secret = os.environ["SECRET"]

def rnd(k):
    return bytes(rng.randrange(256) for _ in range(k))

def envelope():
    return rng.choice([
        b"", b"F a@b\n", b"F a@b\n\n", b"T a@b\nF a@b\n\nx\n", b"F a@b\nT ok-x@b",
        b"F a@b\nT " + b"x" * 300 + b"\n\nbody\n", b"F a@b\nT ok-\0@b\n\nbody\n",
        b"F a@b\nX ok-y@b\n\nbody\n", b"F\nT ok-z@b\n\nbody\n", b"F a@b\nT ok-\x1b@b\n\nbody\n",
        b"F a@b\nT ok-\tt@b\n\nbody\n", rnd(rng.randrange(1, 400)),
        b"F a@b\n" + b"T ok-\xff@b\n" * 3 + b"\n" + rnd(50)])

def state():
    return rng.choice([
        b"", rnd(rng.randrange(1, 300)), b"attempts\t99999999999999999999\n",
        b"attempts\t1\nnext\t18446744073709551615\nwarned\t1\n",
        b"attempts\t4294967295\nnext\t0\nwarned\t0\ndefer\tok-x@b\t451\tlater\n",
        b"done\tok-x@b\t250\n", b"attempts\t1\nnext\t12", b"fail\t\t0\t\n",
        b"defer\tok-x@b\t99999999999\tx\n" * 3, b"\n\n\n"])

for i in range(n):
    ident = "17%08d.%09d.%010d" % (rng.randrange(10**8), rng.randrange(10**9), i)
    where = rng.choice(["cur", "cur", "new", "state"])
    path = os.path.join(q, where, ident)
    kind = rng.choice(["file"] * 8 + ["fifo", "symlink", "dir"])
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink":
        os.symlink(secret, path)
    elif kind == "dir":
        os.mkdir(path)
    else:
        with open(path, "wb") as f:
            f.write(state() if where == "state" else envelope())
        # a state file next to a garbage message, now and then
        if where == "cur" and rng.random() < 0.3:
            with open(os.path.join(q, "state", ident), "wb") as f:
                f.write(state())
    print("%s/%s %s" % (where, ident, kind))
