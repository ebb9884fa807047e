#!/usr/bin/env bash
# Install what pvcheck needs from Debian's archive, then configure and build
# it in build/. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	build-essential cmake pkg-config
	clang libclang-rt-14-dev      # the instrumenting compiler and ThreadSanitizer's runtime
	libunwind-dev                 # stacks
	libdw-dev libelf-dev          # symbols, file:line
	libcunit1-dev                 # unit tests
	libcjson-dev                  # JSON in the command
	libinih-dev                   # case.ini
	gcc-12-source                 # GCC's ThreadSanitizer tests (tests/conformance) and zlib
	libsmartcols-dev              # the catalogue's table
	libxml2-utils python3-jsonschema  # tests: JUnit against its XSD, JSON against its schema
	chromium                      # tests: the HTML report rendered in a real browser
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# From GCC's source tarball only what the tests use: its ThreadSanitizer
# tests and zlib, into build/third_party/ (never into the repository).
third=build/third_party
if [ ! -e "$third/.gcc-extracted" ]; then
	tarball=$(ls /usr/src/gcc-12/gcc-*.tar.xz | head -n1)
	top=$(basename "$tarball" .tar.xz)
	top=${top%-dfsg}
	mkdir -p "$third"
	tar -xJf "$tarball" -C "$third" --strip-components=1 --wildcards \
		"$top/gcc/testsuite/c-c++-common/tsan/*" "$top/gcc/testsuite/gcc.dg/tsan/*" \
		"$top/gcc/testsuite/g++.dg/tsan/*" "$top/zlib/*"
	touch "$third/.gcc-extracted"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
