#!/usr/bin/env bash
# Runs the README walk-through with curl against a running example app and
# prints one line per step: "NAME: METHOD PATH -> STATUS BODY", with every
# token in the body replaced by <token> and every jti by <jti>, so that the
# output of two servers can be compared with diff:
#
#   scripts/walkthrough.sh http://127.0.0.1:8000 > nethttp.txt
#   scripts/walkthrough.sh http://127.0.0.1:8001 > gin.txt
#   diff nethttp.txt gin.txt
#
# The steps are those of demo.WalkthroughSteps (internal/demo), and a test
# checks that both print the same lines. Needs bash, curl and sed.
set -euo pipefail

if [ "$#" -ne 1 ]; then
	echo "usage: $0 BASE_URL" >&2
	exit 2
fi
base="${1%/}"

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT

normalize() {
	sed -E \
		-e 's/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/<token>/g' \
		-e 's/"jti":"[0-9a-f]{32}"/"jti":"<jti>"/g'
}

# field NAME: prints the string field NAME of the last response body.
field() {
	printf '%s' "$body" | sed -n -E 's/.*"'"$1"'":"([^"]*)".*/\1/p'
}

# step NAME METHOD PATH [TOKEN [JSON]]: sends the request, with TOKEN as a
# Bearer token and JSON as the body when not empty, sets $status and $body,
# and prints the step's line.
step() {
	local name="$1" method="$2" path="$3" token="${4:-}" data="${5:-}"
	local args=(--silent --show-error --request "$method" --output "$tmp" --write-out '%{http_code}')
	if [ -n "$token" ]; then
		args+=(--header "Authorization: Bearer $token")
	fi
	if [ -n "$data" ]; then
		args+=(--header 'Content-Type: application/json' --data-binary "$data")
	fi
	status="$(curl "${args[@]}" "$base$path")"
	body="$(cat "$tmp")"
	printf '%s: %s %s -> %s %s\n' "$name" "$method" "$path" "$status" "$(printf '%s\n' "$body" | normalize)"
}

step "health" GET /healthz
step "whoami without a token" GET /api/whoami/
step "login bob (inactive)" POST /api/token/ "" '{"username":"bob","password":"builder"}'

step "login alice" POST /api/token/ "" '{"username":"alice","password":"wonderland"}'
access="$(field access)"
refresh="$(field refresh)"
step "whoami" GET /api/whoami/ "$access"
step "verify the access token" POST /api/token/verify/ "" "{\"token\":\"$access\"}"
step "refresh" POST /api/token/refresh/ "" "{\"refresh\":\"$refresh\"}"
step "blacklist the refresh token" POST /api/token/blacklist/ "" "{\"refresh\":\"$refresh\"}"
step "refresh again" POST /api/token/refresh/ "" "{\"refresh\":\"$refresh\"}"
step "whoami after logout" GET /api/whoami/ "$access"

step "login alice (sliding)" POST /api/token/sliding/ "" '{"username":"alice","password":"wonderland"}'
sliding="$(field token)"
step "whoami-sliding" GET /api/whoami-sliding/ "$sliding"
step "sliding token on whoami" GET /api/whoami/ "$sliding"
