#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# zsh completion generated from --help, which nsalign prints from each
# command's option table (cmd/builtin.h: struct cmd_option) and nsalignd from
# its own: the options, their arguments and descriptions cannot drift from
# what the programs take.  The build runs it (make; not when cross-compiling).
#
#   gen.sh nsalign PATH-TO-NSALIGN > _nsalign
#   gen.sh nsalignd PATH-TO-NSALIGND > _nsalignd
#
# An argument completes by its name in --help: a|b|c the words, FILE and
# BACKUP files, DIR directories, REGION, NAMESPACE and DAX the devices in
# /sys; anything else (SIZE, N, UUID, ...) only shows its name.
set -eu
[ $# -eq 2 ] || { echo "usage: gen.sh nsalign|nsalignd PROGRAM" >&2; exit 64; }
prog=$1 bin=$2

# options PROGRAM [COMMAND]: one line per option of COMMAND's --help,
# "SHORT^_LONG^_ARG^_DESCRIPTION" (fields split by the unit separator, 037;
# SHORT and ARG may be empty),
# continuation lines joined to the description
options() {
	"$bin" ${1:+"$1"} --help | awk '
	function flush() { if (long != "") printf "%s\037%s\037%s\037%s\n", short, long, arg, desc; long = "" }
	/^  (-[A-Za-z0-9], |    )--[a-z]/ {
		flush()
		line = substr($0, 3)
		short = ""
		if (line ~ /^-[A-Za-z0-9], /) { short = substr(line, 2, 1); line = substr(line, 5) }
		sub(/^ +/, "", line)
		# --name, --name=ARG or --name ARG (one space), then the description
		match(line, /^--[a-z0-9-]+/)
		long = substr(line, 3, RLENGTH - 2)
		rest = substr(line, RLENGTH + 1)
		arg = ""
		if (rest ~ /^=/ || rest ~ /^ [^ ]/) {
			rest = substr(rest, 2)
			arg = rest; sub(/ .*/, "", arg)
			rest = substr(rest, length(arg) + 1)
		}
		desc = rest
		sub(/^ +/, "", desc)
		next
	}
	/^      +[^ ]/ && long != "" {
		d = $0; sub(/^ +/, "", d)
		desc = desc == "" ? d : desc " " d
		next
	}
	{ flush() }
	END { flush() }'
}

# spec SHORT LONG ARG DESC: one _arguments specification
spec() {
	short=$1 long=$2 arg=$3 desc=$4
	# the description inside [...] of a single-quoted word
	desc=$(printf '%s' "$desc" | sed -e 's/\([][\\]\)/\\\1/g' -e 's/:/\\:/g' -e "s/'/'\\\\''/g")
	case "$long" in help) excl="(- *)" ;; *) excl="" ;; esac
	[ -z "$short" ] || [ -n "$excl" ] || excl="(-$short --$long)"
	rep=""
	case "$desc" in *repeated*) rep="*"; excl="" ;; esac
	if [ -z "$arg" ]; then
		tail=""
		names="--$long"
	else
		case "$arg" in
		*FILE* | BACKUP) action=_files ;;
		DIR) action="_files -/" ;;
		REGION) action="_nsalign_devices nd region" ;;
		NAMESPACE) action="_nsalign_devices nd namespace" ;;
		DAX) action="_nsalign_devices dax dax" ;;
		*[a-z]*)
			# the words of a|b|c, without placeholders in capitals
			words=$(printf '%s' "$arg" | tr '|' '\n' | grep -v '[A-Z]' | tr '\n' ' ' | sed 's/ $//')
			action="($words)" ;;
		*) action=" " ;;
		esac
		amsg=$(printf '%s' "$arg" | tr '[:upper:]' '[:lower:]' | sed -e 's/:/\\:/g' -e "s/'/'\\\\''/g")
		tail=":$amsg:$action"
		names="--$long="
		# nsalignd takes "--opt ARG" only as two words
		[ "$prog" = nsalign ] || names="--$long"
	fi
	if [ -n "$short" ]; then
		printf "\t\t'%s%s'{-%s,%s}'[%s]%s'" "$excl" "$rep" "$short" "$names" "$desc" "$tail"
	else
		printf "\t\t'%s%s%s[%s]%s'" "$excl" "$rep" "$names" "$desc" "$tail"
	fi
	printf ' \\\n'
}

# arguments COMMAND: the _arguments call of COMMAND's options
arguments() {
	printf '\t_arguments -s -S \\\n'
	sep=$(printf '\037')
	options "$1" | while IFS=$sep read -r short long arg desc; do
		spec "$short" "$long" "$arg" "$desc"
	done
}

# the positional arguments of a command: the words in capitals right after
# it on its usage line (DAX, NAMESPACE, ADDRESS SIZE), up to an option, a
# [...] or the end of a DAX|--dax choice
positionals() {
	"$bin" "$1" --help | sed -n "1s/^usage: nsalign $1 //p" | tr ' ' '\n' |
		awk '/^[A-Z]+(\|.*)?$/ { v = $0; sub(/\|.*/, "", v); print v; if ($0 ~ /\|/) exit; next } { exit }'
}

cat <<EOF
#compdef $prog
# SPDX-License-Identifier: GPL-2.0-or-later
# zsh completion for $prog(8), generated at build time from '$prog --help'
# (the option tables) by contrib/zsh-completion/gen.sh: do not edit.

(( \$+functions[_nsalign_devices] )) ||
_nsalign_devices() { # BUS PREFIX: the devices PREFIXN... in /sys/bus/BUS/devices
	local -a devs
	devs=(/sys/bus/\$1/devices/\$2<->*(N:t))
	_wanted \$2 expl \$2 compadd -a devs
}
EOF

if [ "$prog" = nsalignd ]; then
	printf '\n_nsalignd() {\n'
	arguments ""
	printf '\t\t&& return 0\n}\n\n_nsalignd "$@"\n'
	exit 0
fi

commands=$("$bin" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
for c in $commands; do
	printf '\n_nsalign_%s() {\n' "$(echo "$c" | tr - _)"
	arguments "$c"
	n=0
	for p in $(positionals "$c"); do
		n=$((n + 1))
		case $p in
		DAX) action="_nsalign_devices dax dax" ;;
		NAMESPACE) action="_nsalign_devices nd namespace" ;;
		*) action=" " ;;
		esac
		printf "\t\t'%s:%s:%s' \\\\\n" "$n" "$(echo "$p" | tr '[:upper:]' '[:lower:]')" "$action"
	done
	printf '\t\t&& return 0\n}\n'
done

printf '\n_nsalign() {\n\tlocal curcontext=$curcontext state line ret=1\n\tlocal -a commands\n\tcommands=(\n'
"$bin" --help | awk '
	/^Commands:/ { on = 1; next }
	on && /^  [a-z]/ { if (name != "") print name ":" desc; name = $1; desc = substr($0, 21); next }
	on && /^      +[^ ]/ { d = $0; sub(/^ +/, "", d); desc = desc " " d; next }
	on { if (name != "") print name ":" desc; name = ""; on = 0 }' |
	sed -e "s/'/'\\\\''/g" -e "s/^/\t\t'/" -e "s/\$/'/"
printf '\t)\n'
cat <<'EOF'
	_arguments -C \
		'(- *)--help[show the help]' \
		'(- *)--version[print the version]' \
		'--debug[debug messages on standard error]' \
		'1: :->command' \
		'*:: :->args' && ret=0
	case $state in
	command)
		_describe -t commands 'nsalign command' commands && ret=0
		;;
	args)
		curcontext=${curcontext%:*:*}:nsalign-$words[1]:
		case $words[1] in
EOF
for c in $commands; do
	printf '\t\t%s) _nsalign_%s && ret=0 ;;\n' "$c" "$(echo "$c" | tr - _)"
done
cat <<'EOF'
		help) _describe -t commands 'nsalign command' commands && ret=0 ;;
		esac
		;;
	esac
	return ret
}

_nsalign "$@"
EOF
