#!/usr/bin/env bash
# Builds the Debian package with CPack (the `package` preset: Release, /usr,
# /etc, /var) and checks it with lintian: no errors allowed, the warnings shown.
#   bash scripts/package.sh                  -> build/package/tradingd_<version>_<arch>.deb
#   bash scripts/package.sh --install-test   ... then, as root on a machine without
#       tradingd installed, installs it with apt, runs the installed daemon from the
#       installed unit's command line against exchange-sim as systemd would, removes
#       and purges it, and checks what stays and what goes (scripts/package_install_test.py).
set -euo pipefail
cd "$(dirname "$0")/.."

install_test=0
case "${1:-}" in
  --install-test) install_test=1 ;;
  "") ;;
  *) echo "usage: scripts/package.sh [--install-test]" >&2; exit 2 ;;
esac

bash scripts/install-deps.sh
# The package's own tools: dpkg-shlibdeps (dpkg-dev) computes its Depends, lintian checks it.
missing=()
command -v dpkg-shlibdeps >/dev/null || missing+=(dpkg-dev)
command -v lintian >/dev/null || missing+=(lintian)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "package.sh: installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake --preset package
cmake --build --preset package
rm -f build/package/tradingd_*.deb
(cd build/package && cpack -G DEB)
deb=$(ls build/package/tradingd_*.deb)
echo "package.sh: built ${deb}"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'

# lintian: errors fail the build; warnings and the rest are printed for a person to read.
echo "package.sh: lintian ${deb}"
lintian --fail-on error --display-info "$deb"
echo "package.sh: lintian reports no errors"

if [ "$install_test" -eq 1 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "package.sh: the install test installs the package: run it as root (CI does)" >&2
    exit 1
  fi
  /usr/bin/python3 scripts/package_install_test.py "$deb"
fi
