#!/usr/bin/env bash
# Rehearses tenas on a fresh Debian bookworm: a clean root made with
# `debootstrap --variant=minbase bookworm` from the mirror apt uses here, the
# repository copied in with nothing beside it, and then, in
# a chroot (proc, sys, dev mounted):
#
#   readme   the README's two commands, exactly: bash scripts/run-main.sh,
#            then bash scripts/test.sh (in /work/main)
#   docker   the build stage of docker/Dockerfile, instruction by instruction
#            (ENV, WORKDIR, COPY from the repository, RUN via /bin/sh -c) in
#            its own fresh root, as `docker build` would run them
#   runtime  the runtime stage of docker/Dockerfile in another fresh root
#            (COPY --from=build taken from the docker root), then a smoke test
#            as the image's USER: the ENTRYPOINT on 127.0.0.1 port 0, the
#            HEALTHCHECK command, one score each through tenas and
#            tenas-bench, SIGTERM -> exit 0
#
# No Docker engine is needed (none runs on the dev machines); the docker and
# runtime stages emulate one on debootstrapped roots, which are close to, but
# not byte-identical with, the debian:bookworm(-slim) images.
#
# usage: sudo scripts/rehearse-fresh-machine.sh [--dir DIR] [--only LIST]
#            [--mirror URL] [--keep] [--fresh-base]
#   --dir DIR      work folder (default /var/tmp/tenas-rehearsal); needs ~15 GB
#   --only LIST    comma-separated stages (default readme,docker,runtime)
#   --mirror URL   Debian mirror (default: the one in /etc/apt/sources.list*)
#   --keep         keep the roots afterwards (default: removed on success)
#   --fresh-base   re-run debootstrap even if DIR/bookworm-minbase.tar exists
#   --extra-packages "P1 P2"  apt-get install these in the readme and docker
#                  roots first: to rehearse packages proposed for
#                  scripts/install-deps.sh before they are added there (the
#                  summary names them; a clean rehearsal uses none)
# Logs: DIR/<stage>.log; a summary with timings at the end and in
# DIR/summary.txt. Long: the readme stage builds everything twice (Release,
# then -DTENAS_WERROR=ON) and runs the main job and the whole test suite;
# expect hours on 2 cores.
set -euo pipefail

# The repository: this script's parent folder, or $TENAS_REHEARSE_REPO (to
# run a copy of this script while the repository's copy is being edited).
REPO="$(cd "${TENAS_REHEARSE_REPO:-$(dirname "$0")/..}" && pwd)"
if [[ ! -f "$REPO/scripts/install-deps.sh" || ! -f "$REPO/docker/Dockerfile" ]]; then
  echo "rehearse: $REPO is not the tenas repository (set TENAS_REHEARSE_REPO)" >&2
  exit 2
fi
WORK="/var/tmp/tenas-rehearsal"
STAGES="readme,docker,runtime"
MIRROR=""
KEEP=0
FRESH_BASE=0
EXTRA_PACKAGES=""
while (($#)); do
  case "$1" in
    --dir) WORK="$2"; shift 2 ;;
    --only) STAGES="$2"; shift 2 ;;
    --mirror) MIRROR="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --fresh-base) FRESH_BASE=1; shift ;;
    --extra-packages) EXTRA_PACKAGES="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "rehearse: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [[ "$(id -u)" != 0 ]]; then
  echo "rehearse: needs root (debootstrap, chroot, mounts); run with sudo" >&2
  exit 2
fi
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
SUMMARY="$WORK/summary.txt"
: > "$SUMMARY"
note() { echo "rehearse: $*" | tee -a "$SUMMARY"; }
now() { date +%s; }

# --- the mirror apt uses here -------------------------------------------
detect_mirror() {
  local uri=""
  # deb822 (*.sources): the URIs of a stanza whose Suites include bookworm.
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    uri=$(awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm([ \n]|$)/ && /Components:[^\n]*main/ {
            if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s = substr($0, RSTART, RLENGTH);
              sub(/URIs:[ \t]*/, "", s); if (s !~ /security/) { print s; exit } } }' "$f")
    [[ -n "$uri" ]] && break
  done
  if [[ -z "$uri" ]]; then
    # One-line format: deb [opts] URI bookworm main ...
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
          awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) break;
                             if ($(i+1) == "bookworm" && $i !~ /security/) { print $i; exit } }')
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}
[[ -n "$MIRROR" ]] || MIRROR="$(detect_mirror)"

# --- debootstrap ---------------------------------------------------------
if ! command -v debootstrap > /dev/null; then
  note "installing debootstrap with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
fi
BASE_TAR="$WORK/bookworm-minbase.tar"
if [[ $FRESH_BASE == 1 || ! -f "$BASE_TAR" ]]; then
  t0=$(now)
  rm -rf --one-file-system "$WORK/base"
  note "debootstrap --variant=minbase bookworm from $MIRROR"
  debootstrap --variant=minbase bookworm "$WORK/base" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log"; note "debootstrap FAILED"; exit 1; }
  tar -C "$WORK/base" -cf "$BASE_TAR" .
  rm -rf --one-file-system "$WORK/base"
  note "base root ready ($(( $(now) - t0 )) s, $(du -sh "$BASE_TAR" | cut -f1))"
else
  note "reusing $BASE_TAR (--fresh-base to redo)"
fi

# --- roots, mounts, chroot ---------------------------------------------------
MOUNTED=()
safe_rm() {  # safe_rm DIR: removes a root, never through a live mount
  local r="$1"
  [[ -e "$r" ]] || return 0
  umount_root "$r"
  if awk -v p="$r/" '{ if (index($2 "/", p) == 1) found = 1 } END { exit !found }' /proc/mounts; then
    echo "rehearse: $r still has mounts; not removing it" >&2
    return 1
  fi
  rm -rf --one-file-system "$r"
}
new_root() {  # new_root DIR: a fresh copy of the base root, mounts up
  local r="$1"
  safe_rm "$r" || return 1
  mkdir -p "$r"
  tar -C "$r" -xf "$BASE_TAR"
  cp -L /etc/resolv.conf "$r/etc/resolv.conf"
  mount -t proc proc "$r/proc"
  mount -t sysfs sysfs "$r/sys"
  mount --rbind /dev "$r/dev"
  mount --make-rslave "$r/dev"
  MOUNTED+=("$r")
}
umount_root() {
  local r="$1" m
  for m in dev sys proc; do
    if mountpoint -q "$r/$m" 2>/dev/null; then
      umount -R "$r/$m" 2>/dev/null || umount -R -l "$r/$m" || true
    fi
  done
}
cleanup() {
  local r
  for r in "${MOUNTED[@]}"; do umount_root "$r"; done
}
trap cleanup EXIT
in_root() {  # in_root DIR COMMAND...: a login-less clean environment
  local r="$1"; shift
  chroot "$r" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
}
copy_repo() {  # copy_repo DEST: tracked + untracked-not-ignored files
  local dest="$1"
  mkdir -p "$dest"
  if git -C "$REPO" rev-parse --git-dir > /dev/null 2>&1; then
    (cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
      tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$dest" -xf -
  else
    tar -C "$REPO" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$dest" -xf -
  fi
}

preinstall() {  # preinstall ROOT: the --extra-packages, if any
  [[ -n "$EXTRA_PACKAGES" ]] || return 0
  echo "== NOT PART OF THE REHEARSED STEPS: apt-get install $EXTRA_PACKAGES (--extra-packages)"
  # shellcheck disable=SC2086
  in_root "$1" bash -c "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq &&
    apt-get install -y -qq --no-install-recommends $EXTRA_PACKAGES"
}

declare -A RESULT
run_stage() {  # run_stage NAME FUNCTION
  local name="$1" fn="$2" t0 rc
  t0=$(now)
  note "stage $name: started $(date -u '+%Y-%m-%d %H:%M:%S UTC'), log $WORK/$name.log"
  set +e
  "$fn" > "$WORK/$name.log" 2>&1
  rc=$?
  set -e
  RESULT[$name]="exit $rc after $(( $(now) - t0 )) s"
  note "stage $name: ${RESULT[$name]}"
  if ((rc != 0)); then tail -25 "$WORK/$name.log" | sed 's/^/    | /' | tee -a "$SUMMARY"; fi
  return $rc
}

# --- stage readme -------------------------------------------------------------
stage_readme() {
  local r="$WORK/readme"
  new_root "$r"
  copy_repo "$r/work/main"
  preinstall "$r" || return 1
  echo "== bash scripts/run-main.sh"
  in_root "$r" bash -c 'cd /work/main && bash scripts/run-main.sh' || return 1
  echo "== bash scripts/test.sh"
  in_root "$r" bash -c 'cd /work/main && bash scripts/test.sh'
}

# --- Dockerfile emulation -------------------------------------------------------
# Runs one stage of a Dockerfile in a chroot: ARG/ENV substitution, WORKDIR,
# COPY (context or --from=STAGE root), RUN (/bin/sh -c with the ENV set),
# and records USER/ENTRYPOINT/CMD/HEALTHCHECK for the smoke test.
emulate_stage() {  # emulate_stage DOCKERFILE STAGE_INDEX ROOT JSON_OUT [NAME=ROOT ...]
  /usr/bin/python3 - "$@" <<'PYEOF'
import json, os, re, shlex, subprocess, sys
dockerfile, stage, root, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
roots = dict(a.split("=", 1) for a in sys.argv[5:])
context = os.environ["REHEARSE_CONTEXT"]
text = re.sub(r"\\\n", " ", open(dockerfile).read())
lines = [l.strip() for l in text.splitlines()
         if l.strip() and not l.strip().startswith("#")]
args, env = {}, {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                 "HOME": "/root", "LANG": "C.UTF-8"}
workdir, index, meta = "/", -1, {}

def subst(s):
    vals = {**args, **env}
    return re.sub(r"\$\{(\w+)\}|\$(\w+)",
                  lambda m: vals.get(m.group(1) or m.group(2), m.group(0)), s)

def copy(srcs, dest, base):
    dest_abs = os.path.join(root, subst(dest).lstrip("/")) if subst(dest).startswith("/") \
        else os.path.join(root, workdir.lstrip("/"), subst(dest))
    for s in srcs:
        src = os.path.join(base, subst(s).lstrip("/"))
        if os.path.isdir(src):
            os.makedirs(dest_abs, exist_ok=True)
            subprocess.run(["cp", "-a", src.rstrip("/") + "/.", dest_abs], check=True)
        else:
            target = dest_abs if not dest.endswith("/") else os.path.join(dest_abs, os.path.basename(src))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            subprocess.run(["cp", "-a", src, target], check=True)
        print("   copied %s -> %s" % (src, dest_abs), flush=True)

for line in lines:
    instr, _, rest = line.partition(" ")
    instr, rest = instr.upper(), rest.strip()
    if instr == "FROM":
        index += 1
        if index == stage:
            print("== FROM %s (emulated by a debootstrapped bookworm minbase root)" % rest, flush=True)
        continue
    if instr == "ARG":
        name, eq, val = rest.partition("=")
        if index < 0 or index == stage:
            args.setdefault(name, val.strip('"') if eq else args.get(name, ""))
        continue
    if index != stage:
        continue
    print("== %s %s" % (instr, rest), flush=True)
    if instr == "ENV":
        for tok in shlex.split(rest):
            k, _, v = tok.partition("=")
            env[k] = subst(v)
    elif instr == "WORKDIR":
        workdir = subst(rest)
        os.makedirs(os.path.join(root, workdir.lstrip("/")), exist_ok=True)
    elif instr == "COPY":
        toks = shlex.split(rest)
        frm = [t for t in toks if t.startswith("--from=")]
        toks = [t for t in toks if not t.startswith("--")]
        base = roots[frm[0].split("=", 1)[1]] if frm else context
        copy(toks[:-1], toks[-1], base)
    elif instr == "RUN":
        cmd = ["chroot", root, "/usr/bin/env", "-i"] + \
              ["%s=%s" % kv for kv in env.items()] + \
              ["/bin/sh", "-c", "cd %s && %s" % (shlex.quote(workdir), rest)]
        rc = subprocess.run(cmd).returncode
        if rc != 0:
            print("RUN failed with exit %d: %s" % (rc, rest), flush=True)
            sys.exit(rc)
    elif instr in ("USER", "ENTRYPOINT", "CMD", "HEALTHCHECK", "EXPOSE"):
        meta[instr] = rest
json.dump({"env": env, "workdir": workdir, "meta": meta}, open(out, "w"), indent=1)
PYEOF
}

make_context() {  # the build context: the repository minus .dockerignore'd paths
  local ctx="$WORK/context"
  rm -rf --one-file-system "$ctx"
  copy_repo "$ctx"
  /usr/bin/python3 - "$ctx" "$REPO/docker/Dockerfile.dockerignore" <<'PYEOF'
import glob, os, shutil, sys
ctx, ignore = sys.argv[1], sys.argv[2]
if os.path.isfile(ignore):
    for line in open(ignore):
        pat = line.strip()
        if not pat or pat.startswith(("#", "!")):
            continue
        for path in glob.glob(os.path.join(ctx, pat.lstrip("/")), recursive=True):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            elif os.path.lexists(path):
                os.unlink(path)
PYEOF
  echo "$ctx"
}

stage_docker() {
  local r="$WORK/docker-build" ctx
  ctx=$(make_context)
  new_root "$r"
  preinstall "$r" || return 1
  REHEARSE_CONTEXT="$ctx" emulate_stage "$REPO/docker/Dockerfile" 0 "$r" "$WORK/docker-build.json"
}

stage_runtime() {
  local b="$WORK/docker-build" r="$WORK/docker-runtime"
  if [[ ! -x "$b/src/tenas/build/server/tenas-server" ]]; then
    echo "runtime: the docker stage's binaries are missing (run --only docker,runtime)"
    return 1
  fi
  new_root "$r"
  REHEARSE_CONTEXT="$(make_context)" emulate_stage "$REPO/docker/Dockerfile" 1 "$r" \
    "$WORK/docker-runtime.json" "build=$b" || return 1
  echo "== smoke test as the image's USER"
  local user uid gid
  user=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["meta"].get("USER","0:0"))' \
         "$WORK/docker-runtime.json")
  uid="${user%%:*}"; gid="${user##*:}"
  [[ "$uid" != 0 && "$uid" != root ]] || { echo "image runs as root"; return 1; }
  local envs
  envs=$(/usr/bin/python3 -c 'import json,sys; print(" ".join("%s=%s" % kv for kv in json.load(open(sys.argv[1]))["env"].items()))' \
         "$WORK/docker-runtime.json")
  # shellcheck disable=SC2086
  in_root "$r" setpriv --reuid="$uid" --regid="$gid" --clear-groups /usr/bin/env $envs \
    HOME=/var/lib/tenas bash -c '
      set -u
      cd /var/lib/tenas
      /usr/local/bin/tenas-server --host 127.0.0.1 --port 0 --metrics-port 0 > /tmp/server.log 2>&1 &
      pid=$!
      for _ in $(seq 1 100); do grep -q "listening on port" /tmp/server.log && break; sleep 0.1; done
      port=$(sed -n "s/.*listening on port \([0-9]*\).*/\1/p" /tmp/server.log)
      echo "server: $(head -1 /tmp/server.log)"
      ok=1
      for _ in $(seq 1 300); do
        # The HEALTHCHECK command, on the port this run got.
        if /usr/local/bin/tenas health --server "127.0.0.1:$port"; then ok=0; break; fi
        sleep 0.2
      done
      [[ $ok == 0 ]] || { echo "HEALTHCHECK never passed"; cat /tmp/server.log; kill -9 $pid; exit 1; }
      echo "HEALTHCHECK passed (uid $(id -u))"
      A="|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
      /usr/local/bin/tenas score --server "127.0.0.1:$port" --arch "$A" --repeats 1 --batch-size 8 --json \
        || { kill -9 $pid; exit 1; }
      /usr/local/bin/tenas-bench score --space nb201 --arch "$A" --repeats 1 --batch-size 8 --json | tail -1 \
        || { kill -9 $pid; exit 1; }
      kill -TERM $pid
      wait $pid
      rc=$?
      echo "tenas-server exit $rc after SIGTERM"
      exit $rc'
  echo "== image size estimate (runtime root): $(du -sh --exclude=proc --exclude=sys --exclude=dev "$r" | cut -f1)"
}

# --- run --------------------------------------------------------------------
note "repository $REPO; stages $STAGES; work $WORK"
note "host: $(. /etc/os-release; echo "$PRETTY_NAME"), $(nproc) cores"
[[ -z "$EXTRA_PACKAGES" ]] || note "DEVIATION: --extra-packages \"$EXTRA_PACKAGES\" installed before the steps"
overall=0
IFS=, read -r -a wanted <<< "$STAGES"
for s in "${wanted[@]}"; do
  case "$s" in
    readme) run_stage readme stage_readme || overall=1 ;;
    docker) run_stage docker stage_docker || overall=1 ;;
    runtime) run_stage runtime stage_runtime || overall=1 ;;
    *) note "unknown stage $s"; overall=2 ;;
  esac
done
cleanup
MOUNTED=()
if ((overall == 0 && KEEP == 0)); then
  for r in "$WORK/readme" "$WORK/docker-build" "$WORK/docker-runtime"; do safe_rm "$r" || true; done
  rm -rf --one-file-system "$WORK/context"
fi
note "done: $(for s in "${wanted[@]}"; do printf '%s: %s; ' "$s" "${RESULT[$s]:-not run}"; done)"
exit $overall
