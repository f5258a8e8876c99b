// `tskubectl completion bash|zsh`: a script that, once sourced, completes tskubectl's
// commands, flags, resource types and names. As cobra's scripts for kubectl, it asks
// `tskubectl __completeNoDesc` (bash) or `tskubectl __complete` (zsh, with descriptions)
// for the candidates and follows the directive on the last line (kubectl/completion.ts).
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError, usageError } from '../errors.js';

const BASH = `# bash completion for tskubectl                            -*- shell-script -*-
# Source it (source <(tskubectl completion bash)) or put it in a bash-completion directory.
# The candidates come from "tskubectl __completeNoDesc ARGS... WORD": one a line, then
# ":<directive>" (1 error, 2 no space, 4 no file completion, 8 file extensions, 16 directories).

__start_tskubectl() {
    local cur cword
    local -a words
    COMPREPLY=()
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref -n =: cur words cword
    else
        cur="\${COMP_WORDS[COMP_CWORD]}"
        words=("\${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local out
    out=$("\${words[0]}" __completeNoDesc "\${words[@]:1:$((cword - 1))}" "$cur" 2>/dev/null)
    local directive=0 last="\${out##*$'\\n'}"
    if [[ $last == :* ]]; then
        directive=\${last#:}
        if [[ $out == *$'\\n'* ]]; then out="\${out%$'\\n'*}"; else out=""; fi
    fi
    [[ $directive =~ ^[0-9]+$ ]] || directive=0
    if (( directive & 1 )); then
        return
    fi
    if (( directive & 2 )); then
        compopt -o nospace 2>/dev/null
    fi
    if (( directive & 4 )); then
        compopt +o default 2>/dev/null
    fi

    local IFS=$'\\n'
    if (( directive & 8 )); then
        # The candidates are file extensions: files with one of them, and directories.
        local ext pattern=""
        for ext in $out; do pattern+="\${pattern:+|}$ext"; done
        COMPREPLY=($(compgen -f -X "!*.@($pattern)" -- "$cur") $(compgen -d -- "$cur"))
        return
    fi
    if (( directive & 16 )); then
        COMPREPLY=($(compgen -d -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -W "$out" -- "$cur"))
    if (( \${#COMPREPLY[@]} == 0 )) && ! (( directive & 4 )); then
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

shopt -s extglob 2>/dev/null
complete -o default -F __start_tskubectl tskubectl
`;

const ZSH = `#compdef tskubectl
# zsh completion for tskubectl: source <(tskubectl completion zsh)
# The candidates come from "tskubectl __complete ARGS... WORD": "value<TAB>description"
# a line, then ":<directive>" (1 error, 2 no space, 4 no file completion, 8 file
# extensions, 16 directories).

_tskubectl() {
    local -a lines comps
    local out directive=0 last line value descr nospace=""
    out=$("\${words[1]}" __complete "\${(@)words[2,CURRENT-1]}" "\${words[CURRENT]}" 2>/dev/null)
    lines=("\${(@f)out}")
    last="\${lines[-1]}"
    if [[ $last == :* ]]; then
        directive=\${last#:}
        lines=("\${(@)lines[1,-2]}")
    fi
    (( directive & 1 )) && return 1
    (( directive & 2 )) && nospace="-S ''"
    if (( directive & 8 )); then
        local pattern="*.(\${(j:|:)lines})"
        _files -g "$pattern"
        return
    fi
    if (( directive & 16 )); then
        _files -/
        return
    fi
    for line in "\${lines[@]}"; do
        [[ -z $line ]] && continue
        value="\${line%%$'\\t'*}"
        descr=""
        [[ $line == *$'\\t'* ]] && descr="\${line#*$'\\t'}"
        value="\${value//:/\\\\:}"
        comps+=("$value\${descr:+:$descr}")
    done
    if (( \${#comps} > 0 )); then
        eval _describe -t completions "'completions'" comps $nospace
    elif ! (( directive & 4 )); then
        _files
    fi
}

if [ "$funcstack[1]" = "_tskubectl" ]; then
    _tskubectl "$@"
else
    compdef _tskubectl tskubectl
fi
`;

export function register(program: Command, cli: Cli): void {
  program.command('completion')
    .description('Output shell completion code for the specified shell (bash, zsh)')
    .usage('SHELL [options]')
    .argument('[shell...]')
    .addHelpText('before', `Output shell completion code for the specified shell (bash or zsh). The shell code must be evaluated to provide interactive completion of tskubectl commands. This can be done by sourcing it from the .bash_profile.
`)
    .action((shells: string[]) => {
      if (shells.length === 0) throw usageError('completion', 'Shell not specified.');
      if (shells.length > 1) throw usageError('completion', 'Too many arguments. Expected only the shell type.');
      const script = ({ bash: BASH, zsh: ZSH } as Record<string, string>)[shells[0]!];
      if (!script) throw new CliError(`error: Unsupported shell type "${shells[0]}".`);
      cli.out.write(script);
    });
}
