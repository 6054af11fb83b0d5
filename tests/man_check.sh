#!/usr/bin/env bash
# The generated man pages and bash completion against the CLI they describe:
#   man_check.sh ARMCACHE MANDIR
# - one page per command `armcache --help` lists, plus armcache(1);
# - `man --warnings -l` renders each without a warning (groff's and man's);
# - each has NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, FILES, EXAMPLES and SEE ALSO;
# - every option `armcache CMD --help` lists appears in the page;
# - the completion script parses and completes commands and options.
set -uo pipefail
AC=$1 MAN=$2
fail=0
warnfile=$(mktemp)
trap 'rm -f "$warnfile"' EXIT
bad() { echo "FAILED: $*"; fail=1; }
command -v man >/dev/null || { echo "FAILED: man is not installed (man-db)"; exit 1; }

# Commands from the help text itself: the lines of the Subcommands: block.
cmds=$("$AC" --help | awk '/^Subcommands:/{s=1;next} s&&/^$/{s=0} s{print $1}')
[[ -n $cmds ]] || bad "no commands in armcache --help"
pages=(armcache)
for c in $cmds; do pages+=("armcache-$c"); done
for p in "${pages[@]}"; do
  f=$MAN/man1/$p.1
  [[ -s $f ]] || { bad "$p: no page $f"; continue; }
  text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$f" 2>"$warnfile" |
    sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
  [[ ! -s $warnfile ]] || bad "$p: man --warnings: $(cat "$warnfile")"
  source=$(sed 's/\\-/-/g' "$f")
  for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
    grep -qx "$s" <<<"$text" || bad "$p: no $s section"
  done
  c=${p#armcache}; c=${c#-}
  # Options as --help prints them ("  -o,--output TEXT   ..."): each must be in the page.
  for o in $("$AC" $c --help | awk '/^Options:/{s=1;next} s&&/^$/{s=0} s&&/^  -/{print $1}'); do
    grep -qF -- "$o" <<<"$source" || bad "$p: option $o of --help is not in the page"
  done
done
extra=$(ls "$MAN/man1" | grep -vxF -f <(printf '%s.1\n' "${pages[@]}"))
[[ -z $extra ]] || bad "pages for no listed command: $extra"

comp=$MAN/completion/armcache
bash -n "$comp" || bad "completion: syntax"
got=$(bash -c '. "$1"; COMP_WORDS=(armcache kv); COMP_CWORD=1; _armcache; echo "${COMPREPLY[*]}"' _ "$comp")
[[ $got == kvm ]] || bad "completion of 'armcache kv': '$got'"
got=$(bash -c '. "$1"; COMP_WORDS=(armcache kvm verify --vi); COMP_CWORD=3; _armcache; echo "${COMPREPLY[*]}"' _ "$comp")
[[ $got == --view ]] || bad "completion of 'armcache kvm verify --vi': '$got'"
[[ $fail -eq 0 ]] && echo "ok: ${#pages[@]} pages, completion"
exit $fail
