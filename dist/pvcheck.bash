# bash completion for pvcheck
_pvcheck()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmd=${COMP_WORDS[1]}
	case $prev in
	--json|--junit|--sarif|--html|--suppressions|-o|--rerun-failed)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--keep|--cases)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	esac
	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W "cc c++ run list explain exercise --help --version \
			-j --jobs --json --junit --sarif --html --keep -v --verbose --only-tsan \
			--only-pvcheck --rerun-failed" -- "$cur") $(compgen -d -- "$cur"))
		return
	fi
	case $cmd in
	run)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--json --sarif --junit --html --timeout --suppressions --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -c -- "$cur") $(compgen -f -- "$cur"))
		fi ;;
	cc|c++)
		COMPREPLY=($(compgen -W "--tsan --print-compile-flags --print-link-flags --help" -- "$cur") \
			$(compgen -f -- "$cur")) ;;
	list|explain|exercise)
		COMPREPLY=($(compgen -W "--cases --help" -- "$cur") $(compgen -d -- "$cur")) ;;
	*)
		COMPREPLY=($(compgen -W "-j --jobs --json --junit --sarif --html --keep -v --verbose \
			--only-tsan --only-pvcheck --rerun-failed --help" -- "$cur") $(compgen -d -- "$cur")) ;;
	esac
}
complete -F _pvcheck pvcheck
