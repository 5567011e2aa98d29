#include "bashcompletion.h"

#include <QStringList>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

namespace {
QStringList optionWords(const QList<QCommandLineOption>& options, bool takingValue)
{
    QStringList words;
    for (const QCommandLineOption& option : options) {
        if (option.flags().testFlag(QCommandLineOption::HiddenFromHelp) || option.valueName().isEmpty() != !takingValue)
            continue;
        for (const QString& name : option.names())
            words.append(name.size() == 1 ? u"-"_s + name : u"--"_s + name);
    }
    return words;
}

QStringList fileOptions(const QList<QCommandLineOption>& options)
{
    QStringList words;
    for (const QCommandLineOption& option : options) {
        if (option.valueName() == u"file")
            words.append(u"--"_s + option.names().constLast());
    }
    return words;
}
} // namespace

QString bashCompletionScript(const QList<CommandSpec>& commands, const QList<QCommandLineOption>& connectionOptions)
{
    QStringList names;
    QString perCommand;
    QStringList valued = optionWords(connectionOptions, true);
    QStringList files = fileOptions(connectionOptions);
    for (const CommandSpec& spec : commands) {
        names.append(spec.name);
        perCommand += u"        %1) options=\"%2\" ;;\n"_s.arg(
            spec.name, (optionWords(spec.options, false) + optionWords(spec.options, true)).join(u' '));
        valued += optionWords(spec.options, true);
        files += fileOptions(spec.options);
    }
    valued.removeDuplicates();
    files.removeDuplicates();
    const QString connection =
        (optionWords(connectionOptions, false) + optionWords(connectionOptions, true)).join(u' ') + u" --help"_s;
    return uR"(# bash completion for cachectl, written by `cachectl --bash-completion` from its command table.
_cachectl()
{
    local cur prev words cword
    _init_completion || return
    case "$prev" in
        %1) _filedir; return ;;
        --by) COMPREPLY=($(compgen -W "route tenant venue ns" -- "$cur")); return ;;
        %2) return ;;
    esac
    local command="" i
    for ((i = 1; i < cword; i++)); do
        case "${words[i]}" in
            %2) ((i++)) ;;
            -*) ;;
            *) command="${words[i]}"; break ;;
        esac
    done
    if [[ -z "$command" ]]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "%3 --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "%4" -- "$cur"))
        fi
        return
    fi
    local options=""
    case "$command" in
%5    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$options %3" -- "$cur"))
    elif [[ "$command" == routes && $((cword - i)) -eq 1 ]]; then
        COMPREPLY=($(compgen -W "get export import set restore" -- "$cur"))
    fi
}
complete -F _cachectl cachectl
)"_s.arg(files.join(u'|'), valued.join(u'|'), connection, names.join(u' '), perCommand);
}

} // namespace cachescope::cli
