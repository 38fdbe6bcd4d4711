#!/usr/bin/env bash
# Generates TypeScript types from the checked-in OpenAPI document, type-checks the small
# partner program that uses them (tsc fails when the document no longer describes what the
# program relies on), then runs the webhook signature self-test. Needs Node.js and npm.
set -euo pipefail
cd "$(dirname "$0")"

if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
else
    npm install --no-audit --no-fund --loglevel=error
fi
npx --no-install openapi-typescript ../../openapi/openapi.json --output schema.d.ts
npx --no-install tsc --noEmit -p .
# Compile for real only to run the self-test.
rm -rf build
npx --no-install tsc -p .
node build/selftest.js
