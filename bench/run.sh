#!/usr/bin/env bash
# Runs the side-by-side benchmarks of this module once, prints benchstat's
# table and the ratios computed from the medians.
#
# Environment:
#   COUNT      runs of each benchmark (default 6)
#   BENCHTIME  time or iterations per run (default 1s)
#   CPU        passed as -cpu when set, for example "1,2"
#   BENCH      benchmark regexp (default ".")
#   OUT        file for the raw results (default bench.out, beside this script)
#
# Cold path: simplejwt with its verified-token cache off (every request
# decoded and its signature checked, as the peers do). Warm path: the cache
# on, every timed request a hit. Ceiling: no authentication at all.
set -euo pipefail

cd "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"

count="${COUNT:-6}"
benchtime="${BENCHTIME:-1s}"
bench="${BENCH:-.}"
out="${OUT:-bench.out}"

# benchstat from golang.org/x/perf, at a version that builds with the Go of
# this module (it needs go1.26.0 or later).
benchstat_version="v0.0.0-20260908200009-22c9c6c9d4da"
benchstat="$(command -v benchstat || true)"
if [ -z "$benchstat" ]; then
	gobin="$(go env GOBIN)"
	benchstat="${gobin:-$(go env GOPATH)/bin}/benchstat"
	if [ ! -x "$benchstat" ]; then
		echo "installing benchstat ${benchstat_version}"
		go install "golang.org/x/perf/cmd/benchstat@${benchstat_version}"
	fi
fi

args=(test -run '^$' -bench "$bench" -count "$count" -benchtime "$benchtime")
if [ -n "${CPU:-}" ]; then
	args+=(-cpu "$CPU")
fi
args+=(.)

go version
echo "go ${args[*]} > ${out}"
go "${args[@]}" >"$out"
echo

"$benchstat" "$out"
echo

# Ratios from the medians. Benchmark names end in -N when GOMAXPROCS is N
# (nothing when it is 1); every ratio is computed for each N in the file.
awk '
function median(key,    n, i, j, v, a) {
	n = cnt[key]
	if (n == 0) return ""
	for (i = 1; i <= n; i++) a[i] = vals[key, i]
	for (i = 2; i <= n; i++) {          # insertion sort, portable awk
		v = a[i]
		for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]
		a[j + 1] = v
	}
	if (n % 2) return a[(n + 1) / 2]
	return (a[n / 2] + a[n / 2 + 1]) / 2
}
function get(name, unit) { return median(name SUBSEP P SUBSEP unit) }
function ratio(x, y) { return (x == "" || y == "" || y == 0) ? "n/a" : sprintf("%.2f", x / y) }
function num(x, f) { return x == "" ? "n/a" : sprintf(f, x) }

/^Benchmark/ {
	name = $1
	sub(/^Benchmark/, "", name)
	procs = 1
	if (match(name, /-[0-9]+$/)) {
		procs = substr(name, RSTART + 1) + 0
		name = substr(name, 1, RSTART - 1)
	}
	if (!(procs in seenp)) { seenp[procs] = 1; plist[++np] = procs }
	if (!((name, procs) in seenb)) { seenb[name, procs] = 1; blist[procs, ++nb[procs]] = name }
	for (i = 3; i < NF; i += 2) {
		key = name SUBSEP procs SUBSEP $(i + 1)
		vals[key, ++cnt[key]] = $i
	}
}

END {
	for (k = 1; k <= np; k++) {
		P = plist[k]
		printf "== ratios of medians, GOMAXPROCS=%d ==\n\n", P

		printf "%-45s %12s %10s %10s %14s\n", "benchmark", "ns/op", "B/op", "allocs/op", "ns/op ÷ cold"
		for (i = 1; i <= nb[P]; i++) {
			b = blist[P, i]
			if (b !~ /^WhoAmI/) continue
			split(b, parts, "/")
			cold = get("WhoAmI/" parts[2] "/simplejwt-memory", "ns/op")
			if (b ~ /^WhoAmIParallel/) cold = get("WhoAmIParallel/" parts[2] "/simplejwt-memory", "ns/op")
			printf "%-45s %12s %10s %10s %14s\n", b, num(get(b, "ns/op"), "%.0f"), num(get(b, "B/op"), "%.0f"), num(get(b, "allocs/op"), "%.0f"), ratio(get(b, "ns/op"), cold)
		}
		print ""

		cold = get("WhoAmI/HS256/simplejwt-memory", "ns/op")
		jwtauth = get("WhoAmI/HS256/jwtauth", "ns/op")
		gjwt = get("WhoAmI/HS256/golang-jwt", "ns/op")
		ceil = get("WhoAmI/HS256/none", "ns/op")
		print "cold path (simplejwt, in-memory store, no cache, HS256):"
		printf "  ns/op %s, allocs/op %s\n", num(cold, "%.0f"), num(get("WhoAmI/HS256/simplejwt-memory", "allocs/op"), "%.0f")
		printf "  ÷ jwtauth    = %s   (%s ns/op)\n", ratio(cold, jwtauth), num(jwtauth, "%.0f")
		printf "  ÷ golang-jwt = %s   (%s ns/op)\n", ratio(cold, gjwt), num(gjwt, "%.0f")
		for (a = 1; a <= 2; a++) {
			alg = a == 1 ? "RS256" : "ES256"
			c = get("WhoAmI/" alg "/simplejwt-memory", "ns/op")
			if (c == "") continue
			printf "  %s: ÷ jwtauth = %s, ÷ golang-jwt = %s\n", alg, ratio(c, get("WhoAmI/" alg "/jwtauth", "ns/op")), ratio(c, get("WhoAmI/" alg "/golang-jwt", "ns/op"))
		}
		print ""

		warm = get("WhoAmI/HS256/simplejwt-cached", "ns/op")
		print "warm path (simplejwt, verified-token cache, HS256):"
		if (warm == "") {
			print "  not measured (no WhoAmI/HS256/simplejwt-cached in the results)"
		} else {
			printf "  ns/op %s, allocs/op %s\n", num(warm, "%.0f"), num(get("WhoAmI/HS256/simplejwt-cached", "allocs/op"), "%.0f")
			printf "  (warm − ceiling) ÷ ceiling = %s   (ceiling: no authentication, %s ns/op; warm − ceiling = %s ns)\n", ratio(warm - ceil, ceil), num(ceil, "%.0f"), num(warm - ceil, "%.0f")
			printf "  cold ÷ warm = %s\n", ratio(cold, warm)
		}
		print ""

		mem = get("WhoAmIParallel/HS256/simplejwt-memory", "ns/op")
		rds = get("WhoAmIParallel/HS256/simplejwt-redis", "ns/op")
		print "Redis store vs in-memory store (HS256):"
		printf "  RunParallel throughput, Redis ÷ in-memory = %s   (%s vs %s ns/op)\n", ratio(mem, rds), num(rds, "%.0f"), num(mem, "%.0f")
		printf "  one at a time, ns/op Redis ÷ in-memory    = %s\n", ratio(get("WhoAmI/HS256/simplejwt-redis", "ns/op"), cold)
		c1 = get("WhoAmI/HS256/simplejwt-redis", "redis-cmds/op")
		c2 = get("WhoAmIParallel/HS256/simplejwt-redis", "redis-cmds/op")
		if (c1 != "" || c2 != "")
			printf "  Redis commands per request: %s (one at a time), %s (parallel)\n", num(c1, "%.3f"), num(c2, "%.3f")
		print ""

		hdr = 0
		for (a = 1; a <= 3; a++) {
			alg = a == 1 ? "HS256" : a == 2 ? "RS256" : "ES256"
			for (o = 1; o <= 2; o++) {
				op = o == 1 ? "pair" : "refresh"
				s = get("Issuer/" alg "/" op "/simplejwt", "ns/op")
				if (s == "") continue
				if (!hdr++) print "issuer (peer ns/op ÷ simplejwt ns/op; above 1: simplejwt is faster):"
				printf "  %s %-7s simplejwt %8s ns/op %4s allocs   golang-jwt ÷ = %s   jwtauth ÷ = %s\n", alg, op, num(s, "%.0f"), num(get("Issuer/" alg "/" op "/simplejwt", "allocs/op"), "%.0f"), ratio(get("Issuer/" alg "/" op "/golang-jwt", "ns/op"), s), ratio(get("Issuer/" alg "/" op "/jwtauth", "ns/op"), s)
			}
		}
		if (hdr) print ""
	}
}' "$out"
