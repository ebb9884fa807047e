#!/usr/bin/env bash
# Every function libpvrt defines under a libc name must be weak, so that a
# program's own definition of that name wins at link time, as under
# ThreadSanitizer (interceptors are declared with PV_INTERCEPTOR).
set -euo pipefail
lib=$1
libc=$(ldd /bin/sh | awk '/libc\.so/ {print $3}')
nm -D --defined-only "$libc" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$2.libc"
nm -g --defined-only "$lib" | awk '$2 == "T" {print $3}' | sort -u >"$2.strong"
strong=$(comm -12 "$2.libc" "$2.strong")
if [ -n "$strong" ]; then
	echo "FAIL: libpvrt defines these libc names as strong symbols (mark them PV_INTERCEPTOR):"
	echo "$strong"
	exit 1
fi
echo "every libc-named definition in $lib is weak ($(nm -g --defined-only "$lib" | awk '$2 == "W"' | wc -l) weak)"
