#!/usr/bin/env bash
# What `./duban.sh test` needs besides Python: the browser tests drive Debian's chromium through
# its chromium-driver and read Chinese pages (CJK fonts). Installed here when missing and the
# machine can (root with apt-get); otherwise one line says what to install. Never fails itself:
# a test that needs the browser then says what is missing.
missing=()
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[ -n "$(fc-list :lang=zh 2>/dev/null)" ] || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "duban.sh test: installing ${missing[*]} for the browser tests (apt-get, once)" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null 2>&1 \
    || echo "duban.sh test: apt-get could not install ${missing[*]}; the browser tests will fail until it is installed" >&2
else
  echo "duban.sh test: the browser tests need Debian's ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
fi
exit 0
