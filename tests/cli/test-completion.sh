#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bash and zsh completion: every command and every long option that --help
# lists (the option tables) is in both, for nsalign and nsalignd; the zsh
# files, generated at build time, parse.
. "$TOP_SRCDIR/tests/cli/lib.sh"

NSALIGND=${NSALIGND:-$(dirname "$NSALIGN")/nsalignd}
bash_nsalign=$TOP_SRCDIR/contrib/bash-completion/nsalign
bash_nsalignd=$TOP_SRCDIR/contrib/bash-completion/nsalignd
zdir=$(dirname "$NSALIGN")/contrib/zsh-completion
zsh_nsalign=$zdir/_nsalign
zsh_nsalignd=$zdir/_nsalignd

for f in "$zsh_nsalign" "$zsh_nsalignd"; do
	[ -s "$f" ] && ok "$(basename "$f") was generated" || not_ok "no $f (make builds it)"
done
if command -v zsh >/dev/null; then
	for f in "$zsh_nsalign" "$zsh_nsalignd"; do
		zsh -n "$f" 2>"$TMP/zerr" && ok "$(basename "$f") parses (zsh -n)" ||
			{ not_ok "$(basename "$f") does not parse"; diag <"$TMP/zerr"; }
	done
else
	skip "zsh -n: no zsh here (scripts/setup.sh installs it)"
fi

long_options() { # long_options PROGRAM [COMMAND]: the long options --help lists
	"$@" --help | grep -E '^  (-., |    )--' | grep -oE -- '^ *(-., )?--[a-z][a-z0-9-]*' |
		grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}
has_word() { # has_word WORD: stdin holds WORD between blanks, quotes, braces or '='
	grep -qE -- "(^|[[:space:]\"'{,(*])$1([][[:space:]\"'=,}]|\$)"
}

commands=$("$NSALIGN" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
[ "$(wc -w <<<"$commands")" -ge 10 ] && ok "nsalign --help lists $(wc -w <<<"$commands") commands" ||
	not_ok "nsalign --help lists too few commands"
# the command words: bash's first word list, zsh's commands=( ... )
bash_cmds=$(grep -m1 'compgen -W "list ' "$bash_nsalign")
zsh_cmds=$(sed -n '/^	commands=(/,/^	)/p' "$zsh_nsalign" | sed -n "s/^		'\([a-z-]*\):.*/\1/p")
for c in $commands; do
	has_word "$c" <<<"$bash_cmds" && ok "bash completes the command $c" || not_ok "bash lacks the command $c"
	grep -qx -- "$c" <<<"$zsh_cmds" && ok "zsh completes the command $c" || not_ok "zsh lacks the command $c"
done
# and no command that nsalign does not have
for c in $zsh_cmds; do
	grep -qx -- "$c" <<<"$commands" || not_ok "zsh completes $c, which nsalign --help does not list"
done

# each command's long options: bash's case branch, zsh's _nsalign_CMD function
for c in $commands; do
	bsec=$(sed -n "/^	$c)/,/;;/p" "$bash_nsalign")
	zsec=$(sed -n "/^_nsalign_$(tr - _ <<<"$c")() {/,/^}/p" "$zsh_nsalign")
	[ -n "$zsec" ] || not_ok "zsh has no function for $c"
	for opt in $(long_options "$NSALIGN" "$c"); do
		has_word "$opt" <<<"$bsec" && ok "bash: $c $opt" || not_ok "bash: $c lacks $opt"
		has_word "$opt" <<<"$zsec" && ok "zsh: $c $opt" || not_ok "zsh: $c lacks $opt"
	done
done

for opt in $(long_options "$NSALIGND"); do
	has_word "$opt" <"$bash_nsalignd" && ok "bash: nsalignd $opt" || not_ok "bash: nsalignd lacks $opt"
	has_word "$opt" <"$zsh_nsalignd" && ok "zsh: nsalignd $opt" || not_ok "zsh: nsalignd lacks $opt"
done

done_testing
