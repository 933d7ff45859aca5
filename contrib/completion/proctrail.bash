# bash completion for proctrail(1) and proctraild(8)
#
# The commands and the long options come from the binary being completed
# (`proctrail --list-options [COMMAND]`, `proctraild --list-options`), so they
# are always that binary's. Only the values of a few options are listed here:
# keep them in step with proctrail(1).

# The program as typed (~/bin/proctrail, ./build/proctrail), else from PATH.
_proctrail_prog()
{
	local p=$1

	# shellcheck disable=SC2088 # the literal ~/ as typed
	[[ $p == "~/"* ]] && p=$HOME/${p#"~/"}
	if [[ $p == */* ]]; then
		[[ -x $p ]] || p=${p##*/}
	fi
	printf '%s\n' "$p"
}

# Undo the split COMP_WORDBREAKS makes at '=': "--events" "=" "fo" is one word
# to the program. Sets _pt_words and _pt_cword.
_proctrail_join()
{
	local i w n

	_pt_words=()
	_pt_cword=0
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		n=${#_pt_words[@]}
		if ((n > 0 && i > 0)) && [[ $w == "=" || ${COMP_WORDS[i - 1]} == "=" ]] &&
			[[ ${_pt_words[n - 1]} == --* ]]; then
			_pt_words[n - 1]+=$w
		else
			_pt_words+=("$w")
		fi
		((i == COMP_CWORD)) && _pt_cword=$((${#_pt_words[@]} - 1))
	done
	if ((COMP_CWORD >= ${#COMP_WORDS[@]})); then
		_pt_words+=("")
		_pt_cword=$((${#_pt_words[@]} - 1))
	fi
}

_proctrail_nospace()
{
	compopt -o nospace 2>/dev/null
}

# COMPREPLY from a list of words; no space after an option that takes a value.
_proctrail_words()
{
	local cur=$1 w

	shift
	COMPREPLY=()
	while IFS= read -r w; do
		[[ -n $w ]] && COMPREPLY+=("$w")
	done < <(compgen -W "$*" -- "$cur")
	for w in "${COMPREPLY[@]}"; do
		[[ $w == *= ]] && _proctrail_nospace && break
	done
}

# A comma-separated list (--events, -o): complete its last item.
_proctrail_list()
{
	local cur=$1 pre='' w

	shift
	[[ $cur == *,* ]] && pre=${cur%,*},
	COMPREPLY=()
	while IFS= read -r w; do
		[[ -n $w ]] && COMPREPLY+=("$pre$w")
	done < <(compgen -W "$*" -- "${cur##*,}")
	_proctrail_nospace
}

_proctrail_files()
{
	local w

	COMPREPLY=()
	compopt -o filenames 2>/dev/null
	while IFS= read -r w; do
		COMPREPLY+=("$w")
	done < <(compgen "$1" -- "$2")
}

_proctrail_pids()
{
	local p pids=()

	for p in /proc/[0-9]*; do
		pids+=("${p#/proc/}")
	done
	_proctrail_words "$1" "${pids[*]}"
}

# The value of --OPT=VALUE, or of -o VALUE. Returns 1 when it knows none.
_proctrail_value()
{
	local prog=$1 cmd=$2 opt=$3 cur=$4

	case $opt in
	--tier)
		if [[ ${prog##*/} == proctraild ]]; then
			_proctrail_words "$cur" auto bpf netlink inotify poll none
		else
			_proctrail_words "$cur" auto bpf netlink inotify poll
		fi
		;;
	--events)
		_proctrail_list "$cur" fork exec exit uid gid sid comm ptrace coredump lost \
			exec_failed all
		;;
	--time) _proctrail_words "$cur" local utc iso relative epoch ;;
	--color) _proctrail_words "$cur" auto always never ;;
	--output-fsync) _proctrail_words "$cur" no batch ;;
	--pg-write) _proctrail_words "$cur" copy insert ;;
	--pid) _proctrail_pids "$cur" ;;
	--user) _proctrail_words "$cur" "$(compgen -u)" ;;
	-o) _proctrail_fields "$prog" "$cur" ;;
	--output)
		# the file sink of watch and replay; the fields of the queries' -o
		case $cmd in
		watch | replay) _proctrail_files -f "$cur" ;;
		*) _proctrail_fields "$prog" "$cur" ;;
		esac
		;;
	--config | --sqlite | --rules | --db | --db-password-file | --socket)
		_proctrail_files -f "$cur"
		;;
	--proc-root | --runtime-root | --spool-dir | --watch-dir | --state-dir)
		_proctrail_files -d "$cur"
		;;
	*) return 1 ;;
	esac
	return 0
}

# -o FIELDS: the names and JSON names `proctrail fields` lists, without [N].
_proctrail_fields()
{
	local names

	names=$("$1" fields 2>/dev/null | awk 'NR > 1 { sub(/\[N\]$/, "", $1); print $1; print $2 }')
	_proctrail_list "$2" "$names"
}

# Whether word $1 is an option that takes the next word as its value:
# -o, -p, or a --NAME that $2 (a --list-options output) lists as --NAME=.
_proctrail_takes_value()
{
	[[ $1 == -[op] ]] && return 0
	[[ $1 == --* && $1 != *=* && $'\n'$2$'\n' == *$'\n'$1=$'\n'* ]]
}

_proctrail()
{
	local prog cur opt cmd='' opts='' i w prev dashdash=0 npos=0 at=0

	_proctrail_join
	prog=$(_proctrail_prog "${_pt_words[0]}")
	cur=${_pt_words[_pt_cword]}

	# the command: the first word after the global options
	for ((i = 1; i < _pt_cword; i++)); do
		if [[ ${_pt_words[i]} != -* ]]; then
			cmd=${_pt_words[i]}
			at=$i
			break
		fi
	done
	[[ -n $cmd ]] && opts=$("$prog" --list-options "$cmd" 2>/dev/null)
	# its arguments so far, and where watch's command starts
	for ((i = at + 1; at && i < _pt_cword; i++)); do
		w=${_pt_words[i]}
		if [[ $w == -- && $cmd == watch ]]; then
			dashdash=$i
			break
		fi
		[[ $w != -* ]] && ! _proctrail_takes_value "${_pt_words[i - 1]}" "$opts" &&
			((npos++))
	done
	# watch ... -- CMD ARGS: a command, then its arguments
	if ((dashdash)); then
		if ((_pt_cword == dashdash + 1)); then
			mapfile -t COMPREPLY < <(compgen -c -- "$cur")
		else
			_proctrail_files -f "$cur"
		fi
		return 0
	fi

	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		_proctrail_value "$prog" "$cmd" "$opt" "${cur#*=}" || COMPREPLY=()
		# with '=' out of COMP_WORDBREAKS the reply replaces the whole word
		[[ $COMP_WORDBREAKS == *=* ]] || COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
		return 0
	fi
	# --NAME VALUE, -o FIELDS, -p PID
	prev=${_pt_words[_pt_cword - 1]}
	if ((at && _pt_cword > at + 1)) && _proctrail_takes_value "$prev" "$opts"; then
		[[ $prev == -p ]] && prev=--pid
		_proctrail_value "$prog" "$cmd" "$prev" "$cur" || COMPREPLY=()
		return 0
	fi

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_proctrail_words "$cur" "$("$prog" --list-options 2>/dev/null | grep '^-')"
		else
			_proctrail_words "$cur" "$("$prog" --list-options 2>/dev/null | grep -v '^-')"
		fi
		return 0
	fi
	if [[ $cur == -* ]]; then
		_proctrail_words "$cur" "$(grep '^-' <<<"$opts")"
		return 0
	fi
	case $cmd in
	show | lineage | children | tree) ((npos == 0)) && _proctrail_pids "$cur" ;;
	replay) _proctrail_files -f "$cur" ;;
	rules)
		if ((npos == 0)); then
			_proctrail_words "$cur" check
		else
			_proctrail_files -f "$cur"
		fi
		;;
	esac
	return 0
}

_proctraild()
{
	local prog cur opt

	_proctrail_join
	prog=$(_proctrail_prog "${_pt_words[0]}")
	cur=${_pt_words[_pt_cword]}
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		_proctrail_value "$prog" '' "$opt" "${cur#*=}" || COMPREPLY=()
		[[ $COMP_WORDBREAKS == *=* ]] || COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
		return 0
	fi
	case ${_pt_words[_pt_cword - 1]} in
	-c) _proctrail_value "$prog" '' --config "$cur" && return 0 ;;
	-s) _proctrail_value "$prog" '' --socket "$cur" && return 0 ;;
	-t) _proctrail_value "$prog" '' --tier "$cur" && return 0 ;;
	esac
	_proctrail_words "$cur" "$("$prog" --list-options 2>/dev/null)"
	return 0
}

complete -F _proctrail proctrail
complete -F _proctraild proctraild
