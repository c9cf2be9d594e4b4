#!/usr/bin/env bash
# Throughput over HTTP: wrk against examples/basic (simplejwt) and against
# httpserver/jwtauth (go-chi/jwtauth doing the same work), on this machine,
# in interleaved runs.
#
# Both servers listen on 127.0.0.1 only, share one JWT_SIGNING_KEY, log one
# slog line per request to stderr (sent to /dev/null) and serve the same
# GET /api/whoami/: an HS256 access token is verified, token_type "access",
# exp, jti and user_id are required, and the answer is
# {"user_id":"1","token_type":"access","jti":"..."}. examples/basic runs as
# shipped: in-memory revocation store (no REDIS_URL) and the library's
# defaults, the verified-token cache included.
#
# One access token is minted by logging in to examples/basic; both servers
# are shown to answer 200 to it (with the same body) and 401 to the refresh
# token of the same login before anything is timed. Then, for each round,
# wrk runs against one server and then the other, the order alternating
# from round to round.
#
# Environment:
#   ROUNDS   rounds (default 5)
#   DUR      wrk duration of each run (default 10s; s, m or h)
#   THREADS  wrk threads (default 2)
#   CONNS    wrk connections (default 32)
#   WARMUP   unrecorded wrk run against each server first (default 2s; 0 skips)
#
# Needs go and curl; installs wrk with apt-get when it is missing.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd "$bench_dir/.." && pwd -P)"

rounds="${ROUNDS:-5}"
dur="${DUR:-10s}"
threads="${THREADS:-2}"
conns="${CONNS:-32}"
warmup="${WARMUP:-2s}"

die() {
	echo "http.sh: $*" >&2
	exit 1
}

# seconds DURATION: DURATION (wrk's syntax: 10, 10s, 2m, 1h) in seconds.
seconds() {
	[[ "$1" =~ ^([0-9]+)([smh]?)$ ]] || return 1
	local n=$((10#${BASH_REMATCH[1]}))
	case "${BASH_REMATCH[2]}" in
	h) echo $((n * 3600)) ;;
	m) echo $((n * 60)) ;;
	*) echo "$n" ;;
	esac
}

[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$rounds'"
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive integer, got '$threads'"
[[ "$conns" =~ ^[1-9][0-9]*$ ]] || die "CONNS must be a positive integer, got '$conns'"
[ "$conns" -ge "$threads" ] || die "CONNS ($conns) must be at least THREADS ($threads)"
dur_s="$(seconds "$dur")" && [ "$dur_s" -gt 0 ] || die "DUR must be a duration such as 10s, got '$dur'"
if [ "$warmup" = 0 ]; then
	warmup_s=0
else
	warmup_s="$(seconds "$warmup")" || die "WARMUP must be a duration such as 2s or 0, got '$warmup'"
fi
# The access token lives 1h: every timed and warm-up run must fit in it.
total_s=$((2 * rounds * dur_s + 2 * warmup_s))
[ "$total_s" -le 3000 ] || die "ROUNDS × DUR too long for the 1h token: $((total_s / 60)) min of wrk runs"

command -v go >/dev/null || die "go is not on PATH"

# apt_install PACKAGE: installs PACKAGE, running apt-get update only when the
# first attempt fails (no package lists yet, or stale ones).
apt_install() {
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || die "$1 is missing and installing it needs root (or sudo)"
		sudo=(sudo)
	fi
	command -v apt-get >/dev/null || die "$1 is missing and there is no apt-get to install it"
	echo "installing $1 with apt-get"
	if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null; then
		"${sudo[@]}" apt-get update -qq
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
	fi
}
command -v curl >/dev/null || apt_install curl
command -v wrk >/dev/null || apt_install wrk

tmp="$(mktemp -d)"
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		# Graceful shutdown first; SIGKILL if it takes more than 5 s.
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- build ---

sj_bin="$tmp/simplejwt-basic"
ja_bin="$tmp/jwtauth-server"
echo "building examples/basic and httpserver/jwtauth into $tmp"
# examples/basic builds from the repository root when a go.work there uses
# its module (or when it is in the root module); otherwise from examples/,
# in the examples module of its own.
if ! (cd "$root" && go build -o "$sj_bin" ./examples/basic) 2>"$tmp/build.log"; then
	if [ -f "$root/examples/go.mod" ] &&
		(cd "$root/examples" && go build -o "$sj_bin" ./basic) 2>>"$tmp/build.log"; then
		echo "  (examples/basic built from examples/, its own module)"
	else
		cat "$tmp/build.log" >&2
		die "cannot build examples/basic"
	fi
fi
# The jwtauth server on this module's go.mod alone, so that jwtauth and jwx
# are the versions it pins.
(cd "$bench_dir" && GOWORK=off go build -o "$ja_bin" ./httpserver/jwtauth) ||
	die "cannot build httpserver/jwtauth"

# --- servers ---

secret="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" # 48 bytes of hex
[ "${#secret}" -ge 32 ] || die "could not make a signing key"

# port_in_use PORT: whether something listens on 127.0.0.1:PORT.
port_in_use() {
	if command -v ss >/dev/null; then
		[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# status URL [TOKEN]: the HTTP status of GET URL ("000" when unanswered).
status() {
	local args=(-s -o /dev/null -w '%{http_code}' --max-time 5)
	[ -n "${2:-}" ] && args+=(-H "Authorization: Bearer $2")
	curl "${args[@]}" "$1" || true
}

# start NAME BIN: starts BIN on a free loopback port with the shared
# environment, stdout and stderr to /dev/null; sets port and pid once it
# answers. A start that loses its port to someone else is retried elsewhere.
start() {
	local name="$1" bin="$2" try p
	for try in 1 2 3 4 5; do
		p=$((20000 + RANDOM % 30000))
		port_in_use "$p" && continue
		env -u REDIS_URL -u METRICS -u JWT_ALGORITHM -u JWT_PRIVATE_KEY_FILE \
			-u JWT_ROTATE_REFRESH_TOKENS -u JWT_BLACKLIST_AFTER_ROTATION \
			ADDR="127.0.0.1:$p" JWT_SIGNING_KEY="$secret" \
			JWT_ACCESS_TOKEN_LIFETIME=1h JWT_REFRESH_TOKEN_LIFETIME=24h \
			"$bin" >/dev/null 2>&1 &
		pid=$!
		pids+=("$pid")
		for _ in $(seq 100); do
			if ! kill -0 "$pid" 2>/dev/null; then
				break # exited: most likely the port was taken
			fi
			if [ "$(status "http://127.0.0.1:$p/api/whoami/")" != 000 ]; then
				port="$p"
				return 0
			fi
			sleep 0.1
		done
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	die "$name did not start (tried 5 ports)"
}

start simplejwt "$sj_bin"
sj_port="$port" sj_pid="$pid"
start jwtauth "$ja_bin"
ja_port="$port" ja_pid="$pid"
sj_url="http://127.0.0.1:$sj_port/api/whoami/"
ja_url="http://127.0.0.1:$ja_port/api/whoami/"

# --- one token, checked on both ---

pair="$(curl -s --max-time 5 -X POST "http://127.0.0.1:$sj_port/api/token/" \
	-H 'Content-Type: application/json' -d '{"username":"alice","password":"wonderland"}')"
token="$(printf '%s' "$pair" | sed -n 's/.*"access":"\([^"]*\)".*/\1/p')"
refresh="$(printf '%s' "$pair" | sed -n 's/.*"refresh":"\([^"]*\)".*/\1/p')"
[ -n "$token" ] && [ -n "$refresh" ] || die "login to examples/basic failed: $pair"

body() { curl -s --max-time 5 -H "Authorization: Bearer $token" "$1"; }
for name in simplejwt jwtauth; do
	url="$sj_url"
	[ "$name" = jwtauth ] && url="$ja_url"
	got="$(status "$url" "$token")"
	[ "$got" = 200 ] || die "$name answered $got to the access token, want 200"
	got="$(status "$url" "$refresh")"
	[ "$got" = 401 ] || die "$name answered $got to the refresh token, want 401"
done
sj_body="$(body "$sj_url")"
ja_body="$(body "$ja_url")"
[ "$sj_body" = "$ja_body" ] || die "the bodies differ: simplejwt $sj_body, jwtauth $ja_body"

# --- runs ---

# run NAME URL DURATION OUT: one wrk run; fails on any non-2xx answer or
# socket error, which would make the number meaningless.
run() {
	local name="$1" url="$2" d="$3" out="$4" bad
	timeout $(($(seconds "$d") + 60)) \
		wrk -t"$threads" -c"$conns" -d"$d" --latency \
		-H "Authorization: Bearer $token" "$url" >"$out" ||
		die "wrk against $name failed"
	bad="$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$out")"
	[ -z "$bad" ] || {
		cat "$out" >&2
		die "$name: $bad non-2xx answers during the run"
	}
	! grep -q 'Socket errors' "$out" || {
		cat "$out" >&2
		die "$name: socket errors during the run"
	}
	grep -q '^Requests/sec:' "$out" || die "no Requests/sec in wrk's output for $name"
}
rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
lat() { awk -v p="$2" '$1 == p {print $2}' "$1"; }

echo
go version
echo "wrk: $(wrk -v 2>&1 | head -n 1 || true)"
echo "simplejwt binary: $(go version -m "$sj_bin" | awk '$1 == "dep" && $2 ~ /lestrrat-go\/jwx/ {print $2, $3}')"
echo "jwtauth binary:   $(go version -m "$ja_bin" | awk '$1 == "dep" && ($2 ~ /go-chi\/jwtauth/ || $2 ~ /lestrrat-go\/jwx/) {printf "%s %s  ", $2, $3}')"
echo "machine: $(nproc) CPU(s), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
echo "wrk and both servers share these $(nproc) CPU(s): wrk's own CPU use is"
echo "  in every number, and each server's numbers include contention with wrk."
echo "simplejwt: examples/basic as shipped (in-memory store, verified-token cache on by"
echo "  default: wrk repeats one token, so after the first request every request hits it)."
echo "jwtauth:   httpserver/jwtauth (Verifier + Authenticator, full parse and HMAC check"
echo "  on every request)."
echo "both: one slog line per request to stderr, stderr to /dev/null."
echo "wrk -t$threads -c$conns -d$dur --latency, $rounds interleaved round(s)"
echo

if [ "$warmup_s" -gt 0 ]; then
	echo "warm-up: $warmup against each (not recorded)"
	run simplejwt "$sj_url" "$warmup" "$tmp/warm-sj"
	run jwtauth "$ja_url" "$warmup" "$tmp/warm-ja"
	echo
fi

printf '%-6s %-20s %14s %14s %9s %22s %22s\n' round order "simplejwt r/s" "jwtauth r/s" "sj/ja" "simplejwt p50 / p99" "jwtauth p50 / p99"
for i in $(seq "$rounds"); do
	if [ $((i % 2)) -eq 1 ]; then
		order="simplejwt, jwtauth"
		run simplejwt "$sj_url" "$dur" "$tmp/sj.$i"
		run jwtauth "$ja_url" "$dur" "$tmp/ja.$i"
	else
		order="jwtauth, simplejwt"
		run jwtauth "$ja_url" "$dur" "$tmp/ja.$i"
		run simplejwt "$sj_url" "$dur" "$tmp/sj.$i"
	fi
	kill -0 "$sj_pid" 2>/dev/null || die "examples/basic exited during round $i"
	kill -0 "$ja_pid" 2>/dev/null || die "the jwtauth server exited during round $i"
	s="$(rps "$tmp/sj.$i")" j="$(rps "$tmp/ja.$i")"
	echo "$s" >>"$tmp/sj.rps"
	echo "$j" >>"$tmp/ja.rps"
	printf '%-6s %-20s %14s %14s %9s %22s %22s\n' "$i" "$order" "$s" "$j" \
		"$(awk -v a="$s" -v b="$j" 'BEGIN {printf "%.3f", a / b}')" \
		"$(lat "$tmp/sj.$i" 50%) / $(lat "$tmp/sj.$i" 99%)" \
		"$(lat "$tmp/ja.$i" 50%) / $(lat "$tmp/ja.$i" 99%)"
done

median() {
	sort -g "$1" | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
sj_med="$(median "$tmp/sj.rps")"
ja_med="$(median "$tmp/ja.rps")"
echo
printf '%-27s %14s %14s\n' "median Requests/sec" "$sj_med" "$ja_med"
ratio="$(awk -v a="$sj_med" -v b="$ja_med" 'BEGIN {printf "%.3f", a / b}')"
echo "simplejwt ÷ jwtauth (medians) = $ratio"
awk -v r="$ratio" 'BEGIN {exit !(r >= 1)}' &&
	echo "simplejwt's throughput is at least jwtauth's" ||
	echo "simplejwt's throughput is below jwtauth's"
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a) (anything else running shares the CPUs too)"
