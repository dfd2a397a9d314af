#!/usr/bin/env bash
# Lints openapi/synctera.yaml with the pinned Redocly and Spectral CLIs.
# Exits non-zero when either linter reports any error OR warning.
# Usage: openapi/lint/run.sh [SPEC]   (default: openapi/synctera.yaml)
# Works from any directory; installs the pinned linters (npm ci) on first use.
set -euo pipefail

lint_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# An optional argument lints another file (used to check that this script fails on warnings).
spec="$(cd "$lint_dir/.." && pwd)/synctera.yaml"
if [[ $# -gt 0 ]]; then spec="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; fi
cd "$lint_dir"

# No telemetry or update checks: CI must be quiet and must not depend on the network after install.
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NO_UPDATE_NOTIFIER=1

if [[ ! -x node_modules/.bin/redocly || ! -x node_modules/.bin/spectral ]]; then
  echo "openapi/lint: installing pinned linters (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

status=0

# Redocly exits 0 when there are only warnings, so read its totals from the JSON report.
echo "== redocly lint (recommended)"
redocly_json="$(node_modules/.bin/redocly lint --config redocly.yaml --format=json "$spec" 2>/dev/null || true)"
if ! REPORT="$redocly_json" node -e '
  const r = JSON.parse(process.env.REPORT);
  const { errors, warnings } = r.totals;
  for (const p of r.problems) {
    const where = (p.location || []).map((l) => l.pointer).join(", ");
    console.log(`${p.severity}: [${p.ruleId}] ${p.message} ${where}`);
  }
  console.log(`redocly: ${errors} error(s), ${warnings} warning(s)`);
  process.exit(errors + warnings === 0 ? 0 : 1);
'; then
  status=1
fi

# Spectral fails on warnings itself with --fail-severity=warn.
echo "== spectral lint (spectral:oas)"
if ! node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity=warn "$spec"; then
  status=1
fi

exit "$status"
