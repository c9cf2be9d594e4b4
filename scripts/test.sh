#!/usr/bin/env bash
# Runs the checks of every Go module in the repository: gofmt, go vet and
# go test with the race detector. Arguments are passed on to go test, for
# example: scripts/test.sh -run TestName
#
# Every module is checked even after a failure, and the last line of output
# is a summary of the form "modules: N passed, M failed". The exit status is
# non-zero if any module failed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Each module is checked against its own go.mod and replace directives, not
# the workspace of go.work, whose build list joins every module's.
export GOWORK=off

# Module directories, the root module first, then the others sorted.
mapfile -t modules < <(
	find . -name go.mod -not -path './.git/*' -printf '%h\n' |
		sort | awk '$0 == "." { print; next } { rest[++n] = $0 } END { for (i = 1; i <= n; i++) print rest[i] }'
)

if [ "${#modules[@]}" -eq 0 ]; then
	echo "no go.mod found under $root" >&2
	exit 1
fi

# unformatted lists the Go files of the module in the current directory that
# gofmt would change. Nested modules, vendor and testdata directories are
# left out.
unformatted() {
	find . \
		\( -type d \( -name .git -o -name vendor -o -name testdata \) -prune \) -o \
		\( -type d ! -path . -exec test -e '{}/go.mod' ';' -prune \) -o \
		\( -type f -name '*.go' -print0 \) |
		xargs -0 -r gofmt -l
}

passed=0
failed=0
failed_modules=()

for mod in "${modules[@]}"; do
	echo "=== module ${mod}"
	ok=true

	if ! files="$(cd "$mod" && unformatted)"; then
		echo "--- ${mod}: gofmt failed"
		ok=false
	elif [ -n "$files" ]; then
		echo "--- ${mod}: files not formatted with gofmt:"
		printf '%s\n' "$files" | sed "s|^\./|${mod}/|; s|^|    |"
		ok=false
	fi

	if [ -z "$(cd "$mod" && go list -e ./... 2>/dev/null)" ]; then
		echo "--- ${mod}: no packages, nothing to vet or test"
	else
		if ! (cd "$mod" && go vet ./...); then
			echo "--- ${mod}: go vet failed"
			ok=false
		fi
		if ! (cd "$mod" && go test -race -count=1 "$@" ./...); then
			echo "--- ${mod}: go test failed"
			ok=false
		fi
	fi

	if "$ok"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failed_modules+=("$mod")
	fi
done

if [ "$failed" -gt 0 ]; then
	echo "failed modules: ${failed_modules[*]}"
fi
echo "modules: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
