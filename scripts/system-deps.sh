#!/usr/bin/env bash
# Install the Debian packages the portal needs, if they are missing.
#   scripts/system-deps.sh run   -> gettext (translations), WeasyPrint's libraries and fonts
#   scripts/system-deps.sh test  -> the above plus Chromium for the browser tests
#   scripts/system-deps.sh bench -> the above plus wrk, the HTTP load generator of bench/run.py
#                                   (a C program: a Python client would take the CPU the
#                                   pages are measured on)
set -euo pipefail

want=(gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2)
if [ "${1:-run}" = "test" ]; then
  want+=(chromium gnupg)  # browser journeys; gpg for the backup tests
  # Node.js and npm run the local OpenID Connect provider of the single sign-on tests.
  command -v npm >/dev/null 2>&1 || want+=(nodejs npm)
elif [ "${1:-run}" = "bench" ]; then
  want+=(wrk)
fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install these system packages (names as on Debian): ${missing[*]}" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "Please install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
