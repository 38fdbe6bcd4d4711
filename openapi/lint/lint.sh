#!/usr/bin/env bash
# Lints the checked-in OpenAPI document with the pinned linters of package.json (installed
# from the npm registry by `npm ci`): Redocly CLI's `recommended` rules (fails on any error)
# and Spectral's `spectral:oas` with ../.spectral.yaml (fails on any warning). Needs Node.js.
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error
npx --no-install redocly lint --extends recommended ../openapi.json
npx --no-install spectral lint --ruleset ../.spectral.yaml --fail-severity warn ../openapi.json
